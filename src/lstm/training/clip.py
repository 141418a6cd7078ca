"""Gradient clipping over a dict of gradients: by the global norm and element-wise.

* :func:`clip_grad_norm` rescales every gradient by the same factor when
  their joint norm exceeds a threshold θ (Pascanu, Mikolov & Bengio 2013:
  if ‖g‖ > θ then g ← θ g / ‖g‖).  The direction of the update is kept.
  It computes what ``torch.nn.utils.clip_grad_norm_`` computes, including the
  1e-6 that torch adds to the norm in the denominator.
* :func:`clip_grad_value` clamps each entry to [-c, c] (min-char-rnn's ±5).
  Cheap and local, but it changes the direction of the update.
"""
from __future__ import annotations

import math
from collections.abc import MutableMapping

import numpy as np

from .._validate import check_array


def _check_grads(grads, finite):
    if not isinstance(grads, MutableMapping):
        raise TypeError(f"grads must be a dict of arrays; got {type(grads).__name__}")
    for name, g in grads.items():
        if not isinstance(g, np.ndarray):
            raise TypeError(f"grads[{name!r}] is a {type(g).__name__}; expected an ndarray (clipped in place)")
        check_array(f"grads[{name!r}]", g, finite=finite)
        if not g.flags.writeable:
            raise ValueError(f"grads[{name!r}] is read-only; clipping works in place")
    return grads


def _norm_type(norm_type) -> float:
    p = float(norm_type)
    if not p > 0:  # also refuses NaN
        raise ValueError(f"norm_type is {norm_type!r}; expected a number > 0 or inf")
    return p


def total_norm(grads, norm_type: float = 2.0) -> float:
    """The norm of all gradients of ``grads`` joined into one vector (``inf`` for the max-abs norm).

    As in torch, the norm of the per-array norms: ‖(‖g_1‖_p, …, ‖g_n‖_p)‖_p.
    """
    p = _norm_type(norm_type)
    _check_grads(grads, finite=False)
    if not grads:
        return 0.0
    norms: list[float] = []
    for g in grads.values():
        a = np.abs(g.astype(np.float64, copy=False)).ravel()
        if p == math.inf:
            norms.append(a.max(initial=0.0))
        elif p == 2.0:
            norms.append(np.sqrt(a @ a))
        else:
            norms.append(np.sum(a**p) ** (1.0 / p))
    each = np.array(norms)
    if p == math.inf:
        return float(each.max())
    if p == 2.0:
        return float(np.sqrt(each @ each))
    return float(np.sum(each**p) ** (1.0 / p))


def clip_grad_norm(grads: dict, max_norm: float, norm_type: float = 2.0, *, error_if_nonfinite: bool = False) -> float:
    """Rescale ``grads`` in place so that their joint norm is at most ``max_norm``; return the norm before.

    Every gradient is multiplied by ``min(max_norm / (norm + 1e-6), 1)``, the
    formula of ``torch.nn.utils.clip_grad_norm_``; the 1e-6 guards against
    division by zero, so a clipped norm comes out a hair below ``max_norm``.

    Parameters
    ----------
    grads : dict of float arrays of any shapes, changed in place.
    max_norm : the threshold θ, >= 0.
    norm_type : p of the p-norm (default 2), or ``float("inf")`` for the largest absolute entry.
    error_if_nonfinite : raise if the norm is NaN or infinite (torch's option;
        by default, as in torch, the gradients are then scaled by NaN).

    Returns
    -------
    The total norm of the gradients before clipping (a float).
    """
    max_norm = float(max_norm)
    if not max_norm >= 0:
        raise ValueError(f"max_norm is {max_norm}; expected a number >= 0")
    norm = total_norm(grads, norm_type)
    if error_if_nonfinite and not math.isfinite(norm):
        raise ValueError(f"the total {norm_type}-norm of grads is {norm}; the gradients contain NaN or inf")
    clip_coef = max_norm / (norm + 1e-6)
    clip_coef_clamped = min(clip_coef, 1.0) if not math.isnan(clip_coef) else clip_coef
    with np.errstate(invalid="ignore"):  # inf * 0 is NaN, as in torch; the returned norm says why
        for g in grads.values():
            g *= clip_coef_clamped
    return norm


def clip_grad_value(grads: dict, clip_value: float) -> None:
    """Clamp every entry of ``grads`` to [-clip_value, clip_value], in place (``torch.nn.utils.clip_grad_value_``).

    ``grads`` is a dict of float arrays of any shapes; ``clip_value`` > 0.
    """
    clip_value = float(clip_value)
    if not clip_value > 0:
        raise ValueError(f"clip_value is {clip_value}; expected a number > 0")
    _check_grads(grads, finite=False)
    for g in grads.values():
        np.clip(g, -clip_value, clip_value, out=g)


__all__ = ["clip_grad_norm", "clip_grad_value", "total_norm"]
