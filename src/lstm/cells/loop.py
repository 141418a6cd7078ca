"""One loop through time for every cell: :func:`sequence_forward` and :func:`sequence_backward`.

Any :class:`~lstm.cells.base.Cell` runs over a sequence here, with optional per-sequence
lengths; the plain LSTM takes its fast batched path (:func:`lstm.lstm_forward`) when it can,
and a test proves the two equal.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._validate import check_array, check_sequence
from .base import Cell


def check_lengths(lengths, T: int, B: int) -> np.ndarray | None:
    """Validate per-sequence lengths: B integers in 1 … T.  ``None`` means every sequence has length T."""
    if lengths is None:
        return None
    arr = np.asarray(lengths)
    if arr.shape != (B,):
        raise ValueError(f"lengths has shape {arr.shape}; expected (B,) = ({B},), one length per sequence")
    if not np.issubdtype(arr.dtype, np.integer):
        if arr.dtype.kind == "f" and np.all(np.isfinite(arr)) and np.all(arr == np.round(arr)):
            raise TypeError(f"lengths has dtype {arr.dtype}; expected integers (use .astype(int))")
        raise TypeError(f"lengths has dtype {arr.dtype}; expected integers")
    if np.any(arr < 1) or np.any(arr > T):
        raise ValueError(f"lengths must lie in 1 … T = {T}; got min {arr.min()}, max {arr.max()}")
    return arr.astype(np.int64)


class SequenceRun(NamedTuple):
    """What :func:`sequence_backward` needs from :func:`sequence_forward`."""

    cell: Cell
    caches: list  # one step cache per step (the generic loop), or the fast path's cache
    masks: np.ndarray | None  # (T, B, 1): 1 where step t is inside sequence b, or None for full length
    shape: tuple  # (T, B, D, H)
    dtype: np.dtype
    fast: bool  # True when the plain LSTM's batched path ran


def sequence_forward(cell: Cell, x, params, state0=None, *, lengths=None, fast: bool = True):
    """Run ``cell`` over a sequence.

    Parameters
    ----------
    cell : a :class:`Cell`.
    x : (T, B, D) inputs, time first.
    params : the cell's parameter dict.
    state0 : tuple of (B, H) initial state parts (``None`` or ``None`` parts for zeros).
    lengths : optional (B,) integers in 1 … T.  Sequence b is read only for
        t < lengths[b]; on the padded steps its state is carried through
        unchanged and its output is zero, so its final state is its state at
        its own last step.
    fast : let a cell with a specialised batched path (the plain LSTM) use it
        when ``lengths`` is None.

    Returns
    -------
    hs : (T, B, H) outputs h_1 … h_T (zero on padded steps).
    state_T : tuple of (B, H), the final state of each sequence.
    cache : :class:`SequenceRun` for :func:`sequence_backward`.
    """
    dims = dict(cell.dims(params))
    dtype = params[next(iter(params))].dtype
    x = check_sequence("x", x, dims, dtype=dtype)
    T, B, D = x.shape
    H = dims["H"]
    state = cell.check_state(state0, B, H, dtype)
    lengths = check_lengths(lengths, T, B)
    if fast and lengths is None and cell.has_fast_path:
        hs, state, fast_cache = cell.fast_forward(x, params, state)
        return hs, state, SequenceRun(cell, fast_cache, None, (T, B, D, H), dtype, True)
    masks = None if lengths is None else (np.arange(T)[:, None] < lengths[None, :]).astype(dtype)[:, :, None]
    hs = np.empty((T, B, H), dtype)
    caches = []
    for t in range(T):
        new, cache = cell.step_forward(x[t], state, params)
        if masks is not None:  # padded rows keep their state: s_t = m s_new + (1 - m) s_{t-1}
            m = masks[t]
            new = tuple(m * s_new + (1 - m) * s_old for s_new, s_old in zip(new, state))
            hs[t] = m * new[0]
        else:
            hs[t] = new[0]
        caches.append(cache)
        state = new
    return hs, state, SequenceRun(cell, caches, masks, (T, B, D, H), dtype, False)


def sequence_backward(dhs, cache: SequenceRun, dstate_T=None) -> dict[str, np.ndarray]:
    """Backpropagation through time for :func:`sequence_forward`.

    Parameters
    ----------
    dhs : (T, B, H) ∂L/∂h_t from each step's own loss, or ``None``.
    cache : from :func:`sequence_forward`.
    dstate_T : tuple like the state, gradients arriving at the final state
        (from a loss on it, or from the next window of a truncated sequence).

    Returns
    -------
    dict with ``"x"`` (T, B, D), ``"<s>0"`` (B, H) for each part of the state
    (``"h0"``, ``"c0"``) and the parameters' gradients, summed over steps.
    """
    cell, caches, masks, (T, B, D, H), dtype, fast = cache
    dims = {"T": T, "B": B, "H": H}
    dhs = np.zeros((T, B, H), dtype) if dhs is None else check_array("dhs", dhs, ("T", "B", "H"), dims, dtype=dtype)
    dstate = list(cell.check_state(dstate_T, B, H, dtype, where="_T", grad=True))
    if fast:
        return cell.fast_backward(dhs, caches, tuple(dstate))
    names = cell.state_names
    totals: dict[str, np.ndarray] = {}
    dxs = np.empty((T, B, D), dtype)
    for t in reversed(range(T)):
        m = None if masks is None else masks[t]
        dstate[0] = dstate[0] + (dhs[t] if m is None else m * dhs[t])  # h_t reaches the loss at t and via t + 1
        inner = dstate if m is None else [m * d for d in dstate]
        g = cell.step_backward(tuple(inner), caches[t])
        dxs[t] = g.pop("x")
        dprev = [g.pop(f"{s}_prev") for s in names]
        if m is not None:  # the carried state passes its gradient straight through
            dprev = [dp + (1 - m) * d for dp, d in zip(dprev, dstate)]
        dstate = dprev
        for k, v in g.items():
            totals[k] = v if k not in totals else totals[k] + v
    return {"x": dxs, **{f"{s}0": d for s, d in zip(names, dstate)}, **totals}
