"""Activation functions, their derivatives, and the softmax cross-entropy loss.

Conventions
-----------
* ``*_grad(z)`` is the derivative evaluated at the pre-activation ``z``.
* ``*_grad_from_output(y)`` is the same derivative written in terms of the
  function's output ``y``; backward passes use this form because the forward
  pass has already stored ``y`` (Part II).  The ``*_grad`` functions call it,
  so each derivative formula exists exactly once in the package.
* Every public function preserves float32 and float64 and refuses other
  dtypes, shapes it cannot use and non-finite values (see
  the package's private module ``lstm._validate``), then calls an unchecked core (``_sigmoid`` …) that
  holds the formula.  The LSTM code, which validates its own inputs once,
  calls the cores directly, so each formula exists once and a mistake in it
  shows up everywhere.
"""
from __future__ import annotations

import numpy as np

from .._validate import check_array


def _sigmoid(z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    # For z below -709 (float64) or -88.7 (float32), exp(-z) overflows to inf
    # and IEEE arithmetic gives 1 / (1 + inf) = 0: the true σ rounded to within
    # the smallest normal number.  The overflow is expected, so its warning is
    # silenced here and only here.  (The form e^z / (1 + e^z) would give
    # inf / inf = NaN at the other end; it is never used.)  Each step works in
    # place on one array: a fresh temporary per operation costs page faults.
    out = np.negative(z, out=np.empty_like(z) if out is None else out)
    with np.errstate(over="ignore"):
        np.exp(out, out=out)
    out += 1
    return np.reciprocal(out, out=out)


def _sigmoid_grad_from_output(s: np.ndarray) -> np.ndarray:
    d = 1 - s
    d *= s  # σ (1 - σ)
    return d


def _tanh_grad_from_output(t: np.ndarray) -> np.ndarray:
    d = np.asarray(t * t)  # t * t of a 0-d array is a scalar, which out= refuses
    return np.subtract(1, d, out=d)  # 1 - tanh²


def sigmoid(z):
    """Logistic sigmoid σ(z) = 1 / (1 + exp(-z)), elementwise, any shape.

    Stable: for any finite z, in float32 or float64, it returns a value in
    [0, 1] with no NaN and no warning, accurate to a few units of rounding
    (relative) wherever σ(z) is a normal number.
    """
    return _sigmoid(check_array("z", z))


def sigmoid_grad_from_output(s):
    """σ'(z) written through s = σ(z): σ' = σ (1 - σ).  Shape of ``s``."""
    return _sigmoid_grad_from_output(check_array("s", s))


def sigmoid_grad(z):
    """σ'(z), elementwise, shape of ``z``."""
    return sigmoid_grad_from_output(sigmoid(z))


def tanh(z):
    """Hyperbolic tangent, elementwise, any shape (NumPy's ``tanh`` is stable)."""
    z = check_array("z", z)
    return np.tanh(z)


def tanh_grad_from_output(t):
    """tanh'(z) written through t = tanh(z): tanh' = 1 - tanh².  Shape of ``t``."""
    return _tanh_grad_from_output(check_array("t", t))


def tanh_grad(z):
    """tanh'(z), elementwise, shape of ``z``."""
    return tanh_grad_from_output(tanh(z))


def log_softmax(z, axis: int = -1):
    """log softmax(z) along ``axis``; any shape.

    Subtracting the maximum first (softmax is unchanged by a shift) keeps
    every exponent ≤ 0, so nothing overflows, and the log is taken of a sum
    that is at least 1, so nothing underflows to log(0).
    """
    z = check_array("z", z)
    shifted = z - np.max(z, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def softmax(z, axis: int = -1):
    """softmax(z)_k = exp(z_k) / Σ_j exp(z_j) along ``axis``; any shape."""
    z = check_array("z", z)
    e = np.exp(z - np.max(z, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def softmax_jacobian(p):
    """Jacobian ∂p/∂z = diag(p) - p pᵀ of p = softmax(z).

    ``p`` has shape (..., K); the result has shape (..., K, K).
    """
    p = check_array("p", p)
    if p.ndim == 0:
        raise ValueError("p has shape (); expected (..., K)")
    return p[..., :, None] * np.eye(p.shape[-1], dtype=p.dtype) - p[..., :, None] * p[..., None, :]


def _targets(y, K: int, B: int, dtype) -> np.ndarray:
    """Return targets as a (B, K) array of probabilities, validating them."""
    y = np.asarray(y)
    if y.ndim == 1 and np.issubdtype(y.dtype, np.integer):
        if y.shape != (B,):
            raise ValueError(f"y has shape {y.shape}; expected (B,) = ({B},) class indices")
        if y.size and (y.min() < 0 or y.max() >= K):
            raise ValueError(f"y holds class indices from {y.min()} to {y.max()}; expected 0 to {K - 1}")
        return np.eye(K, dtype=dtype)[y]
    y = check_array("y", y, ("B", "K"), {"B": B, "K": K}, dtype=dtype)
    # p - y is the gradient only when each target row is a distribution.
    if np.any(y < 0) or not np.allclose(y.sum(axis=1), 1, rtol=0, atol=1e-6):
        raise ValueError("y rows must be probability distributions (non-negative, summing to 1)")
    return y


def softmax_cross_entropy(logits, y, reduction: str = "sum"):
    """Cross-entropy of softmax(logits) against targets, and its gradient.

    Parameters
    ----------
    logits : (B, K) float array, unnormalised scores.
    y : (B,) integer class indices, or (B, K) target distributions.
    reduction : ``"sum"`` (the book's J = Σ of per-example losses) or
        ``"mean"`` (divide by B, as PyTorch does by default).

    Returns
    -------
    loss : float, -Σ_b Σ_k y_bk log p_bk (divided by B for ``"mean"``).
    dlogits : (B, K), the gradient p - y (divided by B for ``"mean"``).
    """
    logits = check_array("logits", logits, ("B", "K"))
    B, K = logits.shape
    if reduction not in ("sum", "mean"):
        raise ValueError(f"reduction is {reduction!r}; expected 'sum' or 'mean'")
    target = _targets(y, K, B, logits.dtype)
    log_p = log_softmax(logits, axis=1)
    scale = 1.0 if reduction == "sum" else 1.0 / B
    loss = -np.sum(target * log_p) * scale
    dlogits = (np.exp(log_p) - target) * scale
    return float(loss), dlogits.astype(logits.dtype, copy=False)
