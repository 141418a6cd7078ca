"""One interface for every recurrent cell: the base class :class:`Cell`.

A *cell* is one step of a recurrent network.  Every cell in the book, from
the Elman RNN to source 003's scalar-gate LSTM, is an object with the same
few members.  A cell states its gates and parameters as data (``gates``,
``param_spec``, ``init_constants``) and names its step functions
(``step_functions``); the base class :class:`Cell` derives shapes,
initialisation, validation, ``dims``, ``n_params``, ``repr`` and the step
methods from the data:

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
    separately from the NumPy code, so that :mod:`lstm.checks.harness` can check
    one against the other.

On top of that, :func:`lstm.sequence_forward` and :func:`lstm.sequence_backward`
(:mod:`lstm.cells.loop`) run any cell over a sequence, with optional
per-sequence lengths, and :mod:`lstm.checks.harness` checks any cell's
gradients.  The plain LSTM also has a fast batched path
(:func:`lstm.lstm_forward`), which :func:`lstm.sequence_forward` uses when it
can; a test proves the two equal.
"""
from __future__ import annotations

import abc
import functools
import inspect
import math
import numbers
import re
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, NamedTuple

import numpy as np

from .._validate import FLOAT_DTYPES, check_array

#: The stacked layout of Parts II–III: one block of H rows per gate, in the order of ``gates``.
STACKED = {"W_x": ("GH", "D"), "W_h": ("GH", "H"), "b": ("GH",)}

_TERM = re.compile(r"(\d*)(G?)([DH]?)")


class _Size(NamedTuple):
    """One dimension of a parameter: d·D + h·H + k, and how the spec spells it (``"4H"``, ``"D+2H+1"``)."""

    d: int
    h: int
    k: int
    text: str
    symbols: tuple  # ("D",), ("H",) or ("D", "H"): the sizes it involves

    def value(self, dims) -> int:
        return self.d * dims.get("D", 0) + self.h * dims.get("H", 0) + self.k


def _parse_size(entry, G: int) -> _Size | int:
    """``"GH"`` → 4H for four gates; ``"D+2H+1"``; ``"G+1"`` → 5; an int stays an int."""
    if isinstance(entry, (int, np.integer)):
        return int(entry)
    n = {"D": 0, "H": 0, "": 0}
    for term in str(entry).replace(" ", "").split("+"):
        m = _TERM.fullmatch(term)
        if not m or not (m[1] or m[2] or m[3]):
            raise ValueError(f"bad dimension {entry!r} in a parameter spec")
        n[m[3]] += int(m[1] or 1) * (G if m[2] else 1)
    if not n["D"] and not n["H"]:
        return n[""]
    text = "+".join(f"{'' if c == 1 else c}{s}" for s, c in (("D", n["D"]), ("H", n["H"])) if c)
    symbols = tuple(s for s in ("D", "H") if n[s])
    return _Size(n["D"], n["H"], n[""], text + (f"+{n['']}" if n[""] else ""), symbols)


class _Layout(NamedTuple):
    sizes: dict  # {name: (_Size or int, ...)}
    entries: list  # (name, axis, _Size), the simplest first: where D and H are read from
    texts: dict  # {name: ("4H", "D"), ...}, the shapes as error messages spell them
    composite: tuple  # the spellings other than "D" and "H", as (text, d, h, k)


@functools.lru_cache(maxsize=None)
def _compile(spec: tuple, G: int) -> _Layout:
    """A ``param_spec`` (as a tuple of items) for G gates, parsed once."""
    sizes = {k: tuple(_parse_size(e, G) for e in shape) for k, shape in spec}
    entries = [(k, axis, e) for k, shape in sizes.items() for axis, e in enumerate(shape) if isinstance(e, _Size)]
    entries.sort(key=lambda t: (len(t[2].symbols) + bool(t[2].k), t[2].d + t[2].h))
    texts = {k: tuple(e if isinstance(e, int) else e.text for e in shape) for k, shape in sizes.items()}
    composite = tuple({(e.text, e.d, e.h, e.k) for _, _, e in entries if e.text not in ("D", "H")})
    return _Layout(sizes, entries, texts, composite)


def check_dtype(dtype) -> np.dtype:
    """``dtype`` as a NumPy dtype, refused with a TypeError unless it is float32 or float64."""
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"dtype is {dtype!r}; expected float32 or float64") from None
    if dt not in FLOAT_DTYPES:
        raise TypeError(f"dtype is {dt}; expected float32 or float64 (parameters are real numbers)")
    return dt


def check_rng(rng) -> np.random.Generator:
    """``None`` (fresh entropy), an integer seed, or a Generator (returned as it is, so draws continue)."""
    if isinstance(rng, (bool, np.bool_)) or not (
        rng is None
        or isinstance(rng, (numbers.Integral, np.random.Generator, np.random.BitGenerator, np.random.SeedSequence))
    ):
        raise TypeError(f"rng is {rng!r}; expected None, an integer seed or a numpy.random.Generator")
    return np.random.default_rng(int(rng) if isinstance(rng, numbers.Integral) else rng)


def check_real(name: str, value) -> float:
    """A constructor's number (``forget_bias``): a finite real, not a bool."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number; got {value!r}")
    return float(value)


class Cell(abc.ABC):
    """Base class of the cells: a subclass states its gates and parameters as data, and its step.

    Data (class attributes, or set in ``__init__``):

    * ``name``, ``state_names`` (module docstring);
    * ``gates``: one letter per gate whose block of H rows is stacked in the weights, in
      order (``"ifgo"``, the GRU's ``"rzn"``, the RNN's ``"h"``);
    * ``param_spec``: ``{name: shape}``, each dimension an int or a sum of terms ``D``,
      ``H``, ``2H``, ``GH`` (one block of H per gate: 4H for ``"ifgo"``), ``1``, ``G``;
    * ``init_constants``: parameters that start at a constant; all others are drawn
      uniformly from (−1/√H, 1/√H), as ``torch.nn.LSTM``/``GRU``/``RNN`` do;
    * ``has_fast_path``: whether :meth:`fast_forward`/:meth:`fast_backward` exist;
    * ``step_functions``: the cell's step in the naming grid, the pair of module functions
      ``<c>_step_forward(x, *state, params, **options) -> (*state, cache)`` and
      ``<c>_step_backward(*dstate, cache) -> grads``, which :meth:`step_forward` and
      :meth:`step_backward` call with :meth:`step_options`; a cell without such a pair
      (:class:`~lstm.cells.variants.Variant`) writes the two methods instead.

    From these the base derives :meth:`param_shapes`, :meth:`init_params` (a cell with a
    ``forget_bias`` and a stacked ``b`` starts its forget block at it), :meth:`check_params`
    and :meth:`dims` (missing and unknown keys, shapes, dtypes), :meth:`n_params`,
    :meth:`config`, ``repr`` (every constructor argument) and equality.
    """

    name: str = "cell"
    state_names: tuple[str, ...] = ("h", "c")
    gates: str = ""
    param_spec: dict[str, tuple] = {}
    init_constants: dict[str, float] = {}
    has_fast_path: bool = False
    step_functions: ClassVar[tuple[Callable[..., Any], Callable[..., Any]] | None] = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        writes_both = cls.step_forward is not Cell.step_forward and cls.step_backward is not Cell.step_backward
        if cls.step_functions is None and not writes_both:
            raise TypeError(f"{cls.__name__} must set step_functions or write step_forward and step_backward")

    # ---- the step: what every cell states or writes ---------------------------
    def step_options(self) -> dict[str, Any]:
        """The keyword options of the step functions that this cell fixes (``reset_after``, ``eps``, …)."""
        return {}

    def step_forward(self, x, state, params):
        """One step: ``x`` (B, D), ``state`` a tuple of (B, H) → ``(state, cache)``."""
        forward, _ = self.step_functions  # set, or this method is overridden
        *new_state, cache = forward(x, *state, params, **self.step_options())
        return tuple(new_state), cache

    def step_backward(self, dstate, cache) -> dict[str, np.ndarray]:
        """Gradients of one step from ``dstate`` (a tuple like the state, ``None`` for zero)."""
        _, backward = self.step_functions  # type: ignore[misc]
        return backward(*dstate, cache)

    @abc.abstractmethod
    def symbolic_step(self, x, state, params):
        """The same step on SymPy matrices, written apart from the NumPy code."""

    def fast_forward(self, x, params, state):
        """A batched path over a sequence → ``(hs, state_T, cache)``; only if ``has_fast_path``."""
        raise NotImplementedError(f"the {self.name} cell has no fast path (has_fast_path False)")

    def fast_backward(self, dhs, cache, dstate_T):
        """Backward pass of :meth:`fast_forward`; only if ``has_fast_path``."""
        raise NotImplementedError(f"the {self.name} cell has no fast path (has_fast_path False)")

    # ---- derived from the data ----------------------------------------------
    @functools.cached_property
    def _layout(self) -> _Layout:
        return _compile(tuple(self.param_spec.items()), len(self.gates))

    @property
    def label(self) -> str:
        """How error messages name the cell."""
        return self.name

    def param_names(self) -> tuple[str, ...]:
        return tuple(self.param_spec)

    def param_shapes(self, D: int, H: int) -> dict[str, tuple[int, ...]]:
        """``{name: shape}`` for input size D and hidden size H (positive integers)."""
        for sym, n in (("D", D), ("H", H)):
            if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)) or n < 1:
                raise ValueError(f"{sym} must be a positive integer; got {n!r}")
        dims = {"D": int(D), "H": int(H)}
        sizes = self._layout.sizes
        return {k: tuple(e if isinstance(e, int) else e.value(dims) for e in shape) for k, shape in sizes.items()}

    def n_params(self, D: int, H: int) -> int:
        """How many numbers the parameters hold for input size D and hidden size H."""
        return int(sum(np.prod(shape) for shape in self.param_shapes(D, H).values()))

    def gate_rows(self, name: str) -> str:
        """The gates whose blocks of H rows make up parameter ``name`` ("" unless it is stacked by gate)."""
        first = self._layout.sizes.get(name, (None,))[:1]
        G = len(self.gates)
        stacked = bool(first) and isinstance(first[0], _Size) and first[0][:3] == (0, G, 0)
        return self.gates if stacked and G > 1 else ""

    def init_params(self, D: int, H: int, *, rng=None, dtype=np.float64) -> dict[str, np.ndarray]:
        """Fresh parameters: uniform in (−1/√H, 1/√H) in the order of ``param_spec``, or ``init_constants``.

        Each pre-activation then sums D + H terms of size ~1/√H, so it starts at
        order one, where σ and tanh are neither flat nor linear.  ``rng``: None,
        an integer seed or a Generator.
        """
        dtype, shapes, rng = check_dtype(dtype), self.param_shapes(D, H), check_rng(rng)
        bound = 1.0 / np.sqrt(H)
        params = {
            k: np.full(shape, self.init_constants[k], dtype)
            if k in self.init_constants
            else rng.uniform(-bound, bound, size=shape).astype(dtype)
            for k, shape in shapes.items()
        }
        if "f" in self.gate_rows("b") and hasattr(self, "forget_bias"):  # the cell starts out remembering
            k = self.gates.index("f")
            params["b"][k * H : (k + 1) * H] = self.forget_bias
        return params

    def check_keys(self, params) -> None:
        """Refuse a ``params`` that is not a dict of exactly this cell's parameters, naming the keys."""
        if not isinstance(params, Mapping):
            raise TypeError(f"params is a {type(params).__name__}; expected a dict of arrays {list(self.param_spec)}")
        missing = [k for k in self.param_spec if k not in params]
        if missing:
            raise ValueError(f"params lacks {missing}; the {self.label} cell needs {list(self.param_spec)}")
        extra = [k for k in params if k not in self.param_spec]
        if extra:
            raise ValueError(
                f"params has {extra}, which the {self.label} cell does not use; it needs {list(self.param_spec)}"
            )

    def check_params(self, params, dims: dict | None = None) -> dict[str, np.ndarray]:
        """Validate ``params`` (keys, shapes, one float dtype, finite) and bind D and H in ``dims``.

        D and H are the values most dimensions agree on, so that the one wrong
        shape is the one reported.
        """
        dims = {} if dims is None else dims
        self.check_keys(params)
        layout, entries, texts, composite = self._layout
        for _ in range(2):  # D and H by a vote of the dimensions that give them, so the odd one is named
            votes: dict[str, list[int]] = {"D": [], "H": []}
            for name, axis, e in entries:
                unknown = [s for s in e.symbols if s not in dims]
                shape = np.shape(params[name])
                if len(unknown) == 1 and len(shape) == len(layout[name]):
                    n, coef = shape[axis] - e.value(dims), getattr(e, unknown[0].lower())
                    if n >= coef and n % coef == 0:
                        votes[unknown[0]].append(n // coef)
            dims.update({s: max(v, key=v.count) for s, v in votes.items() if v})
            if "D" in dims and "H" in dims:
                break
        if "D" in dims and "H" in dims:  # each spelling of a dimension bound to its number, for the messages
            D, H = dims["D"], dims["H"]
            dims.update({text: d * D + h * H + k for text, d, h, k in composite})
        # one float dtype for all: the most common one, so that the odd one out is named
        floats = [dt for dt in (np.asarray(params[k]).dtype for k in layout) if dt in FLOAT_DTYPES]
        dtype = max(floats, key=floats.count) if floats else None
        checked: dict[str, np.ndarray] = {}
        for name, spec in texts.items():
            checked[name] = check_array(name, params[name], spec, dims, dtype=dtype)
        for s in ("D", "H"):
            if s not in dims:
                name, _, e = next(t for t in entries if s in t[2].symbols)
                raise ValueError(f"{name} has shape {np.shape(params[name])}; its {e.text} leaves no {s} ≥ 1")
        return checked

    def dims(self, params) -> dict[str, int]:
        """Validate ``params`` and return ``{"D": D, "H": H}``."""
        dims: dict[str, int] = {}
        self.check_params(params, dims)
        return {"D": dims["D"], "H": dims["H"]}

    def config(self) -> dict:
        """The constructor's arguments, by name: ``type(cell)(**cell.config())`` is an equal cell."""
        sig = inspect.signature(type(self).__init__)
        kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
        return {p.name: getattr(self, p.name) for p in list(sig.parameters.values())[1:] if p.kind in kinds}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.config().items())})"

    def __eq__(self, other) -> bool:
        return type(self) is type(other) and self.config() == other.config()

    def __hash__(self) -> int:
        return hash((type(self).__name__, tuple(self.config().items())))

    # ---- the state ----------------------------------------------------------
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
