"""LSTM parameters to and from a Keras ``LSTM`` layer, without importing Keras.

Keras stores the transpose of the book's matrices, gates in the book's order i, f, c (= g), o.
"""
from __future__ import annotations

import numpy as np

from .._validate import check_array
from ..cells.lstm import check_lstm_params


def _float(name, value):
    return check_array(name, np.asarray(value))


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
    check_lstm_params(params)
    return params


def to_keras(params) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(kernel, recurrent_kernel, bias)`` for a Keras ``LSTM`` layer."""
    W_x, W_h, b = check_lstm_params(params)
    return W_x.T.copy(), W_h.T.copy(), b.copy()
