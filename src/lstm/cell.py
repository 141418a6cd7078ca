"""One LSTM step: parameters, forward pass and backward pass.

Notation (chapter *Notation*): input x (B, D), previous states h_prev and
c_prev (B, H), parameters W_x (4H, D), W_h (4H, H), b (4H,), gate blocks in
the order i, f, g, o:

    a = x W_xᵀ + h_prev W_hᵀ + b          (B, 4H)
    i, f, g, o = σ(a_i), σ(a_f), tanh(a_g), σ(a_o)
    c = f ⊙ c_prev + i ⊙ g
    h = o ⊙ tanh(c)

This module is the readable reference: each line is one of the equations of
Part II, with no in-place tricks.  :func:`cell_step` and
:func:`cell_step_backward` hold the maths alone; the public entry points
:func:`cell_forward` and :func:`cell_backward` check their inputs, then call
them.  The fast loop over a sequence, which training and the benchmark use,
is :func:`lstm.forward` / :func:`lstm.backward` (:mod:`lstm.sequence`); a
test proves the two equal to rounding.
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
    rng = np.random.default_rng(rng)  # None, a seed or a Generator (returned as it is)
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
    """Gate values (i, f, g, o), each (B, H), from the pre-activations ``a`` (B, 4H).

    i = σ(a_i), f = σ(a_f), g = tanh(a_g), o = σ(a_o); ``a`` is not changed.
    """
    a_i, a_f, a_g, a_o = np.split(a, 4, axis=1)
    return _sigmoid(a_i), _sigmoid(a_f), np.tanh(a_g), _sigmoid(a_o)


def cell_step(x, h_prev, c_prev, W_x, W_h, b):
    """One LSTM step, the maths alone; :func:`cell_forward` checks the inputs first.

    Parameters
    ----------
    x : (B, D) input, one example per row.
    h_prev, c_prev : (B, H) previous hidden and cell state.
    W_x : (4H, D), W_h : (4H, H), b : (4H,) weights and bias of the four
        gates, stacked in the order i, f, g, o.

    Returns
    -------
    h, c : (B, H) new hidden and cell state.
    cache : :class:`CellCache` for :func:`cell_step_backward`: the inputs, the
        gates i, f, g, o and tanh c, each (B, H), and W_x, W_h.
    """
    a = x @ W_x.T + h_prev @ W_h.T + b  # (B, 4H): one product per input, all four gates at once
    i, f, g, o = gates(a)  # each (B, H)
    c = f * c_prev + i * g
    tanh_c = np.tanh(c)
    h = o * tanh_c
    return h, c, CellCache(x, h_prev, c_prev, i, f, g, o, tanh_c, W_x, W_h)


def cell_forward(x, h_prev, c_prev, params):
    """One LSTM step: :func:`cell_step` after checking shapes, dtypes and finiteness.

    Parameters
    ----------
    x : (B, D) input.
    h_prev, c_prev : (B, H) previous hidden and cell state.
    params : ``{"W_x": (4H, D), "W_h": (4H, H), "b": (4H,)}``.

    Returns
    -------
    h, c : (B, H) new hidden and cell state.
    cache : :class:`CellCache` for :func:`cell_backward`.

    Raises
    ------
    ValueError : a parameter is missing, a shape does not match, or a value is
        not finite.
    TypeError : an array is not float32 or float64, or the dtypes are mixed.
    """
    dims: dict[str, int] = {}
    W_x, W_h, b = check_params(params, dims)
    x = check_array("x", x, ("B", "D"), dims, dtype=W_x.dtype)
    h_prev = check_array("h_prev", h_prev, ("B", "H"), dims, dtype=W_x.dtype)
    c_prev = check_array("c_prev", c_prev, ("B", "H"), dims, dtype=W_x.dtype)
    return cell_step(x, h_prev, c_prev, W_x, W_h, b)


def cell_state_grad(dh, dc, cache: CellCache):
    """∂L/∂c = dc + dh ⊙ o ⊙ (1 - tanh² c), (B, H).

    The gradient arriving at c directly (``dc``, from the next step) plus the
    path through h = o ⊙ tanh(c).
    """
    return dc + dh * cache.o * _tanh_grad_from_output(cache.tanh_c)


def gate_grads(dh, dc_total, cache: CellCache, out=None):
    """∂L/∂i, ∂L/∂f, ∂L/∂g, ∂L/∂o side by side in one (B, 4H) array.

    From ∂L/∂h and the total ∂L/∂c: ∂L/∂i = ∂L/∂c ⊙ g, ∂L/∂f = ∂L/∂c ⊙ c_prev,
    ∂L/∂g = ∂L/∂c ⊙ i, ∂L/∂o = ∂L/∂h ⊙ tanh c.  Written into ``out`` (B, 4H)
    if given.
    """
    di = dc_total * cache.g
    df = dc_total * cache.c_prev
    dg = dc_total * cache.i
    do = dh * cache.tanh_c
    return np.concatenate([di, df, dg, do], axis=1, out=out)


def preactivation_grad(dgates, cache: CellCache, out=None):
    """∂L/∂a (B, 4H): each gate's block of ``dgates`` (B, 4H) times its activation's derivative.

    σ' = σ (1 - σ) for i, f, o and tanh' = 1 - tanh² for g, written through
    the gate values.  Written into ``out`` (B, 4H) if given, which may be
    ``dgates`` itself.
    """
    di, df, dg, do = np.split(dgates, 4, axis=1)
    da_i = di * _sigmoid_grad_from_output(cache.i)
    da_f = df * _sigmoid_grad_from_output(cache.f)
    da_g = dg * _tanh_grad_from_output(cache.g)
    da_o = do * _sigmoid_grad_from_output(cache.o)
    return np.concatenate([da_i, da_f, da_g, da_o], axis=1, out=out)


def cell_step_backward(dh, dc, cache: CellCache):
    """Gradients of one LSTM step, the maths alone; :func:`cell_backward` checks the inputs first.

    Parameters
    ----------
    dh, dc : (B, H) gradients of the loss with respect to the step's outputs
        h and c (arrays; zeros for none).  ``dc`` is the gradient arriving at
        c from later steps; the path through h is added here.
    cache : from :func:`cell_step` or :func:`cell_forward`.

    Returns
    -------
    dict with ``x`` (B, D), ``h_prev`` (B, H), ``c_prev`` (B, H),
    ``W_x`` (4H, D), ``W_h`` (4H, H), ``b`` (4H,).
    """
    dc_total = cell_state_grad(dh, dc, cache)  # (B, H): both paths into c
    da = preactivation_grad(gate_grads(dh, dc_total, cache), cache)  # (B, 4H)
    return {**linear_backward(da, cache), "c_prev": dc_total * cache.f}


def cell_backward(dh, dc, cache: CellCache):
    """Gradients of one LSTM step: :func:`cell_step_backward` after checking ``dh`` and ``dc``.

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
    return cell_step_backward(dh, dc, cache)


def linear_backward(da, cache: CellCache):
    """Gradients through a = x W_xᵀ + h_prev W_hᵀ + b, given ∂L/∂a (B, 4H)."""
    return {
        "x": da @ cache.W_x,
        "h_prev": da @ cache.W_h,  # h_prev feeds all four gates: their terms add up
        "W_x": da.T @ cache.x,  # the product also sums over the batch
        "W_h": da.T @ cache.h_prev,
        "b": da.sum(axis=0),  # b is broadcast over the batch, so its gradient sums over it
    }
