"""The Elman RNN: the baseline the LSTM was invented to beat.

One step, with φ = tanh (or ReLU, as ``torch.nn.RNN(nonlinearity="relu")``)::

    a = x W_xᵀ + h_prev W_hᵀ + b        (B, H)
    h = φ(a)

Parameters ``W_x`` (H, D), ``W_h`` (H, H), ``b`` (H,).  PyTorch keeps two
biases, ``bias_ih`` and ``bias_hh``; only their sum acts, so the book keeps
one (:func:`lstm.rnn_from_pytorch` adds them).

Backward, with δ = ∂L/∂a = ∂L/∂h ⊙ φ'(a):

    ∂L/∂x = δ W_x,   ∂L/∂h_prev = δ W_h,
    ∂L/∂W_x = δᵀ x,   ∂L/∂W_h = δᵀ h_prev,   ∂L/∂b = Σ_batch δ

with tanh' = 1 − h² and relu' = [a > 0] (0 at a = 0, as PyTorch takes it).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._validate import check_array
from ..blocks.activations import _tanh_grad_from_output
from .base import Cell

NONLINEARITIES = ("tanh", "relu")


class RNNCache(NamedTuple):
    x: np.ndarray  # (B, D)
    h_prev: np.ndarray  # (B, H)
    h: np.ndarray  # (B, H) the new state, from which φ' is read
    W_x: np.ndarray  # (H, D)
    W_h: np.ndarray  # (H, H)
    nonlinearity: str


def init_rnn_params(input_size: int, hidden_size: int, *, rng=None, dtype=np.float64) -> dict[str, np.ndarray]:
    """Every parameter uniform in (−1/√H, 1/√H), as ``torch.nn.RNN`` initialises them."""
    return RNN().init_params(input_size, hidden_size, rng=rng, dtype=dtype)


def rnn_param_shapes(D: int, H: int) -> dict[str, tuple[int, ...]]:
    """Shapes of ``W_x`` (H, D), ``W_h`` (H, H), ``b`` (H,)."""
    return RNN().param_shapes(D, H)


def check_rnn_params(params, dims: dict | None = None):
    """Validate ``params``; return ``(W_x, W_h, b)`` and bind D and H in ``dims``."""
    p = _RNN.check_params(params, dims)
    return p["W_x"], p["W_h"], p["b"]


def _check_nonlinearity(nonlinearity):
    if nonlinearity not in NONLINEARITIES:
        raise ValueError(f"nonlinearity is {nonlinearity!r}; expected one of {NONLINEARITIES}")


def rnn_step_forward(x, h_prev, params, *, nonlinearity: str = "tanh"):
    """One RNN step: ``x`` (B, D), ``h_prev`` (B, H) → ``(h, cache)``, h (B, H)."""
    _check_nonlinearity(nonlinearity)
    dims: dict[str, int] = {}
    W_x, W_h, b = check_rnn_params(params, dims)
    x = check_array("x", x, ("B", "D"), dims, dtype=W_x.dtype)
    h_prev = check_array("h_prev", h_prev, ("B", "H"), dims, dtype=W_x.dtype)
    a = x @ W_x.T + h_prev @ W_h.T + b
    h = np.tanh(a) if nonlinearity == "tanh" else np.maximum(a, 0)
    return h, RNNCache(x, h_prev, h, W_x, W_h, nonlinearity)


def rnn_step_backward(dh, cache: RNNCache):
    """Gradients of one RNN step from ``dh`` (B, H): ``x``, ``h_prev``, ``W_x``, ``W_h``, ``b``."""
    x, h_prev, h, W_x, W_h, nonlinearity = cache
    dh = np.zeros_like(h) if dh is None else check_array("dh", dh, h.shape, dtype=h.dtype)
    # φ' read from the output: 1 − h² for tanh; [h > 0] for ReLU (h > 0 exactly when a > 0).
    da = dh * (_tanh_grad_from_output(h) if nonlinearity == "tanh" else (h > 0))
    return {"x": da @ W_x, "h_prev": da @ W_h, "W_x": da.T @ x, "W_h": da.T @ h_prev, "b": da.sum(axis=0)}


class RNN(Cell):
    """The Elman RNN behind the common interface; state ``(h,)``."""

    name = "rnn"
    state_names = ("h",)
    gates = "h"  # one block: the new state itself
    param_spec = {"W_x": ("GH", "D"), "W_h": ("GH", "H"), "b": ("GH",)}

    def __init__(self, nonlinearity: str = "tanh"):
        _check_nonlinearity(nonlinearity)
        self.nonlinearity = nonlinearity

    step_functions = (rnn_step_forward, rnn_step_backward)

    def step_options(self):
        return {"nonlinearity": self.nonlinearity}

    def symbolic_step(self, x, state, params):
        import sympy as sp

        if self.nonlinearity != "tanh":
            raise NotImplementedError("the symbolic RNN step is written for tanh (ReLU's kink has no SymPy rule here)")
        (h_prev,) = state
        B = x.shape[0]
        a = x * params["W_x"].T + h_prev * params["W_h"].T + sp.ones(B, 1) * params["b"].T
        return (a.applyfunc(sp.tanh),)


_RNN = RNN()  # checks parameters for the module's functions
