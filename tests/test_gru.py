"""The GRU (lstm.cells.gru): its two forms, parameters and errors.

The generic checks (finite differences, SymPy, batch = loop, padding) run
in tests/test_cells.py; the PyTorch adapters in tests/test_pytorch.py; torch cross-checks in
tests/test_torch_rnn.py.
"""
import numpy as np
import pytest

import lstm
from lstm.checks import harness

B, D, H = 3, 4, 5


def problem(seed=0):
    return harness.random_problem(lstm.GRU(), B=B, D=D, H=H, rng=seed)


def both(x, h, params):
    (h_t,), _ = lstm.GRU().step_forward(x, (h,), params)
    (h_c,), _ = lstm.GRU(reset_after=False).step_forward(x, (h,), params)
    return h_t, h_c


def test_the_two_forms_differ_for_the_same_parameters():
    params, x, (h,) = problem()
    h_t, h_c = both(x, h, params)
    assert lstm.relative_error(h_t, h_c) > 1e-2


def test_the_forms_agree_when_W_hn_is_diagonal_and_b_hn_is_zero():
    params, x, (h,) = problem(1)
    params["W_h"][2 * H :] = np.diag(np.diag(params["W_h"][2 * H :]))
    assert lstm.relative_error(*both(x, h, params)) > 1e-3  # b_hn alone still separates them
    params["b_h"][2 * H :] = 0
    np.testing.assert_allclose(*both(x, h, params), rtol=1e-14, atol=1e-15)
    params["W_h"][2 * H, 1] = 0.5  # one off-diagonal entry of W_hn is enough
    assert lstm.relative_error(*both(x, h, params)) > 1e-4


def test_the_forms_agree_from_a_zero_state_only_without_b_hn():
    params, x, _ = problem(2)
    zero = np.zeros((B, H))
    assert lstm.relative_error(*both(x, zero, params)) > 1e-3
    params["b_h"][2 * H :] = 0
    np.testing.assert_allclose(*both(x, zero, params), rtol=1e-15, atol=0)


def test_from_a_zero_state_with_zero_biases_the_forms_part_at_the_second_step():
    """h0 = 0 and b_h = 0 hide the difference for one step only: h1 ≠ 0, and from step 2 on Δ ≠ 0.

    At PyTorch's initial scale (every parameter uniform in ±1/√H, biases then zeroed) the outputs
    differ by 0.005 to 0.05 from the second step.
    """
    for seed in range(3):
        params = lstm.init_gru_params(D, H, rng=seed)
        params["b_x"][:] = 0
        params["b_h"][:] = 0
        xs = np.random.default_rng(10 + seed).standard_normal((6, B, D))
        hs_t, _, _ = lstm.sequence_forward(lstm.GRU(), xs, params)  # h0 = 0
        hs_c, _, _ = lstm.sequence_forward(lstm.GRU(reset_after=False), xs, params)
        gap = np.abs(hs_t - hs_c).max(axis=(1, 2))
        assert gap[0] == 0, gap
        assert np.all(gap[1:] > 1e-3), gap


def test_in_chos_form_only_the_sum_of_the_biases_acts():
    params, x, (h,) = problem(3)
    cho = lstm.GRU(reset_after=False)
    (h1,), cache = cho.step_forward(x, (h,), params)
    moved = dict(params, b_x=params["b_x"] + params["b_h"], b_h=np.zeros(3 * H))
    (h2,), _ = cho.step_forward(x, (h,), moved)
    np.testing.assert_allclose(h1, h2, rtol=1e-14)
    g = cho.step_backward((np.ones((B, H)),), cache)
    np.testing.assert_allclose(g["b_x"], g["b_h"], rtol=1e-14)
    (p1,), _ = lstm.GRU().step_forward(x, (h,), params)
    (p2,), _ = lstm.GRU().step_forward(x, (h,), moved)
    assert lstm.relative_error(p1, p2) > 1e-3  # PyTorch's form: b_hn is scaled by r


def test_parameter_count():
    assert sum(np.prod(s) for s in lstm.GRU().param_shapes(D, H).values()) == 3 * H * (D + H + 2)


def test_bad_input_is_refused():
    params, x, (h,) = problem()
    with pytest.raises(ValueError, match="params lacks \\['b_h'\\]"):
        lstm.gru_step_forward(x, h, {k: v for k, v in params.items() if k != "b_h"})
    with pytest.raises(ValueError, match=r"W_h has shape \(14, 5\)"):
        lstm.gru_step_forward(x, h, dict(params, W_h=params["W_h"][:-1]))
    with pytest.raises(ValueError, match=r"b_x has shape"):
        lstm.gru_step_forward(x, h, dict(params, b_x=params["b_x"][:H]))
    with pytest.raises(ValueError, match=r"h_prev has shape"):
        lstm.gru_step_forward(x, h[:, :2], params)
    with pytest.raises(TypeError, match="reset_after"):
        lstm.GRU(reset_after="no")
    with pytest.raises(ValueError, match="H must be a positive integer"):
        lstm.init_gru_params(3, 0)
