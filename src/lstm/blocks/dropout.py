"""Dropout on the non-recurrent connections (Zaremba, Sutskever & Vinyals 2014).

During training each unit of a layer's output is kept with probability
1 − p and zeroed otherwise, and the kept ones are scaled by 1/(1 − p):

    y = x ⊙ m,   m_j = z_j / (1 − p),   z_j ~ Bernoulli(1 − p) independently.

For a fixed mask this is a linear map, so its backward pass is the same
product: ∂L/∂x = ∂L/∂y ⊙ m.  The scaling makes E[y] = x, so at evaluation
the layer is the identity ("inverted" dropout, as ``torch.nn.Dropout``):
the network sees, on average, the same input size it was trained on.

Only the connections from one layer up to the next (and to the output
layer) are dropped; the state carried from step to step is not, so the
cell's memory is never erased at random.
"""
from __future__ import annotations

import math

import numpy as np

from .._validate import check_array


def check_rate(p) -> float:
    """``p`` as a float in [0, 1), or a clear error."""
    if isinstance(p, (bool, np.bool_)) or not isinstance(p, (int, float, np.floating, np.integer)):
        raise TypeError(f"dropout rate is {p!r}; expected a number in [0, 1)")
    p = float(p)
    if not (0.0 <= p < 1.0) or math.isnan(p):
        raise ValueError(f"dropout rate is {p}; expected 0 <= p < 1")
    return p


def dropout_mask(shape, p: float, rng, dtype=np.float64) -> np.ndarray:
    """A mask of ``shape``: 1/(1 − p) with probability 1 − p, else 0.

    ``rng`` is a ``numpy.random.Generator`` (or a seed).  With ``p = 0``
    the mask is all ones (and ``rng`` is not used).
    """
    p = check_rate(p)
    dtype = np.dtype(dtype)
    if p == 0.0:
        return np.ones(shape, dtype)
    rng = np.random.default_rng(rng)
    keep = rng.random(shape, dtype=np.float32 if dtype == np.float32 else np.float64) >= p
    return keep.astype(dtype) * dtype.type(1.0 / (1.0 - p))


def dropout_forward(x, mask) -> np.ndarray:
    """y = x ⊙ mask; ``x`` and ``mask`` of the same shape and dtype."""
    x = check_array("x", x)
    mask = check_array("mask", mask, x.shape, dtype=x.dtype)
    return x * mask


def dropout_backward(dy, mask) -> np.ndarray:
    """∂L/∂x = ∂L/∂y ⊙ mask: the mask is fixed, so dropout is linear in x."""
    dy = check_array("dy", dy)
    mask = check_array("mask", mask, dy.shape, dtype=dy.dtype)
    return dy * mask
