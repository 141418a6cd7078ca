"""Source 003's scalar-gate LSTM: an independent forward, finite differences, SymPy."""
import numpy as np
import pytest

import lstm
from lstm.checks import symbolic as lsym

PARAMS = ("w_i", "w_f", "w_o", "W_g")


def problem(rng, B=3, D=2, H=3):
    p = lstm.init_scalar_gate_params(D, H, rng=rng)
    for k in p:  # nonzero biases and peephole weights of order one
        p[k] = p[k] + rng.normal(scale=0.5, size=p[k].shape)
    return rng.normal(size=(B, D)), rng.normal(size=(B, H)), rng.normal(size=(B, H)), p


def step(x, h_prev, c_prev, **params):
    h, c, cache = lstm.scalar_gate_step_forward(x, h_prev, c_prev, params)
    return (h, c), cache


def test_forward_matches_the_equations_one_example_at_a_time(rng):
    x, hp, cp, p = problem(rng)
    h, c, _ = lstm.scalar_gate_step_forward(x, hp, cp, p)
    def sig(z):
        return 0.5 * (1 + np.tanh(z / 2))
    for b in range(x.shape[0]):  # eqs. (1)-(10) with the source's column vectors
        v = np.concatenate([x[b], hp[b], cp[b], [1.0]])
        g_i, g_f = sig(p["w_i"] @ v), sig(p["w_f"] @ v)
        z_c = np.tanh(p["W_g"].T @ np.concatenate([x[b], hp[b], [1.0]]))
        s = g_f * cp[b] + g_i * z_c
        g_o = sig(p["w_o"] @ np.concatenate([x[b], hp[b], s, [1.0]]))
        np.testing.assert_allclose(c[b], s, rtol=1e-14, atol=1e-15)
        np.testing.assert_allclose(h[b], np.tanh(g_o * s), rtol=1e-14, atol=1e-15)


def test_cell_matches_finite_differences(rng):
    x, h, c, p = problem(rng)
    errors = lstm.gradcheck(
        step, lambda d, cache: lstm.scalar_gate_step_backward(d[0], d[1], cache), dict(x=x, h_prev=h, c_prev=c, **p)
    )
    assert set(errors) == {"x", "h_prev", "c_prev", *PARAMS} and max(errors.values()) < 1e-7


def test_sequence_matches_finite_differences(rng):
    x, h0, c0, p = problem(rng)
    xs = rng.normal(size=(4, 3, 2))

    def run(x, h0, c0, **params):
        hs, (h_T, c_T), caches = lstm.sequence_forward(lstm.ScalarGate(), x, params, (h0, c0))
        return (hs, h_T, c_T), caches

    errors = lstm.gradcheck(
        run, lambda d, caches: lstm.sequence_backward(d[0], caches, (d[1], d[2])), dict(x=xs, h0=h0, c0=c0, **p)
    )
    assert set(errors) == {"x", "h0", "c0", *PARAMS} and max(errors.values()) < 1e-7


def test_cell_matches_sympy(rng):
    D, H = 2, 2
    sym = {
        "x": lsym.vector("x", D),
        "h_prev": lsym.vector("hp", H),
        "c_prev": lsym.vector("cp", H),
        "w_i": lsym.vector("wi", D + 2 * H + 1),
        "w_f": lsym.vector("wf", D + 2 * H + 1),
        "w_o": lsym.vector("wo", D + 2 * H + 1),
        "W_g": lsym.matrix("Wg", D + H + 1, H),
    }
    dh, dc = lsym.vector("dh", H), lsym.vector("dc", H)
    h, c, _ = lsym.scalar_gate_step_forward(*sym.values())
    L = (dh.T * h + dc.T * c)[0]
    x, hp, cp, p = problem(rng, 1, D, H)
    d_h, d_c = rng.normal(size=(1, H)), rng.normal(size=(1, H))
    ours = lstm.scalar_gate_step_backward(d_h, d_c, lstm.scalar_gate_step_forward(x, hp, cp, p)[2])
    values = {"x": x[0], "h_prev": hp[0], "c_prev": cp[0], **p}
    bindings = {sym[n]: values[n] for n in sym} | {dh: d_h[0], dc: d_c[0]}
    for name in sym:
        ref = lsym.numeric(lsym.gradient(L, sym[name]), bindings).reshape(ours[name].shape)
        assert lstm.relative_error(ours[name], ref) < 1e-12, name


def test_errors(rng):
    x, h, c, p = problem(rng)
    with pytest.raises(ValueError, match=r"params lacks \['w_o'\]"):
        lstm.scalar_gate_step_forward(x, h, c, {k: v for k, v in p.items() if k != "w_o"})
    with pytest.raises(ValueError, match=r"w_f has shape \(8,\); expected \(D\+2H\+1,\) = \(9,\)"):
        lstm.scalar_gate_step_forward(x, h, c, dict(p, w_f=np.zeros(8)))
    with pytest.raises(TypeError, match="w_i has dtype float32"):
        lstm.scalar_gate_step_forward(x, h, c, dict(p, w_i=np.zeros(9, np.float32)))
    with pytest.raises(ValueError, match=r"c_prev has shape \(3, 2\)"):
        lstm.scalar_gate_step_forward(x, h, c[:, :2], p)
    with pytest.raises(ValueError, match="not finite|NaN"):
        lstm.scalar_gate_step_forward(x, h, c * np.nan, p)
    with pytest.raises(ValueError, match="x has shape"):
        lstm.sequence_forward(lstm.ScalarGate(), x, p)
