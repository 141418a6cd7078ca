"""The audit ledger: a verdict is recorded only when its checks mean what it says."""
import numpy as np
import pytest
import sympy as sp

from lstm.checks.audit import Audit


def test_a_correct_item_needs_a_passing_check():
    audit = Audit("x")
    with pytest.raises(AssertionError, match="needs a check that it holds"):
        with audit.item("eq. 1", "claim", "correct"):
            pass
    with audit.item("eq. 1", "claim", "correct") as check:
        check.zero(sp.Symbol("a") - sp.Symbol("a"))
    assert audit.rows[0].verdict == "correct"


def test_a_wrong_item_needs_a_failing_literal_and_a_passing_fix():
    audit = Audit("x")
    with pytest.raises(AssertionError, match="printed form fails"):
        with audit.item("eq. 2", "claim", "wrong", fix="y") as check:
            check.close(1.0, 1.0)
    with pytest.raises(AssertionError, match="printed form fails"):
        with audit.item("eq. 2", "claim", "wrong", fix="y") as check:
            check.differs(np.ones(3), np.zeros(3) + 2)
    with pytest.raises(ValueError, match="needs its corrected form"):
        with audit.item("eq. 2", "claim", "typo") as check:
            check.false(1 > 2)
            check.true(2 > 1)
    with audit.item("eq. 2", "claim", "wrong", fix="y") as check:
        check.differs(np.ones(3), np.full(3, 2.0))
        check.close(np.ones(3), np.ones(3))
    assert [r.where for r in audit.rows] == ["eq. 2"]


def test_a_correct_item_with_a_failing_check_is_refused():
    audit = Audit("x")
    with pytest.raises(AssertionError, match="none that it fails"):
        with audit.item("eq. 3", "claim", "correct") as check:
            check.true(True)
            check.false(False)


def test_failed_checks_record_nothing():
    audit = Audit("x")
    with pytest.raises(AssertionError):
        with audit.item("a", "claim", "correct") as check:
            check.close(1.0, 1.1)
    with pytest.raises(AssertionError, match="expected a difference"):
        with audit.item("b", "claim", "wrong", fix="y") as check:
            check.differs(1.0, 1.0 + 1e-15)
    with pytest.raises(AssertionError, match="expected ZeroDivisionError"):
        with audit.item("c", "claim", "wrong", fix="y") as check:
            check.raises(ZeroDivisionError, lambda: 1)
    with pytest.raises(AssertionError):
        with audit.item("d", "claim", "correct") as check:
            check.zero(sp.Symbol("a"))
    assert audit.rows == []


def test_verdicts_and_duplicates_are_validated():
    audit = Audit("x")
    with pytest.raises(ValueError, match="is not one of"):
        with audit.item("a", "claim", "dubious"):
            pass
    with audit.item("a", "claim", "correct") as check:
        check.true(True)
    with pytest.raises(ValueError, match="already has a verdict"):
        with audit.item("a", "claim", "correct"):
            pass


def test_the_table_is_markdown_with_counts():
    audit = Audit("004")
    with audit.item("listing 1", "a | b", "typo", fix="c") as check:
        check.raises(NameError, eval, "undefined_name")
        check.true(True)
    table = audit._repr_markdown_()
    assert "| listing 1 | a \\| b | **typo** | c |" in table
    assert "1 items, 0 correct, 1 typo, 0 wrong" in table


def test_differs_refuses_arrays_of_different_shapes():
    audit = Audit("x")
    with pytest.raises(ValueError, match="cannot compare shapes"):
        with audit.item("a", "claim", "wrong", fix="y") as check:
            check.differs(np.ones((2, 3)), np.ones((3, 2)))
