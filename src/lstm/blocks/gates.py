"""Parameter layout: gate order, stacked and bias-folded weight matrices.

The book stores one LSTM layer's parameters as

* ``W_x`` (4H, D): input-to-gates weights,
* ``W_h`` (4H, H): hidden-to-gates weights,
* ``b``   (4H,):   one bias per gate unit,

with the four gate blocks in the order ``i, f, g, o`` (PyTorch's).  The
functions here convert between that layout and the others in the chapter
*Notation*: one stacked matrix acting on ``[x; h]``, the same with the bias
folded in as a last column acting on ``[x; h; 1]``, and other gate orders.
"""
from __future__ import annotations

import numpy as np

from .._validate import check_array

#: The book's gate order: input, forget, candidate (g), output.
GATES = "ifgo"
#: The gate orders of the book, the frameworks and the sources, each spelled
#: in the book's letters (TF1's j and Keras's c are our g).
ORDERS = {
    "book": "ifgo",
    "pytorch": "ifgo",
    "keras": "ifgo",
    "tensorflow1": "igfo",
    "source004_code": "ifog",
}


def param_shapes(D: int, H: int) -> dict[str, tuple[int, ...]]:
    """Shapes of ``W_x``, ``W_h``, ``b`` for input size D and hidden size H (:class:`lstm.LSTM`'s)."""
    from ..cells.lstm import LSTM  # cells reads GATES from here

    return LSTM().param_shapes(D, H)


def stack_weights(W_x, W_h) -> np.ndarray:
    """W = [W_x  W_h], shape (4H, D + H): one matrix acting on z = [x; h]."""
    dims: dict[str, int] = {}
    W_x = check_array("W_x", W_x, ("4H", "D"), dims)
    W_h = check_array("W_h", W_h, ("4H", "H"), dims, dtype=W_x.dtype)
    if dims["4H"] != 4 * dims["H"]:
        n = dims["4H"]
        raise ValueError(f"W_h has shape {W_h.shape}; expected (4H, H) = ({n}, {n / 4:g}) to match W_x")
    return np.hstack([W_x, W_h])


def fold_bias(W, b) -> np.ndarray:
    """[W  b], shape (4H, D + H + 1): acting on [x; h; 1] it adds the bias."""
    dims: dict[str, int] = {}
    W = check_array("W", W, ("4H", None), dims)
    b = check_array("b", b, ("4H",), dims, dtype=W.dtype)
    return np.hstack([W, b[:, None]])


def reorder_gates(a, src: str, dst: str, axis: int = 0) -> np.ndarray:
    """Permute the four gate blocks of ``a`` along ``axis`` from order ``src`` to ``dst``.

    Orders are strings of the letters ``i, f, g, o`` or keys of :data:`ORDERS`
    (for example ``reorder_gates(W, "tensorflow1", "book")``).
    """
    src, dst = ORDERS.get(src, src), ORDERS.get(dst, dst)
    for order in (src, dst):
        if sorted(order) != sorted(GATES):
            raise ValueError(f"gate order {order!r} is not a permutation of {GATES!r}")
    a = check_array("a", a)
    n = a.shape[axis]
    if n % 4:
        raise ValueError(f"a has {n} entries along axis {axis}; expected a multiple of 4 (4H)")
    blocks = np.split(a, 4, axis=axis)
    return np.concatenate([blocks[src.index(g)] for g in dst], axis=axis)


def split_gates(a, axis: int = -1) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The four gate blocks (i, f, g, o) of an array with 4H entries along ``axis``."""
    a = check_array("a", a, finite=False)
    if a.shape[axis] % 4:
        raise ValueError(f"a has {a.shape[axis]} entries along axis {axis}; expected a multiple of 4 (4H)")
    i, f, g, o = np.split(a, 4, axis=axis)
    return i, f, g, o
