"""One checking harness for every cell behind the common interface (:mod:`lstm.cells.base`).

Each function builds a random problem on which mistakes show (every
parameter perturbed away from its initial value, so biases are nonzero;
nonzero initial states; random gradients into every output and every part
of the final state; B > 1, D ≠ H, T > 1) and asserts that the cell's
backward pass agrees with an independent computation:

* :func:`check_step` and :func:`check_sequence`: central finite differences
  (float64, relative error ≤ 1e-7 by default, as the chapter *Checking
  gradients* justifies);
* :func:`check_batch_is_loop`: the batched run equals running each example
  alone (≤ 1e-12), so no example leaks into another;
* :func:`check_symbolic`: SymPy's exact derivative of the cell's
  :meth:`~lstm.cells.base.Cell.symbolic_step`, a forward pass written separately
  on SymPy matrices, evaluated at the same point (≤ 1e-12).

Every function returns the relative errors it measured, by name, and raises
``AssertionError`` naming whatever is above the tolerance.
"""
from __future__ import annotations

import numpy as np

from ..cells.base import Cell
from ..cells.loop import sequence_backward, sequence_forward
from .gradcheck import gradcheck, relative_error


def random_problem(cell: Cell, *, B: int = 3, D: int = 4, H: int = 5, T: int | None = None, rng=None, scale=0.3):
    """``(params, x, state0)``: float64 parameters perturbed from ``cell.init_params``, inputs, states.

    ``x`` is (B, D), or (T, B, D) when ``T`` is given; ``state0`` a tuple of
    (B, H) arrays, one per part of the cell's state.
    """
    rng = np.random.default_rng(rng)
    params = cell.init_params(D, H, rng=rng, dtype=np.float64)
    params = {k: v + scale * rng.standard_normal(v.shape) for k, v in params.items()}
    x = rng.standard_normal((B, D) if T is None else (T, B, D))
    state0 = tuple(0.5 * rng.standard_normal((B, H)) for _ in cell.state_names)
    return params, x, state0


def _fail(errors: dict, tol: float, what: str):
    bad = {k: e for k, e in errors.items() if not e <= tol}
    if bad:
        lines = [f"{k}: relative error {e:.2e} > {tol:.0e}" for k, e in bad.items()]
        raise AssertionError(f"{what} failed\n  " + "\n  ".join(lines))
    return errors


def check_step(cell: Cell, *, B: int = 3, D: int = 4, H: int = 5, rng=0, tol: float = 1e-7) -> dict[str, float]:
    """Finite differences of one step, w.r.t. x, every part of the previous state and every parameter."""
    params, x, state = random_problem(cell, B=B, D=D, H=H, rng=rng)
    prev = [f"{s}_prev" for s in cell.state_names]
    inputs = {"x": x, **dict(zip(prev, state)), **params}

    def forward(**v):
        return cell.step_forward(v["x"], tuple(v[k] for k in prev), {k: v[k] for k in params})

    return gradcheck(
        forward, lambda d, cache: cell.step_backward(d, cache), inputs, tol=tol, rng=np.random.default_rng(rng)
    )


def check_sequence(
    cell: Cell, *, T: int = 6, B: int = 3, D: int = 4, H: int = 5, lengths=None, fast: bool = True, rng=0,
    tol: float = 1e-7,
) -> dict[str, float]:
    """Finite differences through time: a loss on every h_t and on every part of the final state.

    Checks ``x``, every initial state part (``h0``, ``c0``) and every
    parameter.  ``lengths`` (B,) runs a padded batch.
    """
    params, x, state0 = random_problem(cell, B=B, D=D, H=H, T=T, rng=rng)
    init = [f"{s}0" for s in cell.state_names]
    inputs = {"x": x, **dict(zip(init, state0)), **params}

    def forward(**v):
        hs, state_T, cache = sequence_forward(
            cell, v["x"], {k: v[k] for k in params}, tuple(v[k] for k in init), lengths=lengths, fast=fast
        )
        return (hs, *state_T), cache

    def backward(d, cache):
        return sequence_backward(d[0], cache, tuple(d[1:]))

    return gradcheck(forward, backward, inputs, tol=tol, rng=np.random.default_rng(rng))


def check_batch_is_loop(
    cell: Cell, *, T: int = 4, B: int = 3, D: int = 4, H: int = 5, lengths=None, rng=0, tol: float = 1e-12
) -> dict[str, float]:
    """The batched run (outputs, final states, every gradient) equals running each example alone.

    Parameter gradients of the batch are the sum of the examples' ones.  With
    ``lengths``, example b alone runs only its own ``lengths[b]`` steps.
    """
    rng = np.random.default_rng(rng)
    params, x, state0 = random_problem(cell, B=B, D=D, H=H, T=T, rng=rng)
    dhs = rng.standard_normal((T, B, H))
    dstate = tuple(rng.standard_normal((B, H)) for _ in cell.state_names)
    lengths = None if lengths is None else np.asarray(lengths)
    hs, state_T, cache = sequence_forward(cell, x, params, state0, lengths=lengths)
    grads = sequence_backward(dhs, cache, dstate)

    errors: dict[str, float] = {}
    sums = {k: np.zeros_like(v) for k, v in params.items()}
    alone_hs = np.zeros_like(hs)
    alone_x = np.zeros_like(x)
    for b in range(B):
        n = T if lengths is None else int(lengths[b])
        s0 = tuple(s[b : b + 1] for s in state0)
        hb, sb, cb = sequence_forward(cell, x[:n, b : b + 1], params, s0)
        gb = sequence_backward(dhs[:n, b : b + 1], cb, tuple(d[b : b + 1] for d in dstate))
        alone_hs[:n, b] = hb[:, 0]
        alone_x[:n, b] = gb["x"][:, 0]
        for name, part in zip(cell.state_names, sb):
            errors[f"{name}_T[{b}]"] = relative_error(state_T[cell.state_names.index(name)][b], part[0])
        for name in cell.state_names:
            errors[f"{name}0[{b}]"] = relative_error(grads[f"{name}0"][b], gb[f"{name}0"][0])
        for k in params:
            sums[k] = sums[k] + gb[k]
    errors["hs"] = relative_error(hs, alone_hs)
    errors["x"] = relative_error(grads["x"], alone_x)
    errors.update({k: relative_error(grads[k], sums[k]) for k in params})
    return _fail(errors, tol, "batch = loop over examples")


def check_symbolic(cell: Cell, *, B: int = 2, D: int = 3, H: int = 2, rng=0, tol: float = 1e-12) -> dict[str, float]:
    """The NumPy step (forward and backward) against SymPy's exact derivative of ``cell.symbolic_step``.

    Builds every input as a matrix of symbols, differentiates the scalar
    L = Σ_k ⟨s'_k, U_k⟩ (U_k random numbers, one per part of the new state)
    with ``sympy.diff``, evaluates at the point of :func:`random_problem` and
    compares with ``cell.step_forward``/``step_backward`` there.  Keys
    ``"forward:h"``… for the new state, then each gradient's name.
    """
    import sympy as sp

    from . import symbolic

    rng = np.random.default_rng(rng)
    params, x, state = random_problem(cell, B=B, D=D, H=H, rng=rng)
    U = tuple(rng.standard_normal((B, H)) for _ in cell.state_names)

    def sym(name, shape):
        return symbolic.vector(name, shape[0]) if len(shape) == 1 else symbolic.matrix(name, *shape)

    prev = [f"{s}_prev" for s in cell.state_names]
    values = {"x": x, **dict(zip(prev, state)), **params}
    symbols = {k: sym(k.replace("_", ""), v.shape) for k, v in values.items()}
    new = cell.symbolic_step(symbols["x"], tuple(symbols[k] for k in prev), {k: symbols[k] for k in params})
    L = sum((symbolic.frobenius(s, sp.Matrix(u)) for s, u in zip(new, U)), sp.S.Zero)
    exprs = [sp.Matrix(s) for s in new] + [symbolic.gradient(L, symbols[k]) for k in values]

    flat_syms = [s for k in values for s in symbols[k]]
    flat_vals = [float(v) for k in values for v in np.asarray(values[k]).reshape(-1)]
    f = sp.lambdify(flat_syms, exprs, modules=[symbolic._NUMERIC, "numpy"], cse=True)
    evaluated = [np.asarray(e, dtype=np.float64) for e in f(*flat_vals)]

    new_np, cache = cell.step_forward(x, state, params)
    grads = cell.step_backward(U, cache)
    errors = {f"forward:{n}": relative_error(s, e) for n, s, e in zip(cell.state_names, new_np, evaluated)}
    for k, e in zip(values, evaluated[len(new) :]):
        errors[k] = relative_error(grads[k], e.reshape(np.shape(values[k])))
    return _fail(errors, tol, f"{cell!r} against SymPy")
