"""The ledger behind the book's audit of its sources.

A verdict enters an audit's table only if the checks in its ``with`` block
ran and passed, so the table the reader sees is produced by the checks::

    audit = Audit("003")
    with audit.item("eq. (21)", "δ_s^(t)→(t) = g_ω δ_h ⊙ f'_ω(g_ω s)", "wrong",
                    fix="…") as check:
        check.differs(literal, truth)     # the text as printed fails
        check.close(corrected, truth)     # the corrected form holds
    audit                                 # renders the table

The checks enforce the meaning of each verdict:

* ``correct``: at least one passing check that the item holds, and no
  check that it fails;
* ``typo`` and ``wrong``: at least one check showing the item as printed
  fails (a value that differs, an expression that does not vanish, code
  that raises, a counterexample) *and* at least one check that the
  corrected form holds.  A ``typo`` is a slip whose intended reading is
  plain from the context (a wrong index, a mislabelled symbol); ``wrong``
  is a formula, statement or listing whose error changes a result.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import NamedTuple

import numpy as np

VERDICTS = ("correct", "typo", "wrong")


class Row(NamedTuple):
    where: str
    claim: str
    verdict: str
    fix: str


def _expands_to_zero(expr) -> bool:
    import sympy as sp

    expanded = sp.expand(expr)
    return expanded.is_zero_matrix if isinstance(expanded, sp.MatrixBase) else expanded == 0


class Check:
    """The assertions available inside :meth:`Audit.item`; each one is counted."""

    def __init__(self):
        self.holds = 0  # checks that something holds
        self.fails = 0  # checks that the item as printed fails

    # -- the item (or its corrected form) holds ---------------------------------
    def true(self, condition, message: str = "expected to hold") -> None:
        assert bool(condition), message
        self.holds += 1

    def close(self, actual, desired, *, rtol: float = 1e-12, atol: float = 0.0) -> None:
        """``actual`` equals ``desired`` to ``rtol`` (default near machine precision)."""
        np.testing.assert_allclose(np.asarray(actual, float), np.asarray(desired, float), rtol=rtol, atol=atol)
        self.holds += 1

    def zero(self, expr, message: str = "expected to expand to zero") -> None:
        """A SymPy expression (or matrix) expands to zero: a proof of an identity."""
        assert _expands_to_zero(expr), message
        self.holds += 1

    # -- the item as printed fails ----------------------------------------------
    def false(self, condition, message: str = "expected to fail") -> None:
        """A statement of the source evaluates to False (a counterexample)."""
        assert not bool(condition), message
        self.fails += 1

    def differs(self, actual, desired, *, min_rel: float = 1e-3) -> None:
        """``actual`` differs from ``desired`` by at least ``min_rel`` relative to desired's scale.

        The default keeps rounding noise (1e-16) far from a real difference.
        Arrays of different shapes are refused rather than counted as
        different: a transposed copy of the right answer must not pass as a
        wrong one (state a shape fault with :meth:`false`).
        """
        from .gradcheck import relative_error

        err = relative_error(actual, desired)  # raises ValueError on unequal shapes
        assert err >= min_rel, f"expected a difference of at least {min_rel:g}; relative error is {err:.1e}"
        self.fails += 1

    def nonzero(self, expr, message: str = "expected not to expand to zero") -> None:
        assert not _expands_to_zero(expr), message
        self.fails += 1

    def raises(self, exception, function, *args, **kwargs) -> BaseException:
        """``function(*args, **kwargs)`` raises ``exception`` (code that cannot run as printed)."""
        try:
            function(*args, **kwargs)
        except exception as err:
            self.fails += 1
            return err
        raise AssertionError(f"expected {exception.__name__}")


class Audit:
    """The verdicts on one source, as a table rendered by Jupyter and the book."""

    def __init__(self, source: str):
        self.source = source
        self.rows: list[Row] = []

    @contextmanager
    def item(self, where: str, claim: str, verdict: str, *, fix: str = "—"):
        """A ``with`` block for one verdict: it yields a :class:`Check`, and on leaving records the row.

        ``where`` names the item in the source, ``claim`` is what the source says, ``verdict`` one of
        ``"correct"``, ``"typo"``, ``"wrong"``, and ``fix`` the corrected form (required unless correct).
        The row enters the table only if the block's checks fit the verdict: for ``"correct"`` at
        least one check that holds and none that fails; otherwise at least one that fails (the item as
        printed) and one that holds (the fix).  Anything else raises.
        """
        if verdict not in VERDICTS:
            raise ValueError(f"verdict {verdict!r} is not one of {VERDICTS}")
        if any(r.where == where for r in self.rows):
            raise ValueError(f"{where!r} already has a verdict")
        if verdict != "correct" and fix == "—":
            raise ValueError(f"{where}: a {verdict!r} verdict needs its corrected form")
        check = Check()
        yield check
        if verdict == "correct" and (check.holds == 0 or check.fails):
            raise AssertionError(f"{where}: 'correct' needs a check that it holds and none that it fails")
        if verdict != "correct" and (check.holds == 0 or check.fails == 0):
            raise AssertionError(
                f"{where}: {verdict!r} needs a check that the printed form fails and one that the fix holds"
            )
        self.rows.append(Row(where, claim, verdict, fix))

    def counts(self) -> dict[str, int]:
        return {v: sum(r.verdict == v for r in self.rows) for v in VERDICTS}

    def markdown(self) -> str:
        def esc(s):
            return s.replace("|", r"\|").replace("\n", " ")

        lines = ["| item | the source says | verdict | corrected form |", "| --- | --- | --- | --- |"]
        lines += [f"| {esc(r.where)} | {esc(r.claim)} | **{r.verdict}** | {esc(r.fix)} |" for r in self.rows]
        n = self.counts()
        lines.append("")
        lines.append(
            f"Source `{self.source}`: {len(self.rows)} items, " + ", ".join(f"{n[v]} {v}" for v in VERDICTS) + "."
        )
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        return self.markdown()

    def __repr__(self) -> str:
        return self.markdown()
