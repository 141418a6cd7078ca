"""The checking harness itself (lstm.checks.harness): it passes right cells and catches planted mistakes.

tests/test_cells.py runs the harness on every cell; here it runs on cells with
one deliberate error each, so that a harness that passes everything fails here.
"""
import numpy as np
import pytest

import lstm
from lstm.checks import harness


class TransposedWh(lstm.RNN):
    """The RNN with ∂L/∂W_h transposed: W_h is square, so only the values are wrong."""

    def step_backward(self, dstate, cache):
        g = super().step_backward(dstate, cache)
        return {**g, "W_h": g["W_h"].T.copy()}


class ForgetsHPrev(lstm.RNN):
    """The RNN whose backward drops the path through h_prev: one step is right, a sequence is not."""

    def step_backward(self, dstate, cache):
        g = super().step_backward(dstate, cache)
        return {**g, "h_prev": 0.999 * g["h_prev"]}


class LeaksAcrossBatch(lstm.RNN):
    """The RNN plus 0.1 × the batch mean of x through W_x: example b sees the other examples."""

    def step_forward(self, x, state, params):
        (h,), cache = super().step_forward(x + 0.1 * x.mean(axis=0, keepdims=True), state, params)
        return (h,), cache


class WrongSymbolicSign(lstm.RNN):
    """The RNN whose SymPy step subtracts the bias instead of adding it."""

    def symbolic_step(self, x, state, params):
        return super().symbolic_step(x, state, {**params, "b": -params["b"]})


def test_random_problem_has_the_documented_shapes_and_nonzero_everything():
    cell = lstm.LSTM()
    params, x, state0 = harness.random_problem(cell, B=2, D=3, H=4, T=5, rng=0)
    assert x.shape == (5, 2, 3) and [s.shape for s in state0] == [(2, 4), (2, 4)]
    assert {k: v.shape for k, v in params.items()} == cell.param_shapes(3, 4)
    assert all(v.dtype == np.float64 for v in params.values())
    init = cell.init_params(3, 4, rng=0)
    assert np.all(params["b"] != 0) and not np.allclose(params["W_x"], init["W_x"])  # perturbed away from init
    assert all(np.all(s != 0) for s in state0)
    assert harness.random_problem(cell, B=2, D=3, H=4, rng=0)[1].shape == (2, 3)  # no T: one step's input
    again = harness.random_problem(cell, B=2, D=3, H=4, T=5, rng=0)
    assert all(np.array_equal(again[0][k], params[k]) for k in params) and np.array_equal(again[1], x)


def test_check_step_accepts_a_right_cell_and_catches_a_transposed_gradient():
    errors = harness.check_step(lstm.RNN())
    assert set(errors) == {"x", "h_prev", "W_x", "W_h", "b"} and max(errors.values()) < 1e-7
    with pytest.raises(AssertionError, match=r"W_h: relative error") as info:
        harness.check_step(TransposedWh())
    assert "W_x:" not in str(info.value) and "b:" not in str(info.value)  # only the planted mistake is named


def test_check_sequence_catches_a_mistake_that_only_shows_through_time():
    errors = harness.check_step(ForgetsHPrev(), tol=1e-2)  # a 0.1 % error passes a loose one-step check
    assert errors["h_prev"] > 1e-4
    harness.check_sequence(lstm.RNN(), T=4)
    with pytest.raises(AssertionError, match="relative error"):
        harness.check_sequence(ForgetsHPrev(), T=4)
    with pytest.raises(AssertionError, match="relative error"):
        harness.check_sequence(ForgetsHPrev(), T=4, lengths=[4, 2, 3])


def test_check_batch_is_loop_catches_a_cell_that_mixes_examples():
    errors = harness.check_batch_is_loop(lstm.RNN())
    assert max(errors.values()) <= 1e-12 and "hs" in errors and "h0[2]" in errors
    with pytest.raises(AssertionError, match="batch = loop over examples failed") as info:
        harness.check_batch_is_loop(LeaksAcrossBatch())
    assert "hs:" in str(info.value)
    # With one example the leak is invisible (its mean is itself, a different but consistent cell).
    harness.check_batch_is_loop(LeaksAcrossBatch(), B=1)


def test_check_symbolic_catches_a_forward_pass_that_differs_from_the_sympy_step():
    errors = harness.check_symbolic(lstm.RNN())
    assert {"forward:h", "x", "h_prev", "W_x", "W_h", "b"} == set(errors)
    with pytest.raises(AssertionError, match=r"against SymPy failed\n  forward:h: relative error"):
        harness.check_symbolic(WrongSymbolicSign())


def test_the_tolerance_is_the_one_applied():
    errors = harness.check_step(TransposedWh(), tol=np.inf)  # nothing is too large for an infinite tolerance
    assert errors["W_h"] > 1e-3
    with pytest.raises(AssertionError):
        harness.check_step(lstm.RNN(), tol=0.0)  # finite differences are never exact
