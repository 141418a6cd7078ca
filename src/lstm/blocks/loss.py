"""The output layer and the loss: logits = h W_yᵀ + b_y, softmax, cross-entropy over time.

Arrays may carry any leading dimensions: ``h`` of shape (B, H) for one step
or (T, B, H) for a sequence gives logits of shape (B, K) or (T, B, K).
"""
from __future__ import annotations

import numpy as np

from .._validate import check_array
from .activations import _targets, log_softmax


def output_forward(h, W_y, b_y):
    """Logits ``h W_yᵀ + b_y``: ``h`` (..., H), ``W_y`` (K, H), ``b_y`` (K,) → (..., K)."""
    dims: dict[str, int] = {}
    W_y = check_array("W_y", W_y, ("K", "H"), dims)
    b_y = check_array("b_y", b_y, ("K",), dims, dtype=W_y.dtype)
    h = check_array("h", h, (None,) * (np.ndim(h) - 1) + ("H",), dims, dtype=W_y.dtype)
    if h.ndim < 1:
        raise ValueError(f"h has shape {h.shape}; expected (..., H)")
    return h @ W_y.T + b_y, (h, W_y)


def output_backward(dlogits, cache):
    """Gradients ``{"h", "W_y", "b_y"}`` of the output layer; ``dlogits`` shaped like the logits.

    ``W_y`` and ``b_y`` are shared by every step and example, so their
    gradients sum over all leading dimensions.
    """
    h, W_y = cache
    K, H = W_y.shape
    dlogits = check_array("dlogits", dlogits, h.shape[:-1] + (K,), dtype=W_y.dtype)
    flat_d, flat_h = dlogits.reshape(-1, K), h.reshape(-1, H)
    return {"h": dlogits @ W_y, "W_y": flat_d.T @ flat_h, "b_y": flat_d.sum(axis=0)}


def sequence_loss(logits, targets, mask=None, reduction: str = "sum"):
    """Cross-entropy of softmax(logits) summed over time and batch, and its gradient.

    Parameters
    ----------
    logits : (T, B, K).
    targets : (T, B) integer class indices (valid everywhere, also where masked).
    mask : (T, B) of 0/1 or bool, 1 where a step counts; ``None`` counts all.
        Sequences of different lengths are padded to T and masked.
    reduction : ``"sum"`` (J = Σ_t Σ_b m_tb J_tb) or ``"mean"`` (divided by Σ m).

    Returns
    -------
    loss : float.
    dlogits : (T, B, K), m_tb (p_tb - y_tb) (divided by Σ m for ``"mean"``).
    """
    logits = check_array("logits", logits, ("T", "B", "K"))
    T, B, K = logits.shape
    targets = np.asarray(targets)
    if targets.shape != (T, B) or not np.issubdtype(targets.dtype, np.integer):
        raise ValueError(
            f"targets has shape {targets.shape} and dtype {targets.dtype}; expected (T, B) = ({T}, {B}) integers"
        )
    if mask is None:
        weights = np.ones((T, B), dtype=logits.dtype)
    else:
        mask = np.asarray(mask)
        if mask.shape != (T, B):
            raise ValueError(f"mask has shape {mask.shape}; expected (T, B) = ({T}, {B})")
        if not np.all((mask == 0) | (mask == 1)):
            raise ValueError("mask must hold only 0 and 1 (or False and True)")
        weights = mask.astype(logits.dtype)
    if reduction not in ("sum", "mean"):
        raise ValueError(f"reduction is {reduction!r}; expected 'sum' or 'mean'")
    y = _targets(targets.reshape(-1), K, T * B, logits.dtype).reshape(T, B, K)
    log_p = log_softmax(logits)
    scale = 1.0 if reduction == "sum" else 1.0 / max(weights.sum(), 1.0)
    loss = -np.sum(weights[..., None] * y * log_p) * scale
    dlogits = weights[..., None] * (np.exp(log_p) - y) * scale
    return float(loss), dlogits.astype(logits.dtype, copy=False)
