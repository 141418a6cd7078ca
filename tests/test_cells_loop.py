"""One loop through time for every cell (lstm.cells.loop): sequence_forward, sequence_backward, lengths.

Named test_cells_loop.py because lstm.training.loop is tested in
tests/test_training_loop.py.  The finite-difference and padding checks of
every cell through this loop are in tests/test_cells.py (lstm.checks.harness).
"""
import numpy as np
import pytest

import lstm
from lstm.cells.loop import check_lengths
from lstm.checks import harness


def test_the_loop_is_the_steps_one_after_another():
    """An RNN over T = 3 steps by hand: h_t = tanh(W_x x_t + W_h h_{t−1} + b), B = 2, D = 3, H = 4."""
    cell = lstm.RNN()
    params, x, (h0,) = harness.random_problem(cell, T=3, B=2, D=3, H=4, rng=0)
    hs, (hT,), cache = lstm.sequence_forward(cell, x, params, (h0,))
    h = h0
    for t in range(3):
        h = np.tanh(x[t] @ params["W_x"].T + h @ params["W_h"].T + params["b"])
        np.testing.assert_allclose(hs[t], h, rtol=1e-14, atol=1e-15)
    np.testing.assert_array_equal(hT, hs[-1])
    assert not cache.fast and len(cache.caches) == 3 and cache.masks is None and cache.shape == (3, 2, 3, 4)


def test_backward_sums_parameter_gradients_over_steps_and_chains_the_state():
    """T = 2 by hand from the step's own backward: ∂L/∂h_1 gets dhs[1]'s path through step 2."""
    cell = lstm.RNN()
    params, x, (h0,) = harness.random_problem(cell, T=2, B=2, D=3, H=4, rng=1)
    rng = np.random.default_rng(2)
    dhs, dhT = rng.standard_normal((2, 2, 4)), rng.standard_normal((2, 4))
    _, _, cache = lstm.sequence_forward(cell, x, params, (h0,))
    g = lstm.sequence_backward(dhs, cache, (dhT,))
    (h1,), c1 = cell.step_forward(x[0], (h0,), params)
    _, c2 = cell.step_forward(x[1], (h1,), params)
    g2 = cell.step_backward((dhs[1] + dhT,), c2)
    g1 = cell.step_backward((dhs[0] + g2["h_prev"],), c1)
    np.testing.assert_allclose(g["x"], np.stack([g1["x"], g2["x"]]), rtol=1e-14)
    np.testing.assert_allclose(g["h0"], g1["h_prev"], rtol=1e-14)
    for k in params:
        np.testing.assert_allclose(g[k], g1[k] + g2[k], rtol=1e-14)
    assert set(g) == {"x", "h0", *params}


def test_missing_states_and_gradients_are_zeros():
    cell = lstm.LSTM()
    params, x, _ = harness.random_problem(cell, T=3, B=2, rng=3)
    zeros = tuple(np.zeros((2, 5)) for _ in range(2))
    for state0 in (None, (None, None), (zeros[0], None)):
        hs, sT, _ = lstm.sequence_forward(cell, x, params, state0, fast=False)
        want, wT, cache = lstm.sequence_forward(cell, x, params, zeros, fast=False)
        np.testing.assert_array_equal(hs, want)
    g_none = lstm.sequence_backward(None, cache, None)
    assert all(np.all(v == 0) for v in g_none.values())
    d = np.random.default_rng(4).standard_normal(hs.shape)
    g = lstm.sequence_backward(d, cache)
    g0 = lstm.sequence_backward(d, cache, (None, np.zeros((2, 5))))
    assert all(np.array_equal(g[k], g0[k]) for k in g)


def test_a_one_part_state_may_be_a_bare_array():
    cell = lstm.GRU()
    params, x, (h0,) = harness.random_problem(cell, T=2, B=2, rng=5)
    a = lstm.sequence_forward(cell, x, params, h0)[0]
    b = lstm.sequence_forward(cell, x, params, (h0,))[0]
    np.testing.assert_array_equal(a, b)
    with pytest.raises(TypeError, match=r"state0 must be a tuple of 2 arrays \('h', 'c'\)"):
        lstm.sequence_forward(lstm.LSTM(), x, lstm.LSTM().init_params(4, 5, rng=0), h0)


def test_check_lengths():
    assert check_lengths(None, 5, 3) is None
    out = check_lengths(np.array([5, 1, 3], dtype=np.int32), 5, 3)
    assert out.dtype == np.int64 and out.tolist() == [5, 1, 3]
    with pytest.raises(TypeError, match=r"dtype float64; expected integers \(use .astype\(int\)\)"):
        check_lengths([5.0, 1.0, 3.0], 5, 3)
    with pytest.raises(TypeError, match="dtype float64; expected integers$"):
        check_lengths([5.5, 1.0, 3.0], 5, 3)
    with pytest.raises(ValueError, match=r"min 0, max 5"):
        check_lengths([5, 0, 3], 5, 3)
    with pytest.raises(ValueError, match=r"lengths has shape \(1, 3\)"):
        check_lengths([[5, 1, 3]], 5, 3)


def test_a_padded_batch_masks_outputs_and_carries_states():
    cell = lstm.RNN()
    params, x, (h0,) = harness.random_problem(cell, T=4, B=3, rng=6)
    hs, (hT,), cache = lstm.sequence_forward(cell, x, params, (h0,), lengths=[4, 1, 2])
    assert cache.masks.shape == (4, 3, 1) and cache.masks[:, :, 0].tolist() == [[1, 1, 1], [1, 0, 1], [1, 0, 0],
                                                                               [1, 0, 0]]
    assert np.all(hs[1:, 1] == 0) and np.all(hs[2:, 2] == 0) and np.all(hs[:, 0] != 0)
    np.testing.assert_array_equal(hT[1], hs[0, 1])
    np.testing.assert_array_equal(hT[2], hs[1, 2])
    np.testing.assert_array_equal(hT[0], hs[3, 0])


def test_fast_lstm_path_equals_generic_loop():
    cell = lstm.LSTM()
    params, x, s0 = harness.random_problem(cell, T=7, B=3, rng=2)
    hs_f, sT_f, c_f = lstm.sequence_forward(cell, x, params, s0)
    hs_g, sT_g, c_g = lstm.sequence_forward(cell, x, params, s0, fast=False)
    assert c_f.fast and not c_g.fast
    np.testing.assert_allclose(hs_f, hs_g, rtol=1e-13, atol=1e-15)
    rng = np.random.default_rng(3)
    d = rng.standard_normal(hs_f.shape), rng.standard_normal(s0[0].shape), rng.standard_normal(s0[1].shape)
    g_f = lstm.sequence_backward(d[0], c_f, d[1:])
    g_g = lstm.sequence_backward(d[0], c_g, d[1:])
    assert set(g_f) == set(g_g)
    for k in g_f:
        np.testing.assert_allclose(g_f[k], g_g[k], rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize(
    "lengths, error, match",
    [
        ([0, 2, 3], ValueError, "lengths must lie in 1"),
        ([5, 2, 3], ValueError, "lengths must lie in 1"),
        ([1.0, 2.0, 3.0], TypeError, "integers"),
        ([1, 2], ValueError, r"expected \(B,\) = \(3,\)"),
    ],
)
def test_bad_lengths_are_refused(lengths, error, match):
    cell = lstm.RNN()
    params, x, s0 = harness.random_problem(cell, T=4, B=3)
    with pytest.raises(error, match=match):
        lstm.sequence_forward(cell, x, params, s0, lengths=lengths)


def test_bad_states_are_refused():
    cell = lstm.LSTM()
    params, x, (h0, c0) = harness.random_problem(cell, T=4, B=3)
    with pytest.raises(ValueError, match="state0 has 1 parts"):
        lstm.sequence_forward(cell, x, params, (h0,))
    with pytest.raises(ValueError, match=r"c0 has shape \(3, 4\)"):
        lstm.sequence_forward(cell, x, params, (h0, c0[:, :4]))
    with pytest.raises(ValueError, match="params lacks"):
        lstm.sequence_forward(cell, x, {"W_x": params["W_x"]}, (h0, c0))
    with pytest.raises(TypeError, match="dtype"):
        lstm.sequence_forward(cell, x.astype(np.float32), params, (h0, c0))
