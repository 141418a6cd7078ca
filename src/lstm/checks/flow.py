"""Measuring how gradients travel back through time, for any cell of :mod:`lstm.cells.base`.

The chapter *Gradients through time, measured* uses these to put numbers on
vanishing and exploding gradients:

* :func:`state_gradients` runs backpropagation through time and keeps what
  :func:`lstm.sequence_backward` throws away: the gradient with respect to
  the state at *every* step, ∂J/∂s_t for t = 0 … T.
* :func:`gradient_norms` is the common case: a loss at the last step only,
  J = Σ_b ⟨u_b, h_T,b⟩, and the norms ‖∂J/∂h_t‖, ‖∂J/∂c_t‖ per example.
* :func:`step_jacobian` builds the dense one-step Jacobian
  ∂s_t/∂s_{t-1} from the cell's own backward pass, one unit vector at a time.
* :func:`log_profile` and :func:`decay_rate` turn norms into the mean log
  norm at each distance T − t and into a rate per step.

The state s_t is the tuple of the cell's state parts (h_t, c_t for the
LSTM), each treated as a coordinate of its own: ∂J/∂c_t is the derivative
with h_t held fixed, what reaches c_t along the cell state from step t + 1
(ε_t in the chapter *Backpropagation through time*).  These are the
quantities that one-step Jacobians chain: ∂J/∂s_{t-1} = ∂J/∂s_t · ∂s_t/∂s_{t-1}.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._validate import check_array, check_sequence
from ..cells.base import Cell
from ..cells.loop import sequence_forward


class Flow(NamedTuple):
    """What :func:`state_gradients` returns."""

    grads: dict  # state part name -> (T + 1, B, H): ∂J/∂s_t at t = 0 … T
    hs: np.ndarray  # (T, B, H) the outputs h_1 … h_T of the forward pass
    caches: list  # the T step caches of the forward pass (e.g. LSTMCache, holding the gates)


def state_gradients(cell: Cell, x, params, state0=None, *, dhs=None, dstate_T=None) -> Flow:
    """Backpropagation through time that records the gradient of every state.

    Parameters
    ----------
    cell : a :class:`lstm.cells.base.Cell`.
    x : (T, B, D) inputs.
    params : the cell's parameters.
    state0 : tuple of (B, H) initial state parts (``None`` for zeros).
    dhs : (T, B, H) ∂J/∂h_t from each step's own loss, or ``None``.
    dstate_T : tuple like the state, gradients arriving at the final state.

    Returns
    -------
    :class:`Flow` whose ``grads[name][t]`` (B, H) is ∂J/∂s_t for state part
    ``name`` at t = 0 … T (t = 0 is the initial state; ``grads["h"][t]``
    includes the loss at step t itself).  ``grads[name][0]`` equals the
    ``name + "0"`` gradient of :func:`lstm.sequence_backward`.
    """
    hs, _, run = sequence_forward(cell, x, params, state0, fast=False)  # keeps every step's cache
    T, B, _, H = run.shape
    dims = {"T": T, "B": B, "H": H}
    dtype = run.dtype
    dhs = np.zeros((T, B, H), dtype) if dhs is None else check_array("dhs", dhs, ("T", "B", "H"), dims, dtype=dtype)
    names = cell.state_names
    dstate = list(cell.check_state(dstate_T, B, H, dtype, where="_T", grad=True))
    grads = {s: np.empty((T + 1, B, H), dtype) for s in names}
    for t in reversed(range(T)):  # caches[t] is the step that makes s_{t+1} from s_t
        dstate[0] = dstate[0] + dhs[t]
        for s, d in zip(names, dstate):
            grads[s][t + 1] = d
        g = cell.step_backward(tuple(dstate), run.caches[t])
        dstate = [g[f"{s}_prev"] for s in names]
    for s, d in zip(names, dstate):
        grads[s][0] = d
    return Flow(grads, hs, run.caches)


def gradient_norms(cell: Cell, x, params, state0=None, *, dh_T) -> dict[str, np.ndarray]:
    """‖∂J/∂s_t‖ per example for a loss at the last step only, J = Σ_b ⟨dh_T[b], h_T[b]⟩.

    Parameters
    ----------
    x : (T, B, D); ``state0`` as in :func:`state_gradients`.
    dh_T : (B, H) the gradient of the loss with respect to h_T.

    Returns
    -------
    ``{name: (T + 1, B)}``, the Euclidean norm over the H units of ∂J/∂s_t
    for each state part, at t = 0 … T (so index T − d is distance d).
    """
    dims = dict(cell.dims(params))
    x = check_sequence("x", x, dims)
    dh_T = check_array("dh_T", dh_T, ("B", "H"), dims, dtype=x.dtype)
    T = x.shape[0]
    dhs = np.zeros((T, *dh_T.shape), dh_T.dtype)
    dhs[-1] = dh_T
    flow = state_gradients(cell, x, params, state0, dhs=dhs)
    return {s: np.linalg.norm(g, axis=-1) for s, g in flow.grads.items()}


def step_jacobian(cell: Cell, x, state, params) -> np.ndarray:
    """The dense Jacobian ∂s_t/∂s_{t-1} of one step, for each example.

    Parameters
    ----------
    x : (B, D) input; ``state`` a tuple of (B, H) parts (the cell's
        ``state_names`` order); ``params`` the cell's parameters.

    Returns
    -------
    J : (B, nH, nH) with n = len(cell.state_names): the state parts are
        concatenated in order, so for the LSTM J[b] is
        [[∂h_t/∂h_{t-1}, ∂h_t/∂c_{t-1}], [∂c_t/∂h_{t-1}, ∂c_t/∂c_{t-1}]],
        each block (H, H), row = output unit, column = input unit.

    Notes
    -----
    Row k of J[b] is the vector-Jacobian product e_kᵀ J, which is what the
    cell's backward pass computes from the unit vector e_k; every example is
    repeated nH times so that all nH unit vectors go through one batched
    backward pass.
    """
    dims = cell.dims(params)
    dtype = params[next(iter(params))].dtype
    x = check_array("x", x, ("B", "D"), {"D": dims["D"]}, dtype=dtype)
    B, H = x.shape[0], dims["H"]
    state = cell.check_state(state, B, H, dtype, where="_prev")
    names = cell.state_names
    n = len(names) * H
    def rep(a):  # example b occupies rows b·n … b·n + n − 1
        return np.repeat(a, n, axis=0)
    _, cache = cell.step_forward(rep(x), tuple(rep(s) for s in state), params)
    eye = np.tile(np.eye(n, dtype=dtype), (B, 1))  # (B·n, n): row b·n + k is e_k
    dstate = tuple(eye[:, j * H : (j + 1) * H] for j in range(len(names)))
    g = cell.step_backward(dstate, cache)
    rows = np.concatenate([g[f"{s}_prev"] for s in names], axis=1)  # (B·n, n): e_kᵀ J per example
    return rows.reshape(B, n, n)


def log_profile(norms) -> np.ndarray:
    """Mean log norm at each distance d = T − t, averaged over all other axes.

    ``norms`` is (T + 1, ...) indexed by t, as :func:`gradient_norms`
    returns it (stack seeds on a trailing axis).  Returns (T + 1,) indexed by
    d.  Averaging logs, not norms, measures the typical example; a mean of
    norms would be ruled by the largest one.  Zeros give −inf.
    """
    norms = check_array("norms", norms, finite=False)
    if norms.ndim < 1 or norms.shape[0] < 2:
        raise ValueError(f"norms has shape {norms.shape}; expected (T + 1, ...) with T >= 1")
    with np.errstate(divide="ignore"):
        logs = np.log(norms.reshape(norms.shape[0], -1))
    return logs.mean(axis=1)[::-1]


def decay_rate(norms, lo: int, hi: int) -> float:
    """The least-squares slope of :func:`log_profile` over distances lo … hi (inclusive), per step.

    Negative when gradients shrink: exp(rate) is the typical factor per step
    back in time.
    """
    prof = log_profile(norms)
    if not (isinstance(lo, (int, np.integer)) and isinstance(hi, (int, np.integer)) and 0 <= lo < hi < prof.size):
        raise ValueError(f"need integers 0 <= lo < hi <= T = {prof.size - 1}; got lo={lo!r}, hi={hi!r}")
    d = np.arange(lo, hi + 1)
    seg = prof[lo : hi + 1]
    if not np.all(np.isfinite(seg)):
        raise ValueError("some norms in the window are zero or not finite; choose a window where they are positive")
    return float(np.polyfit(d, seg, 1)[0])


def scale_to_radius(W, radius: float) -> np.ndarray:
    """``W`` (H, H) rescaled so that its spectral radius (the largest absolute value of an eigenvalue) is ``radius``."""
    W = check_array("W", W, ("H", "H"))
    if not radius > 0:
        raise ValueError(f"radius is {radius!r}; expected a number > 0")
    rho = np.abs(np.linalg.eigvals(W)).max()
    if rho == 0:
        raise ValueError("W is nilpotent (spectral radius 0); it cannot be rescaled to a radius")
    return W * (radius / rho)


__all__ = ["Flow", "decay_rate", "gradient_norms", "log_profile", "scale_to_radius", "state_gradients", "step_jacobian"]
