"""Greff et al.'s variants (lstm.cells.variants): each is the change it claims to be.

The generic harness (finite differences, batch = loop, SymPy) runs on every
variant from tests/test_cells.py; here each variant is pinned to the cells it
is a change of.
"""
import numpy as np
import pytest

import lstm
from lstm.cells.variants import VARIANTS, Variant
from lstm.checks import harness

B, D, H = 3, 4, 5


def problem(cell, rng=0):
    rng = np.random.default_rng(rng)
    params, x, state = harness.random_problem(cell, B=B, D=D, H=H, rng=rng)
    dstate = tuple(rng.standard_normal((B, H)) for _ in cell.state_names)
    return params, x, state, dstate


def run(cell, params, x, state, dstate):
    new, cache = cell.step_forward(x, state, params)
    return new, cell.step_backward(dstate, cache)


def assert_same(got, want, tol=1e-14):
    for k in want:
        np.testing.assert_allclose(got[k], want[k], rtol=tol, atol=tol, err_msg=k)


def test_vanilla_is_the_peephole_lstm():
    """Greff's vanilla LSTM has peepholes: V computes exactly lstm.Peephole's step."""
    params, x, state, dstate = problem(lstm.Peephole())
    (h, c), g = run(Variant("V"), params, x, state, dstate)
    (h_p, c_p), g_p = run(lstm.Peephole(), params, x, state, dstate)
    np.testing.assert_allclose(h, h_p, rtol=1e-14)
    np.testing.assert_allclose(c, c_p, rtol=1e-14)
    assert set(g) == set(g_p)
    assert_same(g, g_p)
    assert Variant("vanilla").variant == "V"


def test_no_peepholes_is_the_plain_lstm():
    params, x, state, dstate = problem(lstm.LSTM())
    (h, c), g = run(Variant("NP"), params, x, state, dstate)
    (h_p, c_p), g_p = run(lstm.LSTM(), params, x, state, dstate)
    np.testing.assert_allclose(h, h_p, rtol=1e-14)
    np.testing.assert_allclose(c, c_p, rtol=1e-14)
    assert set(g) == set(g_p)
    assert_same(g, g_p, 1e-13)


@pytest.mark.parametrize("name", VARIANTS)
def test_initialisation_is_the_plain_cells_restricted_to_the_kept_blocks(name):
    cell = Variant(name)
    p = cell.init_params(D, H, rng=7)
    full = lstm.LSTM().init_params(D, H, rng=7)
    rows = np.concatenate([np.arange("ifgo".index(k) * H, ("ifgo".index(k) + 1) * H) for k in cell.blocks])
    for k in ("W_x", "W_h", "b"):
        np.testing.assert_array_equal(p[k], full[k][rows])
    assert all(np.all(p[k] == 0) for k in cell.peepholes + (("R",) if name == "FGR" else ()))
    assert {k: v.shape for k, v in p.items()} == cell.param_shapes(D, H)


def test_parameter_sets_drop_what_a_variant_does_not_use():
    blocks = {k: Variant(k).blocks for k in VARIANTS}
    assert blocks == {"V": "ifgo", "NIG": "fgo", "NFG": "igo", "NOG": "ifg", "NIAF": "ifgo", "NOAF": "ifgo",
                      "NP": "ifgo", "CIFG": "fgo", "FGR": "ifgo"}
    assert Variant("CIFG").peepholes == ("p_f", "p_o") and Variant("NOG").peepholes == ("p_i", "p_f")
    assert Variant("NP").peepholes == ()
    counts = {k: Variant(k).n_params(D, H) for k in VARIANTS}
    vanilla = 4 * H * (D + H + 1) + 3 * H
    assert counts["V"] == counts["NIAF"] == counts["NOAF"] == vanilla
    assert counts["NP"] == vanilla - 3 * H
    for k in ("NIG", "NFG", "NOG", "CIFG"):  # one gate's rows and its peephole gone
        assert counts[k] == vanilla - H * (D + H + 1) - H
    assert counts["FGR"] == vanilla + 9 * H * H


@pytest.mark.parametrize("name, gate", [("NIG", "i"), ("NFG", "f"), ("NOG", "o")])
def test_a_removed_gate_is_one(name, gate):
    """Removing a gate = the vanilla cell with that gate saturated open (bias → +∞)."""
    cell = Variant(name)
    params, x, state, _ = problem(cell)
    (h, c), cache = cell.step_forward(x, state, params)
    assert np.all(getattr(cache.step, gate) == 1)
    # the vanilla cell with the gate's rows zero, its peephole zero and its bias 40 (σ(40) = 1 in float64)
    vanilla = Variant("V")
    full = {k: np.zeros(s) for k, s in vanilla.param_shapes(D, H).items()}
    k = "ifgo".index(gate)
    for n, blk in enumerate(cell.blocks):
        j = "ifgo".index(blk)
        for w in ("W_x", "W_h", "b"):
            full[w][j * H : (j + 1) * H] = params[w][n * H : (n + 1) * H]
    full["b"][k * H : (k + 1) * H] = 40.0
    full.update({p: params[p] for p in cell.peepholes})
    (h_v, c_v), _ = vanilla.step_forward(x, state, full)
    np.testing.assert_allclose(h, h_v, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(c, c_v, rtol=1e-14, atol=1e-15)


def test_cifg_is_greffs_coupling_with_the_rows_negated():
    """Greff writes f = 1 - i; the package keeps f and sets i = 1 - f.  Negating the rows maps one to the other."""
    cell = Variant("CIFG")
    params, x, (h_prev, c_prev), _ = problem(cell)
    (h, c), _ = cell.step_forward(x, (h_prev, c_prev), params)
    # Greff's form, written out: the kept block is the input gate's, with rows u = -(f's rows)
    sig = lambda z: 0.5 * (1 + np.tanh(z / 2))  # noqa: E731
    Wx, Wh, b = (-params[k][:H] for k in ("W_x", "W_h", "b"))
    i = sig(x @ Wx.T + h_prev @ Wh.T + b - params["p_f"] * c_prev)
    f = 1 - i
    g = np.tanh(x @ params["W_x"][H : 2 * H].T + h_prev @ params["W_h"][H : 2 * H].T + params["b"][H : 2 * H])
    c_g = f * c_prev + i * g
    a_o = x @ params["W_x"][2 * H :].T + h_prev @ params["W_h"][2 * H :].T + params["b"][2 * H :]
    h_g = sig(a_o + params["p_o"] * c_g) * np.tanh(c_g)
    np.testing.assert_allclose(c, c_g, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(h, h_g, rtol=1e-13, atol=1e-15)


def test_fgr_with_zero_gate_recurrence_is_vanilla():
    """With R = 0 the previous gates are read with weight zero: FGR's h, c and shared gradients are V's."""
    fgr = Variant("FGR")
    params, x, state, dstate = problem(fgr)
    params["R"] = np.zeros_like(params["R"])
    v_params = {k: v for k, v in params.items() if k != "R"}
    new, g = run(fgr, params, x, state, (dstate[0], dstate[1], None, None, None))
    (h_v, c_v), g_v = run(Variant("V"), v_params, x, state[:2], dstate[:2])
    np.testing.assert_allclose(new[0], h_v, rtol=1e-14)
    np.testing.assert_allclose(new[1], c_v, rtol=1e-14)
    assert_same(g, g_v)
    assert np.any(g["R"] != 0)  # R still learns: its gradient reads the previous gates
    for k in ("i_prev", "f_prev", "o_prev"):
        assert np.all(g[k] == 0)


def test_fgr_starts_as_vanilla_over_whole_sequences():
    """FGR's initialisation (R = 0) computes V's function: every output and the final (h, c) over six steps,
    B = 3, from nonzero h0, c0 and nonzero previous gates, where R would act from the first step on.

    The comparison can fail: with R drawn like W_h instead, FGR leaves V at every step.
    """
    fgr, vanilla = Variant("FGR"), Variant("V")
    params = fgr.init_params(D, H, rng=3)
    assert np.all(params["R"] == 0)
    v_params = {k: v for k, v in params.items() if k != "R"}
    rng = np.random.default_rng(8)
    xs = rng.standard_normal((6, B, D))
    h0, c0 = rng.standard_normal((B, H)), rng.standard_normal((B, H))
    q0 = tuple(rng.uniform(0.1, 0.9, (B, H)) for _ in "ifo")  # previous gates, in (0, 1)
    for start in ((h0, c0, *q0), None):  # nonzero states, and the all-zero default start
        hs, state_T, _ = lstm.sequence_forward(fgr, xs, params, start)
        hs_v, state_v, _ = lstm.sequence_forward(vanilla, xs, v_params, None if start is None else start[:2])
        np.testing.assert_array_equal(hs, hs_v)
        np.testing.assert_array_equal(state_T[0], state_v[0])
        np.testing.assert_array_equal(state_T[1], state_v[1])
        R = np.random.default_rng(4).uniform(-1, 1, params["R"].shape) / np.sqrt(H)  # as W_h is drawn
        hs_r, _, _ = lstm.sequence_forward(fgr, xs, {**params, "R": R}, start)
        gap = np.abs(hs_r - hs_v).max(axis=(1, 2))
        first = 0 if start is not None else 1  # from zero gates R first acts at step 2
        assert np.all(gap[first:] > 1e-3), gap
        if start is None:
            assert gap[0] == 0  # which is why a one-step check from a zero start cannot see R


def test_fgr_state_carries_the_gates():
    fgr = Variant("FGR")
    assert fgr.state_names == ("h", "c", "i", "f", "o")
    params, x, state, _ = problem(fgr)
    new, cache = fgr.step_forward(x, state, params)
    for part, gate in zip(new[2:], "ifo"):
        assert part is getattr(cache.step, gate)
        assert np.all((part > 0) & (part < 1))


def test_float32_runs_and_matches_float64():
    for name in VARIANTS:
        cell = Variant(name)
        params, x, state, dstate = problem(cell)
        (h64, *_), g64 = run(cell, params, x, state, dstate)
        p32 = {k: v.astype(np.float32) for k, v in params.items()}
        new32, g32 = run(cell, p32, x.astype(np.float32), tuple(s.astype(np.float32) for s in state),
                         tuple(d.astype(np.float32) for d in dstate))
        assert new32[0].dtype == np.float32 and g32["W_x"].dtype == np.float32
        assert lstm.relative_error(new32[0], h64) < 1e-5
        assert max(lstm.relative_error(g32[k], g64[k]) for k in g64) < 1e-4


def test_bad_names_and_parameters_are_refused():
    with pytest.raises(ValueError, match="name is 'XYZ'"):
        Variant("XYZ")
    cell = Variant("CIFG")
    params, x, state, _ = problem(cell)
    with pytest.raises(ValueError, match=r"params has \['p_i'\], which the CIFG cell does not use"):
        cell.step_forward(x, state, {**params, "p_i": np.zeros(H)})
    with pytest.raises(ValueError, match=r"params lacks \['p_o'\]"):
        cell.step_forward(x, state, {k: v for k, v in params.items() if k != "p_o"})
    with pytest.raises(ValueError, match=r"W_h has shape \(20, 5\); expected \(3H, H\) = \(15, 5\)"):
        cell.step_forward(x, state, {**params, "W_h": np.zeros((4 * H, H))})
    with pytest.raises(ValueError, match=r"W_x has shape \(14, 2\); expected \(3H, D\) = \(15, 2\)"):
        cell.step_forward(x[:, :2], state, {**params, "W_x": np.zeros((14, 2)), "W_h": np.zeros((14, 5))})
    fgr = Variant("FGR")
    params, x, state, _ = problem(fgr)
    with pytest.raises(ValueError, match=r"R has shape \(15, 14\); expected \(3H, 3H\) = \(15, 15\)"):
        fgr.step_forward(x, state, {**params, "R": np.zeros((15, 14))})
    with pytest.raises(ValueError, match="state has 2 parts"):
        fgr.step_forward(x, state[:2], params)
    with pytest.raises(ValueError, match=r"f_prev has shape \(3, 4\)"):
        fgr.step_forward(x, (*state[:3], state[3][:, :4], state[4]), params)
    with pytest.raises(TypeError, match="x has dtype float32"):
        fgr.step_forward(x.astype(np.float32), state, params)


def test_variants_run_over_sequences_with_lengths():
    """The generic loop carries FGR's five-part state; sequences stop at their own lengths."""
    fgr = Variant("FGR")
    params, x, state = harness.random_problem(fgr, T=5, B=3, rng=4)
    hs, state_T, cache = lstm.sequence_forward(fgr, x, params, state, lengths=[5, 2, 1])
    assert len(state_T) == 5 and np.all(hs[2:, 1] == 0)
    g = lstm.sequence_backward(np.ones_like(hs), cache)
    assert {"i0", "f0", "o0", "R"} <= set(g)


def test_the_1997_cell_is_nfg_without_peepholes():
    """Variant("NFG", peepholes=False): no forget gate and no peepholes, and checked like every cell."""
    cell = Variant("NFG", peepholes=False)
    assert repr(cell) == "Variant(name='NFG', forget_bias=1.0, peepholes=False)" and cell.peepholes == ()
    assert set(cell.param_shapes(D, H)) == {"W_x", "W_h", "b"} and cell.param_shapes(D, H)["W_x"] == (3 * H, D)
    # it is NFG with its peepholes held at zero, and nothing else
    params, x, state, dstate = problem(cell)
    peep = {**params, "p_i": np.zeros(H), "p_o": np.zeros(H)}
    (h, c), g = run(cell, params, x, state, dstate)
    (h_n, c_n), g_n = run(Variant("NFG"), peep, x, state, dstate)
    np.testing.assert_allclose(h, h_n, rtol=1e-14)
    np.testing.assert_allclose(c, c_n, rtol=1e-14)
    assert set(g_n) - set(g) == {"p_i", "p_o"}
    assert_same(g, {k: g_n[k] for k in g})
    # with nonzero peepholes NFG computes something else: the comparison above can fail
    (h_q, _), _ = run(Variant("NFG"), {**peep, "p_o": np.ones(H)}, x, state, dstate)
    assert np.abs(h_q - h).max() > 1e-3
    harness.check_step(cell)
    harness.check_sequence(cell)
    harness.check_sequence(cell, T=5, lengths=[5, 2, 1])
    harness.check_batch_is_loop(cell)
    kept = Variant("NFG", peepholes=True)  # NFG's own choice: no change
    assert kept.peepholes == ("p_i", "p_o") and kept == Variant("NFG")
    with pytest.raises(ValueError, match="peepholes"):
        Variant("NFG", peepholes="no")
