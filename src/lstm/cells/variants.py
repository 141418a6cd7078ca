"""Greff et al. (2017)'s variants of the LSTM, each a change to the vanilla cell.

*Vanilla* here means Greff's vanilla LSTM, which **has peepholes**: it is the
cell of :mod:`lstm.cells.peephole` (Gers et al. 2002), and ``Variant("V")``
computes exactly what :class:`lstm.Peephole` computes.  The plain LSTM of
Parts II–III is the variant *without* peepholes, ``Variant("NP")``.  In the
book's notation and gate order, with pre-activations
a = x W_xᵀ + h_prev W_hᵀ + b (B, kH) holding one block of H columns for
every gate that has weights::

    V     i = σ(a_i + p_i ⊙ c_prev), f = σ(a_f + p_f ⊙ c_prev), g = tanh(a_g)
          c = f ⊙ c_prev + i ⊙ g,   o = σ(a_o + p_o ⊙ c),       h = o ⊙ tanh(c)
    NIG   no input gate:           i = 1                 (no i rows, no p_i)
    NFG   no forget gate:          f = 1                 (no f rows, no p_f)
    NOG   no output gate:          o = 1                 (no o rows, no p_o)
    NIAF  no input activation:     g = a_g
    NOAF  no output activation:    h = o ⊙ c
    NP    no peepholes:            p_i = p_f = p_o = 0   (the plain LSTM; no p_*)
    CIFG  coupled input and forget gates:  i = 1 - f    (no i rows, no p_i)
    FGR   full gate recurrence: a_i, a_f, a_o also receive R [i_prev, f_prev, o_prev]

Greff writes CIFG as f = 1 - i; this module keeps the forget gate's rows
and sets i = 1 - f.  Since 1 - σ(z) = σ(-z), the two are one cell: negating the kept
rows (and peephole) turns one parametrisation into the other.  Keeping f
lets the forget bias of :func:`lstm.init_lstm_params` start the cell remembering.

FGR's R (3H, 3H) has nine H × H blocks, Greff's R_ii, R_fi, … : the row
block says which gate receives, the column block which previous gate
sends.  The previous step's gates become part of the state, which is
``(h, c, i, f, o)`` (zeros at the start, as h0 and c0 default to).

Parameters drop what a variant does not use: ``W_x`` (kH, D), ``W_h`` (kH, H)
and ``b`` (kH,) have a block for each gate in :attr:`Variant.blocks`
(``"fgo"`` for CIFG and NIG), the peepholes ``p_i``, ``p_f``, ``p_o`` (H,)
exist for gates that have weights (none for NP), and FGR adds ``R``.

The backward pass is Part II's, with the peephole paths of
:func:`lstm.peephole_step_backward`, written gate by gate like the SymPy
forward pass :meth:`Variant.symbolic_parts`: each variant's change stands where
its gate's derivative is formed.  It reuses Part II's
:func:`lstm.cells.lstm.cell_state_grad` and :func:`~lstm.cells.lstm.linear_backward`.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._validate import check_array
from ..blocks.activations import _sigmoid, _sigmoid_grad_from_output, _tanh_grad_from_output
from ..blocks.gates import GATES
from .base import STACKED, Cell, check_real
from .lstm import LSTM, LSTMCache, cell_state_grad, linear_backward


class Spec(NamedTuple):
    """What a variant changes.  ``i`` and ``f``, ``o``: "sigmoid" (a gate of its own), "one" (removed),
    or for ``i`` "coupled" (1 - f); ``g_act``/``h_act``: "tanh" or "identity"."""

    i: str = "sigmoid"
    f: str = "sigmoid"
    o: str = "sigmoid"
    g_act: str = "tanh"
    h_act: str = "tanh"
    peepholes: bool = True
    gate_recurrence: bool = False


#: Greff et al.'s vanilla LSTM (V) and its eight variants, in their order.
VARIANTS: dict[str, Spec] = {
    "V": Spec(),
    "NIG": Spec(i="one"),
    "NFG": Spec(f="one"),
    "NOG": Spec(o="one"),
    "NIAF": Spec(g_act="identity"),
    "NOAF": Spec(h_act="identity"),
    "NP": Spec(peepholes=False),
    "CIFG": Spec(i="coupled"),
    "FGR": Spec(gate_recurrence=True),
}
DESCRIPTIONS = {
    "V": "vanilla: the peephole LSTM",
    "NIG": "no input gate (i = 1)",
    "NFG": "no forget gate (f = 1)",
    "NOG": "no output gate (o = 1)",
    "NIAF": "no input activation (g = a_g)",
    "NOAF": "no output activation (h = o ⊙ c)",
    "NP": "no peepholes (the plain LSTM)",
    "CIFG": "coupled input and forget gates (i = 1 - f)",
    "FGR": "full gate recurrence (gates read the previous gates)",
}
_ALIASES = {"VANILLA": "V"}


class VariantCache(NamedTuple):
    """One step's cache: Part II's :class:`~lstm.cells.lstm.LSTMCache` plus what the variants add.

    In ``step``, gates a variant removes hold ones (CIFG's ``i`` holds 1 - f),
    and ``tanh_c`` holds the output activation s = tanh(c), or c for NOAF.
    """

    step: LSTMCache
    c: np.ndarray  # (B, H) the new cell state
    peepholes: dict  # {"p_i": (H,), ...}, the ones the variant has
    q_prev: np.ndarray | None  # (B, 3H) [i_prev, f_prev, o_prev] for FGR
    R: np.ndarray | None  # (3H, 3H) for FGR


class Variant(Cell):
    """One of Greff et al.'s variants behind the common interface: ``Variant("CIFG")``.

    ``name`` is one of :data:`VARIANTS` (``"vanilla"`` is accepted for
    ``"V"``).  State ``(h, c)``, or ``(h, c, i, f, o)`` for FGR.
    ``peepholes=False`` removes a variant's peepholes as well (``None``: the
    variant's own choice), so that ``Variant("NFG", peepholes=False)`` is
    Hochreiter & Schmidhuber's 1997 cell: no forget gate and no peepholes.
    """

    def __init__(self, name: str = "V", forget_bias: float = 1.0, *, peepholes: bool | None = None):
        key = _ALIASES.get(str(name).upper(), str(name).upper())
        if key not in VARIANTS:
            raise ValueError(f"name is {name!r}; expected one of {list(VARIANTS)} (or 'vanilla')")
        if peepholes not in (None, True, False):
            raise ValueError(f"peepholes must be None, True or False; got {peepholes!r}")
        spec = VARIANTS[key]
        #: Whether the ``peepholes`` argument overrides the variant's own choice.
        self.peepholes_changed = peepholes is not None and peepholes != spec.peepholes
        if peepholes is not None and self.peepholes_changed:
            spec = spec._replace(peepholes=peepholes)
        forget_bias = check_real("forget_bias", forget_bias)
        #: The variant's key in :data:`VARIANTS`, e.g. ``"CIFG"``.
        self.variant = key
        #: What the variant changes (a :class:`Spec`), with the ``peepholes`` argument applied.
        self.spec = spec
        #: The value the forget gate's block of ``b`` starts at (unused by NFG, which has no forget gate).
        self.forget_bias = forget_bias
        #: A short label: ``"variant_cifg"``, with ``"_peepholes_false"`` (or ``_true``) appended
        #: when the ``peepholes`` argument overrides the variant's own choice.
        self.name = f"variant_{key.lower()}"
        if self.peepholes_changed:
            self.name += f"_peepholes_{str(peepholes).lower()}"
        #: The parts of the state: ``("h", "c")``, or ``("h", "c", "i", "f", "o")`` for FGR.
        self.state_names = ("h", "c", "i", "f", "o") if self.spec.gate_recurrence else ("h", "c")
        s = self.spec
        own = {"i": s.i == "sigmoid", "f": s.f == "sigmoid", "g": True, "o": s.o == "sigmoid"}
        #: The gates with weights of their own, in the book's order: each has one block of H rows
        #: in ``W_x``, ``W_h`` and ``b`` (``"ifgo"``; ``"fgo"`` for CIFG and NIG).
        self.blocks = "".join(k for k in GATES if own[k])
        #: The same letters as :attr:`Variant.blocks`: the stacked gates, as every cell states them.
        self.gates = self.blocks
        #: The peephole weights it has: ``p_i``, ``p_f``, ``p_o`` for the gates in
        #: :attr:`Variant.blocks`, none without peepholes (NP).
        self.peepholes = tuple(f"p_{k}" for k in self.blocks if k != "g") if s.peepholes else ()
        #: ``{name: shape}`` of its parameters: the stacked ``W_x``, ``W_h``, ``b``, each
        #: peephole (H,) and FGR's ``R`` (3H, 3H).
        self.param_spec = {**STACKED, **{p: ("H",) for p in self.peepholes}}
        if s.gate_recurrence:
            self.param_spec["R"] = ("3H", "3H")

    @property
    def label(self) -> str:
        return self.variant

    def config(self) -> dict:
        return {
            "name": self.variant,
            "forget_bias": self.forget_bias,
            "peepholes": self.spec.peepholes if self.peepholes_changed else None,
        }

    # ---- parameters --------------------------------------------------------
    def init_params(self, D, H, *, rng=None, dtype=np.float64):
        """The plain cell's initialisation (:func:`lstm.init_lstm_params`) restricted to the kept blocks.

        Peepholes and R start at zero, so the variant starts as its plain-LSTM
        counterpart with the same weights (as :func:`lstm.init_peephole_params`).
        """
        shapes = self.param_shapes(D, H)
        full = LSTM(self.forget_bias).init_params(D, H, rng=rng, dtype=dtype)
        rows = np.concatenate([np.arange(GATES.index(k) * H, (GATES.index(k) + 1) * H) for k in self.blocks])
        return {p: full[p][rows] if p in full else np.zeros(shape, full["b"].dtype) for p, shape in shapes.items()}

    # ---- one step ------------------------------------------------------------
    def step_forward(self, x, state, params):
        """One step: ``x`` (B, D), ``state`` a tuple of (B, H) → ``(state, cache)``."""
        dims: dict[str, int] = {}
        p = self.check_params(params, dims)
        W_x, W_h, b = p["W_x"], p["W_h"], p["b"]
        x = check_array("x", x, ("B", "D"), dims, dtype=W_x.dtype)
        state = self.check_state(state, dims["B"], dims["H"], W_x.dtype, where="_prev")
        h_prev, c_prev = state[:2]
        H, s = dims["H"], self.spec

        a = x @ W_x.T + h_prev @ W_h.T + b
        blk = {k: a[:, n * H : (n + 1) * H] for n, k in enumerate(self.blocks)}  # views into a
        q_prev = R = None
        if s.gate_recurrence:  # the gates also read the previous step's gates
            q_prev, R = np.hstack(state[2:]), p["R"]
            r = q_prev @ R.T
            for n, k in enumerate("ifo"):
                blk[k] += r[:, n * H : (n + 1) * H]
        for k in "if":
            if f"p_{k}" in p:
                blk[k] += p[f"p_{k}"] * c_prev
        ones = np.ones_like(c_prev)
        f = _sigmoid(blk["f"]) if s.f == "sigmoid" else ones
        i = _sigmoid(blk["i"]) if s.i == "sigmoid" else (1 - f if s.i == "coupled" else ones)
        g = np.tanh(blk["g"]) if s.g_act == "tanh" else blk["g"].copy()
        c = f * c_prev + i * g
        o = _sigmoid(blk["o"] + p["p_o"] * c if "p_o" in p else blk["o"]) if s.o == "sigmoid" else ones
        out = np.tanh(c) if s.h_act == "tanh" else c
        h = o * out
        peep = {k: p[k] for k in self.peepholes}
        cache = VariantCache(LSTMCache(x, h_prev, c_prev, i, f, g, o, out, W_x, W_h), c, peep, q_prev, R)
        new = (h, c, i, f, o) if s.gate_recurrence else (h, c)
        return new, cache

    def step_backward(self, dstate, cache: VariantCache):
        """Gradients of one step from ``dstate`` (a tuple like the state, ``None`` for zero).

        Returns ``x`` (B, D), ``<s>_prev`` (B, H) for each part of the state and
        one entry per parameter.  Written gate by gate, as :meth:`symbolic_parts`
        writes the forward pass: each gate's gradient is formed with the variant's
        change to it, and the four meet in one place, ∂L/∂a in the cell's gate
        order.  A removed gate holds ones in the cache, so where it is a factor
        it drops out; its pre-activation gradient has no block to go to.
        """
        step, c, peep, q_prev, R = cache
        s = self.spec
        dims = {"B": step.x.shape[0], "H": step.c_prev.shape[1]}
        if len(dstate) != len(self.state_names):
            raise ValueError(f"dstate has {len(dstate)} parts; the state is {self.state_names}")
        d = {
            n: np.zeros_like(c) if v is None else check_array(f"d{n}", v, ("B", "H"), dims, dtype=c.dtype)
            for n, v in zip(self.state_names, dstate)
        }
        dh = d["h"]
        # FGR's state holds the gates: a gradient reaches them there too (zero for the other variants).
        di_t, df_t, do_t = (d.get(k, 0) for k in "ifo")

        # o first: through its peephole (ã_o = a_o + p_o ⊙ c) it feeds a gradient into c.
        do = dh * step.tanh_c + do_t  # h = o ⊙ s(c): step.tanh_c holds s(c), tanh c or c (NOAF)
        da_o = do * _sigmoid_grad_from_output(step.o)
        # ∂L/∂c: dc + dh ⊙ o ⊙ s'(c), with s' = 1 - tanh² c (Part II) or 1 (NOAF), + the peephole path
        dc = cell_state_grad(dh, d["c"], step) if s.h_act == "tanh" else d["c"] + dh * step.o
        if "p_o" in peep:
            dc = dc + da_o * peep["p_o"]
        # c = f ⊙ c_prev + i ⊙ g
        di = dc * step.g + di_t
        df = dc * step.c_prev + df_t
        if s.i == "coupled":  # i = 1 - f: f also acts through i, with the opposite sign
            df = df - di
        dg = dc * step.i
        da_i = di * _sigmoid_grad_from_output(step.i)
        da_f = df * _sigmoid_grad_from_output(step.f)
        da_g = dg * _tanh_grad_from_output(step.g) if s.g_act == "tanh" else dg  # NIAF: g = a_g, derivative 1

        # The one place where the gates meet: ∂L/∂a in the cell's gate order, a block per gate with weights.
        da = {"i": da_i, "f": da_f, "g": da_g, "o": da_o}
        grads = linear_backward(np.hstack([da[k] for k in self.blocks]), step)
        dc_prev = dc * step.f
        for k in "if":
            if f"p_{k}" in peep:  # the peepholes of i and f read c_prev
                dc_prev = dc_prev + da[k] * peep[f"p_{k}"]
                grads[f"p_{k}"] = (da[k] * step.c_prev).sum(axis=0)
        if "p_o" in peep:
            grads["p_o"] = (da_o * c).sum(axis=0)
        grads["c_prev"] = dc_prev
        if s.gate_recurrence:  # ã_k += R_k [i_prev, f_prev, o_prev] for k = i, f, o
            da_q = np.hstack([da_i, da_f, da_o])
            grads["R"] = da_q.T @ q_prev
            for k, dq in zip("ifo", np.split(da_q @ R, 3, axis=1)):
                grads[f"{k}_prev"] = dq
        return grads

    def symbolic_parts(self, x, state, params) -> dict:
        """The step on SymPy matrices, written gate by gate, with every interim by name.

        ``x`` (B, D), state parts (B, H), parameters as :mod:`lstm.checks.harness`
        builds them (a 1-D parameter of length n as an (n, 1) column).
        Returns ``{"a_<k>": pre-activation (B, H) for each gate k with weights,
        "i", "f", "g", "o", "c", "s" (the output activation of c), "h"}``.
        """
        import sympy as sp

        from ..checks import symbolic

        s = self.spec
        h_prev, c_prev = state[:2]
        B, H = h_prev.shape
        E = lambda A, C: A.multiply_elementwise(C)  # noqa: E731
        row = lambda v: sp.ones(B, 1) * v.T  # noqa: E731  a column (H, 1) broadcast over the batch
        a = x * params["W_x"].T + h_prev * params["W_h"].T + sp.ones(B, 1) * params["b"].T
        pre = {k: a[:, n * H : (n + 1) * H] for n, k in enumerate(self.blocks)}
        if s.gate_recurrence:
            r = sp.Matrix.hstack(*state[2:]) * params["R"].T
            for n, k in enumerate("ifo"):
                pre[k] = pre[k] + r[:, n * H : (n + 1) * H]
        for k in "if":
            if f"p_{k}" in params:
                pre[k] = pre[k] + E(row(params[f"p_{k}"]), c_prev)
        one = sp.ones(B, H)
        f = pre["f"].applyfunc(symbolic.sigmoid) if s.f == "sigmoid" else one
        if s.i == "sigmoid":
            i = pre["i"].applyfunc(symbolic.sigmoid)
        else:
            i = one - f if s.i == "coupled" else one
        g = pre["g"].applyfunc(symbolic.tanh) if s.g_act == "tanh" else pre["g"]
        c = E(f, c_prev) + E(i, g)
        if s.o == "sigmoid":
            if "p_o" in params:
                pre["o"] = pre["o"] + E(row(params["p_o"]), c)
            o = pre["o"].applyfunc(symbolic.sigmoid)
        else:
            o = one
        out = c.applyfunc(symbolic.tanh) if s.h_act == "tanh" else c
        parts = {f"a_{k}": v for k, v in pre.items()}
        return {**parts, "i": i, "f": f, "g": g, "o": o, "c": c, "s": out, "h": E(o, out)}

    def symbolic_step(self, x, state, params):
        """:meth:`symbolic_parts`' new state: ``(h, c)``, or ``(h, c, i, f, o)`` for FGR."""
        parts = self.symbolic_parts(x, state, params)
        return tuple(parts[k] for k in self.state_names)


def all_variants(forget_bias: float = 1.0) -> list[Variant]:
    """Every variant, V first, in Greff et al.'s order."""
    return [Variant(k, forget_bias) for k in VARIANTS]
