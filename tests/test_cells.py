"""Every cell behind the common interface passes the same harness (lstm.harness).

Helpers adding a cell append it to CELLS (and to SYMBOLIC when its SymPy
step is affordable).
"""
import numpy as np
import pytest

import lstm
from lstm import harness

CELLS = [
    lstm.LSTM(),
    lstm.Peephole(),
    lstm.LayerNormTF(),
    lstm.ScalarGate(),
    lstm.RNN(),
    lstm.RNN("relu"),
    *lstm.all_variants(),
    lstm.LayerNormBa(),
    lstm.GRU(),
    lstm.GRU(reset_after=False),
]
# The symbolic step at B = 2, D = 3, H = 2 (D ≠ H).  Layer normalisation is left
# out: over H = 2 it is degenerate (ẑ = ±1), and at H = 3 SymPy needs ~8 minutes
# for the whole cell; its chapter proves the pieces (LN's Jacobian, the cell with
# LN's output as free symbols) instead.
SYMBOLIC = [
    c
    for c in CELLS
    if c.name not in ("layer_norm_tf", "layer_norm_ba") and getattr(c, "nonlinearity", "tanh") == "tanh"
]
ids = repr


@pytest.mark.parametrize("cell", CELLS, ids=ids)
def test_step_matches_finite_differences(cell):
    errors = harness.check_step(cell)
    assert set(errors) == {"x", *(f"{s}_prev" for s in cell.state_names), *cell.param_names()}


@pytest.mark.slow
@pytest.mark.parametrize("cell", CELLS, ids=ids)
@pytest.mark.parametrize("fast", [True, False])
def test_sequence_matches_finite_differences(cell, fast):
    harness.check_sequence(cell, fast=fast)


@pytest.mark.slow
@pytest.mark.parametrize("cell", CELLS, ids=ids)
def test_padded_sequence_matches_finite_differences(cell):
    harness.check_sequence(cell, T=5, lengths=[5, 2, 1])


@pytest.mark.parametrize("cell", CELLS, ids=ids)
@pytest.mark.parametrize("lengths", [None, [4, 1, 3]])
def test_batch_is_loop_over_examples(cell, lengths):
    harness.check_batch_is_loop(cell, lengths=lengths)


@pytest.mark.slow
@pytest.mark.parametrize("cell", SYMBOLIC, ids=ids)
def test_step_matches_sympy(cell):
    harness.check_symbolic(cell)


@pytest.mark.parametrize("cell", CELLS, ids=ids)
def test_padded_steps_change_nothing(cell):
    """Padding a sequence with garbage after its end leaves its outputs, final state and gradients alone."""
    rng = np.random.default_rng(5)
    params, x, s0 = harness.random_problem(cell, B=2, T=3, rng=rng)
    padded = np.concatenate([x, 10 * rng.standard_normal((4, 2, x.shape[2]))])
    hs, sT, cache = lstm.sequence_forward(cell, padded, params, s0, lengths=[3, 3])
    hs3, sT3, cache3 = lstm.sequence_forward(cell, x, params, s0, fast=False)
    np.testing.assert_allclose(hs[:3], hs3, rtol=0, atol=1e-14)
    assert np.all(hs[3:] == 0)
    for a, b in zip(sT, sT3):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-14)
    d = rng.standard_normal(hs.shape)
    g = lstm.sequence_backward(d, cache)
    g3 = lstm.sequence_backward(d[:3], cache3)
    assert np.all(g["x"][3:] == 0)
    for k in g3:
        np.testing.assert_allclose(g[k][:3] if k == "x" else g[k], g3[k], rtol=1e-13, atol=1e-14)


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
