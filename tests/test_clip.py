"""Gradient clipping against values computed by hand (PyTorch comparisons: test_torch_optim.py)."""
import math

import numpy as np
import pytest

import lstm
from lstm.training.clip import clip_grad_norm, clip_grad_value, total_norm


def grads345():
    return {"a": np.array([3.0, 0.0]), "b": np.array([[0.0], [-4.0]])}


def test_norm_clipping_by_hand():
    g = grads345()  # joint 2-norm 5
    norm = clip_grad_norm(g, 1.0)
    assert norm == 5.0
    coef = 1.0 / (5.0 + 1e-6)  # torch's 1e-6 in the denominator
    np.testing.assert_array_equal(g["a"], np.array([3.0, 0.0]) * coef)
    np.testing.assert_array_equal(g["b"], np.array([[0.0], [-4.0]]) * coef)
    assert 1.0 - 1e-6 < total_norm(g) < 1.0  # a hair below max_norm


def test_below_the_threshold_nothing_changes():
    g = grads345()
    assert clip_grad_norm(g, 10.0) == 5.0
    for k, v in grads345().items():
        np.testing.assert_array_equal(g[k], v)  # coefficient clamped to exactly 1
    # exactly at the threshold: max_norm / (norm + 1e-6) < 1, so it is scaled very slightly
    g = grads345()
    clip_grad_norm(g, 5.0)
    assert g["a"][0] == 3.0 * 5.0 / (5.0 + 1e-6)


@pytest.mark.parametrize("p, expect", [(1.0, 7.0), (math.inf, 4.0), (3.0, (27 + 64) ** (1 / 3)), ("inf", 4.0)])
def test_other_norms(p, expect):
    g = grads345()
    assert total_norm(g, p) == pytest.approx(expect, rel=1e-15)
    assert clip_grad_norm(g, 2.0, norm_type=p) == pytest.approx(expect, rel=1e-15)
    assert total_norm(g, p) == pytest.approx(2.0 * expect / (expect + 1e-6), rel=1e-15)


def test_norm_of_many_arrays_is_the_norm_of_the_concatenation(rng):
    g = {k: rng.standard_normal(s) for k, s in [("W", (4, 3)), ("b", (4,)), ("c", (2, 2, 2))]}
    flat = np.concatenate([v.ravel() for v in g.values()])
    for p in (1.0, 2.0, 2.5, math.inf):
        assert total_norm(g, p) == pytest.approx(np.linalg.norm(flat, p), rel=1e-14)


def test_clip_keeps_direction_value_clip_does_not():
    g, h = grads345(), grads345()
    clip_grad_norm(g, 1.0)
    clip_grad_value(h, 3.5)
    np.testing.assert_array_equal(h["a"], [3.0, 0.0])
    np.testing.assert_array_equal(h["b"], [[0.0], [-3.5]])
    # norm clipping: a positive multiple of the original; value clipping: a new direction
    assert g["a"][0] / g["b"][1, 0] == pytest.approx(3.0 / -4.0, rel=1e-15)
    assert h["a"][0] / h["b"][1, 0] != pytest.approx(3.0 / -4.0)


def test_value_clipping_min_char_rnn():
    g = {"W": np.array([[-7.0, 4.9], [5.0, 12.0]])}
    clip_grad_value(g, 5)
    np.testing.assert_array_equal(g["W"], [[-5.0, 4.9], [5.0, 5.0]])


def test_nonfinite():
    g = {"a": np.array([1.0, np.inf])}
    assert clip_grad_norm(g, 1.0) == math.inf  # torch's default: no error, the gradients become nan/0
    with pytest.raises(ValueError, match="NaN or inf"):
        clip_grad_norm({"a": np.array([np.nan])}, 1.0, error_if_nonfinite=True)


def test_clear_errors():
    with pytest.raises(TypeError, match="dict"):
        clip_grad_norm([np.ones(2)], 1.0)
    with pytest.raises(TypeError, match=r"grads\['a'\] has dtype int64"):
        clip_grad_norm({"a": np.arange(3)}, 1.0)
    with pytest.raises(ValueError, match="max_norm"):
        clip_grad_norm(grads345(), -1.0)
    with pytest.raises(ValueError, match="norm_type"):
        clip_grad_norm(grads345(), 1.0, norm_type=0)
    with pytest.raises(ValueError, match="clip_value"):
        clip_grad_value(grads345(), 0.0)
    with pytest.raises(TypeError, match=r"grads\['a'\] is a list"):
        clip_grad_value({"a": [1.0]}, 1.0)


def test_empty_and_exported():
    assert clip_grad_norm({}, 1.0) == 0.0
    assert lstm.clip_grad_norm is clip_grad_norm and lstm.clip_grad_value is clip_grad_value
