"""The SymPy helpers: derivative rules, the equality check, numeric evaluation."""
import numpy as np
import pytest
import sympy as sp

import lstm
from lstm.checks import symbolic as lsym

z = sp.Symbol("z", real=True)


def test_sigmoid_knows_its_derivative_and_its_definition():
    assert lsym.sigmoid(z).diff(z) == lsym.sigmoid(z) * (1 - lsym.sigmoid(z))
    via_exp = sp.diff(lsym.sigmoid(z).rewrite(sp.exp), z)
    assert sp.simplify(via_exp - (lsym.sigmoid(z) * (1 - lsym.sigmoid(z))).rewrite(sp.exp)) == 0
    assert lsym.sigmoid(0) == sp.Rational(1, 2)
    assert lsym.sigmoid(z).is_real


def test_tanh_derivative_is_one_minus_square():
    lsym.assert_equal(1 - lsym.tanh(z) ** 2, sp.diff(lsym.tanh(z), z))


def test_assert_equal_passes_equal_and_explains_unequal():
    s = lsym.sigmoid(z)
    lsym.assert_equal(s * (1 - s), sp.diff(s, z), "σ'")
    with pytest.raises(AssertionError) as info:
        lsym.assert_equal(s * (1 + s), sp.diff(s, z), "σ'")
    msg = str(info.value)
    assert "σ': 1 of 1 entries differ" in msg
    assert "hand-derived" in msg and "sympy.diff" in msg and "difference:   2*sigmoid(z)**2" in msg


def test_assert_equal_on_matrices_and_shape_mismatch():
    W = lsym.matrix("W", 2, 3)
    x = lsym.vector("x", 3)
    L = (W * x)[0] ** 2 + (W * x)[1]
    hand = sp.Matrix([[2 * (W * x)[0] * x[j] for j in range(3)], [x[j] for j in range(3)]])
    lsym.assert_gradient(hand, L, W)
    with pytest.raises(AssertionError, match="1 of 6 entries differ"):
        wrong = hand.copy()
        wrong[1, 2] = 0
        lsym.assert_gradient(wrong, L, W)
    with pytest.raises(AssertionError, match="shape"):
        lsym.assert_equal(hand.T, lsym.gradient(L, W))


def test_symbols_are_named_like_the_text():
    W = lsym.matrix("W", 2, 2)
    assert [str(s) for s in W] == ["W_11", "W_12", "W_21", "W_22"]
    assert [str(s) for s in lsym.vector("h", 2)] == ["h_1", "h_2"]


def test_numeric_matches_numpy(rng):
    W = lsym.matrix("W", 2, 3)
    x = lsym.vector("x", 3)
    expr = (W * x).applyfunc(lsym.sigmoid).applyfunc(lambda e: e * lsym.tanh(e))
    Wv, xv = rng.normal(size=(2, 3)), rng.normal(size=(3, 1))
    a = lstm.sigmoid(Wv @ xv)
    # numeric() evaluates σ by its own formula, accurate to a few ε in absolute terms
    np.testing.assert_allclose(lsym.numeric(expr, {W: Wv, x: xv}), a * np.tanh(a), rtol=0, atol=4 * np.finfo(float).eps)
    assert lsym.numeric(lsym.sigmoid(z), {z: 0.3}).shape == ()
    with pytest.raises(ValueError, match="expected"):
        lsym.numeric(expr, {W: Wv.T, x: xv})
