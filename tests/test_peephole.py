"""The peephole LSTM: finite differences, SymPy, and reduction to the plain cell."""
import numpy as np
import pytest

import lstm
from lstm.checks import symbolic as lsym
from test_lstm import lstm_symbols  # the plain cell's symbols

NAMES = ("x", "h_prev", "c_prev", "W_x", "W_h", "b", "p_i", "p_f", "p_o")


def problem(rng, B=3, D=2, H=3):
    p = lstm.init_peephole_params(D, H, rng=rng)
    p["b"] = rng.normal(size=4 * H)
    for k in ("p_i", "p_f", "p_o"):
        p[k] = rng.normal(size=H)
    return rng.normal(size=(B, D)), rng.normal(size=(B, H)), rng.normal(size=(B, H)), p


def step(x, h_prev, c_prev, **params):
    h, c, cache = lstm.peephole_step_forward(x, h_prev, c_prev, params)
    return (h, c), cache


def test_cell_matches_finite_differences(rng):
    x, h, c, p = problem(rng)
    errors = lstm.gradcheck(
        step, lambda d, cache: lstm.peephole_step_backward(d[0], d[1], cache), dict(x=x, h_prev=h, c_prev=c, **p)
    )
    assert set(errors) == set(NAMES) and max(errors.values()) < 1e-7


def test_sequence_matches_finite_differences(rng):
    x, h0, c0, p = problem(rng)
    xs = rng.normal(size=(4, 3, 2))

    def run(x, h0, c0, **params):
        hs, (h_T, c_T), caches = lstm.sequence_forward(lstm.Peephole(), x, params, (h0, c0))
        return (hs, h_T, c_T), caches

    errors = lstm.gradcheck(
        run, lambda d, caches: lstm.sequence_backward(d[0], caches, (d[1], d[2])), dict(x=xs, h0=h0, c0=c0, **p)
    )
    assert max(errors.values()) < 1e-7


def test_cell_matches_sympy(rng):
    B, D, H = 2, 3, 2  # D ≠ H, so that a transposed weight cannot pass
    sym = {
        **lstm_symbols(B, D, H),
        "p_i": lsym.vector("pi", H),
        "p_f": lsym.vector("pf", H),
        "p_o": lsym.vector("po", H),
    }
    dh, dc = lsym.matrix("dh", B, H), lsym.matrix("dc", B, H)
    h, c, _ = lsym.peephole_step_forward(*(sym[n] for n in NAMES))
    L = lsym.frobenius(h, dh) + lsym.frobenius(c, dc)
    x, hp, cp, p = problem(rng, B, D, H)
    values = dict(x=x, h_prev=hp, c_prev=cp, **p)
    d_h, d_c = rng.normal(size=(B, H)), rng.normal(size=(B, H))
    _, _, cache = lstm.peephole_step_forward(x, hp, cp, p)
    ours = lstm.peephole_step_backward(d_h, d_c, cache)
    bindings = {sym[n]: values[n] for n in NAMES} | {dh: d_h, dc: d_c}
    for name in NAMES:
        ref = lsym.numeric(lsym.gradient(L, sym[name]), bindings).reshape(ours[name].shape)
        assert lstm.relative_error(ours[name], ref) < 1e-12, name


def test_zero_peepholes_give_the_plain_cell(rng):
    x, h, c, p = problem(rng)
    for k in ("p_i", "p_f", "p_o"):
        p[k] = np.zeros(3)
    h1, c1, cache1 = lstm.peephole_step_forward(x, h, c, p)
    plain = {k: p[k] for k in ("W_x", "W_h", "b")}
    h2, c2, cache2 = lstm.lstm_step_forward(x, h, c, plain)
    np.testing.assert_allclose(h1, h2, rtol=1e-14)
    np.testing.assert_allclose(c1, c2, rtol=1e-14)
    dh, dc = rng.normal(size=h1.shape), rng.normal(size=c1.shape)
    g1, g2 = lstm.peephole_step_backward(dh, dc, cache1), lstm.lstm_step_backward(dh, dc, cache2)
    for k in g2:
        np.testing.assert_allclose(g1[k], g2[k], rtol=1e-13, atol=1e-15)


def test_errors(rng):
    x, h, c, p = problem(rng)
    with pytest.raises(ValueError, match=r"params lacks \['p_o'\]"):
        lstm.peephole_step_forward(x, h, c, {k: v for k, v in p.items() if k != "p_o"})
    with pytest.raises(ValueError, match=r"p_f has shape \(2,\); expected \(H,\) = \(3,\)"):
        lstm.peephole_step_forward(x, h, c, dict(p, p_f=np.zeros(2)))
    with pytest.raises(TypeError, match="p_i has dtype float32"):
        lstm.peephole_step_forward(x, h, c, dict(p, p_i=np.zeros(3, np.float32)))
    with pytest.raises(ValueError, match="x has shape"):
        lstm.sequence_forward(lstm.Peephole(), x, p)
