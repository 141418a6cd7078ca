"""Dropout (lstm.blocks.dropout): the mask's values and rate, the linear forward and backward, errors.

Its use in the language model (masks drawn once per step and layer) is tested
in tests/test_charlm.py.
"""
import numpy as np
import pytest

import lstm
from lstm.checks.gradcheck import gradcheck


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("p", [0.25, 0.5])
def test_mask_holds_zeros_and_one_over_keep_at_the_rate(p, dtype):
    n = 200_000
    mask = lstm.dropout_mask((n,), p, np.random.default_rng(0), dtype)
    assert mask.dtype == dtype and mask.shape == (n,)
    assert set(np.unique(mask).tolist()) == {0.0, float(dtype(1 / (1 - p)))}
    kept = np.count_nonzero(mask) / n
    # Binomial(n, 1 − p): standard deviation √(p(1 − p)/n) ≈ 0.0011; five of them
    assert abs(kept - (1 - p)) < 5 * np.sqrt(p * (1 - p) / n)
    assert abs(mask.mean(dtype=np.float64) - 1) < 5 * np.sqrt(p / ((1 - p) * n))  # E[m] = 1: inverted dropout


def test_mask_without_dropout_is_ones_and_seeds_repeat():
    ones = lstm.dropout_mask((3, 4), 0.0, rng=None)
    assert ones.dtype == np.float64 and np.all(ones == 1)
    a = lstm.dropout_mask((3, 4), 0.5, rng=7)
    b = lstm.dropout_mask((3, 4), 0.5, rng=np.random.default_rng(7))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, lstm.dropout_mask((3, 4), 0.5, rng=8))


def test_forward_is_the_product_and_backward_its_linear_gradient(rng):
    x = rng.standard_normal((4, 5))
    mask = lstm.dropout_mask(x.shape, 0.4, rng)
    y = lstm.dropout_forward(x, mask)
    np.testing.assert_array_equal(y, np.where(mask == 0, 0.0, x / 0.6))
    gradcheck(
        lambda x: (lstm.dropout_forward(x, mask), None),
        lambda dy, cache: {"x": lstm.dropout_backward(dy, mask)},
        {"x": x},
        rng=np.random.default_rng(1),
    )
    dy = rng.standard_normal(x.shape)
    assert np.all(lstm.dropout_backward(dy, mask)[mask == 0] == 0)


@pytest.mark.parametrize(
    "p, error, message",
    [
        (1.0, ValueError, "expected 0 <= p < 1"),
        (-0.1, ValueError, "expected 0 <= p < 1"),
        (float("nan"), ValueError, "expected 0 <= p < 1"),
        (True, TypeError, "dropout rate is True"),
        ("0.5", TypeError, "dropout rate is '0.5'"),
    ],
)
def test_bad_rates_are_refused(p, error, message):
    with pytest.raises(error, match=message):
        lstm.dropout_mask((2, 2), p, rng=0)


def test_mask_and_input_must_agree():
    x = np.ones((2, 3))
    with pytest.raises(ValueError, match=r"mask has shape \(3, 2\)"):
        lstm.dropout_forward(x, np.ones((3, 2)))
    with pytest.raises(TypeError, match="mask has dtype float32"):
        lstm.dropout_backward(x, np.ones((2, 3), np.float32))
    with pytest.raises(TypeError, match="x has dtype int64"):
        lstm.dropout_forward(np.ones((2, 3), int), np.ones((2, 3)))
