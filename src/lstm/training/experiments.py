"""The training experiments of Part V, each one function from settings and a seed to a record.

The chapters call these with small budgets; ``scripts/`` call them with the
large ones and commit the records, which the chapters load and re-check.
Every run is reproducible from its seed: the seed draws the initial weights
and then every training batch; the test set has its own fixed seed, shared
by every run of the same task, so all runs are scored on the same data.
"""
from __future__ import annotations

import json

import numpy as np

from ..cells.base import Cell
from ..cells.lstm import LSTM
from .loop import History, Stop, Target, train
from .models import LastStepMSE, StepwiseCrossEntropy, init_model
from .optim import Adam
from .tasks import REBER_SYMBOLS, adding_problem, reber_batch, reber_correct, reber_strings


def adding_test_set(T: int, n: int = 1000, markers: str = "halves"):
    """The fixed test set of the adding problem at length T: ``(x (T, n, 2), y (n, 1))``."""
    return adding_problem(T, n, rng=np.random.default_rng([T, 20150401]), markers=markers)


def adding_run(cell: Cell | None, T: int, seed: int, *, steps: int, H: int = 32, B: int = 32, lr: float = 1e-2,
               clip: float | None = 1.0, n_test: int = 1000, eval_every: int = 50, target: float | None = 0.01,
               markers: str = "halves", progress=None) -> tuple[History, dict]:
    """Train ``cell`` (default: the LSTM) with a linear read-out on the modern adding problem.

    Adam at ``lr``, gradient-norm clipping at ``clip``, batches of ``B`` fresh
    sequences of length ``T``, at most ``steps`` steps, stopping early when the
    test MSE reaches ``target`` (``None``: never).  The test MSE is measured
    every ``eval_every`` steps on :func:`adding_test_set`.  ``markers`` is
    passed to :func:`lstm.training.tasks.adding_problem` for training and test data.

    Returns ``(history, params)``.
    """
    cell = LSTM() if cell is None else cell
    rng = np.random.default_rng(seed)
    model = LastStepMSE(cell)
    params = init_model(cell, 2, H, 1, rng=rng)
    test = adding_test_set(T, n_test, markers)
    history = train(model, params, Adam(params, lr=lr), lambda step, r: adding_problem(T, B, rng=r, markers=markers),
                    steps=steps,
                    clip=clip, evaluate=lambda p: model.loss(p, test), eval_every=eval_every,
                    early_stop=None if target is None else Target(target), rng=rng, progress=progress)
    return history, params


class Rule1997:
    """The stopping rule of Hochreiter & Schmidhuber's adding problem (1997), an ``early_stop`` for :func:`train`.

    Training stops once the mean squared error over the ``window`` most recent
    training sequences is below 0.01 and every one of them was processed
    correctly (absolute error < 0.04, :func:`lstm.training.tasks.adding_1997_correct`).
    The rule watches training, not held-out data: :meth:`record` takes each
    batch's predictions, in batches of ``B`` sequences; it keeps the last
    ⌈window / B⌉ batches.  :meth:`wrong_fraction` is the evaluation to give
    :func:`train` (``evaluate``, with ``eval_every=1``), and the rule itself
    its ``early_stop``.
    """

    def __init__(self, window: int = 2000, B: int = 32):
        from collections import deque

        for name, n in (("window", window), ("B", B)):
            if not (isinstance(n, (int, np.integer)) and n >= 1):
                raise ValueError(f"{name} must be a positive integer; got {n!r}")
        self.window, self.B = int(window), int(B)
        # per batch: (sequences wrong, sum of squared errors, sequences)
        self.recent: deque[tuple[int, float, int]] = deque(maxlen=-(-self.window // self.B))

    def record(self, pred, y) -> None:
        """Add a training batch's (B, 1) predictions ``pred`` and targets ``y`` to the window."""
        from .tasks import adding_1997_correct

        self.recent.append((int((~adding_1997_correct(pred, y)).sum()), float(np.sum((pred - y) ** 2)), len(y)))

    def seen(self) -> int:
        """The number of sequences in the window (it holds whole batches)."""
        return sum(c for _, _, c in self.recent)

    def wrong_fraction(self, params=None) -> float:
        """The fraction of the window's sequences processed wrongly; 1 until ``window`` sequences were seen."""
        n = self.seen()
        if n < self.window:
            return 1.0
        return sum(w for w, _, _ in self.recent) / n

    def __call__(self, wrong_fraction: float) -> bool:
        n = self.seen()
        return wrong_fraction == 0.0 and n >= self.window and sum(s for _, s, _ in self.recent) / n < 0.01

    def __repr__(self):
        return f"Rule1997(window={self.window}, B={self.B})"

    def describe(self) -> str:
        return f"the 1997 rule: MSE < 0.01 and no error >= 0.04 over the last {self.window} sequences"


def adding_1997_run(cell: Cell | None, T: int, seed: int, *, steps: int, H: int = 32, B: int = 32,
                    lr: float = 1e-2, clip: float | None = 1.0, window: int = 2000, n_test: int = 2560,
                    progress=None) -> tuple[History, dict]:
    """The adding problem under the 1997 protocol and stopping rule (:func:`lstm.training.tasks.adding_problem_1997`).

    Training stops, as in the paper, by :class:`Rule1997` over the ``window``
    most recent training sequences; the check runs after every step, so the
    evaluation recorded in the history is the fraction of the window's
    sequences processed wrongly (1 until the window is full).  Then
    ``n_test`` fresh sequences are scored.

    Returns ``(history, result)`` with ``result`` holding ``sequences`` (the
    training sequences seen when the rule fired, or ``None``), ``test_wrong``
    (the number of test sequences with error >= 0.04) and ``test_mse``.
    """
    from .tasks import adding_1997_correct, adding_problem_1997

    cell = LSTM() if cell is None else cell
    rng = np.random.default_rng(seed)
    model = LastStepMSE(cell)
    params = init_model(cell, 2, H, 1, rng=rng)
    rule = Rule1997(window, B)

    def loss_and_grads(p, batch):
        loss, grads, pred = model.loss_grads_pred(p, batch)
        rule.record(pred, batch[1])
        return loss, grads

    history = train(loss_and_grads, params, Adam(params, lr=lr),
                    lambda step, r: adding_problem_1997(T, B, rng=r), steps=steps, clip=clip,
                    evaluate=rule.wrong_fraction, eval_every=1, early_stop=rule, rng=rng, progress=progress)
    x, y, lengths = adding_problem_1997(T, n_test, rng=np.random.default_rng([T, 1997]))
    pred = model.predict(params, x, lengths)
    result = {"sequences": B * history.steps if history.stop is Stop.EARLY else None,
              "test_wrong": int((~adding_1997_correct(pred, y)).sum()), "test_mse": float(np.mean((pred - y) ** 2)),
              "n_test": n_test}
    return history, result


def reber_data(seed: int = 1997, n: int = 256) -> tuple[list[str], list[str]]:
    """The embedded Reber grammar's ``n`` training and ``n`` test strings (the paper's 256 and 256)."""
    rng = np.random.default_rng(seed)
    return reber_strings(n, rng), reber_strings(n, rng)


def reber_errors(model, params, encoded) -> np.ndarray:
    """(B,) bool: which strings of ``encoded`` fail the 1997 criterion.

    ``encoded`` as :func:`lstm.training.tasks.reber_batch` returns it.
    """
    x, _, mask, legal = encoded
    return ~reber_correct(model.predict(params, x), legal, mask)


def reber_run(cell: Cell | None, seed: int, *, steps: int, H: int = 8, B: int = 16, lr: float = 1e-2,
              clip: float | None = 1.0, eval_every: int = 50, data_seed: int = 1997,
              progress=None) -> tuple[History, dict]:
    """Train ``cell`` (default: the LSTM) to predict the next symbol of embedded Reber strings.

    Each step draws ``B`` of the 256 training strings of :func:`reber_data`
    without replacement and takes an Adam step on their mean cross-entropy per
    symbol.  Every ``eval_every`` steps the evaluation is the fraction of the
    512 strings (training and test sets) on which the 1997 criterion fails
    (:func:`lstm.training.tasks.reber_correct`); the run stops when it is zero, the
    paper's stopping rule, or after ``steps`` steps.

    Returns ``(history, params)``.
    """
    cell = LSTM() if cell is None else cell
    train_strings, test_strings = reber_data(data_seed)
    encoded = reber_batch(train_strings + test_strings)
    rng = np.random.default_rng(seed)
    model = StepwiseCrossEntropy(cell)
    params = init_model(cell, len(REBER_SYMBOLS), H, len(REBER_SYMBOLS), rng=rng)

    def batches(step, r):
        chosen = r.choice(len(train_strings), size=B, replace=False)
        x, targets, mask, _ = reber_batch([train_strings[i] for i in chosen])
        return x, targets, mask

    history = train(model, params, Adam(params, lr=lr), batches, steps=steps, clip=clip,
                    evaluate=lambda p: float(reber_errors(model, p, encoded).mean()), eval_every=eval_every,
                    early_stop=Target(0.0), rng=rng, progress=progress)
    return history, params


def history_record(history: History, **settings) -> dict:
    """A JSON-ready summary of a run: its settings, evaluation curve, steps, stop reason and time."""
    return {
        **settings,
        "steps": history.steps,
        "stop_reason": history.stop_reason,
        "eval_step": [int(s) for s in history.eval_step],
        "eval_loss": [float(v) for v in history.eval_loss],
        "final_eval": float(history.final_eval),
        "wall_seconds": round(history.seconds, 2),
        "cpu_seconds": round(history.cpu_seconds, 2),
    }


def load_records(path) -> list[dict]:
    """The records of a JSON-lines log written by ``scripts/``: one :func:`history_record` (or like) per line."""
    from pathlib import Path

    return [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]


__all__ = ["Rule1997", "adding_1997_run", "adding_run", "adding_test_set", "history_record", "load_records",
           "reber_data", "reber_errors", "reber_run"]
