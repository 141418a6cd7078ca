"""One LSTM step: parameters, forward pass and backward pass.

Notation (chapter *Notation*): input x (B, D), previous states h_prev and
c_prev (B, H), parameters W_x (4H, D), W_h (4H, H), b (4H,), gate blocks in
the order i, f, g, o:

    a = x W_xᵀ + h_prev W_hᵀ + b          (B, 4H)
    i, f, g, o = σ(a_i), σ(a_f), tanh(a_g), σ(a_o)
    c = f ⊙ c_prev + i ⊙ g
    h = o ⊙ tanh(c)
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validate import check_array
from .activations import _sigmoid, _sigmoid_grad_from_output, _tanh_grad_from_output
from .layout import param_shapes

PARAM_NAMES = ("W_x", "W_h", "b")


def init_params(input_size: int, hidden_size: int, *, rng=None, dtype=np.float64, forget_bias: float = 1.0):
    """Parameters of one LSTM layer: ``{"W_x": (4H, D), "W_h": (4H, H), "b": (4H,)}``.

    Weights are drawn uniformly from (-1/√H, 1/√H), as ``torch.nn.LSTM``
    does: each pre-activation then sums D + H terms of size ~1/√H, so it
    starts at order one, where σ and tanh are neither flat nor linear.  The
    bias is zero except for the forget block, set to ``forget_bias``: with
    σ(1) ≈ 0.73 the cell starts out remembering rather than forgetting, which
    lets gradients reach early steps from the first update (Gers et al. 2000;
    Jozefowicz et al. 2015).
    """
    if np.dtype(dtype) not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise TypeError(f"dtype is {np.dtype(dtype)}; expected float32 or float64")
    shapes = param_shapes(input_size, hidden_size)
    rng = np.random.default_rng() if rng is None else rng
    bound = 1.0 / np.sqrt(hidden_size)
    params = {name: rng.uniform(-bound, bound, size=shapes[name]).astype(dtype) for name in ("W_x", "W_h")}
    b = np.zeros(shapes["b"], dtype=dtype)
    b[hidden_size : 2 * hidden_size] = forget_bias
    params["b"] = b
    return params


def check_params(params, dims: dict | None = None, *, bias: bool = True):
    """Validate ``params`` and return ``(W_x, W_h, b)`` (``(W_x, W_h)`` if not ``bias``).

    Binds D and H in ``dims``.
    """
    dims = {} if dims is None else dims
    names = PARAM_NAMES if bias else PARAM_NAMES[:2]
    missing = [k for k in names if k not in params]
    if missing:
        raise ValueError(f"params lacks {missing}; expected keys {list(names)}")
    W_x = check_array("W_x", params["W_x"], ("4H", "D"), dims)
    if dims["4H"] % 4:
        raise ValueError(f"W_x has shape {W_x.shape}; its first dimension 4H must be a multiple of 4")
    dims.setdefault("H", dims["4H"] // 4)
    W_h = check_array("W_h", params["W_h"], ("4H", "H"), dims, dtype=W_x.dtype)
    if not bias:
        return W_x, W_h
    return W_x, W_h, check_array("b", params["b"], ("4H",), dims, dtype=W_x.dtype)


class CellCache(NamedTuple):
    """What the backward pass needs from the forward pass of one step."""

    x: np.ndarray  # (B, D)
    h_prev: np.ndarray  # (B, H)
    c_prev: np.ndarray  # (B, H)
    i: np.ndarray  # (B, H) input gate
    f: np.ndarray  # (B, H) forget gate
    g: np.ndarray  # (B, H) candidate
    o: np.ndarray  # (B, H) output gate
    tanh_c: np.ndarray  # (B, H) tanh of the new cell state
    W_x: np.ndarray  # (4H, D)
    W_h: np.ndarray  # (4H, H)


def gates(a: np.ndarray):
    """Gate values (i, f, g, o), each (B, H), from pre-activations ``a`` (B, 4H).

    Computed in place: afterwards ``a`` holds the four gates side by side and
    the returned arrays are views of its blocks (the pre-activations are not
    needed again, and reusing their memory spares four new arrays).
    """
    H = a.shape[1] // 4
    _sigmoid(a[:, : 2 * H], out=a[:, : 2 * H])  # i and f are adjacent: one call for both
    np.tanh(a[:, 2 * H : 3 * H], out=a[:, 2 * H : 3 * H])
    _sigmoid(a[:, 3 * H :], out=a[:, 3 * H :])
    return a[:, :H], a[:, H : 2 * H], a[:, 2 * H : 3 * H], a[:, 3 * H :]


def step_from_preactivations(a, c_prev, h_out=None):
    """The nonlinear part of a step: gates, new cell state, new hidden state.

    ``a`` (B, 4H), overwritten with the gates (see :func:`gates`); ``c_prev``
    (B, H).  Returns ``(i, f, g, o, c, tanh_c, h)``, each (B, H); ``h`` is
    written into ``h_out`` if given.  Shared by :func:`cell_forward` and
    :func:`lstm.forward`.
    """
    i, f, g, o = gates(a)
    h = np.multiply(i, g, out=h_out)  # h's memory holds i ⊙ g until h is known
    c = f * c_prev
    c += h
    tanh_c = np.tanh(c)
    return i, f, g, o, c, tanh_c, np.multiply(o, tanh_c, out=h)


def cell_forward(x, h_prev, c_prev, params):
    """One LSTM step.

    Parameters
    ----------
    x : (B, D) input.
    h_prev, c_prev : (B, H) previous hidden and cell state.
    params : ``{"W_x": (4H, D), "W_h": (4H, H), "b": (4H,)}``.

    Returns
    -------
    h, c : (B, H) new hidden and cell state.
    cache : :class:`CellCache` for :func:`cell_backward`.
    """
    dims: dict[str, int] = {}
    W_x, W_h, b = check_params(params, dims)
    x = check_array("x", x, ("B", "D"), dims, dtype=W_x.dtype)
    h_prev = check_array("h_prev", h_prev, ("B", "H"), dims, dtype=W_x.dtype)
    c_prev = check_array("c_prev", c_prev, ("B", "H"), dims, dtype=W_x.dtype)

    a = x @ W_x.T + h_prev @ W_h.T + b  # one product per input, all four gates at once
    i, f, g, o, c, tanh_c, h = step_from_preactivations(a, c_prev)
    return h, c, CellCache(x, h_prev, c_prev, i, f, g, o, tanh_c, W_x, W_h)


def cell_state_grad(dh, dc, cache: CellCache):
    """∂L/∂c = dc + dh ⊙ o ⊙ (1 - tanh² c), (B, H).

    The gradient arriving at c directly (``dc``, from the next step) plus the
    path through h.  Built in one new array, updated in place.
    """
    d = _tanh_grad_from_output(cache.tanh_c)
    d *= cache.o
    d *= dh
    d += dc
    return d


def gate_grads(dh, dc_total, cache: CellCache, out=None):
    """∂L/∂i, ∂L/∂f, ∂L/∂g, ∂L/∂o side by side in one (B, 4H) array.

    From ∂L/∂h and the total ∂L/∂c: ∂L/∂i = ∂L/∂c ⊙ g, ∂L/∂f = ∂L/∂c ⊙ c_prev,
    ∂L/∂g = ∂L/∂c ⊙ i, ∂L/∂o = ∂L/∂h ⊙ tanh c.  Written into ``out`` if given.
    """
    H = dh.shape[1]
    out = np.empty((dh.shape[0], 4 * H), dh.dtype) if out is None else out
    np.multiply(dc_total, cache.g, out=out[:, :H])
    np.multiply(dc_total, cache.c_prev, out=out[:, H : 2 * H])
    np.multiply(dc_total, cache.i, out=out[:, 2 * H : 3 * H])
    np.multiply(dh, cache.tanh_c, out=out[:, 3 * H :])
    return out


def preactivation_grad(dgates, cache: CellCache, out=None):
    """∂L/∂a (B, 4H): each gate's block of ``dgates`` times its activation's derivative.

    σ' = σ (1 - σ) for i, f, o and tanh' = 1 - tanh² for g, written through
    the gate values.  ``out`` may be ``dgates`` itself (in place).
    """
    H = dgates.shape[1] // 4
    out = np.empty_like(dgates) if out is None else out
    np.multiply(dgates[:, :H], _sigmoid_grad_from_output(cache.i), out=out[:, :H])
    np.multiply(dgates[:, H : 2 * H], _sigmoid_grad_from_output(cache.f), out=out[:, H : 2 * H])
    np.multiply(dgates[:, 2 * H : 3 * H], _tanh_grad_from_output(cache.g), out=out[:, 2 * H : 3 * H])
    np.multiply(dgates[:, 3 * H :], _sigmoid_grad_from_output(cache.o), out=out[:, 3 * H :])
    return out


def cell_backward(dh, dc, cache: CellCache):
    """Gradients of one LSTM step.

    Parameters
    ----------
    dh, dc : (B, H) gradients of the loss with respect to the step's outputs
        h and c (``None`` for zero).  ``dc`` is the gradient arriving at c
        from later steps; the path through h is added here.
    cache : from :func:`cell_forward`.

    Returns
    -------
    dict with ``x`` (B, D), ``h_prev`` (B, H), ``c_prev`` (B, H),
    ``W_x`` (4H, D), ``W_h`` (4H, H), ``b`` (4H,).
    """
    dims = {"B": cache.x.shape[0], "H": cache.i.shape[1]}
    dtype = cache.i.dtype
    dh = np.zeros_like(cache.i) if dh is None else check_array("dh", dh, ("B", "H"), dims, dtype=dtype)
    dc = np.zeros_like(cache.i) if dc is None else check_array("dc", dc, ("B", "H"), dims, dtype=dtype)

    dc_total = cell_state_grad(dh, dc, cache)
    da = preactivation_grad(gate_grads(dh, dc_total, cache), cache)
    return {**linear_backward(da, cache), "c_prev": dc_total * cache.f}


def linear_backward(da, cache: CellCache):
    """Gradients through a = x W_xᵀ + h_prev W_hᵀ + b, given ∂L/∂a (B, 4H)."""
    return {
        "x": da @ cache.W_x,
        "h_prev": da @ cache.W_h,  # h_prev feeds all four gates: their terms add up
        "W_x": da.T @ cache.x,  # the product also sums over the batch
        "W_h": da.T @ cache.h_prev,
        "b": da.sum(axis=0),  # b is broadcast over the batch, so its gradient sums over it
    }
