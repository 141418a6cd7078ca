"""Ba, Kiros and Hinton's own layer-normalised LSTM (lstm.LayerNormBa), against SymPy and TensorFlow's form.

The generic harness (finite differences one step and through time, batch =
loop) runs on it from tests/test_cells.py.
"""
import numpy as np
import pytest
import sympy as sp

import lstm
from lstm.checks import harness
from lstm.checks import symbolic as lsym


def problem(rng=0, B=3, D=4, H=5):
    return harness.random_problem(lstm.LayerNormBa(), B=B, D=D, H=H, rng=rng)


@pytest.mark.slow
def test_forward_matches_the_sympy_step():
    """The NumPy step against the paper's equations written on SymPy matrices (forward only: fast)."""
    cell = lstm.LayerNormBa()
    params, x, (h_prev, c_prev) = problem(1, B=2, D=3, H=3)
    name = lambda k: k.replace("_", "")  # noqa: E731
    sym = {k: lsym.vector(name(k), v.shape[0]) if v.ndim == 1 else lsym.matrix(name(k), *v.shape)
           for k, v in params.items()}
    X, Hp, Cp = lsym.matrix("x", 2, 3), lsym.matrix("hp", 2, 3), lsym.matrix("cp", 2, 3)
    h_s, c_s = cell.symbolic_step(X, (Hp, Cp), sym)
    values = {X: x, Hp: h_prev, Cp: c_prev, **{sym[k]: v for k, v in params.items()}}
    (h, c), _ = cell.step_forward(x, (h_prev, c_prev), params)
    assert lstm.relative_error(h, lsym.numeric(h_s, values)) < 1e-13
    assert lstm.relative_error(c, lsym.numeric(c_s, values)) < 1e-13


@pytest.mark.slow
def test_backward_matches_sympy_in_two_stages():
    """Every gradient of one step against sympy.diff, B = 1, D = 2, H = 3 (LN over 12 units and over 3).

    SymPy cannot differentiate the whole step in reasonable time (the harness's
    check_symbolic runs for over ten minutes), so the step is cut at the
    pre-activations a: stage 1 differentiates the loss w.r.t. a (free symbols)
    and c_prev, γ_c, β_c; stage 2 differentiates each normalisation, with
    stage 1's ∂L/∂a as the upstream gradient.  ∂L/∂b = ∂L/∂a for one example.
    """
    H, D = 3, 2
    cell = lstm.LayerNormBa()
    params, x, (h_prev, c_prev) = harness.random_problem(cell, B=1, D=D, H=H, rng=3)
    rng = np.random.default_rng(4)
    dh, dc = rng.standard_normal((1, H)), rng.standard_normal((1, H))
    _, cache = cell.step_forward(x, (h_prev, c_prev), params)
    gr = cell.step_backward((dh, dc), cache)
    eps = sp.Float(cell.eps)
    # stage 1: from the pre-activations a (free symbols) to the loss
    A, Cp = lsym.matrix("a", 1, 4 * H), lsym.matrix("cp", 1, H)
    gc, bc = lsym.vector("gc", H), lsym.vector("bc", H)
    i, f = A[:, :H].applyfunc(lsym.sigmoid), A[:, H : 2 * H].applyfunc(lsym.sigmoid)
    g, o = A[:, 2 * H : 3 * H].applyfunc(lsym.tanh), A[:, 3 * H :].applyfunc(lsym.sigmoid)
    c = f.multiply_elementwise(Cp) + i.multiply_elementwise(g)
    h = o.multiply_elementwise(lsym.layer_norm(c, gc, bc, eps).applyfunc(lsym.tanh))
    L = lsym.frobenius(h, sp.Matrix(dh)) + lsym.frobenius(c, sp.Matrix(dc))
    zero = np.zeros(4 * H)
    a_val = (
        lstm.layer_norm_forward(x @ params["W_x"].T, params["gamma_x"], zero, cell.eps)[0]
        + lstm.layer_norm_forward(h_prev @ params["W_h"].T, params["gamma_h"], zero, cell.eps)[0]
        + params["b"]
    )
    vals = {A: a_val, Cp: c_prev, gc: params["gamma_c"], bc: params["beta_c"]}
    da = lsym.numeric(lsym.gradient(L, A), vals)
    errs = {"b": lstm.relative_error(gr["b"], da.ravel())}
    for k, w in (("c_prev", Cp), ("gamma_c", gc), ("beta_c", bc)):
        errs[k] = lstm.relative_error(gr[k], lsym.numeric(lsym.gradient(L, w), vals).reshape(gr[k].shape))
    # stage 2: through each normalisation, with ∂L/∂a as numbers
    for k, W, inp, d_inp in (("x", "W_x", x, "x"), ("h", "W_h", h_prev, "h_prev")):
        Z, gam = lsym.matrix("z", 1, 4 * H), lsym.vector("gam", 4 * H)
        L2 = lsym.frobenius(lsym.layer_norm(Z, gam, sp.zeros(4 * H, 1), eps), sp.Matrix(da))
        v2 = {Z: inp @ params[W].T, gam: params[f"gamma_{k}"]}
        dz = lsym.numeric(lsym.gradient(L2, Z), v2)
        errs[W] = lstm.relative_error(gr[W], dz.T @ inp)
        errs[d_inp] = lstm.relative_error(gr[d_inp], dz @ params[W])
        errs[f"gamma_{k}"] = lstm.relative_error(gr[f"gamma_{k}"], lsym.numeric(lsym.gradient(L2, gam), v2).ravel())
    assert set(errs) == set(gr)
    assert max(errs.values()) < 1e-12, errs


def test_the_carried_state_is_raw_and_only_the_output_is_normalised():
    cell = lstm.LayerNormBa()
    params, x, state = problem(2)
    (h, c), cache = cell.step_forward(x, state, params)
    step = cache[0]
    np.testing.assert_allclose(c, step.f * state[1] + step.i * step.g, rtol=1e-15)
    assert np.abs(c.mean(axis=1)).min() > 1e-3  # not centred, unlike TensorFlow's carried state
    c_hat, _ = lstm.layer_norm_forward(c, params["gamma_c"], params["beta_c"], cell.eps)
    np.testing.assert_allclose(h, step.o * np.tanh(c_hat), rtol=1e-15)


def test_each_product_is_normalised_on_its_own():
    """Scaling x (or h_prev) leaves the step unchanged up to ε: LN(W_x (αx)) = LN(W_x x).  TensorFlow's cell,
    which normalises the sum W_x x + W_h h, changes."""
    ba, tf = lstm.LayerNormBa(), lstm.LayerNormTF()
    params, x, state = problem(4)
    (h, c), _ = ba.step_forward(x, state, params)
    (h3, c3), _ = ba.step_forward(3.0 * x, state, params)
    (h4h, _), _ = ba.step_forward(x, (4.0 * state[0], state[1]), params)
    # With ε = 0 the invariance is exact (no row here is constant) ...
    exact = lstm.LayerNormBa(eps=0.0)
    (h_e, _), _ = exact.step_forward(x, state, params)
    for x_, s_ in ((3.0 * x, state), (x, (4.0 * state[0], state[1]))):
        np.testing.assert_allclose(exact.step_forward(x_, s_, params)[0][0], h_e, rtol=0, atol=1e-14)
    # ... and with the default ε = 1e-5 against row variances v ≥ 0.046, α = 3 or 4 moves ẑ by
    # ε (1 - 1/α²) / (2v) ≤ 1.1e-4 of its size: h moves by 3e-5 and 5e-5 here, ε's share and no more.
    for h_ in (h3, h4h):
        assert 1e-6 < np.abs(h_ - h).max() < 2e-4
    p_tf, _, _ = harness.random_problem(tf, B=3, D=4, H=5, rng=4)
    (h_tf, _), _ = tf.step_forward(x, state, p_tf)
    (h_tf3, _), _ = tf.step_forward(3.0 * x, state, p_tf)
    assert np.abs(h_tf3 - h_tf).max() > 1e-2


def _zero_state_check(cell, h):
    """Finite differences through six steps from h0 = 0, c0 = 0, with step h."""
    params, x, _ = harness.random_problem(cell, T=6, B=3, D=4, H=5, rng=0)
    inputs = {"x": x, "h0": np.zeros((3, 5)), "c0": np.zeros((3, 5)), **params}

    def forward(**v):
        hs, state_T, cache = lstm.sequence_forward(cell, v["x"], {k: v[k] for k in params}, (v["h0"], v["c0"]))
        return (hs, *state_T), cache

    return lstm.gradcheck(forward, lambda d, cache: lstm.sequence_backward(d[0], cache, tuple(d[1:])), inputs,
                          h=h, tol=np.inf, rng=np.random.default_rng(0))


@pytest.mark.slow
def test_a_zero_state_is_resolved_by_finite_differences():
    """From h0 = 0 (the start sequence_forward makes by default), LN_h normalises an all-zero row.

    There ẑ = 0 and σ = √ε, so ∂L/∂h0 = (d - mean(d)) W_h / √ε with d = δa ⊙ γ_h: of order 1/√ε.  The
    harness starts from nonzero states and never meets this.  The normalisation of a row of size |z| is
    linear only while |z| ≪ √ε, so the finite-difference step must be well below √ε: with ε = 1e-5
    (√ε ≈ 3e-3) a step of 1e-7 agrees to 1e-8, and the default 1e-6 only to ~4e-7, its truncation
    error (1e-6 / √ε)² ≈ 1e-7.  With TensorFlow's ε = 1e-12, √ε = 1e-6 is the step itself, ∂L/∂h0
    reaches ~2e6 and finite differences disagree at every step size.
    """
    ba = lstm.LayerNormBa()
    assert ba.eps == 1e-5
    errors = _zero_state_check(ba, 1e-7)
    assert set(errors) >= {"h0", "c0", "x", "W_h", "gamma_h"}
    assert max(errors.values()) < 1e-7, errors
    assert 1e-8 < _zero_state_check(ba, 1e-6)["h0"] < 1e-6  # the default step: the truncation error shows
    for h in (1e-6, 1e-7):
        assert _zero_state_check(lstm.LayerNormBa(eps=1e-12), h)["h0"] > 1e-2
    # TensorFlow's cell normalises W_x x + W_h h, which a zero state does not make zero: no such issue
    assert max(_zero_state_check(lstm.LayerNormTF(), 1e-6).values()) < 1e-7

    # The closed form at one step, B = 1 (so that ∂L/∂b is δa itself)
    params, x, _ = harness.random_problem(ba, B=1, D=4, H=5, rng=1)
    zero = np.zeros((1, 5))
    rng = np.random.default_rng(2)
    sizes = {}
    for eps in (1e-5, 1e-12):
        cell = lstm.LayerNormBa(eps=eps)
        _, cache = cell.step_forward(x, (zero, zero), params)
        g = cell.step_backward((rng.standard_normal((1, 5)), rng.standard_normal((1, 5))), cache)
        d = g["b"] * params["gamma_h"]
        np.testing.assert_allclose(g["h_prev"][0], (d - d.mean()) @ params["W_h"] / np.sqrt(eps), rtol=1e-12)
        sizes[eps] = np.abs(g["h_prev"]).max()
    assert sizes[1e-12] > 1e5 and sizes[1e-5] < 1e4


def test_eps_must_be_a_finite_number_at_least_zero():
    for cell in (lstm.LayerNormBa, lstm.LayerNormTF):
        for bad in (-1e-5, float("nan"), float("inf"), "1e-5", None, True):
            with pytest.raises(ValueError, match="eps must be a finite number >= 0"):
                cell(eps=bad)
    assert lstm.LayerNormTF().eps == lstm.cells.layernorm.EPS == 1e-12  # TensorFlow's variance_epsilon
    assert lstm.LayerNormBa().eps == lstm.cells.layernorm.BA_EPS == 1e-5


def test_parameters_and_initialisation():
    cell = lstm.LayerNormBa()
    p = cell.init_params(3, 4, rng=0)
    plain = lstm.LSTM().init_params(3, 4, rng=0)
    for k in ("W_x", "W_h", "b"):
        np.testing.assert_array_equal(p[k], plain[k])  # the forget bias 1 included
    assert all(np.all(p[k] == 1) for k in ("gamma_x", "gamma_h", "gamma_c")) and np.all(p["beta_c"] == 0)
    n = sum(v.size for v in p.values())
    assert n == 4 * 4 * (3 + 4 + 1) + 2 * 4 * 4 + 2 * 4
    n_tf = sum(v.size for v in lstm.LayerNormTF().init_params(3, 4, rng=0).values())
    assert n - n_tf == 4 * 4 + 2 * 4 * 4 + 2 * 4 - 10 * 4


def test_bad_parameters_are_refused():
    cell = lstm.LayerNormBa()
    params, x, state = problem()
    with pytest.raises(ValueError, match=r"params lacks \['gamma_c'\]"):
        cell.step_forward(x, state, {k: v for k, v in params.items() if k != "gamma_c"})
    with pytest.raises(ValueError, match=r"gamma_x has shape \(5,\); expected \(4H,\) = \(20,\)"):
        cell.step_forward(x, state, {**params, "gamma_x": np.ones(5)})
    with pytest.raises(ValueError, match="dh has shape"):
        _, cache = cell.step_forward(x, state, params)
        cell.step_backward((np.ones((3, 4)), None), cache)
    with pytest.raises(ValueError, match="non-finite"):
        cell.step_forward(x, state, {**params, "beta_c": np.full(5, np.nan)})


def test_sequence_against_the_step_loop():
    """sequence_forward carries the raw c: the loop by hand gives the same outputs and final state."""
    cell = lstm.LayerNormBa()
    params, x, (h, c) = harness.random_problem(cell, T=4, B=2, D=3, H=4, rng=6)
    hs, (h_T, c_T), _ = lstm.sequence_forward(cell, x, params, (h, c))
    for t in range(4):
        h, c, _ = lstm.layer_norm_ba_step_forward(x[t], h, c, params)
        np.testing.assert_allclose(hs[t], h, rtol=1e-15)
    np.testing.assert_allclose(c_T, c, rtol=1e-15)
