"""One LSTM step: parameters, forward pass and backward pass.

Notation (chapter *Notation*): input x (B, D), previous states h_prev and
c_prev (B, H), parameters W_x (4H, D), W_h (4H, H), b (4H,), gate blocks in
the order i, f, g, o:

    a = x W_xᵀ + h_prev W_hᵀ + b          (B, 4H)
    i, f, g, o = σ(a_i), σ(a_f), tanh(a_g), σ(a_o)
    c = f ⊙ c_prev + i ⊙ g
    h = o ⊙ tanh(c)

This module is the readable reference: each line is one of the equations of
Part II, with no in-place tricks.  :func:`lstm_step_core` and
:func:`lstm_step_core_backward` hold the maths alone; the public entry points
:func:`lstm_step_forward` and :func:`lstm_step_backward` check their inputs, then call
them.  The fast loop over a sequence, which training and the benchmark use,
is :func:`lstm.lstm_forward` / :func:`lstm.lstm_backward` (:mod:`lstm.cells.lstm_fast`); a
test proves the two equal to rounding.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._validate import check_array
from ..blocks.activations import _sigmoid, _sigmoid_grad_from_output, _tanh_grad_from_output
from ..blocks.gates import GATES
from .base import STACKED, Cell, check_real

PARAM_NAMES = ("W_x", "W_h", "b")


def init_lstm_params(input_size: int, hidden_size: int, *, rng=None, dtype=np.float64, forget_bias: float = 1.0):
    """Parameters of one LSTM layer: ``{"W_x": (4H, D), "W_h": (4H, H), "b": (4H,)}``.

    Weights are drawn uniformly from (-1/√H, 1/√H), as ``torch.nn.LSTM``
    does: each pre-activation then sums D + H terms of size ~1/√H, so it
    starts at order one, where σ and tanh are neither flat nor linear.  The
    bias is zero except for the forget block, set to ``forget_bias``: with
    σ(1) ≈ 0.73 the cell starts out remembering rather than forgetting, which
    lets gradients reach early steps from the first update (Gers et al. 2000;
    Jozefowicz et al. 2015).
    """
    return LSTM(forget_bias=forget_bias).init_params(input_size, hidden_size, rng=rng, dtype=dtype)


def check_lstm_params(params, dims: dict | None = None):
    """Validate ``params`` (:meth:`lstm.LSTM.check_params`: keys, shapes, dtype) and return ``(W_x, W_h, b)``.

    Binds D and H in ``dims``.
    """
    p = _LSTM.check_params(params, dims)
    return p["W_x"], p["W_h"], p["b"]


class LSTMCache(NamedTuple):
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


def lstm_step_core(x, h_prev, c_prev, W_x, W_h, b):
    """One LSTM step, the maths alone; :func:`lstm_step_forward` checks the inputs first.

    Parameters
    ----------
    x : (B, D) input, one example per row.
    h_prev, c_prev : (B, H) previous hidden and cell state.
    W_x : (4H, D), W_h : (4H, H), b : (4H,) weights and bias of the four
        gates, stacked in the order i, f, g, o.

    Returns
    -------
    h, c : (B, H) new hidden and cell state.
    cache : :class:`LSTMCache` for :func:`lstm_step_core_backward`: the inputs, the
        gates i, f, g, o and tanh c, each (B, H), and W_x, W_h.
    """
    a = x @ W_x.T + h_prev @ W_h.T + b  # (B, 4H): one product per input, all four gates at once
    i, f, g, o = gates(a)  # each (B, H)
    c = f * c_prev + i * g
    tanh_c = np.tanh(c)
    h = o * tanh_c
    return h, c, LSTMCache(x, h_prev, c_prev, i, f, g, o, tanh_c, W_x, W_h)


def lstm_step_forward(x, h_prev, c_prev, params):
    """One LSTM step: :func:`lstm_step_core` after checking shapes, dtypes and finiteness.

    Parameters
    ----------
    x : (B, D) input.
    h_prev, c_prev : (B, H) previous hidden and cell state.
    params : ``{"W_x": (4H, D), "W_h": (4H, H), "b": (4H,)}``.

    Returns
    -------
    h, c : (B, H) new hidden and cell state.
    cache : :class:`LSTMCache` for :func:`lstm_step_backward`.

    Raises
    ------
    ValueError : a parameter is missing, a shape does not match, or a value is
        not finite.
    TypeError : an array is not float32 or float64, or the dtypes are mixed.
    """
    dims: dict[str, int] = {}
    W_x, W_h, b = check_lstm_params(params, dims)
    x = check_array("x", x, ("B", "D"), dims, dtype=W_x.dtype)
    h_prev = check_array("h_prev", h_prev, ("B", "H"), dims, dtype=W_x.dtype)
    c_prev = check_array("c_prev", c_prev, ("B", "H"), dims, dtype=W_x.dtype)
    return lstm_step_core(x, h_prev, c_prev, W_x, W_h, b)


def cell_state_grad(dh, dc, cache: LSTMCache):
    """∂L/∂c = dc + dh ⊙ o ⊙ (1 - tanh² c), (B, H).

    The gradient arriving at c directly (``dc``, from the next step) plus the
    path through h = o ⊙ tanh(c).
    """
    return dc + dh * cache.o * _tanh_grad_from_output(cache.tanh_c)


def gate_grads(dh, dc_total, cache: LSTMCache, out=None):
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


def preactivation_grad(dgates, cache: LSTMCache, out=None):
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


def lstm_step_core_backward(dh, dc, cache: LSTMCache):
    """Gradients of one LSTM step, the maths alone; :func:`lstm_step_backward` checks the inputs first.

    Parameters
    ----------
    dh, dc : (B, H) gradients of the loss with respect to the step's outputs
        h and c (arrays; zeros for none).  ``dc`` is the gradient arriving at
        c from later steps; the path through h is added here.
    cache : from :func:`lstm_step_core` or :func:`lstm_step_forward`.

    Returns
    -------
    dict with ``x`` (B, D), ``h_prev`` (B, H), ``c_prev`` (B, H),
    ``W_x`` (4H, D), ``W_h`` (4H, H), ``b`` (4H,).
    """
    dc_total = cell_state_grad(dh, dc, cache)  # (B, H): both paths into c
    da = preactivation_grad(gate_grads(dh, dc_total, cache), cache)  # (B, 4H)
    return {**linear_backward(da, cache), "c_prev": dc_total * cache.f}


def lstm_step_backward(dh, dc, cache: LSTMCache):
    """Gradients of one LSTM step: :func:`lstm_step_core_backward` after checking ``dh`` and ``dc``.

    Parameters
    ----------
    dh, dc : (B, H) gradients of the loss with respect to the step's outputs
        h and c (``None`` for zero).  ``dc`` is the gradient arriving at c
        from later steps; the path through h is added here.
    cache : from :func:`lstm_step_forward`.

    Returns
    -------
    dict with ``x`` (B, D), ``h_prev`` (B, H), ``c_prev`` (B, H),
    ``W_x`` (4H, D), ``W_h`` (4H, H), ``b`` (4H,).
    """
    dims = {"B": cache.x.shape[0], "H": cache.i.shape[1]}
    dtype = cache.i.dtype
    dh = np.zeros_like(cache.i) if dh is None else check_array("dh", dh, ("B", "H"), dims, dtype=dtype)
    dc = np.zeros_like(cache.i) if dc is None else check_array("dc", dc, ("B", "H"), dims, dtype=dtype)
    return lstm_step_core_backward(dh, dc, cache)


def linear_backward(da, cache: LSTMCache):
    """Gradients through a = x W_xᵀ + h_prev W_hᵀ + b, given ∂L/∂a (B, 4H)."""
    return {
        "x": da @ cache.W_x,
        "h_prev": da @ cache.W_h,  # h_prev feeds all four gates: their terms add up
        "W_x": da.T @ cache.x,  # the product also sums over the batch
        "W_h": da.T @ cache.h_prev,
        "b": da.sum(axis=0),  # b is broadcast over the batch, so its gradient sums over it
    }


class LSTM(Cell):
    """The plain LSTM of Parts II–III (:func:`lstm.lstm_step_forward`), gates i, f, g, o.

    Parameters ``W_x`` (4H, D), ``W_h`` (4H, H), ``b`` (4H,).  Over a whole
    sequence it runs the fast batched path :func:`lstm.lstm_forward` unless
    lengths are given.
    """

    name = "lstm"
    gates = GATES
    param_spec = STACKED
    init_constants = {"b": 0.0}
    has_fast_path = True

    def __init__(self, forget_bias: float = 1.0):
        self.forget_bias = check_real("forget_bias", forget_bias)

    step_functions = (lstm_step_forward, lstm_step_backward)

    def fast_forward(self, x, params, state):
        from .lstm_fast import lstm_forward  # lstm_fast imports this module

        hs, state_T, cache = lstm_forward(x, params, *state)
        return hs, tuple(state_T), cache

    def fast_backward(self, dhs, cache, dstate_T):
        from .lstm_fast import lstm_backward

        return lstm_backward(dhs, cache, *dstate_T)

    def symbolic_step(self, x, state, params):
        from ..checks import symbolic

        h, c, _ = symbolic.lstm_step_forward(x, *state, params["W_x"], params["W_h"], params["b"])
        return h, c


_LSTM = LSTM()  # checks parameters for the module's functions
