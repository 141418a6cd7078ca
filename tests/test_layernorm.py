"""Layer normalisation and the layer-normalised LSTM (TensorFlow's LayerNormBasicLSTMCell)."""
import numpy as np
import pytest
import sympy as sp

import lstm
from lstm.checks import symbolic as lsym


def ln_layer(z, gamma, beta):
    return lstm.layer_norm_forward(z, gamma, beta)


def ln_backward(dy, cache):
    dz, dg, db = lstm.layer_norm_backward(dy, cache)
    return {"z": dz, "gamma": dg, "beta": db}


def test_layer_norm_gradients(rng):
    errors = lstm.gradcheck(
        ln_layer, ln_backward, {"z": rng.normal(size=(4, 5)), "gamma": rng.normal(size=5), "beta": rng.normal(size=5)}
    )
    assert max(errors.values()) < 1e-8


def test_layer_norm_matches_sympy(rng):
    H = 4
    z, gamma, beta = lsym.matrix("z", 1, H), lsym.vector("g", H), lsym.vector("b", H)
    dy = lsym.matrix("d", 1, H)
    y = lsym.layer_norm(z, gamma, beta, sp.Float(1e-12))
    L = lsym.frobenius(y, dy)
    zv, gv, bv, dv = rng.normal(size=(1, H)), rng.normal(size=H), rng.normal(size=H), rng.normal(size=(1, H))
    out, cache = lstm.layer_norm_forward(zv, gv, bv)
    assert lstm.relative_error(out, lsym.numeric(y, {z: zv, gamma: gv, beta: bv})) < 1e-14
    dz, dg, db = lstm.layer_norm_backward(dv, cache)
    vals = {z: zv, gamma: gv, beta: bv, dy: dv}
    assert lstm.relative_error(dz, lsym.numeric(lsym.gradient(L, z), vals)) < 1e-12
    assert lstm.relative_error(dg, lsym.numeric(lsym.gradient(L, gamma), vals).ravel()) < 1e-12


def params(rng, D=2, H=3):
    p = lstm.init_layer_norm_tf_params(D, H, rng=rng)
    p["gamma"] = rng.normal(size=(5, H)) + 1
    p["beta"] = rng.normal(size=(5, H))
    return p


def test_cell_and_sequence_gradients(rng):
    p = params(rng)

    def step(x, h_prev, c_prev, **q):
        h, c, cache = lstm.layer_norm_tf_step_forward(x, h_prev, c_prev, q)
        return (h, c), cache

    errors = lstm.gradcheck(
        step,
        lambda d, cache: lstm.layer_norm_tf_step_backward(d[0], d[1], cache),
        dict(x=rng.normal(size=(3, 2)), h_prev=rng.normal(size=(3, 3)), c_prev=rng.normal(size=(3, 3)), **p),
    )
    assert max(errors.values()) < 1e-7

    def run(x, h0, c0, **q):
        hs, (h_T, c_T), caches = lstm.sequence_forward(lstm.LayerNormTF(), x, q, (h0, c0))
        return (hs, h_T, c_T), caches

    errors = lstm.gradcheck(
        run,
        lambda d, caches: lstm.sequence_backward(d[0], caches, (d[1], d[2])),
        dict(x=rng.normal(size=(4, 3, 2)), h0=rng.normal(size=(3, 3)), c0=rng.normal(size=(3, 3)), **p),
    )
    assert max(errors.values()) < 1e-7


def test_forward_matches_sympy_and_tensorflow_semantics(rng):
    """The normalised state is the one carried on; forget_bias is added after normalising."""
    p = params(rng, D=2, H=3)
    x, h, c = rng.normal(size=(2, 2)), rng.normal(size=(2, 3)), rng.normal(size=(2, 3))
    h1, c1, _ = lstm.layer_norm_tf_step_forward(x, h, c, p, forget_bias=1.0)
    syms = [
        lsym.matrix("x", 2, 2),
        lsym.matrix("hp", 2, 3),
        lsym.matrix("cp", 2, 3),
        lsym.matrix("Wx", 12, 2),
        lsym.matrix("Wh", 12, 3),
        lsym.matrix("g", 5, 3),
        lsym.matrix("be", 5, 3),
    ]
    hs, cs, _ = lsym.layer_norm_tf_step_forward(*syms, 1.0, sp.Float(1e-12))
    bind = dict(zip(syms, (x, h, c, p["W_x"], p["W_h"], p["gamma"], p["beta"])))
    assert lstm.relative_error(h1, lsym.numeric(hs, bind)) < 1e-14
    assert lstm.relative_error(c1, lsym.numeric(cs, bind)) < 1e-14
    # each row of c is normalised: mean beta_c-shifted, spread gamma_c-scaled
    z_hat = (c1 - p["beta"][4]) / p["gamma"][4]
    np.testing.assert_allclose(z_hat.mean(axis=1), 0, atol=1e-12)
    np.testing.assert_allclose((z_hat**2).mean(axis=1), 1, rtol=1e-10)


def test_errors(rng):
    p = params(rng)
    x, h, c = rng.normal(size=(3, 2)), rng.normal(size=(3, 3)), rng.normal(size=(3, 3))
    with pytest.raises(ValueError, match=r"gamma has shape \(4, 3\); expected \(5, H\) = \(5, 3\)"):
        lstm.layer_norm_tf_step_forward(x, h, c, dict(p, gamma=p["gamma"][:4]))
    with pytest.raises(ValueError, match=r"params lacks \[.beta.\]"):
        lstm.layer_norm_tf_step_forward(x, h, c, {k: v for k, v in p.items() if k != "beta"})
