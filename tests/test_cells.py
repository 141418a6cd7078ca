"""Every cell behind the common interface passes the same harness (lstm.checks.harness).

The harness itself is tested in tests/test_harness.py; the loop through time
(lstm.cells.loop) in tests/test_cells_loop.py.

Helpers adding a cell append it to CELLS (and to SYMBOLIC when its SymPy
step is affordable).
"""
import numpy as np
import pytest

import lstm
from lstm.checks import harness

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
