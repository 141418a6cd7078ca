"""One interface for every recurrent cell, and one loop through time for all of them.

A *cell* is one step of a recurrent network.  Every cell in the book, from
the Elman RNN to source 003's scalar-gate LSTM, is an object with the same
few members:

``name``
    a short label, e.g. ``"lstm"``, ``"gru"``.
``state_names``
    the parts of its state, in order: ``("h",)`` for an RNN or a GRU,
    ``("h", "c")`` for the LSTM family.  A *state* is a tuple of (B, H)
    arrays in this order.
``param_shapes(D, H)``
    ``{name: shape}`` of its parameters for input size D and hidden size H.
``init_params(D, H, *, rng=None, dtype=np.float64)``
    a fresh parameter dict.
``dims(params)``
    validates ``params`` (clear errors naming the key) and returns
    ``{"D": D, "H": H}``.
``step_forward(x, state, params) -> (state, cache)``
    one step: ``x`` (B, D), ``state`` a tuple of (B, H) arrays.
``step_backward(dstate, cache) -> grads``
    ``dstate`` a tuple like ``state`` (entries may be ``None`` for zero), the
    gradient of the loss with respect to the new state.  ``grads`` holds
    ``"x"`` (B, D), ``"<s>_prev"`` (B, H) for every part s of the state
    (``"h_prev"``, ``"c_prev"``) and one entry per parameter.
``symbolic_step(x, state, params) -> state``
    the same step on SymPy matrices in the same row layout (x (B, D), state
    parts (B, H), a 1-D parameter of length n as an (n, 1) column).  Written
    separately from the NumPy code, so that :mod:`lstm.harness` can check
    one against the other.

On top of that, :func:`sequence_forward` and :func:`sequence_backward` run
any cell over a sequence, with optional per-sequence lengths, and
:mod:`lstm.harness` checks any cell's gradients.  The plain LSTM also has a
fast batched path (:func:`lstm.forward`), which :func:`sequence_forward`
uses when it can; a test proves the two equal.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validate import check_array, check_sequence


class Cell:
    """Base class of the cells.  Subclasses define the members listed in the module docstring."""

    name = "cell"
    state_names: tuple[str, ...] = ("h", "c")

    def param_shapes(self, D: int, H: int) -> dict[str, tuple[int, ...]]:
        raise NotImplementedError

    def init_params(self, D: int, H: int, *, rng=None, dtype=np.float64) -> dict[str, np.ndarray]:
        raise NotImplementedError

    def dims(self, params) -> dict[str, int]:
        raise NotImplementedError

    def step_forward(self, x, state, params):
        raise NotImplementedError

    def step_backward(self, dstate, cache) -> dict[str, np.ndarray]:
        raise NotImplementedError

    def symbolic_step(self, x, state, params):
        raise NotImplementedError

    # ---- shared helpers -------------------------------------------------
    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    def param_names(self) -> tuple[str, ...]:
        return tuple(self.param_shapes(1, 1))

    def check_state(self, state, B: int, H: int, dtype, *, where: str = "0", grad: bool = False) -> tuple:
        """``state`` as a validated tuple of (B, H) arrays; ``None`` (or a ``None`` part) means zeros.

        In error messages the argument is ``state0`` and its parts ``h0``,
        ``c0`` (``where="0"``), or ``state`` with parts ``h_prev``, ``c_prev``
        (``where="_prev"``); with ``grad=True`` it is a gradient, ``dstate_T``
        with parts ``dh_T``, ``dc_T`` (``where="_T"``).
        """
        d = "d" if grad else ""
        arg = d + ("state" if where == "_prev" else f"state{where}")
        n = len(self.state_names)
        if state is None:
            state = (None,) * n
        if isinstance(state, np.ndarray) or not isinstance(state, (tuple, list)):
            if n == 1:
                state = (state,)
            else:
                raise TypeError(f"{arg} must be a tuple of {n} arrays {self.state_names}; got {type(state).__name__}")
        if len(state) != n:
            raise ValueError(f"{arg} has {len(state)} parts; the {self.name} cell's state is {self.state_names}")
        dims = {"B": B, "H": H}
        return tuple(
            np.zeros((B, H), dtype) if s is None else check_array(f"{d}{name}{where}", s, ("B", "H"), dims, dtype=dtype)
            for name, s in zip(self.state_names, state)
        )

    def zero_state(self, B: int, H: int, dtype=np.float64) -> tuple:
        return tuple(np.zeros((B, H), dtype) for _ in self.state_names)


def uniform_init(shapes: dict, H: int, rng, dtype) -> dict[str, np.ndarray]:
    """Every parameter drawn uniformly from (−1/√H, 1/√H), as ``torch.nn.LSTM``/``GRU``/``RNN`` do.

    Each pre-activation then sums D + H terms of size ~1/√H, so it starts at
    order one, where σ and tanh are neither flat nor linear.
    """
    if np.dtype(dtype) not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise TypeError(f"dtype is {np.dtype(dtype)}; expected float32 or float64")
    rng = np.random.default_rng(rng)
    bound = 1.0 / np.sqrt(H)
    return {name: rng.uniform(-bound, bound, size=shape).astype(dtype) for name, shape in shapes.items()}


def check_lengths(lengths, T: int, B: int) -> np.ndarray | None:
    """Validate per-sequence lengths: B integers in 1 … T.  ``None`` means every sequence has length T."""
    if lengths is None:
        return None
    arr = np.asarray(lengths)
    if arr.shape != (B,):
        raise ValueError(f"lengths has shape {arr.shape}; expected (B,) = ({B},), one length per sequence")
    if not np.issubdtype(arr.dtype, np.integer):
        if arr.dtype.kind == "f" and np.all(np.isfinite(arr)) and np.all(arr == np.round(arr)):
            raise TypeError(f"lengths has dtype {arr.dtype}; expected integers (use .astype(int))")
        raise TypeError(f"lengths has dtype {arr.dtype}; expected integers")
    if np.any(arr < 1) or np.any(arr > T):
        raise ValueError(f"lengths must lie in 1 … T = {T}; got min {arr.min()}, max {arr.max()}")
    return arr.astype(np.int64)


class SequenceRun(NamedTuple):
    """What :func:`sequence_backward` needs from :func:`sequence_forward`."""

    cell: Cell
    caches: list  # one step cache per step (the generic loop), or the fast path's cache
    masks: np.ndarray | None  # (T, B, 1): 1 where step t is inside sequence b, or None for full length
    shape: tuple  # (T, B, D, H)
    dtype: np.dtype
    fast: bool  # True when the plain LSTM's batched path ran


def sequence_forward(cell: Cell, x, params, state0=None, *, lengths=None, fast: bool = True):
    """Run ``cell`` over a sequence.

    Parameters
    ----------
    cell : a :class:`Cell`.
    x : (T, B, D) inputs, time first.
    params : the cell's parameter dict.
    state0 : tuple of (B, H) initial state parts (``None`` or ``None`` parts for zeros).
    lengths : optional (B,) integers in 1 … T.  Sequence b is read only for
        t < lengths[b]; on the padded steps its state is carried through
        unchanged and its output is zero, so its final state is its state at
        its own last step.
    fast : let a cell with a specialised batched path (the plain LSTM) use it
        when ``lengths`` is None.

    Returns
    -------
    hs : (T, B, H) outputs h_1 … h_T (zero on padded steps).
    state_T : tuple of (B, H), the final state of each sequence.
    cache : :class:`SequenceRun` for :func:`sequence_backward`.
    """
    dims = dict(cell.dims(params))
    dtype = params[next(iter(params))].dtype
    x = check_sequence("x", x, dims, dtype=dtype)
    T, B, D = x.shape
    H = dims["H"]
    state = cell.check_state(state0, B, H, dtype)
    lengths = check_lengths(lengths, T, B)
    if fast and lengths is None and hasattr(cell, "fast_forward"):
        hs, state, fast_cache = cell.fast_forward(x, params, state)
        return hs, state, SequenceRun(cell, fast_cache, None, (T, B, D, H), dtype, True)
    masks = None if lengths is None else (np.arange(T)[:, None] < lengths[None, :]).astype(dtype)[:, :, None]
    hs = np.empty((T, B, H), dtype)
    caches = []
    for t in range(T):
        new, cache = cell.step_forward(x[t], state, params)
        if masks is not None:  # padded rows keep their state: s_t = m s_new + (1 - m) s_{t-1}
            m = masks[t]
            new = tuple(m * s_new + (1 - m) * s_old for s_new, s_old in zip(new, state))
            hs[t] = m * new[0]
        else:
            hs[t] = new[0]
        caches.append(cache)
        state = new
    return hs, state, SequenceRun(cell, caches, masks, (T, B, D, H), dtype, False)


def sequence_backward(dhs, cache: SequenceRun, dstate_T=None) -> dict[str, np.ndarray]:
    """Backpropagation through time for :func:`sequence_forward`.

    Parameters
    ----------
    dhs : (T, B, H) ∂L/∂h_t from each step's own loss, or ``None``.
    cache : from :func:`sequence_forward`.
    dstate_T : tuple like the state, gradients arriving at the final state
        (from a loss on it, or from the next window of a truncated sequence).

    Returns
    -------
    dict with ``"x"`` (T, B, D), ``"<s>0"`` (B, H) for each part of the state
    (``"h0"``, ``"c0"``) and the parameters' gradients, summed over steps.
    """
    cell, caches, masks, (T, B, D, H), dtype, fast = cache
    dims = {"T": T, "B": B, "H": H}
    dhs = np.zeros((T, B, H), dtype) if dhs is None else check_array("dhs", dhs, ("T", "B", "H"), dims, dtype=dtype)
    dstate = list(cell.check_state(dstate_T, B, H, dtype, where="_T", grad=True))
    if fast:
        return cell.fast_backward(dhs, caches, tuple(dstate))
    names = cell.state_names
    totals: dict[str, np.ndarray] = {}
    dxs = np.empty((T, B, D), dtype)
    for t in reversed(range(T)):
        m = None if masks is None else masks[t]
        dstate[0] = dstate[0] + (dhs[t] if m is None else m * dhs[t])  # h_t reaches the loss at t and via t + 1
        inner = dstate if m is None else [m * d for d in dstate]
        g = cell.step_backward(tuple(inner), caches[t])
        dxs[t] = g.pop("x")
        dprev = [g.pop(f"{s}_prev") for s in names]
        if m is not None:  # the carried state passes its gradient straight through
            dprev = [dp + (1 - m) * d for dp, d in zip(dprev, dstate)]
        dstate = dprev
        for k, v in g.items():
            totals[k] = v if k not in totals else totals[k] + v
    return {"x": dxs, **{f"{s}0": d for s, d in zip(names, dstate)}, **totals}


class LSTM(Cell):
    """The plain LSTM of Parts II–III (:func:`lstm.cell_forward`), gates i, f, g, o.

    Parameters ``W_x`` (4H, D), ``W_h`` (4H, H), ``b`` (4H,).  Over a whole
    sequence it runs the fast batched path :func:`lstm.forward` unless
    lengths are given.
    """

    name = "lstm"
    state_names = ("h", "c")

    def __init__(self, forget_bias: float = 1.0):
        self.forget_bias = forget_bias

    def __repr__(self) -> str:
        return f"LSTM(forget_bias={self.forget_bias})"

    def param_shapes(self, D, H):
        from .layout import param_shapes

        return param_shapes(D, H)

    def init_params(self, D, H, *, rng=None, dtype=np.float64):
        from .cell import init_params

        return init_params(D, H, rng=np.random.default_rng(rng), dtype=dtype, forget_bias=self.forget_bias)

    def dims(self, params):
        from .cell import check_params

        dims: dict[str, int] = {}
        check_params(params, dims)
        return {"D": dims["D"], "H": dims["H"]}

    def step_forward(self, x, state, params):
        from .cell import cell_forward

        h_prev, c_prev = state
        h, c, cache = cell_forward(x, h_prev, c_prev, params)
        return (h, c), cache

    def step_backward(self, dstate, cache):
        from .cell import cell_backward

        dh, dc = dstate
        return cell_backward(dh, dc, cache)

    def fast_forward(self, x, params, state):
        from .sequence import forward

        hs, state_T, cache = forward(x, params, *state)
        return hs, tuple(state_T), cache

    def fast_backward(self, dhs, cache, dstate_T):
        from .sequence import backward

        return backward(dhs, cache, *dstate_T)

    def symbolic_step(self, x, state, params):
        from . import symbolic

        h, c, _ = symbolic.cell_forward(x, *state, params["W_x"], params["W_h"], params["b"])
        return h, c
