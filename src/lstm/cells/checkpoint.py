"""Gradient checkpointing for the LSTM layer: O(√T) memory instead of O(T).

Plain BPTT (:func:`lstm.lstm_forward` / :func:`lstm.lstm_backward`) stores, for every
one of the T steps, the step's input, its previous states, its four gates
and tanh of its cell state: T·B·(D + 7H) numbers.  The backward pass adds
two arrays of its own, ∂L/∂a (T, B, 4H) and o ⊙ (1 - tanh² c) (T, B, H), so
the peak is T·B·(D + 12H) numbers.  Checkpointing (Chen et al. 2016) keeps
only the states (h, c) at the start of every k-th step.  The backward pass
walks the segments from last to first; for each it recomputes the segment's
forward pass from its checkpoint, which rebuilds that segment's cache, and
backpropagates through it, carrying ∂L/∂h and ∂L/∂c into the segment before.
Only one segment's cache and backward arrays exist at a time, so the memory
is about ⌈T/k⌉·2BH + k·B·(D + 12H) numbers; with k = ⌈√T⌉ both terms grow
as √T.  The price is one more forward pass: every step runs forward twice
and backward once.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from .._validate import check_array, check_sequence
from .lstm import check_lstm_params
from .lstm_fast import _initial_states, lstm_backward, lstm_forward


class CheckpointCache(NamedTuple):
    """What :func:`checkpoint_backward` needs from :func:`checkpoint_forward`."""

    x: np.ndarray  # (T, B, D) inputs (the caller's array, not a copy)
    params: dict  # the parameters, to recompute each segment
    starts: list  # start step of each segment: 0, k, 2k, …
    states: list  # (h, c), each (B, H), at the start of each segment: the checkpoints


def default_every(T: int) -> int:
    """k = ⌈√T⌉, which balances the checkpoints (T/k) against one segment (k)."""
    return math.isqrt(max(T, 1) - 1) + 1


def checkpoint_forward(x, params, h0=None, c0=None, every=None):
    """Forward pass keeping only every ``every``-th state.

    Parameters
    ----------
    x : (T, B, D) inputs; params, h0, c0 as for :func:`lstm.lstm_forward`.
    every : segment length k ≥ 1 (default ⌈√T⌉).

    Returns
    -------
    hs : (T, B, H), (h_T, c_T) : (B, H) each, equal to :func:`lstm.lstm_forward`'s.
    cache : :class:`CheckpointCache` for :func:`checkpoint_backward`.
    """
    dims: dict[str, int] = {}
    W_x, _, _ = check_lstm_params(params, dims)
    x = check_sequence("x", x, dims, dtype=W_x.dtype)
    T = x.shape[0]
    k = default_every(T) if every is None else every
    if not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"every is {k!r}; expected a positive integer (the segment length)")
    h, c = _initial_states(h0, c0, dims, W_x.dtype)
    hs = np.empty((T, dims["B"], dims["H"]), W_x.dtype)
    starts, states = [], []
    for s in range(0, T, k):
        starts.append(s)
        states.append((h, c))  # the checkpoint: all that is kept of this segment
        seg_hs, (h, c), _ = lstm_forward(x[s : s + k], params, h, c)  # its cache is dropped here
        hs[s : s + k] = seg_hs
        h, c = h.copy(), c.copy()  # views would keep the segment's whole state arrays alive
    return hs, (h, c), CheckpointCache(x, params, starts, states)


def checkpoint_backward(dhs, cache: CheckpointCache, dh_T=None, dc_T=None):
    """Backpropagation through time with recomputation; the result of :func:`lstm.lstm_backward`.

    ``dhs`` (T, B, H) or ``None``, ``dh_T``, ``dc_T`` (B, H) or ``None``.
    Returns a dict with ``x`` (T, B, D), ``h0``, ``c0`` (B, H), ``W_x``
    (4H, D), ``W_h`` (4H, H), ``b`` (4H,).
    """
    x, params, starts, states = cache
    T, B, _ = x.shape
    H = states[0][0].shape[1]
    if dhs is not None:
        dhs = check_array("dhs", dhs, ("T", "B", "H"), {"T": T, "B": B, "H": H}, dtype=x.dtype)
    dx = np.empty_like(x)
    totals = {"W_x": 0, "W_h": 0, "b": 0}
    dh, dc = dh_T, dc_T
    ends = starts[1:] + [T]
    for s, e, (h, c) in reversed(list(zip(starts, ends, states))):
        _, _, seg_cache = lstm_forward(x[s:e], params, h, c)  # recompute this segment's cache
        g = lstm_backward(None if dhs is None else dhs[s:e], seg_cache, dh, dc)
        del seg_cache  # before the next segment's is built: one cache at a time
        dx[s:e] = g["x"]
        dh, dc = g["h0"], g["c0"]
        for name in totals:
            totals[name] = totals[name] + g[name]
    return {"x": dx, "h0": dh, "c0": dc, **totals}
