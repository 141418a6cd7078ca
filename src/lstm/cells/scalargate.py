"""Source 003's LSTM: scalar gates that look at the whole memory (Iosif, Macri and Berariu 2016).

Each gate is one number per example, read from the input, the previous
output and the memory; the candidate is a vector; the output squashes the
gated memory.  In the book's letters (source 003's in brackets)::

    u   = [x, h_prev, c_prev, 1]                   (B, D+2H+1)
    i   = σ(u w_i)            [g_ι, eqs. 1–2]       (B,)
    f   = σ(u w_f)            [g_φ, eqs. 5–6]       (B,)
    g   = tanh([x, h_prev, 1] W_g)  [z_c, eqs. 3–4] (B, H)
    c   = f c_prev + i g      [s,   eq. 7]          (B, H)
    o   = σ([x, h_prev, c, 1] w_o)  [g_ω, eqs. 8–9] (B,)   (o sees the *new* c)
    h   = tanh(o c)           [z_h, eq. 10]         (B, H)

Parameters, in the source's own layout (the bias is the last row):
``w_i``, ``w_f``, ``w_o`` of shape (D+2H+1,) and ``W_g`` of shape (D+H+1, H).
Unlike the book's main cell, the output is tanh(o·c), not o·tanh(c).
The source leaves its activations open ("e.g. logistic"); here the gates use
σ and the candidate and output use tanh.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._validate import check_array
from ..blocks.activations import _sigmoid, _sigmoid_grad_from_output, _tanh_grad_from_output
from .base import Cell, check_real

PARAM_NAMES = ("w_i", "w_f", "w_o", "W_g")


class ScalarGateCache(NamedTuple):
    """What the backward pass needs from one forward step."""

    u_prev: np.ndarray  # (B, D+2H+1) [x, h_prev, c_prev, 1], read by i and f
    u_new: np.ndarray  # (B, D+2H+1) [x, h_prev, c, 1], read by o
    i: np.ndarray  # (B,)
    f: np.ndarray  # (B,)
    g: np.ndarray  # (B, H)
    o: np.ndarray  # (B,)
    h: np.ndarray  # (B, H) = tanh(o c)
    params: tuple  # (w_i, w_f, w_o, W_g)


def init_scalar_gate_params(input_size: int, hidden_size: int, *, rng=None, dtype=np.float64, forget_bias: float = 1.0):
    """Uniform(−1/√H, 1/√H) weights, as :func:`lstm.init_lstm_params`; the forget gate's bias is ``forget_bias``."""
    return ScalarGate(forget_bias).init_params(input_size, hidden_size, rng=rng, dtype=dtype)


def check_scalar_gate_params(params, dims: dict | None = None):
    """Validate ``params``; return ``(w_i, w_f, w_o, W_g)`` and bind D and H in ``dims``."""
    p = _SCALAR_GATE.check_params(params, dims)
    return tuple(p[k] for k in PARAM_NAMES)


def _with_one(*blocks):
    """[blocks..., 1]: the source's bias-folded input rows."""
    B = blocks[0].shape[0]
    return np.concatenate(blocks + (np.ones((B, 1), blocks[0].dtype),), axis=1)


def scalar_gate_step_forward(x, h_prev, c_prev, params):
    """One step: ``x`` (B, D), ``h_prev``, ``c_prev`` (B, H) → ``(h, c, cache)``, eqs. (1)–(10)."""
    dims: dict[str, int] = {}
    w_i, w_f, w_o, W_g = check_scalar_gate_params(params, dims)
    x = check_array("x", x, ("B", "D"), dims, dtype=W_g.dtype)
    h_prev = check_array("h_prev", h_prev, ("B", "H"), dims, dtype=W_g.dtype)
    c_prev = check_array("c_prev", c_prev, ("B", "H"), dims, dtype=W_g.dtype)

    u_prev = _with_one(x, h_prev, c_prev)
    i, f = _sigmoid(u_prev @ w_i), _sigmoid(u_prev @ w_f)
    g = np.tanh(_with_one(x, h_prev) @ W_g)
    c = f[:, None] * c_prev + i[:, None] * g
    u_new = _with_one(x, h_prev, c)
    o = _sigmoid(u_new @ w_o)
    h = np.tanh(o[:, None] * c)
    return h, c, ScalarGateCache(u_prev, u_new, i, f, g, o, h, (w_i, w_f, w_o, W_g))


def scalar_gate_step_backward(dh, dc, cache):
    """Gradients of one step, given ∂L/∂h and ∂L/∂c (B, H) from above (either may be None).

    Returns a dict with ``x``, ``h_prev``, ``c_prev`` and ``w_i``, ``w_f``,
    ``w_o``, ``W_g``.  The state c reaches the loss three ways within the step:
    through h directly (o·tanh'), through the output gate's look at c, and
    through ``dc`` from the next step.
    """
    u_prev, u_new, i, f, g, o, h, (w_i, w_f, w_o, W_g) = cache
    B, H = g.shape
    D = u_prev.shape[1] - 2 * H - 1
    dims = {"B": B, "H": H}
    dh = np.zeros_like(g) if dh is None else check_array("dh", dh, ("B", "H"), dims, dtype=g.dtype)
    dc = np.zeros_like(g) if dc is None else check_array("dc", dc, ("B", "H"), dims, dtype=g.dtype)
    c_prev, c = u_prev[:, D + H : D + 2 * H], u_new[:, D + H : D + 2 * H]

    dm = dh * _tanh_grad_from_output(h)  # m = o c, h = tanh(m)
    da_o = (dm * c).sum(axis=1) * _sigmoid_grad_from_output(o)
    du_o = da_o[:, None] * w_o  # ∂L/∂[x, h_prev, c, 1] through o
    dc_total = dc + dm * o[:, None] + du_o[:, D + H : D + 2 * H]

    da_g = dc_total * i[:, None] * _tanh_grad_from_output(g)
    da_i = (dc_total * g).sum(axis=1) * _sigmoid_grad_from_output(i)
    da_f = (dc_total * c_prev).sum(axis=1) * _sigmoid_grad_from_output(f)
    du_prev = da_i[:, None] * w_i + da_f[:, None] * w_f  # through i and f
    du_g = da_g @ W_g.T  # through the candidate: [x, h_prev, 1]
    return {
        "x": du_prev[:, :D] + du_o[:, :D] + du_g[:, :D],
        "h_prev": du_prev[:, D : D + H] + du_o[:, D : D + H] + du_g[:, D : D + H],
        "c_prev": dc_total * f[:, None] + du_prev[:, D + H : D + 2 * H],
        "w_i": u_prev.T @ da_i,
        "w_f": u_prev.T @ da_f,
        "w_o": u_new.T @ da_o,
        "W_g": _with_one(u_prev[:, : D + H]).T @ da_g,
    }


class ScalarGate(Cell):
    """Source 003's scalar-gate LSTM behind the common interface; state ``(h, c)``.

    Parameters ``w_i``, ``w_f``, ``w_o`` (D+2H+1,) and ``W_g`` (D+H+1, H).
    """

    name = "scalar_gate"
    gates = "ifgo"  # i, f, o are one number per example, read from [x, h_prev, c, 1]; not stacked in rows
    param_spec = {"w_i": ("D+2H+1",), "w_f": ("D+2H+1",), "w_o": ("D+2H+1",), "W_g": ("D+H+1", "H")}

    def __init__(self, forget_bias: float = 1.0):
        self.forget_bias = check_real("forget_bias", forget_bias)

    def init_params(self, D, H, *, rng=None, dtype=np.float64):
        params = super().init_params(D, H, rng=rng, dtype=dtype)
        params["w_f"][-1] = self.forget_bias  # the last entry multiplies the constant 1: the forget gate's bias
        return params

    step_functions = (scalar_gate_step_forward, scalar_gate_step_backward)

    def symbolic_step(self, x, state, params):
        """Row by row: the source's column form (:func:`lstm.checks.symbolic.scalar_gate_step_forward`) per example."""
        import sympy as sp

        from ..checks import symbolic

        h_prev, c_prev = state
        rows = [
            symbolic.scalar_gate_step_forward(
                x[r, :].T, h_prev[r, :].T, c_prev[r, :].T, *(params[k] for k in PARAM_NAMES)
            )[:2]
            for r in range(x.shape[0])
        ]
        return sp.Matrix.vstack(*(h.T for h, _ in rows)), sp.Matrix.vstack(*(c.T for _, c in rows))


_SCALAR_GATE = ScalarGate()  # checks parameters for the module's functions
