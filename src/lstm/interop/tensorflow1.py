"""LSTM parameters to and from TensorFlow 1's ``LSTMCell``, without importing TensorFlow.

TensorFlow 1 stores one kernel (D + H, 4H) for ``[x, h]``, gates in the order i, j (= g), f, o,
and adds ``forget_bias`` to the forget gate at run time (chapter *Notation*).
"""
from __future__ import annotations

import numpy as np

from .._validate import check_array
from ..blocks.gates import reorder_gates
from ..cells.lstm import check_lstm_params


def _float(name, value):
    return check_array(name, np.asarray(value))


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
    check_lstm_params(params)
    return params


def to_tensorflow1(params, forget_bias: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """``(kernel, bias)`` for TensorFlow 1's ``LSTMCell`` run with ``forget_bias``."""
    W_x, W_h, b = check_lstm_params(params)
    H = W_h.shape[1]
    stored = b.copy()
    stored[H : 2 * H] -= forget_bias  # TF adds it back at run time
    kernel = reorder_gates(np.hstack([W_x, W_h]), "book", "tensorflow1").T
    return kernel.copy(), reorder_gates(stored, "book", "tensorflow1")
