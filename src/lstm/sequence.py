"""An LSTM layer over a whole sequence: forward pass and backpropagation through time.

Time-major, like ``torch.nn.LSTM``'s default: ``x`` is (T, B, D) and the
hidden states ``hs`` are (T, B, H).  The step is the one of
:mod:`lstm.cell`; what changes is where the work goes:

* the input projection x_t W_xᵀ + b of all T steps is one matrix product
  before the loop (it does not depend on h), leaving one product,
  h_{t-1} W_hᵀ, inside each forward step;
* the backward loop carries ∂L/∂h and ∂L/∂c from step to step and does one
  product per step, ∂L/∂a_t W_h; the weight gradients and ∂L/∂x, which sum
  over time, are single products after the loop;
* no loop runs over gates or over examples.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validate import check_array
from .cell import CellCache, cell_state_grad, check_params, gate_grads, preactivation_grad, step_from_preactivations


class SequenceCache(NamedTuple):
    """What :func:`backward` needs from :func:`forward`."""

    x: np.ndarray  # (T, B, D)
    h_prevs: np.ndarray  # (T, B, H): h_0, h_1, …, h_{T-1}, the states each step read
    steps: list  # T CellCaches with each step's c_prev, gates and tanh(c)
    W_x: np.ndarray  # (4H, D)
    W_h: np.ndarray  # (4H, H)


def forward(x, params, h0=None, c0=None):
    """Run the LSTM over a sequence.

    Parameters
    ----------
    x : (T, B, D) inputs, time first.
    params : ``{"W_x": (4H, D), "W_h": (4H, H), "b": (4H,)}``.
    h0, c0 : (B, H) initial states; ``None`` for zeros.

    Returns
    -------
    hs : (T, B, H) hidden states h_1 … h_T.
    (h_T, c_T) : (B, H) each, the final states.
    cache : :class:`SequenceCache` for :func:`backward`.
    """
    dims: dict[str, int] = {}
    W_x, W_h, b = check_params(params, dims)
    dtype = W_x.dtype
    x = check_array("x", x, ("T", "B", "D"), dims, dtype=dtype)
    T, B, D = x.shape
    H = dims["H"]
    h0 = np.zeros((B, H), dtype) if h0 is None else check_array("h0", h0, ("B", "H"), dims, dtype=dtype)
    c0 = np.zeros((B, H), dtype) if c0 is None else check_array("c0", c0, ("B", "H"), dims, dtype=dtype)

    # All T input projections in one product, before the loop (they do not
    # depend on h).  The (T, B, 4H) result then becomes the gate storage:
    # each step adds its recurrent term and turns its slice into gates in place.
    x_proj = x.reshape(T * B, D) @ W_x.T
    x_proj += b
    a_all = x_proj.reshape(T, B, 4 * H)
    recurrent = np.empty((B, 4 * H), dtype)  # reused by every step's product
    hs = np.empty((T + 1, B, H), dtype)
    hs[0] = h0
    h, c = h0, c0
    steps = []
    for t in range(T):
        a = a_all[t]
        a += np.matmul(h, W_h.T, out=recurrent)  # the one product that must wait for h_{t-1}
        i, f, g, o, c_new, tanh_c, h = step_from_preactivations(a, c, h_out=hs[t + 1])
        steps.append(CellCache(None, None, c, i, f, g, o, tanh_c, None, None))
        c = c_new
    return hs[1:], (h, c), SequenceCache(x, hs[:-1], steps, W_x, W_h)


def backward(dhs, cache: SequenceCache, dh_T=None, dc_T=None):
    """Backpropagation through time.

    Parameters
    ----------
    dhs : (T, B, H) gradient of the loss with respect to every h_t (zeros
        where a step has no loss), or ``None``.
    cache : from :func:`forward`.
    dh_T, dc_T : (B, H) extra gradients arriving at the final states (from a
        loss on them, or from the next window of a truncated sequence).

    Returns
    -------
    dict with ``x`` (T, B, D), ``h0``, ``c0`` (B, H), ``W_x`` (4H, D),
    ``W_h`` (4H, H), ``b`` (4H,).
    """
    x, h_prevs, steps, W_x, W_h = cache
    T, B, D = x.shape
    H = h_prevs.shape[2]
    dtype = h_prevs.dtype
    dims = {"T": T, "B": B, "H": H}
    dhs = np.zeros((T, B, H), dtype) if dhs is None else check_array("dhs", dhs, ("T", "B", "H"), dims, dtype=dtype)
    dh = np.zeros((B, H), dtype) if dh_T is None else check_array("dh_T", dh_T, ("B", "H"), dims, dtype=dtype).copy()
    dc = np.zeros((B, H), dtype) if dc_T is None else check_array("dc_T", dc_T, ("B", "H"), dims, dtype=dtype).copy()

    da = np.empty((T, B, 4 * H), dtype)
    for t in reversed(range(T)):
        step = steps[t]
        dh += dhs[t]  # h_t reaches the loss at step t and through step t + 1
        dc = cell_state_grad(dh, dc, step)  # c_t: from step t + 1 and through h_t
        gate_grads(dh, dc, step, out=da[t])
        preactivation_grad(da[t], step, out=da[t])
        dc *= step.f  # ∂L/∂c_{t-1} through this step
        dh = da[t] @ W_h  # ∂L/∂h_{t-1} through this step's four gates

    da_flat = da.reshape(T * B, 4 * H)
    return {
        "x": (da_flat @ W_x).reshape(T, B, D),
        "h0": dh,
        "c0": dc,
        # Tied weights: the sum over steps (and examples) of each step's gradient.
        "W_x": da_flat.T @ x.reshape(T * B, D),
        "W_h": da_flat.T @ h_prevs.reshape(T * B, H),
        "b": da_flat.sum(axis=0),
    }


def unroll(step_forward, x, params, h0, c0, dims, **step_options):
    """Run ``step_forward(x_t, h, c, params, **step_options) -> (h, c, cache)`` over ``x`` (T, B, D).

    The plain loop behind the variants of Part IV (the plain LSTM has its own,
    faster loop above).  ``x`` must be validated; ``dims`` holds H.  Returns
    ``(hs, (h_T, c_T), caches)``.
    """
    T, B, _ = x.shape
    H = dims["H"]
    h = np.zeros((B, H), x.dtype) if h0 is None else check_array("h0", h0, ("B", "H"), dims, dtype=x.dtype)
    c = np.zeros((B, H), x.dtype) if c0 is None else check_array("c0", c0, ("B", "H"), dims, dtype=x.dtype)
    hs, caches = [], []
    for t in range(T):
        h, c, cache = step_forward(x[t], h, c, params, **step_options)
        hs.append(h)
        caches.append(cache)
    return np.stack(hs), (h, c), caches


def backprop_unrolled(step_backward, dhs, caches, dh_T, dc_T, B, H, dtype):
    """Backpropagation through time for :func:`unroll`.

    ``step_backward(dh, dc, cache)`` returns a dict with ``x``, ``h_prev``,
    ``c_prev`` and the parameters' gradients; the parameters' gradients are
    summed over the steps (tied weights).
    """
    T = len(caches)
    dims = {"T": T, "B": B, "H": H}
    dhs = np.zeros((T, B, H), dtype) if dhs is None else check_array("dhs", dhs, ("T", "B", "H"), dims, dtype=dtype)
    dh = np.zeros((B, H), dtype) if dh_T is None else check_array("dh_T", dh_T, ("B", "H"), dims, dtype=dtype)
    dc = np.zeros((B, H), dtype) if dc_T is None else check_array("dc_T", dc_T, ("B", "H"), dims, dtype=dtype)
    totals: dict[str, np.ndarray] = {}
    dxs = []
    for t in reversed(range(T)):
        g = step_backward(dh + dhs[t], dc, caches[t])
        dh, dc = g.pop("h_prev"), g.pop("c_prev")
        dxs.append(g.pop("x"))
        for name, value in g.items():
            totals[name] = totals.get(name, 0) + value
    return {"x": np.stack(dxs[::-1]), "h0": dh, "c0": dc, **totals}
