"""A training loop for any model and any loss, its record, and its plot.

::

    history = train(model, params, Adam(params, lr=1e-2), batches, steps=2000,
                    clip=1.0, evaluate=lambda p: model.loss(p, test), eval_every=100,
                    early_stop=Target(0.01), rng=np.random.default_rng(0))

* ``model(params, batch) -> (loss, grads)``: any callable of that form, for
  instance :class:`lstm.training.models.LastStepMSE`;
* ``batches``: a callable ``batches(step, rng) -> batch`` (fresh data drawn
  from ``rng``, so the run is reproducible from the seed), or any iterable
  of batches (a list, a generator), read until it ends;
* a budget of ``steps`` and/or ``seconds`` (a time budget makes the number
  of steps depend on the machine, so it is for exploring, not for asserts);
* ``clip``: a max-norm for :func:`lstm.training.clip.clip_grad_norm`, or any
  callable that clips the gradients in place;
* ``evaluate(params) -> float`` on held-out data, every ``eval_every`` steps,
  before the first step and after the last; ``early_stop`` a criterion on
  that value (:class:`Target`, :class:`Patience`, a number meaning
  ``Target(number)``, or any ``callable(value) -> bool``);
* a non-finite loss or gradient norm stops the run before the optimiser
  could write NaN into the parameters;
* ``callback(history)`` after every step (to log, sample or checkpoint).

Why the run ended is a value, ``history.stop``, one of :class:`Stop`; the
readable ``history.stop_reason`` (``"step budget 2000"``, ``"early stop
(eval <= 0.01) at step 1050"``) is that value's text and a detail.

The progress display is a tqdm bar when the run is interactive (a terminal,
or a notebook open in Jupyter or Colab) and one summary line otherwise, so
that a built page shows a clean record.
"""
from __future__ import annotations

import enum
import math
import os
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from .clip import clip_grad_norm, total_norm
from .optim import Optimizer


class Stop(enum.Enum):
    """Why a run of :func:`train` ended; ``History.stop`` holds one.

    The value is the start of the readable ``History.stop_reason``.
    """

    BUDGET_STEPS = "step budget"  #: ``steps`` taken
    BUDGET_TIME = "time budget"  #: ``seconds`` spent
    DATA_EXHAUSTED = "data exhausted"  #: a finite ``batches`` ran out
    EARLY = "early stop"  #: the ``early_stop`` criterion held
    DIVERGED = "diverged"  #: a non-finite loss or gradient norm

    @classmethod
    def parse(cls, reason: str) -> Stop:
        """The :class:`Stop` of a ``stop_reason`` text (as a JSON log stores it)."""
        for stop in cls:
            if reason == stop.value or reason.startswith(stop.value + " "):
                return stop
        raise ValueError(f"{reason!r} is not a stop reason; it starts with none of {[s.value for s in cls]}")


@dataclass
class History:
    """What :func:`train` measured.

    Per optimiser step (aligned lists): ``step`` (1, 2, …), ``loss`` (the
    training loss of the batch, before the update), ``grad_norm`` (the
    global 2-norm of the gradients, before clipping), ``lr`` (the learning
    rate of the update), ``time`` (seconds since the start, after the
    update).  Per evaluation: ``eval_step`` (0 is before training) and
    ``eval_loss``.  ``stop`` says why the run ended (a :class:`Stop`, ``None``
    while it runs) and ``stop_detail`` the particulars; ``stop_reason`` is
    both as one line of text.  ``cpu_seconds`` is the process time the run
    used (wall-clock time is inflated on a shared machine, process time much
    less).
    """

    step: list = field(default_factory=list)
    loss: list = field(default_factory=list)
    grad_norm: list = field(default_factory=list)
    lr: list = field(default_factory=list)
    time: list = field(default_factory=list)
    eval_step: list = field(default_factory=list)
    eval_loss: list = field(default_factory=list)
    stop: Stop | None = None
    stop_detail: str = ""
    cpu_seconds: float = math.nan

    def finish(self, stop: Stop, detail: str = "") -> None:
        """Record why the run ended."""
        self.stop, self.stop_detail = Stop(stop), detail

    @property
    def stop_reason(self) -> str:
        """Why the run ended, for people: ``"step budget 3"``, ``"early stop (eval <= 0.001) at step 6"``;
        ``""`` while it runs."""
        if self.stop is None:
            return ""
        return f"{self.stop.value} {self.stop_detail}" if self.stop_detail else self.stop.value

    def __len__(self) -> int:
        return len(self.step)

    @property
    def steps(self) -> int:
        """The number of optimiser steps taken."""
        return len(self.step)

    @property
    def seconds(self) -> float:
        return self.time[-1] if self.time else 0.0

    @property
    def diverged(self) -> bool:
        return self.stop is Stop.DIVERGED

    @property
    def final_eval(self) -> float:
        return self.eval_loss[-1] if self.eval_loss else math.nan

    def best_eval(self) -> tuple[int, float]:
        """``(step, value)`` of the lowest evaluation."""
        if not self.eval_loss:
            return -1, math.nan
        k = int(np.nanargmin(self.eval_loss)) if not np.all(np.isnan(self.eval_loss)) else 0
        return self.eval_step[k], self.eval_loss[k]

    def first_step_below(self, value: float) -> int | None:
        """The first evaluated step whose evaluation is ≤ ``value`` (None if never)."""
        for s, v in zip(self.eval_step, self.eval_loss):
            if v <= value:
                return s
        return None

    def summary(self) -> str:
        """One line: steps, time, stop reason, last training loss, last and best evaluation."""
        parts = [f"{self.steps} steps in {self.seconds:.1f} s ({self.stop_reason or 'running'})"]
        if self.loss:
            tail = self.loss[-min(len(self.loss), 20):]
            parts.append(f"train loss {np.mean(tail):.4g} (mean of last {len(tail)})")
        if self.eval_loss:
            s, v = self.best_eval()
            parts.append(f"eval {self.final_eval:.4g} (best {v:.4g} at step {s})")
        return ", ".join(parts)

    def __repr__(self) -> str:
        return f"History({self.summary()})"


class Target:
    """Stop once the evaluation is at or below ``value``."""

    def __init__(self, value: float):
        self.value = float(value)

    def __call__(self, loss: float) -> bool:
        return loss <= self.value

    def __repr__(self):
        return f"Target({self.value})"

    def describe(self) -> str:
        return f"eval <= {self.value:g}"


class Patience:
    """Stop when ``patience`` evaluations in a row fail to beat the best by more than ``min_delta``."""

    def __init__(self, patience: int, min_delta: float = 0.0):
        if not (isinstance(patience, (int, np.integer)) and patience >= 1):
            raise ValueError(f"patience must be a positive integer; got {patience!r}")
        self.patience, self.min_delta = int(patience), float(min_delta)
        self.best, self.bad = math.inf, 0

    def __call__(self, loss: float) -> bool:
        if loss < self.best - self.min_delta:
            self.best, self.bad = loss, 0
        else:
            self.bad += 1
        return self.bad >= self.patience

    def __repr__(self):
        return f"Patience({self.patience}, min_delta={self.min_delta})"

    def describe(self) -> str:
        return f"no improvement in {self.patience} evaluations"


def is_interactive() -> bool:
    """True in a terminal, or in a notebook opened in Jupyter (``JPY_SESSION_NAME``) or Colab.

    A notebook executed by a builder (jupyter-book, nbval, nbclient) is not
    interactive, so its saved output is a single summary line, not a bar.
    """
    if os.environ.get("CI"):
        return False
    if "ipykernel" in sys.modules:
        return "JPY_SESSION_NAME" in os.environ or "google.colab" in sys.modules
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def _progress_bar(total, seconds):
    try:
        if "ipykernel" in sys.modules:
            import ipywidgets  # noqa: F401  (tqdm's notebook bar needs it)
            from tqdm.notebook import tqdm
        else:
            from tqdm import tqdm
    except ImportError:
        try:
            from tqdm import tqdm
        except ImportError:
            return None
    return tqdm(total=total, unit="step", desc="train", leave=True, dynamic_ncols=True,
                postfix=None if seconds is None else {"budget": f"{seconds:g} s"})


def _batch_source(batches, rng):
    if callable(batches) and not hasattr(batches, "__next__"):
        return lambda step: batches(step, rng), False
    if isinstance(batches, Iterable) or hasattr(batches, "__next__"):
        it = iter(batches)
        return lambda step: next(it), True
    raise TypeError(
        f"batches must be a callable (step, rng) -> batch or an iterable of batches; got {type(batches).__name__}"
    )


def _criterion(early_stop):
    if early_stop is None:
        return None
    if isinstance(early_stop, (int, float)) and not isinstance(early_stop, bool):
        return Target(early_stop)
    if callable(early_stop):
        return early_stop
    raise TypeError(f"early_stop must be a number, Target, Patience or callable(value) -> bool; got {early_stop!r}")


def _clipper(clip):
    if clip is None:
        return lambda grads: total_norm(grads)
    if isinstance(clip, (int, float)) and not isinstance(clip, bool):
        max_norm = float(clip)
        if not max_norm > 0:
            raise ValueError(f"clip is {clip}; expected a max-norm > 0, a callable, or None")
        return lambda grads: clip_grad_norm(grads, max_norm)

    if callable(clip):

        def apply(grads):
            norm = total_norm(grads)  # recorded before clipping, whatever the clipper does
            clip(grads)
            return norm

        return apply
    raise TypeError(f"clip must be a max-norm, a callable(grads) or None; got {clip!r}")


@dataclass(frozen=True)
class Budget:
    """How long :func:`train` may run: ``steps`` optimiser steps and/or ``seconds`` of wall-clock time."""

    steps: int | None = None
    seconds: float | None = None

    def __post_init__(self):
        if self.steps is not None and not (isinstance(self.steps, (int, np.integer)) and self.steps >= 0):
            raise ValueError(f"steps must be a non-negative integer or None; got {self.steps!r}")
        if self.seconds is not None and not float(self.seconds) > 0:
            raise ValueError(f"seconds must be > 0 or None; got {self.seconds!r}")

    @property
    def unbounded(self) -> bool:
        """Neither steps nor seconds: only a finite ``batches`` can end the run."""
        return self.steps is None and self.seconds is None

    def spent(self, steps: int, t0: float) -> tuple[Stop, str] | None:
        """``(stop, detail)`` once ``steps`` steps, or the seconds since ``t0`` (``perf_counter``), reach the budget."""
        if self.steps is not None and steps >= self.steps:
            return Stop.BUDGET_STEPS, f"{self.steps}"
        if self.seconds is not None and time.perf_counter() - t0 >= self.seconds:
            return Stop.BUDGET_TIME, f"{self.seconds:g} s"
        return None


def _check_args(loss_and_grads, params, optimizer, eval_every) -> None:
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizer must be an lstm.training.optim optimiser; got {type(optimizer).__name__}")
    if optimizer.params is not params:
        raise ValueError("optimizer was built on a different params dict; build it on the dict passed as params")
    if not callable(loss_and_grads):
        raise TypeError("loss_and_grads must be a callable (params, batch) -> (loss, grads)")
    if not (isinstance(eval_every, (int, np.integer)) and eval_every >= 1):
        raise ValueError(f"eval_every must be a positive integer; got {eval_every!r}")


class _Run:
    """One run of :func:`train`: the loop and what it calls each step, writing into ``history``."""

    def __init__(self, loss_and_grads, params, optimizer, clipper, schedule, evaluate, eval_every, criterion,
                 callback, bar):
        self.loss_and_grads, self.params, self.optimizer = loss_and_grads, params, optimizer
        self.clipper, self.schedule, self.callback, self.bar = clipper, schedule, callback, bar
        self.evaluate, self.eval_every, self.criterion = evaluate, eval_every, criterion
        self.history = History()
        self.t0 = time.perf_counter()

    def eval_stops(self, step: int) -> bool:
        """Evaluate and record; whether the early-stop criterion holds."""
        h = self.history
        value = float(self.evaluate(self.params))
        h.eval_step.append(step)
        h.eval_loss.append(value)
        if self.bar is not None:
            self.bar.set_postfix(loss=f"{h.loss[-1]:.4g}" if h.loss else "-", eval=f"{value:.4g}")
        return self.criterion is not None and self.criterion(value)

    def update(self, step: int, batch) -> bool:
        """One optimiser step on ``batch`` (step counts from 0), recorded; False if it diverged instead."""
        h = self.history
        loss, grads = self.loss_and_grads(self.params, batch)
        loss = float(loss)
        norm = self.clipper(grads)
        if not (math.isfinite(loss) and math.isfinite(norm)):
            h.finish(Stop.DIVERGED, f"at step {step + 1}: loss {loss}, gradient norm {norm}")
            return False
        if self.schedule is not None:
            self.optimizer.lr = self.schedule(step)
        self.optimizer.step(grads)
        h.step.append(step + 1)
        h.loss.append(loss)
        h.grad_norm.append(float(norm))
        h.lr.append(self.optimizer.lr)
        h.time.append(time.perf_counter() - self.t0)
        if self.bar is not None:
            self.bar.update(1)
        if self.callback is not None:
            self.callback(h)
        return True

    def loop(self, next_batch, budget: Budget) -> History:
        h, evaluating = self.history, self.evaluate is not None
        step = 0
        if evaluating and self.eval_stops(0):
            h.finish(Stop.EARLY, "at step 0")
        while h.stop is None:
            spent = budget.spent(step, self.t0)
            if spent is not None:
                h.finish(*spent)
                break
            try:
                batch = next_batch(step)
            except StopIteration:
                h.finish(Stop.DATA_EXHAUSTED)
                break
            if not self.update(step, batch):
                break
            step += 1
            if evaluating and step % self.eval_every == 0 and self.eval_stops(step):
                c = self.criterion
                h.finish(Stop.EARLY, f"({c.describe() if hasattr(c, 'describe') else repr(c)}) at step {step}")
        if evaluating and h.eval_step[-1] != step:
            self.eval_stops(step)  # the budget ended the run between evaluations: record where it ended
        return h


def train(
    loss_and_grads: Callable,
    params: dict,
    optimizer: Optimizer,
    batches,
    *,
    steps: int | None = None,
    seconds: float | None = None,
    clip=None,
    evaluate: Callable[[dict], float] | None = None,
    eval_every: int = 100,
    early_stop=None,
    schedule: Callable[[int], float] | None = None,
    callback: Callable[[History], None] | None = None,
    progress: bool | None = None,
    rng=None,
) -> History:
    """Train ``params`` in place; return the :class:`History`.

    Parameters
    ----------
    loss_and_grads : ``(params, batch) -> (loss: float, grads: dict)``, grads keyed like ``params``.
    params : dict of float arrays, the very dict ``optimizer`` was built on.
    optimizer : an :mod:`lstm.training.optim` optimiser.
    batches : ``callable(step, rng) -> batch`` (step counts from 0) or an iterable of batches.
    steps, seconds : budgets (a :class:`Budget`); the run stops at the first one reached (at
        least one is needed unless ``batches`` is a finite iterable).
    clip : ``None``, a max-norm (float) for :func:`lstm.training.clip.clip_grad_norm`, or a
        callable clipping ``grads`` in place (e.g. ``lambda g: clip_grad_value(g, 5)``).
    evaluate : ``callable(params) -> float`` on held-out data.
    eval_every : evaluate every this many steps (and before the first and after the last).
    early_stop : criterion on the evaluation (see the module docstring).
    schedule : ``callable(step) -> lr`` set on the optimiser before each step (step counts from 0).
    callback : ``callable(history)`` after each step is recorded (before that step's evaluation).
    progress : ``None`` (bar if :func:`is_interactive`, else a summary line), ``True``
        (always a bar), ``False`` (silent).
    rng : a ``numpy.random.Generator`` or a seed, handed to ``batches``.
    """
    _check_args(loss_and_grads, params, optimizer, eval_every)
    budget = Budget(steps, seconds)
    rng = np.random.default_rng(rng)
    next_batch, finite_source = _batch_source(batches, rng)
    if budget.unbounded and not finite_source:
        raise ValueError("give steps or seconds: batches is a callable, so the data never runs out")
    criterion, clipper = _criterion(early_stop), _clipper(clip)
    bar = _progress_bar(steps, seconds) if (is_interactive() if progress is None else progress) else None
    run = _Run(loss_and_grads, params, optimizer, clipper, schedule, evaluate, eval_every, criterion, callback, bar)
    cpu0 = time.process_time()
    try:
        history = run.loop(next_batch, budget)
    finally:
        run.history.cpu_seconds = time.process_time() - cpu0
        if bar is not None:
            bar.close()
    if progress is not False and bar is None:
        print(history.summary())
    return history


def plot_history(histories, *, ax=None, logy: bool = True, smooth: int = 20, title: str | None = None):
    """Plot training loss (running mean over ``smooth`` steps) and evaluation loss against step.

    ``histories``: one :class:`History`, a list of them, or a dict ``{label: History}``.
    Returns the matplotlib Axes.
    """
    import matplotlib.pyplot as plt

    if isinstance(histories, History):
        histories = {"": histories}
    elif not isinstance(histories, dict):
        histories = {str(k): h for k, h in enumerate(histories)}
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 3.6))
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for k, (label, h) in enumerate(histories.items()):
        color = colors[k % len(colors)]
        prefix = f"{label}: " if label else ""
        if h.loss:
            loss = np.asarray(h.loss, dtype=float)
            w = max(1, min(int(smooth), len(loss)))
            mean = np.convolve(loss, np.ones(w) / w, mode="valid")
            ax.plot(h.step[w - 1 :], mean, color=color, alpha=0.45, lw=1, label=f"{prefix}train")
        if h.eval_loss:
            ax.plot(h.eval_step, h.eval_loss, color=color, lw=2, marker=".", label=f"{prefix}eval")
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    if title:
        ax.set_title(title)
    ax.legend(fontsize="small")
    return ax


__all__ = ["Budget", "History", "Patience", "Stop", "Target", "is_interactive", "plot_history", "train"]
