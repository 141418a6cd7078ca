"""The gradient checker itself: it must pass right gradients and catch wrong ones."""
import numpy as np
import pytest

import lstm
from lstm.checks.gradcheck import numerical_gradient


def affine_forward(x, W, b):
    return x @ W.T + b, (x, W)


def affine_backward(dout, cache):
    x, W = cache
    return {"x": dout @ W, "W": dout.T @ x, "b": dout.sum(axis=0)}


def inputs(rng):
    return {"x": rng.normal(size=(3, 4)), "W": rng.normal(size=(5, 4)), "b": rng.normal(size=5)}


def test_a_correct_backward_passes_tightly(rng):
    errors = lstm.gradcheck(affine_forward, affine_backward, inputs(rng))
    assert set(errors) == {"x", "W", "b"}
    assert max(errors.values()) < 1e-9


@pytest.mark.parametrize(
    "mutation",
    [
        lambda g, d, c: {**g, "W": g["W"].T.T * 1.001},  # 0.1 % off
        lambda g, d, c: {**g, "b": d.mean(axis=0)},  # mean instead of sum over the batch
        lambda g, d, c: {**g, "x": d @ c[1] + 1e-6},  # tiny constant offset
    ],
    ids=["scaled", "mean-not-sum", "offset"],
)
def test_a_wrong_backward_is_caught(mutation, rng):
    def wrong_backward(dout, cache):
        return mutation(affine_backward(dout, cache), dout, cache)

    with pytest.raises(AssertionError, match="gradient check failed"):
        lstm.gradcheck(affine_forward, wrong_backward, inputs(rng))


def test_transposed_blocks_need_a_random_upstream_gradient(rng):
    """Swapping two output units' gradients cancels under dout = 1, not under random dout."""
    x = rng.normal(size=(2, 3))
    W = rng.normal(size=(4, 3))
    swapped = W[[1, 0, 2, 3]]
    ones = np.ones((2, 4))
    wrong = ones @ swapped  # would be the x-gradient with two rows of W swapped
    assert lstm.relative_error(ones @ W, wrong) < 1e-15  # invisible with dout = 1
    with pytest.raises(AssertionError):
        lstm.gradcheck(
            affine_forward, lambda d, c: {**affine_backward(d, c), "x": d @ swapped}, {"x": x, "W": W, "b": np.zeros(4)}
        )


def test_tuple_outputs_and_subsets(rng):
    def forward(a, b):
        return (a * b, np.sin(a)), (a, b)

    def backward(dout, cache):
        (d1, d2), (a, b) = dout, cache
        return {"a": d1 * b + d2 * np.cos(a), "b": d1 * a}

    vals = {"a": rng.normal(size=(20, 20)), "b": rng.normal(size=(20, 20))}
    errors = lstm.gradcheck(forward, backward, vals, max_elements=25, rng=np.random.default_rng(3))
    assert max(errors.values()) < 1e-9


def test_float32_is_refused(rng):
    with pytest.raises(TypeError, match="need float64"):
        lstm.gradcheck(affine_forward, affine_backward, {k: v.astype(np.float32) for k, v in inputs(rng).items()})
    with pytest.raises(TypeError, match="need float64"):
        numerical_gradient(lambda: 0.0, np.zeros(3, np.float32), 1.0)


def test_inputs_are_not_modified_and_are_restored(rng):
    vals = inputs(rng)
    before = {k: v.copy() for k, v in vals.items()}
    lstm.gradcheck(affine_forward, affine_backward, vals)
    for k in vals:
        np.testing.assert_array_equal(vals[k], before[k])
    x = rng.normal(size=4)
    x0 = x.copy()
    numerical_gradient(lambda: np.sum(x**3), x, 1.0)
    np.testing.assert_array_equal(x, x0)


def test_wrong_shape_from_backward_is_reported(rng):
    with pytest.raises(ValueError, match="backward returned shape"):
        lstm.gradcheck(affine_forward, lambda d, c: {**affine_backward(d, c), "b": np.zeros(3)}, inputs(rng))


def test_relative_error_properties(rng):
    a = rng.normal(size=10)
    b = a + 1e-9 * rng.normal(size=10)
    assert lstm.relative_error(a, a.copy()) == 0
    assert lstm.relative_error(np.zeros(3), np.zeros(3)) == 0
    assert lstm.relative_error(a, b) == pytest.approx(lstm.relative_error(b, a))
    assert lstm.relative_error(10 * a, 10 * b) == pytest.approx(lstm.relative_error(a, b), rel=1e-6)
    assert lstm.relative_error(a, -a) == pytest.approx(2.0)
    # an entry that should be 0 but is not still counts, against the array's scale
    c = a.copy()
    c[0] += 1e-3 * np.abs(a).max()
    assert lstm.relative_error(a, c) == pytest.approx(1e-3, rel=1e-6)
    with pytest.raises(ValueError, match="cannot compare shapes"):
        lstm.relative_error(np.zeros(2), np.zeros(3))
