"""Parameters to and from PyTorch, Keras and TensorFlow 1, without importing any of them.

The book stores ``W_x`` (4H, D), ``W_h`` (4H, H), ``b`` (4H,) with gates in
the order i, f, g, o.  The frameworks differ in three ways (chapter
*Notation*): gate order, orientation (Keras and TensorFlow store the
transpose), and bias convention (PyTorch keeps two biases that add up,
TensorFlow 1 adds ``forget_bias`` to the forget gate at run time).
"""
from __future__ import annotations

import numpy as np

from ._validate import check_array
from .cell import check_params
from .layout import reorder_gates

TORCH_KEYS = ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0")


def _float(name, value):
    return check_array(name, np.asarray(value))


def from_pytorch(state_dict) -> dict:
    """The book's parameters from ``torch.nn.LSTM``'s (one layer, one direction).

    ``state_dict`` maps ``weight_ih_l0`` (4H, D), ``weight_hh_l0`` (4H, H),
    ``bias_ih_l0``, ``bias_hh_l0`` (4H,) to NumPy arrays (``t.numpy()``).
    The two biases are summed: only their sum acts.
    """
    missing = [k for k in TORCH_KEYS if k not in state_dict]
    if missing:
        raise ValueError(f"state_dict lacks {missing}; expected the keys of a one-layer torch.nn.LSTM")
    params = {
        "W_x": _float("weight_ih_l0", state_dict["weight_ih_l0"]).copy(),
        "W_h": _float("weight_hh_l0", state_dict["weight_hh_l0"]).copy(),
        "b": _float("bias_ih_l0", state_dict["bias_ih_l0"]) + _float("bias_hh_l0", state_dict["bias_hh_l0"]),
    }
    check_params(params)
    return params


def to_pytorch(params) -> dict:
    """``torch.nn.LSTM``'s parameters (NumPy arrays) from the book's; ``bias_hh_l0`` is zero."""
    W_x, W_h, b = check_params(params)
    return {
        "weight_ih_l0": W_x.copy(),
        "weight_hh_l0": W_h.copy(),
        "bias_ih_l0": b.copy(),
        "bias_hh_l0": np.zeros_like(b),
    }


def from_keras(kernel, recurrent_kernel, bias) -> dict:
    """From a Keras ``LSTM`` layer: ``kernel`` (D, 4H), ``recurrent_kernel`` (H, 4H), ``bias`` (4H,).

    Keras orders the gates i, f, c, o, which is the book's i, f, g, o; only
    the orientation differs.
    """
    params = {
        "W_x": _float("kernel", kernel).T.copy(),
        "W_h": _float("recurrent_kernel", recurrent_kernel).T.copy(),
        "b": _float("bias", bias).copy(),
    }
    check_params(params)
    return params


def to_keras(params) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(kernel, recurrent_kernel, bias)`` for a Keras ``LSTM`` layer."""
    W_x, W_h, b = check_params(params)
    return W_x.T.copy(), W_h.T.copy(), b.copy()


def from_tensorflow1(kernel, bias, forget_bias: float = 1.0) -> dict:
    """From TensorFlow 1's ``LSTMCell``/``BasicLSTMCell``: ``kernel`` (D + H, 4H), ``bias`` (4H,).

    TensorFlow 1 multiplies ``[x, h]`` by ``kernel``, splits the result as
    i, j, f, o (j is the candidate) and adds ``forget_bias`` to the f block
    at run time; the returned ``b`` includes it, so the book's cell computes
    the same thing.
    """
    kernel = _float("kernel", kernel)
    bias = _float("bias", bias)
    if kernel.ndim != 2 or kernel.shape[1] % 4:
        raise ValueError(f"kernel has shape {kernel.shape}; expected (D + H, 4H)")
    H = kernel.shape[1] // 4
    D = kernel.shape[0] - H
    if D < 1:
        raise ValueError(f"kernel has shape {kernel.shape}; expected (D + H, 4H) with D ≥ 1, so more than H = {H} rows")
    W = reorder_gates(kernel.T, "tensorflow1", "book")
    b = reorder_gates(bias, "tensorflow1", "book")
    b[H : 2 * H] += forget_bias
    params = {"W_x": W[:, :D].copy(), "W_h": W[:, D:].copy(), "b": b}
    check_params(params)
    return params


def to_tensorflow1(params, forget_bias: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """``(kernel, bias)`` for TensorFlow 1's ``LSTMCell`` run with ``forget_bias``."""
    W_x, W_h, b = check_params(params)
    H = W_h.shape[1]
    stored = b.copy()
    stored[H : 2 * H] -= forget_bias  # TF adds it back at run time
    kernel = reorder_gates(np.hstack([W_x, W_h]), "book", "tensorflow1").T
    return kernel.copy(), reorder_gates(stored, "book", "tensorflow1")
