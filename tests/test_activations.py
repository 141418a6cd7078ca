"""Activations: values, derivatives against finite differences, stability, errors."""
import math
import warnings

import numpy as np
import pytest

import lstm
from lstm.checks.gradcheck import numerical_gradient

FLOATS = [np.float32, np.float64]


def test_sigmoid_matches_definition_where_the_definition_is_safe(rng):
    z = rng.uniform(-30, 30, size=1000)
    expected = np.array([1 / (1 + math.exp(-v)) for v in z])
    np.testing.assert_allclose(lstm.sigmoid(z), expected, rtol=1e-15, atol=0)


def test_tanh_matches_math(rng):
    z = rng.uniform(-5, 5, size=100)
    np.testing.assert_allclose(lstm.tanh(z), [math.tanh(v) for v in z], rtol=1e-15)


@pytest.mark.parametrize("dtype", FLOATS)
def test_sigmoid_is_stable_up_to_1e4(dtype):
    z = np.array([-1e4, -1e3, -100, -88.8, 0, 88.8, 100, 1e3, 1e4], dtype=dtype)
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        s = lstm.sigmoid(z)
        ds = lstm.sigmoid_grad(z)
    assert s.dtype == dtype and ds.dtype == dtype
    assert np.all(np.isfinite(s)) and np.all(np.isfinite(ds))
    assert s[0] == 0 and s[-1] == 1 and s[4] == 0.5
    assert np.all(np.diff(s) >= 0)


def test_sigmoid_symmetry(rng):
    z = rng.normal(scale=10, size=200)
    np.testing.assert_allclose(lstm.sigmoid(-z), 1 - lstm.sigmoid(z), atol=1e-15)


@pytest.mark.parametrize(
    "f, df",
    [(lstm.sigmoid, lstm.sigmoid_grad), (lstm.tanh, lstm.tanh_grad)],
    ids=["sigmoid", "tanh"],
)
def test_elementwise_derivatives_match_central_differences(f, df, rng):
    z = rng.normal(scale=2, size=(3, 4))
    dout = rng.standard_normal(z.shape)
    numeric = numerical_gradient(lambda: f(z), z, dout)
    assert lstm.relative_error(df(z) * dout, numeric) < 1e-9


def test_derivative_maxima():
    z = np.linspace(-10, 10, 20001)
    assert lstm.sigmoid_grad(z).max() == pytest.approx(0.25, abs=1e-15)
    assert lstm.tanh_grad(z).max() == pytest.approx(1.0, abs=1e-15)
    assert np.all(lstm.sigmoid_grad(z) <= 0.25) and np.all(lstm.tanh_grad(z) <= 1)


@pytest.mark.parametrize("dtype", FLOATS)
def test_softmax_is_stable_for_huge_logits(dtype):
    z = np.array([[1e4, 0.0, -1e4], [1e4, 1e4, 1e4]], dtype=dtype)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        p = lstm.softmax(z)
        lp = lstm.log_softmax(z)
    assert p.dtype == dtype and lp.dtype == dtype
    np.testing.assert_allclose(p, [[1, 0, 0], [1 / 3, 1 / 3, 1 / 3]], rtol=1e-6)
    assert lp[0, 0] == 0 and lp[0, 2] == pytest.approx(-2e4, rel=1e-6)
    np.testing.assert_allclose(lp[1], np.log(1 / 3) * np.ones(3), rtol=1e-6)


def test_softmax_is_shift_invariant_and_sums_to_one(rng):
    z = rng.normal(size=(5, 7))
    p = lstm.softmax(z)
    np.testing.assert_allclose(p.sum(axis=1), 1, rtol=1e-15)
    np.testing.assert_allclose(lstm.softmax(z + 123.0), p, rtol=1e-12)
    np.testing.assert_allclose(np.exp(lstm.log_softmax(z)), p, rtol=1e-14)


def test_softmax_along_other_axis(rng):
    z = rng.normal(size=(4, 3))
    np.testing.assert_allclose(lstm.softmax(z, axis=0), lstm.softmax(z.T).T, rtol=1e-15)


def test_softmax_jacobian_matches_finite_differences(rng):
    z = rng.normal(size=5)
    J = lstm.softmax_jacobian(lstm.softmax(z))
    for k in range(5):
        e = np.zeros(5)
        e[k] = 1.0
        numeric = numerical_gradient(lambda: lstm.softmax(z), z, e)
        assert lstm.relative_error(J[k], numeric) < 1e-9
    batch = lstm.softmax_jacobian(lstm.softmax(rng.normal(size=(2, 3, 5))))
    assert batch.shape == (2, 3, 5, 5)


@pytest.mark.parametrize("reduction", ["sum", "mean"])
def test_cross_entropy_gradient_is_p_minus_y(reduction, rng):
    logits = rng.normal(scale=3, size=(4, 6))
    labels = np.array([0, 5, 2, 2])
    loss, dlogits = lstm.softmax_cross_entropy(logits, labels, reduction)
    p = lstm.softmax(logits)
    scale = 1 if reduction == "sum" else 1 / 4
    expected_loss = -np.sum(np.log(p[np.arange(4), labels])) * scale
    assert loss == pytest.approx(expected_loss, rel=1e-14)
    np.testing.assert_allclose(dlogits, (p - np.eye(6)[labels]) * scale, rtol=1e-14, atol=1e-16)
    numeric = numerical_gradient(lambda: lstm.softmax_cross_entropy(logits, labels, reduction)[0], logits, 1.0)
    assert lstm.relative_error(dlogits, numeric) < 1e-8


def test_cross_entropy_with_soft_targets(rng):
    logits = rng.normal(size=(3, 4))
    y = lstm.softmax(rng.normal(size=(3, 4)))
    loss, dlogits = lstm.softmax_cross_entropy(logits, y)
    numeric = numerical_gradient(lambda: lstm.softmax_cross_entropy(logits, y)[0], logits, 1.0)
    assert lstm.relative_error(dlogits, numeric) < 1e-8
    # labels and their one-hot rows are the same target
    labels = np.array([1, 0, 3])
    assert lstm.softmax_cross_entropy(logits, labels)[0] == pytest.approx(
        lstm.softmax_cross_entropy(logits, np.eye(4)[labels])[0], rel=1e-15
    )


def test_cross_entropy_float32_keeps_dtype():
    loss, d = lstm.softmax_cross_entropy(np.zeros((2, 3), np.float32), np.array([0, 1]))
    assert d.dtype == np.float32 and loss == pytest.approx(2 * np.log(3), rel=1e-6)


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: lstm.sigmoid(np.array([1, 2])), TypeError, "z has dtype int64"),
        (lambda: lstm.sigmoid(3), TypeError, "z is an integer"),
        (lambda: lstm.tanh(np.array([1.0, np.nan])), ValueError, "z contains 1 non-finite"),
        (lambda: lstm.sigmoid(np.array([np.inf])), ValueError, "non-finite"),
        (lambda: lstm.softmax(np.array(["a"])), TypeError, "dtype <U1"),
        (lambda: lstm.sigmoid_grad_from_output(np.array([1 + 0j])), TypeError, "s has dtype complex128"),
        (
            lambda: lstm.softmax_cross_entropy(np.zeros(3), np.array([0])),
            ValueError,
            r"logits has shape \(3,\); expected \(B, K\)",
        ),
        (
            lambda: lstm.softmax_cross_entropy(np.zeros((2, 3)), np.array([0, 3])),
            ValueError,
            "class indices from 0 to 3",
        ),
        (lambda: lstm.softmax_cross_entropy(np.zeros((2, 3)), np.array([0])), ValueError, r"y has shape \(1,\)"),
        (
            lambda: lstm.softmax_cross_entropy(np.zeros((2, 3)), np.ones((2, 3))),
            ValueError,
            "probability distributions",
        ),
        (
            lambda: lstm.softmax_cross_entropy(np.zeros((2, 3)), np.eye(3)[:2].astype(np.float32)),
            TypeError,
            "y has dtype float32",
        ),
        (lambda: lstm.softmax_cross_entropy(np.zeros((2, 3)), np.array([0, 1]), "avg"), ValueError, "reduction"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_inputs_are_not_modified(rng):
    z = rng.normal(size=(3, 4))
    before = z.copy()
    for f in (lstm.sigmoid, lstm.sigmoid_grad, lstm.tanh, lstm.tanh_grad, lstm.softmax, lstm.log_softmax):
        f(z)
    lstm.softmax_cross_entropy(z, np.array([0, 1, 2]))
    np.testing.assert_array_equal(z, before)


@pytest.mark.parametrize(
    "f",
    [lstm.sigmoid, lstm.sigmoid_grad, lstm.tanh, lstm.tanh_grad, lstm.softmax, lstm.log_softmax],
    ids=lambda f: f.__name__,
)
def test_float32_agrees_with_float64_to_float32_precision(f, rng):
    """float32 cannot be checked by finite differences; it is checked against float64."""
    z64 = rng.normal(scale=4, size=(8, 6))
    z32 = z64.astype(np.float32)
    out32 = f(z32)
    assert out32.dtype == np.float32
    # evaluate float64 at the float32 inputs, so that only the arithmetic differs
    out64 = f(z32.astype(np.float64))
    scale = np.max(np.abs(out64))
    assert np.max(np.abs(out32 - out64)) <= 8 * np.finfo(np.float32).eps * max(scale, 1.0)


@pytest.mark.parametrize("f, df", [(lstm.sigmoid, lstm.sigmoid_grad), (np.tanh, lstm.tanh_grad)])
def test_derivatives_accept_python_floats(f, df):
    # A 0-d input once made tanh_grad fail inside its in-place subtraction.
    z = 0.7
    expected = (float(f(z + 1e-6)) - float(f(z - 1e-6))) / 2e-6
    assert abs(float(df(z)) - expected) < 1e-9
