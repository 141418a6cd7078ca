"""The Elman RNN's step (lstm.cells.rnn): values by hand, gradients by finite differences, errors.

The common checks over every cell (harness, batch = loop, padding) are in
tests/test_cells.py; the cross-check against torch.nn.RNN in tests/test_torch_rnn.py.
"""
import math

import numpy as np
import pytest

import lstm
from lstm.cells.rnn import rnn_param_shapes
from lstm.checks.gradcheck import gradcheck

B, D, H = 2, 3, 4  # D ≠ H, so a transposed W_x or a swapped W_x/W_h cannot pass


def problem(seed=0):
    rng = np.random.default_rng(seed)
    params = {"W_x": rng.standard_normal((H, D)), "W_h": rng.standard_normal((H, H)), "b": rng.standard_normal(H)}
    return params, rng.standard_normal((B, D)), rng.standard_normal((B, H))


def test_one_step_by_hand():
    """B = 2, D = 3, H = 2 with small integers: a = W_x x + W_h h + b worked out unit by unit."""
    params = {"W_x": np.array([[1.0, 0.0, 2.0], [0.0, -1.0, 1.0]]), "W_h": np.array([[0.5, 0.0], [1.0, -1.0]]),
              "b": np.array([0.0, 0.5])}
    x = np.array([[1.0, 2.0, -1.0], [0.0, 1.0, 1.0]])
    h_prev = np.array([[2.0, 1.0], [-1.0, 0.0]])
    # example 0: unit 0: 1·1 + 2·(−1) + 0.5·2 + 0 = 0;  unit 1: −2 − 1 + 2 − 1 + 0.5 = −1.5
    # example 1: unit 0: 2·1 + 0.5·(−1) = 1.5;          unit 1: −1 + 1 − 1 + 0.5 = −0.5
    a = np.array([[0.0, -1.5], [1.5, -0.5]])
    h, _ = lstm.rnn_step_forward(x, h_prev, params)
    np.testing.assert_allclose(h, [[math.tanh(v) for v in row] for row in a], rtol=1e-15, atol=0)
    h, _ = lstm.rnn_step_forward(x, h_prev, params, nonlinearity="relu")
    np.testing.assert_array_equal(h, [[0.0, 0.0], [1.5, 0.0]])


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_step_matches_a_loop_over_units(nonlinearity):
    params, x, h_prev = problem(1)
    h, _ = lstm.rnn_step_forward(x, h_prev, params, nonlinearity=nonlinearity)
    phi = math.tanh if nonlinearity == "tanh" else (lambda v: max(v, 0.0))
    for b in range(B):
        for j in range(H):
            a = sum(params["W_x"][j, k] * x[b, k] for k in range(D))
            a += sum(params["W_h"][j, m] * h_prev[b, m] for m in range(H)) + params["b"][j]
            assert h[b, j] == pytest.approx(phi(a), rel=1e-13, abs=1e-15)


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_step_backward_matches_finite_differences(nonlinearity):
    params, x, h_prev = problem(2)
    if nonlinearity == "relu":  # keep every preactivation away from ReLU's kink at 0
        a = x @ params["W_x"].T + h_prev @ params["W_h"].T + params["b"]
        params["b"] = params["b"] + np.where(np.abs(a).min(axis=0) < 0.1, 0.5, 0.0)
    errors = gradcheck(
        lambda x, h_prev, **p: lstm.rnn_step_forward(x, h_prev, p, nonlinearity=nonlinearity),
        lstm.rnn_step_backward,
        {"x": x, "h_prev": h_prev, **params},
        rng=np.random.default_rng(3),
    )
    assert set(errors) == {"x", "h_prev", "W_x", "W_h", "b"}


def test_relu_passes_no_gradient_where_it_is_zero():
    params, x, h_prev = problem(4)
    h, cache = lstm.rnn_step_forward(x, h_prev, params, nonlinearity="relu")
    assert np.any(h == 0) and np.any(h > 0)
    g = lstm.rnn_step_backward(np.ones((B, H)), cache)
    np.testing.assert_array_equal(g["b"], (h > 0).sum(axis=0))  # ∂L/∂b = Σ_batch [a > 0]
    np.testing.assert_array_equal(lstm.rnn_step_backward(None, cache)["W_h"], np.zeros((H, H)))


def test_the_cell_is_the_functions():
    params, x, h_prev = problem(5)
    for nonlinearity in ("tanh", "relu"):
        cell = lstm.RNN(nonlinearity)
        (h,), cache = cell.step_forward(x, (h_prev,), params)
        np.testing.assert_array_equal(h, lstm.rnn_step_forward(x, h_prev, params, nonlinearity=nonlinearity)[0])
        dh = np.random.default_rng(6).standard_normal((B, H))
        g = cell.step_backward((dh,), cache)
        want = lstm.rnn_step_backward(dh, lstm.rnn_step_forward(x, h_prev, params, nonlinearity=nonlinearity)[1])
        assert g.keys() == want.keys() and all(np.array_equal(g[k], want[k]) for k in g)


def test_parameters_and_initialisation():
    assert rnn_param_shapes(D, H) == {"W_x": (H, D), "W_h": (H, H), "b": (H,)}
    assert lstm.RNN().n_params(D, H) == H * D + H * H + H
    p = lstm.RNN().init_params(D, H, rng=0)
    # uniform in (−1/√H, 1/√H), biases included, as torch.nn.RNN initialises
    assert all(np.all(np.abs(v) < 1 / math.sqrt(H)) and np.all(v != 0) for v in p.values())
    assert max(np.abs(v).max() for v in p.values()) > 0.8 / math.sqrt(H)


def test_bad_input_is_refused():
    params, x, h_prev = problem(7)
    with pytest.raises(ValueError, match="nonlinearity is 'sigmoid'; expected one of"):
        lstm.rnn_step_forward(x, h_prev, params, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="nonlinearity is 'Tanh'"):
        lstm.RNN("Tanh")
    with pytest.raises(ValueError, match=r"x has shape \(2, 4\)"):
        lstm.rnn_step_forward(np.zeros((B, H)), h_prev, params)  # an H-wide input where D is expected
    with pytest.raises(ValueError, match=r"h_prev has shape \(3, 4\)"):
        lstm.rnn_step_forward(x, np.zeros((3, H)), params)
    with pytest.raises(ValueError, match="W_h has shape"):
        lstm.rnn_step_forward(x, h_prev, {**params, "W_h": np.zeros((H, D))})
    with pytest.raises(TypeError, match="x has dtype float32"):
        lstm.rnn_step_forward(x.astype(np.float32), h_prev, params)
    with pytest.raises(ValueError, match="non-finite"):
        lstm.rnn_step_forward(np.full((B, D), np.nan), h_prev, params)
    with pytest.raises(ValueError, match=r"params lacks \['b'\]"):
        lstm.rnn_step_forward(x, h_prev, {"W_x": params["W_x"], "W_h": params["W_h"]})
    _, cache = lstm.rnn_step_forward(x, h_prev, params)
    with pytest.raises(ValueError, match=r"dh has shape \(2, 3\)"):
        lstm.rnn_step_backward(np.zeros((B, D)), cache)
    with pytest.raises(NotImplementedError, match="tanh"):
        lstm.RNN("relu").symbolic_step(None, (None,), {})


def test_init_rnn_params_is_the_cells_initialisation():
    for dtype in (np.float32, np.float64):
        free, cell = lstm.init_rnn_params(3, 5, rng=4, dtype=dtype), lstm.RNN().init_params(3, 5, rng=4, dtype=dtype)
        assert sorted(free) == ["W_h", "W_x", "b"] and free["W_x"].shape == (5, 3)
        assert all(np.array_equal(free[k], cell[k]) and free[k].dtype == dtype for k in free)
        assert np.all(np.abs(free["W_h"]) <= 1 / np.sqrt(5)) and np.ptp(free["W_h"]) > 0
