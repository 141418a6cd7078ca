"""Input checks shared by every public function.

Every public entry point of :mod:`lstm` runs its arguments through
:func:`check_array`, so a wrong shape, a non-float dtype or a NaN is refused
at the door with a message that names the argument, instead of surfacing
later as a broadcasting accident or a silently wrong number.
"""
from __future__ import annotations

import numbers
from collections.abc import Mapping, MutableMapping, Sequence

import numpy as np

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def _format_shape(spec: Sequence[int | str | None], dims: Mapping[str, int]) -> str:
    symbolic = "(" + ", ".join("?" if d is None else str(d) for d in spec) + ("," if len(spec) == 1 else "") + ")"
    # Bound names become numbers; unbound names and wildcards stay as they are.
    concrete = [str(dims[d]) if isinstance(d, str) and d in dims else ("?" if d is None else str(d)) for d in spec]
    if any(isinstance(d, str) and d in dims for d in spec):
        return f"{symbolic} = (" + ", ".join(concrete) + ("," if len(spec) == 1 else "") + ")"
    return symbolic


def check_array(
    name: str,
    value,
    shape: Sequence[int | str | None] | None = None,
    dims: MutableMapping[str, int] | None = None,
    *,
    finite: bool = True,
    dtype=None,
) -> np.ndarray:
    """Return ``value`` as a float ndarray, or raise a clear error.

    Parameters
    ----------
    name : the argument's name, used in error messages.
    value : an ndarray, a list of floats, or a Python float.
    shape : optional expected shape; each entry an int, a dimension name such
        as ``"B"`` (bound in ``dims`` on first sight, checked afterwards) or
        ``None`` (any size).
    dims : the dimension names bound so far; updated in place.
    finite : refuse NaN and infinities.
    dtype : if given, the dtype the array must already have (so that float32
        and float64 arguments are never mixed silently).

    Raises
    ------
    TypeError : the dtype is not float32 or float64, or differs from ``dtype``.
    ValueError : the shape does not match, or a value is not finite.
    """
    if isinstance(value, (bool, np.bool_)) or (
        isinstance(value, numbers.Integral) and not isinstance(value, np.ndarray)
    ):
        raise TypeError(f"{name} is an integer ({value!r}); expected a float32 or float64 value")
    arr = np.asarray(value)
    if arr.dtype not in FLOAT_DTYPES:
        raise TypeError(f"{name} has dtype {arr.dtype}; expected float32 or float64")
    if dtype is not None and arr.dtype != np.dtype(dtype):
        raise TypeError(f"{name} has dtype {arr.dtype}; expected {np.dtype(dtype)} like the other arguments")
    if shape is not None:
        dims = {} if dims is None else dims
        ok = arr.ndim == len(shape)
        if ok:
            bound = dict(dims)
            for actual, want in zip(arr.shape, shape):
                if want is None:
                    continue
                if isinstance(want, str):
                    want = bound.setdefault(want, actual)
                if actual != want:
                    ok = False
                    break
        if not ok:
            raise ValueError(f"{name} has shape {arr.shape}; expected {_format_shape(shape, dims)}")
        dims.update(bound)
    if finite and not np.all(np.isfinite(arr)):
        bad = int(arr.size - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(f"{name} contains {bad} non-finite value(s) (NaN or inf); shape {arr.shape}")
    return arr


def check_sequence(
    name: str, value, dims: MutableMapping[str, int] | None = None, *, dtype=None
) -> np.ndarray:
    """:func:`check_array` for a time-major sequence (T, B, D), which must have at least one step.

    With T = 0 there is no final state to return and nothing to
    backpropagate; ``torch.nn.LSTM``, ``GRU`` and ``RNN`` refuse it too.
    """
    arr = check_array(name, value, ("T", "B", "D"), dims, dtype=dtype)
    if arr.shape[0] == 0:
        raise ValueError(
            f"{name} has shape {arr.shape}: T = 0 time steps; a sequence needs T ≥ 1 "
            "(torch.nn.LSTM, GRU and RNN refuse an empty sequence too)"
        )
    return arr
