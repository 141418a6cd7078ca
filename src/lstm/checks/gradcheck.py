"""Finite-difference gradient checking.

The chapter *Checking gradients* derives the choices made here: central
differences with step ``h = 1e-6`` in float64, a random upstream gradient so
that every output element takes part, and the relative error
``max|a - n| / max(max|a|, max|n|)``, with 1e-7 as the pass mark.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from .._validate import check_array

#: float64 central differences reach ~1e-9 or better on the book's functions;
#: a wrong formula errs by O(1).  1e-7 sits between with room on both sides.
DEFAULT_TOL = 1e-7
#: Step for central differences in float64.  The truncation error (~h²) and
#: the rounding error (~eps/h) balance near eps^(1/3) ≈ 6e-6 for functions of
#: unit curvature; a little below that is safer for functions with larger
#: third derivatives, and costs little since rounding error grows only as 1/h.
DEFAULT_STEP = 1e-6


def relative_error(a, b) -> float:
    """Relative error ``max|a - b| / max(max|a|, max|b|)`` of two arrays.

    Scale-free (multiplying both by 10 leaves it unchanged), symmetric, at
    most 2, and defined even when some entries are zero: the denominator is
    the scale of the whole array, not of each entry.  Two all-zero arrays
    have error 0.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"cannot compare shapes {a.shape} and {b.shape}")
    if a.size == 0:
        return 0.0
    scale = max(np.max(np.abs(a)), np.max(np.abs(b)))
    if scale == 0:
        return 0.0
    return float(np.max(np.abs(a - b)) / scale)


def _as_tuple(out):
    return out if isinstance(out, tuple) else (out,)


def numerical_gradient(f: Callable[[], object], x: np.ndarray, dout, *, h: float = DEFAULT_STEP, indices=None):
    """Central-difference gradient of ``L = Σ_k sum(out_k * dout_k)`` w.r.t. ``x``.

    ``f()`` takes no arguments and reads ``x``, which is perturbed in place
    one element at a time and restored exactly afterwards.  ``out`` and
    ``dout`` may be an array or a tuple of arrays.

    Returns an array shaped like ``x``; if ``indices`` (flat indices into
    ``x``) is given, only those entries are computed and the rest are NaN.
    """
    if x.dtype != np.float64:
        raise TypeError(f"finite differences need float64; x has dtype {x.dtype}")
    douts = _as_tuple(dout)
    grad = np.full(x.shape, np.nan) if indices is not None else np.zeros(x.shape)
    flat_x, flat_g = x.reshape(-1), grad.reshape(-1)
    for i in range(x.size) if indices is None else indices:
        old = flat_x[i]
        flat_x[i] = old + h
        plus = sum(np.sum(o * d) for o, d in zip(_as_tuple(f()), douts))
        flat_x[i] = old - h
        minus = sum(np.sum(o * d) for o, d in zip(_as_tuple(f()), douts))
        flat_x[i] = old
        flat_g[i] = (plus - minus) / (2 * h)
    return grad


def gradcheck(
    forward: Callable[..., tuple],
    backward: Callable[..., Mapping[str, np.ndarray]],
    inputs: Mapping[str, np.ndarray],
    *,
    wrt=None,
    tol: float = DEFAULT_TOL,
    h: float = DEFAULT_STEP,
    max_elements: int | None = None,
    rng=None,
) -> dict[str, float]:
    """Compare an analytic backward pass with central differences.

    Parameters
    ----------
    forward : ``forward(**inputs) -> (out, cache)``; ``out`` an array or a
        tuple of arrays (CS231n's layer convention).
    backward : ``backward(dout, cache) -> {name: gradient}``, with ``dout``
        shaped like ``out``.
    inputs : float64 arrays by name.  They are copied, never modified.
    wrt : the names to check (default: every input).
    tol : largest :func:`relative_error` accepted for any one input.
    h : finite-difference step.
    max_elements : if an input has more elements than this, check a random
        subset of this many (drawn with ``rng``); ``None`` checks them all.
    rng : a ``numpy.random.Generator`` (default: seeded with 0).

    Returns
    -------
    errors : ``{name: relative error}`` for every checked input.

    Raises
    ------
    AssertionError
        If an input's error exceeds ``tol``; the message names every such input.
    """
    rng = np.random.default_rng(0) if rng is None else rng
    values = {}
    for name, value in inputs.items():
        values[name] = check_array(name, value).copy()
        if values[name].dtype != np.float64:
            raise TypeError(
                f"gradient checks need float64 (float32 cannot resolve 1e-7); {name} is {values[name].dtype}"
            )
    wrt = list(values) if wrt is None else list(wrt)
    out, cache = forward(**values)
    # A random upstream gradient: with dout = 1 errors that cancel in a plain
    # sum (a transposed block, a swapped gate) would go unnoticed.
    dout = tuple(rng.standard_normal(np.shape(o)) for o in _as_tuple(out))
    dout = dout if isinstance(out, tuple) else dout[0]
    analytic = backward(dout, cache)
    errors, failures = {}, []
    for name in wrt:
        x = values[name]
        indices = None
        if max_elements is not None and x.size > max_elements:
            indices = rng.choice(x.size, size=max_elements, replace=False)
        numeric = numerical_gradient(lambda: forward(**values)[0], x, dout, h=h, indices=indices)
        a = np.asarray(analytic[name], dtype=np.float64)
        if a.shape != x.shape:
            raise ValueError(f"backward returned shape {a.shape} for {name}; expected {x.shape}")
        if indices is not None:
            a, numeric = a.reshape(-1)[indices], numeric.reshape(-1)[indices]
        errors[name] = relative_error(a, numeric)
        if not errors[name] <= tol:
            failures.append(f"{name}: relative error {errors[name]:.2e} > {tol:.0e}")
    if failures:
        raise AssertionError("gradient check failed\n  " + "\n  ".join(failures))
    return errors
