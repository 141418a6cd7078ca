"""Greff et al. (2017)'s variants of the LSTM, each a change to the vanilla cell.

*Vanilla* here means Greff's vanilla LSTM, which **has peepholes**: it is the
cell of :mod:`lstm.peephole` (Gers et al. 2002), and ``Variant("V")``
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
lets the forget bias of :func:`lstm.init_params` start the cell remembering.

FGR's R (3H, 3H) has nine H × H blocks, Greff's R_ii, R_fi, … : the row
block says which gate receives, the column block which previous gate
sends.  The previous step's gates become part of the state, which is
``(h, c, i, f, o)`` (zeros at the start, as h0 and c0 default to).

Parameters drop what a variant does not use: ``W_x`` (kH, D), ``W_h`` (kH, H)
and ``b`` (kH,) have a block for each gate in :attr:`Variant.blocks`
(``"fgo"`` for CIFG and NIG), the peepholes ``p_i``, ``p_f``, ``p_o`` (H,)
exist for gates that have weights (none for NP), and FGR adds ``R``.

The backward pass reuses Part II's pieces (:func:`lstm.cell.cell_state_grad`,
:func:`~lstm.cell.gate_grads`, :func:`~lstm.cell.preactivation_grad`,
:func:`~lstm.cell.linear_backward`) and changes only what each variant
changes, with the peephole paths of :func:`lstm.peephole_cell_backward`.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validate import check_array
from .activations import _sigmoid, _sigmoid_grad_from_output
from .cell import CellCache, cell_state_grad, gate_grads, linear_backward, preactivation_grad
from .cells import LSTM, STACKED, Cell, check_real
from .layout import GATES


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
    """One step's cache: Part II's :class:`~lstm.cell.CellCache` plus what the variants add.

    In ``step``, gates a variant removes hold ones (CIFG's ``i`` holds 1 - f),
    and ``tanh_c`` holds the output activation s = tanh(c), or c for NOAF.
    """

    step: CellCache
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
        self.peepholes_changed = peepholes is not None and peepholes != spec.peepholes
        if peepholes is not None and self.peepholes_changed:
            spec = spec._replace(peepholes=peepholes)
        self.variant, self.spec, self.forget_bias = key, spec, check_real("forget_bias", forget_bias)
        self.name = f"variant_{key.lower()}"
        if self.peepholes_changed:
            self.name += f"_peepholes_{str(peepholes).lower()}"
        self.state_names = ("h", "c", "i", "f", "o") if self.spec.gate_recurrence else ("h", "c")
        s = self.spec
        #: the gates with weights of their own, in the book's order (their blocks of W_x, W_h, b)
        own = {"i": s.i == "sigmoid", "f": s.f == "sigmoid", "g": True, "o": s.o == "sigmoid"}
        self.gates = self.blocks = "".join(k for k in GATES if own[k])
        #: the peephole weights it has
        self.peepholes = tuple(f"p_{k}" for k in self.blocks if k != "g") if s.peepholes else ()
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
        """The plain cell's initialisation (:func:`lstm.init_params`) restricted to the kept blocks.

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
        cache = VariantCache(CellCache(x, h_prev, c_prev, i, f, g, o, out, W_x, W_h), c, peep, q_prev, R)
        new = (h, c, i, f, o) if s.gate_recurrence else (h, c)
        return new, cache

    def step_backward(self, dstate, cache: VariantCache):
        """Gradients of one step from ``dstate`` (a tuple like the state, ``None`` for zero).

        Returns ``x`` (B, D), ``<s>_prev`` (B, H) for each part of the state and
        one entry per parameter.
        """
        step, c, peep, q_prev, R = cache
        s, H = self.spec, step.c_prev.shape[1]
        dims = {"B": step.x.shape[0], "H": H}
        if len(dstate) != len(self.state_names):
            raise ValueError(f"dstate has {len(dstate)} parts; the state is {self.state_names}")
        d = {
            n: np.zeros_like(c) if v is None else check_array(f"d{n}", v, ("B", "H"), dims, dtype=c.dtype)
            for n, v in zip(self.state_names, dstate)
        }
        dh = d["h"]

        # The output gate first: with a peephole it feeds a gradient into c.
        do = dh * step.tanh_c + (d["o"] if s.gate_recurrence else 0)
        da_o = do * _sigmoid_grad_from_output(step.o) if s.o == "sigmoid" else None
        # ∂L/∂c: dc + dh ⊙ o ⊙ s'(c), with s' = 1 - tanh² c (Part II) or 1 (NOAF)
        dc_total = cell_state_grad(dh, d["c"], step) if s.h_act == "tanh" else d["c"] + dh * step.o
        if "p_o" in peep:
            dc_total = dc_total + da_o * peep["p_o"]
        dgates = gate_grads(dh, dc_total, step)  # ∂L/∂i, ∂L/∂f, ∂L/∂g, ∂L/∂o through c and h
        if s.gate_recurrence:  # the gates also reach the loss as part of the state
            dgates[:, :H] += d["i"]
            dgates[:, H : 2 * H] += d["f"]
        if s.i == "coupled":  # i = 1 - f: f also acts through i, with the opposite sign
            dgates[:, H : 2 * H] -= dgates[:, :H]
        da_all = preactivation_grad(dgates, step)
        if s.g_act == "identity":  # g = a_g: the derivative is 1
            da_all[:, 2 * H : 3 * H] = dgates[:, 2 * H : 3 * H]
        if da_o is not None:
            da_all[:, 3 * H :] = da_o
        col = {k: da_all[:, n * H : (n + 1) * H] for n, k in enumerate("ifgo")}
        da = np.hstack([col[k] for k in self.blocks])

        grads = linear_backward(da, step)
        dc_prev = dc_total * step.f
        for k in "if":
            if f"p_{k}" in peep:  # the peepholes read c_prev
                dc_prev = dc_prev + col[k] * peep[f"p_{k}"]
                grads[f"p_{k}"] = (col[k] * step.c_prev).sum(axis=0)
        if "p_o" in peep:
            grads["p_o"] = (da_o * c).sum(axis=0)
        grads["c_prev"] = dc_prev
        if s.gate_recurrence:
            da_q = np.hstack([col["i"], col["f"], col["o"]])
            grads["R"] = da_q.T @ q_prev
            dq_prev = da_q @ R
            for n, k in enumerate("ifo"):
                grads[f"{k}_prev"] = dq_prev[:, n * H : (n + 1) * H]
        return grads

    def symbolic_parts(self, x, state, params) -> dict:
        """The step on SymPy matrices, written gate by gate, with every interim by name.

        ``x`` (B, D), state parts (B, H), parameters as :mod:`lstm.harness`
        builds them (a 1-D parameter of length n as an (n, 1) column).
        Returns ``{"a_<k>": pre-activation (B, H) for each gate k with weights,
        "i", "f", "g", "o", "c", "s" (the output activation of c), "h"}``.
        """
        import sympy as sp

        from . import symbolic

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
