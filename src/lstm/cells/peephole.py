"""The peephole LSTM (Gers, Schraudolph and Schmidhuber 2002; TensorFlow's ``use_peepholes``).

Each gate also looks at the cell state through a diagonal ("peephole")
weight: the input and forget gates at the previous state c_{t-1}, the output
gate at the new state c_t::

    a = x W_xᵀ + h_prev W_hᵀ + b                       (B, 4H), blocks i, f, g, o
    i = σ(a_i + p_i ⊙ c_prev),  f = σ(a_f + p_f ⊙ c_prev),  g = tanh(a_g)
    c = f ⊙ c_prev + i ⊙ g
    o = σ(a_o + p_o ⊙ c),  h = o ⊙ tanh(c)

Parameters: ``W_x`` (4H, D), ``W_h`` (4H, H), ``b`` (4H,) as in the plain
cell, and the peephole weights ``p_i``, ``p_f``, ``p_o`` (H,) each.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._validate import check_array
from ..blocks.activations import _sigmoid, _sigmoid_grad_from_output
from ..blocks.gates import GATES
from .base import STACKED, Cell, check_real
from .lstm import LSTMCache, cell_state_grad, gate_grads, linear_backward, preactivation_grad

PEEPHOLES = ("p_i", "p_f", "p_o")




class PeepholeCache(NamedTuple):
    """One peephole step's cache: Part II's :class:`~lstm.cells.lstm.LSTMCache` and what the peepholes add."""

    step: LSTMCache  # x (B, D), h_prev, c_prev, i, f, g, o, tanh_c (B, H), W_x (4H, D), W_h (4H, H)
    peepholes: tuple  # (p_i, p_f, p_o), each (H,)
    c: np.ndarray  # (B, H) the new cell state, which the output gate reads


def init_peephole_params(input_size: int, hidden_size: int, *, rng=None, dtype=np.float64, forget_bias: float = 1.0):
    """The plain cell's parameters (:func:`lstm.init_lstm_params`) plus zero peephole weights.

    Zero peepholes make the cell start out as the plain LSTM.
    """
    return Peephole(forget_bias).init_params(input_size, hidden_size, rng=rng, dtype=dtype)


def peephole_step_forward(x, h_prev, c_prev, params):
    """One peephole LSTM step: ``x`` (B, D), ``h_prev``, ``c_prev`` (B, H) → ``(h, c, cache)``."""
    dims: dict[str, int] = {}
    p = _PEEPHOLE.check_params(params, dims)
    W_x, W_h, b, p_i, p_f, p_o = (p[k] for k in ("W_x", "W_h", "b", *PEEPHOLES))
    x = check_array("x", x, ("B", "D"), dims, dtype=W_x.dtype)
    h_prev = check_array("h_prev", h_prev, ("B", "H"), dims, dtype=W_x.dtype)
    c_prev = check_array("c_prev", c_prev, ("B", "H"), dims, dtype=W_x.dtype)
    H = dims["H"]

    a = x @ W_x.T + h_prev @ W_h.T + b
    a[:, :H] += p_i * c_prev
    a[:, H : 2 * H] += p_f * c_prev
    i, f = _sigmoid(a[:, :H]), _sigmoid(a[:, H : 2 * H])
    g = np.tanh(a[:, 2 * H : 3 * H])
    c = f * c_prev + i * g
    o = _sigmoid(a[:, 3 * H :] + p_o * c)  # the output gate sees the new state
    tanh_c = np.tanh(c)
    h = o * tanh_c
    cache = PeepholeCache(LSTMCache(x, h_prev, c_prev, i, f, g, o, tanh_c, W_x, W_h), (p_i, p_f, p_o), c)
    return h, c, cache


def peephole_step_backward(dh, dc, cache):
    """Gradients of one peephole step: the plain cell's keys plus ``p_i``, ``p_f``, ``p_o``.

    Two paths are new compared with :func:`lstm.lstm_step_backward`: c reaches the
    loss also through the output gate (∂L/∂a_o ⊙ p_o), and c_prev also
    through the input and forget gates (∂L/∂a_i ⊙ p_i + ∂L/∂a_f ⊙ p_f).
    """
    step, (p_i, p_f, p_o), c = cache
    dims = {"B": step.x.shape[0], "H": step.i.shape[1]}
    dtype = step.i.dtype
    dh = np.zeros_like(step.i) if dh is None else check_array("dh", dh, ("B", "H"), dims, dtype=dtype)
    dc = np.zeros_like(step.i) if dc is None else check_array("dc", dc, ("B", "H"), dims, dtype=dtype)

    # The plain cell's formulas, with one more path into c: through o's peephole.
    da_o = dh * step.tanh_c * _sigmoid_grad_from_output(step.o)
    dc_total = cell_state_grad(dh, dc, step) + da_o * p_o
    da = preactivation_grad(gate_grads(dh, dc_total, step), step)
    H = da.shape[1] // 4
    da_i, da_f = da[:, :H], da[:, H : 2 * H]
    return {
        **linear_backward(da, step),
        "c_prev": dc_total * step.f + da_i * p_i + da_f * p_f,
        "p_i": (da_i * step.c_prev).sum(axis=0),
        "p_f": (da_f * step.c_prev).sum(axis=0),
        "p_o": (da_o * c).sum(axis=0),
    }


class Peephole(Cell):
    """The peephole LSTM behind the common interface; state ``(h, c)``.

    Parameters: the plain cell's ``W_x``, ``W_h``, ``b`` and ``p_i``, ``p_f``, ``p_o`` (H,).
    """

    name = "peephole"
    gates = GATES
    param_spec = {**STACKED, **{k: ("H",) for k in PEEPHOLES}}
    init_constants = {"b": 0.0, **{k: 0.0 for k in PEEPHOLES}}

    def __init__(self, forget_bias: float = 1.0):
        self.forget_bias = check_real("forget_bias", forget_bias)

    step_functions = (peephole_step_forward, peephole_step_backward)

    def symbolic_step(self, x, state, params):
        from ..checks import symbolic

        h, c, _ = symbolic.peephole_step_forward(x, *state, *(params[k] for k in self.param_spec))
        return h, c


_PEEPHOLE = Peephole()  # checks parameters for the module's functions
