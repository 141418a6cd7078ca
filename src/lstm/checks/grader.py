"""A grader for students' forward and backward passes that names the wrong block, and the mistake.

The grader runs a student's functions and the package's reference on the
same random problem (every parameter perturbed away from its initial value,
so biases are nonzero; nonzero initial states; random gradients into every
output and every final state; B = 3, D = 4, H = 5, T = 4) and reports, block
by block, the relative error of each output and each gradient: for a gated
cell, each gate's rows of every stacked parameter separately.

When a result is wrong, the grader computes what each mistake in its
catalogue would have produced on the same problem, and names the one the
student's result matches (to 1e-6 relative on every block).  When none
matches it says so: it never guesses.  The catalogue of the LSTM holds the
slips that the chapters and the audit of the sources found people make.

Any cell behind the common interface can be graded (per-block errors); the
LSTM and the GRU (both forms) also have a catalogue.  A catalogued mistake
whose result on the problem equals the reference's is never offered (it
could match a nearly right answer), and no diagnosis is tried while the
forward pass is wrong (the backward pass reads its cache).

    report = grade_step(lstm.LSTM(), lstm_step_forward, lstm_step_backward)
    print(report)          # a table of blocks, and a diagnosis if one matches
    assert report.passed

The training assignment has checks of its own, each returning a
:class:`Check` that prints as one verdict line: :func:`grade_baseline`,
:func:`grade_runs` (the table of seeded runs, one run per setting re-run by
:func:`reference_train_once`), :func:`grade_gradients` and
:func:`grade_summary` (the student's summaries against a recomputation from
the same raw numbers).  The settings are one :class:`TrainingSetup`.
"""
from __future__ import annotations

import importlib.util
import inspect
import os
import pathlib
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from ..blocks.activations import _sigmoid_grad_from_output, _tanh_grad_from_output
from ..cells.base import Cell
from ..cells.loop import sequence_backward, sequence_forward
from .gradcheck import relative_error
from .harness import random_problem

#: a result within this relative error of the reference is correct (both are float64 on the same inputs)
PASS_TOL = 1e-9
#: a wrong result within this relative error of a catalogued mistake is diagnosed as that mistake
MATCH_TOL = 1e-6

class GraderError(ValueError):
    """The student's function cannot be graded: wrong signature, outputs or shapes."""


class Mistake(NamedTuple):
    key: str
    text: str  # what the result looks like, in plain words
    scope: str  # "step" or "sequence"


class Block(NamedTuple):
    name: str
    error: float
    ok: bool


class Report(NamedTuple):
    what: str
    blocks: list
    diagnosis: Mistake | None
    checked: int  # how many catalogued mistakes were compared
    note: str = ""  # why no diagnosis was tried, when none was

    @property
    def passed(self) -> bool:
        return all(b.ok for b in self.blocks)

    @property
    def wrong(self) -> list[str]:
        return [b.name for b in self.blocks if not b.ok]

    def __str__(self) -> str:
        verdict = "PASSED" if self.passed else f"{len(self.wrong)} of {len(self.blocks)} blocks wrong"
        lines = [f"{self.what}: {verdict}",
                 f"  (ok: relative error to the reference at most {PASS_TOL:.0e}; a name such as W_h[f] is"
                 " one gate's rows of that gradient)"]
        for b in self.blocks:
            lines.append(f"  {'ok ' if b.ok else 'BAD'}  {b.name:<14} relative error {b.error:.1e}")
        if not self.passed:
            if self.diagnosis is not None:
                lines.append(f"Diagnosis: {self.diagnosis.text}.")
            elif self.note:
                lines.append(self.note)
            else:
                lines.append(f"No known mistake matches (none of the {self.checked} in the catalogue), so there is no"
                             f" diagnosis: recheck the formulas of the BAD blocks ({', '.join(self.wrong)}).")
        return "\n".join(lines)


# --------------------------------------------------------------------------- the catalogue

STEP_MISTAKES = [
    Mistake(
        "forget_uses_f",
        "your forget-gate rows look like δ ⊙ f where the chain rule gives δ ⊙ c_{t−1} (∂c/∂f = c_{t−1})",
        "step",
    ),
    Mistake(
        "input_uses_i", "your input-gate rows look like δ ⊙ i where the chain rule gives δ ⊙ g (∂c/∂i = g)", "step"
    ),
    Mistake(
        "candidate_uses_g", "your candidate rows look like δ ⊙ g where the chain rule gives δ ⊙ i (∂c/∂g = i)", "step"
    ),
    Mistake(
        "dc_dropped",
        "the gradient arriving at c from the next step (dc) is dropped: ∂L/∂c must be dc + dh ⊙ o ⊙ (1 − tanh² c)",
        "step",
    ),
    Mistake(
        "tanh_prime_missing",
        "the path from h to c misses tanh′: ∂L/∂c needs dh ⊙ o ⊙ (1 − tanh² c), not dh ⊙ o",
        "step",
    ),
    Mistake("output_uses_c", "your output-gate rows look like dh ⊙ c where h = o ⊙ tanh(c) gives dh ⊙ tanh(c)", "step"),
    Mistake(
        "output_from_delta",
        "your output-gate rows are taken from δ = ∂L/∂c; the output gate acts on h, so "
        "its rows come from γ = ∂L/∂h: dh ⊙ tanh(c)",
        "step",
    ),
    Mistake(
        "candidate_sigma_prime", "the candidate uses σ′ = g(1 − g); it is a tanh, whose derivative is 1 − g²", "step"
    ),
    Mistake(
        "gate_sigma_prime_missing", "the gates i, f, o miss σ′: their pre-activation gradients need ⊙ σ(1 − σ)", "step"
    ),
    Mistake("c_prev_missing_f", "∂L/∂c_{t−1} misses the forget gate: it is δ ⊙ f, not δ", "step"),
    Mistake(
        "bias_mean",
        "the bias gradient is the batch mean; b is broadcast over the batch, so its gradient is the sum",
        "step",
    ),
    Mistake(
        "W_h_from_c_prev", "∂L/∂W_h is built from c_{t−1}; W_h multiplies h_{t−1}, so it is ∂L/∂aᵀ h_{t−1}", "step"
    ),
    Mistake(
        "h_prev_input_gate_only",
        "∂L/∂h_{t−1} counts only the input gate; h_{t−1} feeds all four gates, so it is ∂L/∂a W_h over all four blocks",
        "step",
    ),
]

SEQUENCE_MISTAKES = [
    Mistake(
        "per_step_dh_dropped",
        "each step's own loss gradient dhs[t] is not added to ∂L/∂h_t (only the one from step t + 1 is)",
        "sequence",
    ),
    Mistake(
        "carried_dh_dropped", "∂L/∂h_t from step t + 1 is dropped: h_t feeds the next step's gates too", "sequence"
    ),
    Mistake("carried_dc_dropped", "∂L/∂c_t from step t + 1 is dropped: every step starts with dc = 0", "sequence"),
    Mistake("W_h_from_h_t", "∂L/∂W_h sums ∂L/∂a_tᵀ h_t; step t reads h_{t−1}, so it is ∂L/∂a_tᵀ h_{t−1}", "sequence"),
    Mistake("dh_T_ignored", "the gradient arriving at the final hidden state (dh_T) is ignored", "sequence"),
    Mistake("dc_T_ignored", "the gradient arriving at the final cell state (dc_T) is ignored", "sequence"),
    Mistake(
        "params_last_step",
        "the parameter gradients are those of one step only; tied weights sum over all steps",
        "sequence",
    ),
]

#: The GRU's (``lstm.GRU``, either form), diagnosed in one step and, made at every step, through time.
GRU_MISTAKES = [
    Mistake(
        "gru_z_swapped",
        "z and 1 − z are swapped in the backward pass: h = (1 − z) ⊙ n + z ⊙ h_{t−1} "
        "gives ∂L/∂n = dh ⊙ (1 − z), the direct path dh ⊙ z and ∂L/∂z = dh ⊙ (h_{t−1} − n); your "
        "result is that of h = z ⊙ n + (1 − z) ⊙ h_{t−1}, the convention of other papers",
        "step",
    ),
    Mistake(
        "gru_reset_other_form",
        "your reset-gate gradients follow the other form of the GRU. In PyTorch's "
        "form (reset_after=True) r scales u_n = W_hn h_{t−1} + b_hn, so ∂L/∂r = δa_n ⊙ u_n and W_hn, "
        "b_hn and h_{t−1} receive δa_n ⊙ r; in Cho's form (reset_after=False) r scales h_{t−1} before "
        "W_hn, so ∂L/∂r = (δa_n W_hn) ⊙ h_{t−1}, ∂L/∂W_hn = δa_nᵀ (r ⊙ h_{t−1}) and b_hn receives δa_n",
        "step",
    ),
    Mistake("gru_direct_path_dropped", "∂L/∂h_{t−1} misses the direct path h_{t−1} → h: add dh ⊙ z", "step"),
    Mistake(
        "gru_b_hn_unscaled",
        "the gradient of b_hn is not scaled by r: b_hn sits inside "
        "r ⊙ (W_hn h_{t−1} + b_hn), so its gradient is Σ_batch δa_n ⊙ r",
        "step",
    ),
    Mistake(
        "gru_candidate_sigma_prime",
        "the candidate n uses σ′ = n(1 − n); it is a tanh, whose derivative is 1 − n²",
        "step",
    ),
]

MISTAKES = {m.key: m for m in STEP_MISTAKES + SEQUENCE_MISTAKES + GRU_MISTAKES}


def lstm_step_backward(dh, dc, cache, mistake: str | None = None, *, h_read=None):
    """The LSTM step's backward pass, or what it gives with one catalogued ``mistake``.

    ``cache`` is a :class:`lstm.LSTMCache`.  With ``mistake=None`` this is
    the plain chain rule of the chapter *One step back*; it is kept here,
    beside its mistakes, so that each mistake is one visible change.
    ``h_read`` replaces h_{t−1} in ∂L/∂W_h (for the sequence mistake
    ``W_h_from_h_t``).
    """
    x, h_prev, c_prev, i, f, g, o, tanh_c, W_x, W_h = cache
    m = mistake
    dh = np.zeros_like(i) if dh is None else dh
    dc = np.zeros_like(i) if dc is None else dc
    through_h = dh * o if m == "tanh_prime_missing" else dh * o * _tanh_grad_from_output(tanh_c)
    delta = through_h if m == "dc_dropped" else dc + through_h  # ∂L/∂c_t
    d_i = delta * (i if m == "input_uses_i" else g)
    d_f = delta * (f if m == "forget_uses_f" else c_prev)
    d_g = delta * (g if m == "candidate_uses_g" else i)
    if m == "output_uses_c":
        d_o = dh * np.arctanh(tanh_c)  # the cache keeps tanh(c), not c
    else:
        d_o = (delta if m == "output_from_delta" else dh) * tanh_c
    sig = (lambda s: 1.0) if m == "gate_sigma_prime_missing" else _sigmoid_grad_from_output
    tanh_prime = _sigmoid_grad_from_output if m == "candidate_sigma_prime" else _tanh_grad_from_output
    da = np.hstack([d_i * sig(i), d_f * sig(f), d_g * tanh_prime(g), d_o * sig(o)])
    H = i.shape[1]
    dh_prev = da[:, :H] @ W_h[:H] if m == "h_prev_input_gate_only" else da @ W_h
    return {
        "x": da @ W_x,
        "h_prev": dh_prev,
        "c_prev": delta if m == "c_prev_missing_f" else delta * f,
        "W_x": da.T @ x,
        "W_h": da.T @ (c_prev if m == "W_h_from_c_prev" else h_prev if h_read is None else h_read),
        "b": da.mean(axis=0) if m == "bias_mean" else da.sum(axis=0),
    }


def lstm_sequence_backward(dhs, caches, dh_T, dc_T, mistake: str | None = None):
    """BPTT over the step caches of the plain LSTM (``caches``: T :class:`lstm.LSTMCache`), or with one mistake.

    Step mistakes are made at every step; sequence mistakes in the loop.
    """
    T = len(caches)
    m = mistake
    step_m = m if m in MISTAKES and MISTAKES[m].scope == "step" else None
    zero = np.zeros_like(caches[0].i)
    dh = zero if m == "dh_T_ignored" else dh_T
    dc = zero if m == "dc_T_ignored" else dc_T
    totals: dict[str, np.ndarray] = {}
    dxs = [None] * T
    for t in reversed(range(T)):
        dh_in = dh if m == "per_step_dh_dropped" else dh + dhs[t]
        if m == "carried_dh_dropped":
            dh_in = dhs[t] + (dh_T if t == T - 1 else zero)
        dc_in = (dc_T if t == T - 1 else zero) if m == "carried_dc_dropped" else dc
        h_t = caches[t + 1].h_prev if t + 1 < T else None
        if m == "W_h_from_h_t" and h_t is None:  # h_T is not in any cache: rebuild it from the last step
            last = caches[t]
            h_t = last.o * last.tanh_c
        g = lstm_step_backward(dh_in, dc_in, caches[t], step_m, h_read=h_t if m == "W_h_from_h_t" else None)
        dxs[t] = g.pop("x")
        dh, dc = g.pop("h_prev"), g.pop("c_prev")
        if m == "params_last_step":
            totals = g
        else:
            totals = {k: v + totals[k] if k in totals else v for k, v in g.items()}
    return {"x": np.stack(dxs), "h0": dh, "c0": dc, **totals}  # type: ignore[arg-type]  # every dxs[t] is set


def gru_step_backward(dh, cache, mistake: str | None = None, *, b_h):
    """The GRU step's backward pass (either form), or what it gives with one catalogued ``mistake``.

    ``cache`` is a :class:`lstm.cells.gru.GRUCache`; ``b_h`` (3H,) the recurrent bias, which the rule of
    PyTorch's form needs when Cho's form is graded (mistake ``gru_reset_other_form``).
    """
    x, h_prev, r, z, n, v, s, W_x, W_h, reset_after = cache
    m = mistake
    H = n.shape[1]
    W_hn = W_h[2 * H :]
    keep, write = (1 - z, z) if m == "gru_z_swapped" else (z, 1 - z)  # h = write ⊙ n + keep ⊙ h_prev
    dn = dh * write
    dz = dh * (n - h_prev) if m == "gru_z_swapped" else dh * (h_prev - n)
    tanh_prime = _sigmoid_grad_from_output if m == "gru_candidate_sigma_prime" else _tanh_grad_from_output
    dan = dn * tanh_prime(n)
    if reset_after != (m == "gru_reset_other_form"):  # PyTorch's rule: r scales u_n
        u_n = h_prev @ W_hn.T + b_h[2 * H :]
        dr, dun = dan * u_n, dan * r
        dh_from_n, dW_hn = dun @ W_hn, dun.T @ h_prev
        db_hn = dan if m == "gru_b_hn_unscaled" else dun
    else:  # Cho's rule: r scales h_prev before W_hn
        ds = dan @ W_hn
        dr, dh_from_n, dW_hn, db_hn = ds * h_prev, ds * r, dan.T @ (r * h_prev), dan
    da = np.concatenate([dr * _sigmoid_grad_from_output(r), dz * _sigmoid_grad_from_output(z), dan], axis=1)
    direct = 0.0 if m == "gru_direct_path_dropped" else dh * keep
    return {
        "x": da @ W_x,
        "h_prev": direct + da[:, : 2 * H] @ W_h[: 2 * H] + dh_from_n,
        "W_x": da.T @ x,
        "W_h": np.concatenate([da[:, : 2 * H].T @ h_prev, dW_hn]),
        "b_x": da.sum(axis=0),
        "b_h": np.concatenate([da[:, : 2 * H].sum(axis=0), db_hn.sum(axis=0)]),
    }


def _h_only_sequence_backward(step, dhs, caches, dh_T):
    """BPTT for a cell whose state is h alone, with ``step(dh, cache) -> grads`` at every step."""
    dh, totals, dxs = dh_T, {}, [None] * len(caches)
    for t in reversed(range(len(caches))):
        g = step(dh + dhs[t], caches[t])
        dxs[t], dh = g.pop("x"), g.pop("h_prev")
        totals = {k: v + totals[k] if k in totals else v for k, v in g.items()}
    return {"x": np.stack(dxs), "h0": dh, **totals}


# --------------------------------------------------------------------------- grading


def _check_signature(fn, n: int, what: str, expected: str):
    if not callable(fn):
        raise GraderError(f"{what} is {type(fn).__name__}, not a function; expected {expected}")
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):  # builtins without a signature: let the call decide
        return
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    positional = [p for p in sig.parameters.values() if p.kind in kinds]
    required = [p for p in positional if p.default is p.empty]
    if any(p.kind == inspect.Parameter.VAR_POSITIONAL for p in sig.parameters.values()):
        return
    if not len(required) <= n <= len(positional):
        names = ", ".join(p.name for p in positional)
        raise GraderError(f"{what}({names}) takes {len(positional)} positional argument(s); expected {n}: {expected}")


def _check_shape(what: str, value, shape):
    arr = np.asarray(value) if value is not None else None
    if arr is None or arr.shape != tuple(shape):
        got = "None" if arr is None else str(arr.shape)
        raise GraderError(f"{what} has shape {got}; expected {tuple(shape)}")
    if not np.issubdtype(arr.dtype, np.floating):
        raise GraderError(f"{what} has dtype {arr.dtype}; expected float64")
    return arr


def _check_grads(what: str, grads, reference: dict):
    if not isinstance(grads, dict):
        raise GraderError(f"{what} returned {type(grads).__name__}; expected a dict with keys {sorted(reference)}")
    missing = [k for k in reference if k not in grads]
    if missing:
        raise GraderError(f"{what} returned no gradient for {missing}; expected keys {sorted(reference)}")
    return {k: _check_shape(f"{what}()[{k!r}]", grads[k], np.shape(v)) for k, v in reference.items()}


def _blocks(cell: Cell, name: str, value, ref, H: int) -> list[Block]:
    gates = cell.gate_rows(name)  # the gates stacked in the parameter's rows, as the cell states them
    if gates and np.shape(ref)[:1] == (len(gates) * H,):
        return [
            Block(
                f"{name}[{gate}]",
                e := relative_error(value[k * H : (k + 1) * H], ref[k * H : (k + 1) * H]),
                e <= PASS_TOL,
            )
            for k, gate in enumerate(gates)
        ]
    e = relative_error(value, ref)
    return [Block(name, e, e <= PASS_TOL)]


def _distance(a: dict, b: dict) -> float:
    return max(relative_error(a[k], b[k]) for k in a)


def _diagnose(student: dict, candidates: dict, reference: dict) -> tuple[Mistake | None, int]:
    """The catalogued mistake whose result the student's matches on every block, if one does.

    A candidate that does not differ from the reference on this problem (a mistake that changes
    nothing here, e.g. b_hn's scaling in a form where r does not scale b_hn) is left out: it
    would "match" any result that is only slightly wrong.
    """
    candidates = {k: v for k, v in candidates.items() if _distance(v, reference) > MATCH_TOL}
    best, best_err = None, MATCH_TOL
    for key, result in candidates.items():
        err = _distance(student, result)
        if err <= best_err:
            best, best_err = MISTAKES[key], err
    return best, len(candidates)


_FORWARD_WRONG = (
    "The forward pass is wrong ({}): fix it first. The backward pass reads its cache, so the"
    " gradients may be wrong for that reason alone; no mistake is diagnosed until the forward is right."
)


def _no_catalogue(cell: Cell) -> str:
    return (
        f"The {cell.name} cell has no catalogue of mistakes, so there is no diagnosis: recheck the formulas of"
        " the BAD blocks ({})."
    )


def _copy(v):
    return None if v is None else np.array(v, copy=True)


def _verdict(what: str, cell: Cell, blocks: list, n_forward: int, grads: dict, ref: dict, candidates) -> Report:
    """The report: a wrong forward pass (the first ``n_forward`` blocks) is named first; otherwise a
    wrong result is matched against ``candidates()`` (the catalogue's results, or None without one)."""
    bad_forward = [b.name for b in blocks[:n_forward] if not b.ok]
    if bad_forward:
        return Report(what, blocks, None, 0, _FORWARD_WRONG.format(", ".join(bad_forward)))
    if all(b.ok for b in blocks):
        return Report(what, blocks, None, 0, "")
    results = candidates()
    if results is None:
        return Report(what, blocks, None, 0, _no_catalogue(cell).format(", ".join(b.name for b in blocks if not b.ok)))
    diagnosis, checked = _diagnose(grads, results, ref)
    return Report(what, blocks, diagnosis, checked, "")


def grade_step(cell: Cell, forward: Callable, backward: Callable, *, B=3, D=4, H=5, rng=0) -> Report:
    """Grade a student's one-step ``forward`` and ``backward`` against ``cell``'s.

    ``forward(x, *state, params) -> (*new_state, cache)`` and
    ``backward(*dstate, cache) -> {"x", "<s>_prev", params…}``, with the
    state parts of ``cell.state_names``: for the LSTM
    ``forward(x, h_prev, c_prev, params) -> (h, c, cache)`` and
    ``backward(dh, dc, cache)``; for the RNN and the GRU
    ``forward(x, h_prev, params) -> (h, cache)`` and ``backward(dh, cache)``.
    Raises :class:`GraderError` if the functions cannot be graded.
    """
    names = cell.state_names
    n = len(names)
    _check_signature(forward, n + 2, "forward", f"forward(x, {', '.join(s + '_prev' for s in names)}, params)")
    _check_signature(backward, n + 1, "backward", f"backward({', '.join('d' + s for s in names)}, cache)")
    rng = np.random.default_rng(rng)
    params, x, state = random_problem(cell, B=B, D=D, H=H, rng=rng)
    dstate = tuple(rng.standard_normal((B, H)) for _ in names)
    ref_state, ref_cache = cell.step_forward(x, state, params)
    ref = cell.step_backward(dstate, ref_cache)

    out = forward(_copy(x), *map(_copy, state), {k: _copy(v) for k, v in params.items()})
    if not isinstance(out, tuple) or len(out) != n + 1:
        raise GraderError(
            f"forward returned {type(out).__name__} of length {len(out) if isinstance(out, tuple) else '?'};"
            f" expected a tuple ({', '.join(names)}, cache)"
        )
    new = [_check_shape(f"forward's {s}", v, (B, H)) for s, v in zip(names, out[:n])]
    grads = _check_grads("backward", backward(*map(_copy, dstate), out[n]), ref)

    blocks = [Block(s, e := relative_error(v, r), e <= PASS_TOL) for s, v, r in zip(names, new, ref_state)]
    for k in ref:
        blocks += _blocks(cell, k, grads[k], ref[k], H)

    def candidates():
        if cell.name == "lstm":
            return {m.key: lstm_step_backward(*dstate, ref_cache, m.key) for m in STEP_MISTAKES}
        if cell.name == "gru":
            return {m.key: gru_step_backward(*dstate, ref_cache, m.key, b_h=params["b_h"]) for m in GRU_MISTAKES}
        return None

    return _verdict(f"{cell.name} step", cell, blocks, n, grads, ref, candidates)


def grade_sequence(cell: Cell, forward: Callable, backward: Callable, *, T=4, B=3, D=4, H=5, rng=0) -> Report:
    """Grade a student's forward pass and backpropagation through time over a sequence.

    ``forward(x, params, *state0) -> (hs, state_T, cache)`` with ``x``
    (T, B, D), ``hs`` (T, B, H) and ``state_T`` a tuple of (B, H) parts;
    ``backward(dhs, cache, *dstate_T) -> {"x", "h0" ("c0"), params…}``.  For
    the LSTM: ``forward(x, params, h0, c0) -> (hs, (h_T, c_T), cache)`` and
    ``backward(dhs, cache, dh_T, dc_T)``, the signatures of
    :func:`lstm.lstm_forward` and :func:`lstm.lstm_backward`.
    """
    names = cell.state_names
    n = len(names)
    zeros = ", ".join(s + "0" for s in names)
    _check_signature(forward, n + 2, "forward", f"forward(x, params, {zeros})")
    _check_signature(backward, n + 2, "backward", f"backward(dhs, cache, {', '.join('d' + s + '_T' for s in names)})")
    rng = np.random.default_rng(rng)
    params, x, state0 = random_problem(cell, B=B, D=D, H=H, T=T, rng=rng)
    dhs = rng.standard_normal((T, B, H))
    dstate = tuple(rng.standard_normal((B, H)) for _ in names)
    ref_hs, ref_state, ref_run = sequence_forward(cell, x, params, state0, fast=False)
    ref = sequence_backward(dhs, ref_run, dstate)

    out = forward(_copy(x), {k: _copy(v) for k, v in params.items()}, *map(_copy, state0))
    if not isinstance(out, tuple) or len(out) != 3:
        raise GraderError("forward must return (hs, state_T, cache)")
    hs = _check_shape("forward's hs", out[0], (T, B, H))
    state_T = tuple(out[1]) if isinstance(out[1], (tuple, list)) else (out[1],)
    if len(state_T) != n:
        raise GraderError(f"forward's final state has {len(state_T)} parts; expected {n}: {names}")
    state_T = tuple(_check_shape(f"forward's {s}_T", v, (B, H)) for s, v in zip(names, state_T))
    grads = _check_grads("backward", backward(_copy(dhs), out[2], *map(_copy, dstate)), ref)

    blocks = [Block("hs", e := relative_error(hs, ref_hs), e <= PASS_TOL)]
    blocks += [Block(f"{s}_T", e := relative_error(v, r), e <= PASS_TOL) for s, v, r in zip(names, state_T, ref_state)]
    for k in ref:
        blocks += _blocks(cell, k, grads[k], ref[k], H)

    def candidates():
        if cell.name == "lstm":
            return {
                m.key: lstm_sequence_backward(dhs, ref_run.caches, *dstate, m.key)
                for m in STEP_MISTAKES + SEQUENCE_MISTAKES
            }
        if cell.name == "gru":
            return {
                m.key: _h_only_sequence_backward(
                    lambda dh, c, k=m.key: gru_step_backward(dh, c, k, b_h=params["b_h"]), dhs, ref_run.caches, *dstate
                )
                for m in GRU_MISTAKES
            }
        return None

    return _verdict(f"{cell.name} sequence", cell, blocks, n + 1, grads, ref, candidates)


# --------------------------------------------------------------------------- reference solutions

#: The environment variable that names the folder of the teacher's reference solutions.
SOLUTIONS_ENV = "LSTM_REFERENCE_SOLUTIONS"


def use_reference_solution(name: str, namespace: dict) -> bool:
    """Plug the reference solution ``<folder>/<name>.py`` into ``namespace``, if a folder is named.

    The folder comes from the environment variable ``LSTM_REFERENCE_SOLUTIONS``
    (the book's ``make`` targets set it, so the build grades the reference;
    a student's notebook runs with it unset and keeps the student's own
    functions).  Every name in the solution module's ``__all__`` replaces the
    student's.  Returns whether a solution was plugged in.
    """
    folder = os.environ.get(SOLUTIONS_ENV)
    if not folder:
        return False
    path = pathlib.Path(folder) / f"{name}.py"
    if not path.exists():
        raise FileNotFoundError(f"{SOLUTIONS_ENV}={folder} has no reference solution {path.name}")
    spec = importlib.util.spec_from_file_location(f"lstm_reference_{name}", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load the reference solution {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for key in module.__all__:
        namespace[key] = getattr(module, key)
    return True


# --------------------------------------------------------------------------- assignment 4: train and analyse


class TrainingSetup(NamedTuple):
    """The runs of the training assignment: the adding problem at length ``T`` (``markers`` as in
    :func:`lstm.training.tasks.adding_problem`), an LSTM of ``H`` units with a linear read-out, Adam at ``lr``,
    gradient-norm clipping at ``clip``, ``steps`` steps on batches of ``B`` fresh sequences, and
    the fixed test set :func:`lstm.training.experiments.adding_test_set` of ``n_test`` sequences."""

    T: int = 20
    H: int = 16
    B: int = 32
    steps: int = 800
    lr: float = 1e-2
    clip: float = 1.0
    markers: str = "first_half"
    n_test: int = 1000


class Check(NamedTuple):
    """One grading check of the training assignment: printed, it is one verdict line."""

    what: str
    passed: bool
    detail: str

    def __str__(self) -> str:
        return f"{'✓' if self.passed else '✗'} {self.what}: {self.detail}"


#: the keys, in order, of what a summary of per-seed values holds
SUMMARY_KEYS = ("median", "min", "max", "below")


def training_test_set(setup: TrainingSetup):
    """``(x (T, n_test, 2), y (n_test, 1))``: the fixed test set of ``setup``'s task."""
    from ..training.experiments import adding_test_set

    return adding_test_set(setup.T, setup.n_test, setup.markers)


def reference_baseline(setup: TrainingSetup) -> float:
    """The test MSE of the best constant answer, the mean of the test targets."""
    _, y = training_test_set(setup)
    return float(np.mean((y - y.mean()) ** 2))


def reference_train_once(setup: TrainingSetup, forget_bias: float, seed: int) -> float:
    """One training run of the assignment, as its stub's docstring states it; returns the test MSE.

    One generator, ``np.random.default_rng(seed)``, draws the initial weights
    (:func:`lstm.training.models.init_model`) and then every batch (:func:`lstm.training.loop.train`).
    """
    from ..cells.lstm import LSTM
    from ..training.loop import train
    from ..training.models import LastStepMSE, init_model
    from ..training.optim import Adam
    from ..training.tasks import adding_problem

    rng = np.random.default_rng(seed)
    cell = LSTM(forget_bias=forget_bias)
    model = LastStepMSE(cell)
    params = init_model(cell, 2, setup.H, 1, rng=rng)
    train(
        model,
        params,
        Adam(params, lr=setup.lr),
        lambda step, r: adding_problem(setup.T, setup.B, rng=r, markers=setup.markers),
        steps=setup.steps,
        clip=setup.clip,
        rng=rng,
        progress=False,
    )
    return float(model.loss(params, training_test_set(setup)))


def reference_input_gradient_norms(setup: TrainingSetup, forget_bias: float, seed: int) -> np.ndarray:
    """(T,): ‖∂L/∂x_t‖ for t = 1 … T at initialisation, L the MSE on the test set.

    The weights are the ones run ``seed`` starts from; the norm of each step's
    (n_test, 2) block is the Frobenius norm.
    """
    from ..blocks.loss import output_backward, output_forward
    from ..cells.lstm import LSTM
    from ..training.models import init_model, split_params

    cell = LSTM(forget_bias=forget_bias)
    params = init_model(cell, 2, setup.H, 1, rng=np.random.default_rng(seed))
    cell_params, out = split_params(params)
    x, y = training_test_set(setup)
    _, state_T, run = sequence_forward(cell, x, cell_params)
    pred, cache = output_forward(state_T[0], out["W_y"], out["b_y"])
    dh_T = output_backward(2.0 * (pred - y) / pred.size, cache)["h"]
    dx = sequence_backward(None, run, (dh_T, None))["x"]
    return np.linalg.norm(dx.reshape(len(dx), -1), axis=1)


def _worst(pairs) -> float:
    """The largest relative error |a − b| / |b| over (a, b) pairs (0 for an empty list)."""
    return max((abs(a - b) / max(abs(b), 1e-300) for a, b in pairs), default=0.0)


def _table_form(table, biases, seeds, what: str, item) -> str:
    """'' if ``table`` maps each bias to one entry per seed, each accepted by ``item``; else the reason."""
    if not isinstance(table, dict):
        return f"{what} is {type(table).__name__}, not a dict from forget bias to a list over seeds"
    if sorted(float(k) for k in table) != sorted(float(b) for b in biases):
        return f"{what} has the biases {sorted(table)}; expected {list(biases)}"
    for b in biases:
        row = table[b]
        if not isinstance(row, (list, tuple)) or len(row) != len(seeds):
            return f"{what}[{b}] should be a list of {len(seeds)} entries, one per seed"
        for seed, value in zip(seeds, row):
            reason = item(value)
            if reason:
                return f"{what}[{b}] at seed {seed}: {reason}"
    return ""


def _finite_float(value) -> str:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (float, int, np.floating, np.integer)):
        return f"{type(value).__name__}, not a number"
    return "" if np.isfinite(value) and value >= 0 else f"{value!r} is not a finite number >= 0"


def grade_baseline(value, setup: TrainingSetup, *, rtol: float = 1e-9) -> Check:
    """The student's baseline against the test MSE of answering the mean of the test targets."""
    what = "baseline"
    reason = _finite_float(value)
    if reason:
        return Check(what, False, reason)
    ref = reference_baseline(setup)
    err = _worst([(float(value), ref)])
    if err > rtol:
        return Check(what, False, f"{float(value):.6f}, but answering the mean of the test targets gives {ref:.6f}")
    return Check(what, True, f"{float(value):.4f} is the test MSE of answering the mean (relative error {err:.0e})")


def grade_runs(results, setup: TrainingSetup, biases, seeds, *, rtol: float = 1e-6) -> Check:
    """The table of final test MSEs (``results[bias]``, one per seed) against re-runs by the reference.

    The form of the whole table is checked; one run per bias is re-run (the
    k-th bias with the (k mod n)-th seed) and must agree to ``rtol``.  The
    runs are deterministic, but chaotic: a different order of the same
    arithmetic changes the last digits at once and, after hundreds of steps,
    the first ones; so the numbers agree only when the run is built from the
    package's pieces exactly as the stub's docstring says.
    """
    what = "train_once"
    reason = _table_form(results, biases, seeds, "results", _finite_float)
    if reason:
        return Check(what, False, reason)
    rows = {float(k): v for k, v in results.items()}
    pairs, wrong = [], []
    for k, b in enumerate(biases):
        seed = seeds[k % len(seeds)]
        got, ref = float(rows[float(b)][k % len(seeds)]), reference_train_once(setup, b, seed)
        pairs.append((got, ref))
        if _worst([(got, ref)]) > rtol:
            wrong.append(f"b_f = {b:g}, seed {seed}: yours {got:.6g}, the reference's {ref:.6g}")
    if wrong:
        return Check(
            what,
            False,
            "; ".join(wrong) + " (follow the docstring exactly: one generator for "
            "the weights and the batches, lstm.train with these settings, the fixed test set)",
        )
    return Check(
        what,
        True,
        f"{len(biases) * len(seeds)} results of the right form; {len(pairs)} re-run by the "
        f"reference (one per bias) agree to {_worst(pairs):.0e}",
    )


def grade_gradients(norms, setup: TrainingSetup, biases, seeds, *, rtol: float = 1e-6) -> Check:
    """The table of gradient profiles (``norms[bias]``, one (T,) array per seed) against the reference."""
    what = "input_gradient_norms"

    def profile(value):
        arr = np.asarray(value)
        if arr.shape != (setup.T,):
            return f"shape {arr.shape}; expected ({setup.T},), one norm per step"
        if not (np.issubdtype(arr.dtype, np.floating) and np.all(np.isfinite(arr)) and np.all(arr >= 0)):
            return "not finite norms >= 0"
        return ""

    reason = _table_form(norms, biases, seeds, "norms", profile)
    if reason:
        return Check(what, False, reason)
    rows = {float(k): v for k, v in norms.items()}
    worst, wrong = 0.0, []
    for b in biases:
        for k, seed in enumerate(seeds):
            got, ref = np.asarray(rows[float(b)][k], float), reference_input_gradient_norms(setup, b, seed)
            err = float(np.max(np.abs(got - ref) / ref))
            worst = max(worst, err)
            if err > rtol:
                t = int(np.argmax(np.abs(got - ref) / ref))
                wrong.append(
                    f"b_f = {b:g}, seed {seed}, step {t + 1}: yours {got[t]:.4g}, the reference's {ref[t]:.4g}"
                )
    if wrong:
        return Check(what, False, f"{len(wrong)} of {len(biases) * len(seeds)} profiles differ, first {wrong[0]}")
    return Check(
        what, True, f"{len(biases) * len(seeds)} profiles of {setup.T} steps match the reference to {worst:.0e}"
    )


def _summary_of(values, threshold) -> dict:
    v = np.asarray(values, float)
    return {
        "median": float(np.median(v)),
        "min": float(v.min()),
        "max": float(v.max()),
        "below": int(np.sum(v < threshold)),
    }


def grade_summary(summarise, tables, *, rtol: float = 1e-12) -> Check:
    """``summarise(values, threshold)`` against a recomputation from the same raw numbers.

    ``tables``: ``{name: (table, threshold)}``, each table a dict from bias to
    per-seed values (numbers, or anything ``float`` accepts).  Two made-up
    cases come first: an even count (the median is the mean of the middle
    two), unsorted values, and a value equal to the threshold (``below``
    counts values strictly below it).
    """
    what = "summarise"
    _check_signature(summarise, 2, what, "summarise(values, threshold)")
    cases = [
        ("made-up values [0.3, 0.1, 0.4, 0.2], threshold 0.25", [0.3, 0.1, 0.4, 0.2], 0.25),
        ("made-up values [0.5, 0.2, 0.9], threshold 0.5", [0.5, 0.2, 0.9], 0.5),
    ]
    for name, (table, threshold) in tables.items():
        cases += [(f"{name} at b_f = {b:g}", [float(v) for v in row], threshold) for b, row in table.items()]
    for label, values, threshold in cases:
        got = summarise(list(values), threshold)
        if not isinstance(got, dict) or set(got) != set(SUMMARY_KEYS):
            keys = sorted(got) if isinstance(got, dict) else type(got).__name__
            return Check(what, False, f"{label}: returned {keys}; expected a dict with keys {list(SUMMARY_KEYS)}")
        ref = _summary_of(values, threshold)
        for key in SUMMARY_KEYS:
            value = got[key]
            if key == "below" and (isinstance(value, bool) or not isinstance(value, (int, np.integer))):
                return Check(what, False, f"{label}: 'below' is {type(value).__name__}; it counts values, an int")
            if _finite_float(value) or _worst([(float(value), ref[key])]) > rtol:
                return Check(what, False, f"{label}: {key} is {value!r}; from these values it is {ref[key]!r}")
    return Check(
        what,
        True,
        f"{len(cases)} summaries (2 made-up, {len(cases) - 2} of your own numbers) match a "
        f"recomputation from the raw values",
    )
