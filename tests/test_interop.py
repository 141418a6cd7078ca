"""Parameter adapters: round trips and equivalence of the computations, without any framework."""
import numpy as np
import pytest

import lstm


def params(rng, D=3, H=2):
    p = lstm.init_params(D, H, rng=rng)
    p["b"] = rng.normal(size=4 * H)
    return p


def assert_same(p, q):
    for k in ("W_x", "W_h", "b"):
        np.testing.assert_allclose(p[k], q[k], rtol=0, atol=1e-15)


def test_pytorch_round_trip_and_two_biases(rng):
    p = params(rng)
    sd = lstm.to_pytorch(p)
    assert {k: v.shape for k, v in sd.items()} == {
        "weight_ih_l0": (8, 3),
        "weight_hh_l0": (8, 2),
        "bias_ih_l0": (8,),
        "bias_hh_l0": (8,),
    }
    assert_same(lstm.from_pytorch(sd), p)
    split = dict(sd, bias_ih_l0=sd["bias_ih_l0"] - 0.3, bias_hh_l0=sd["bias_hh_l0"] + 0.3)
    assert_same(lstm.from_pytorch(split), p)  # only the sum of the two biases matters


def test_keras_round_trip(rng):
    p = params(rng)
    kernel, recurrent, bias = lstm.to_keras(p)
    assert kernel.shape == (3, 8) and recurrent.shape == (2, 8) and bias.shape == (8,)
    assert_same(lstm.from_keras(kernel, recurrent, bias), p)


@pytest.mark.parametrize("forget_bias", [0.0, 1.0, 2.5])
def test_tensorflow1_round_trip_and_run_time_forget_bias(forget_bias, rng):
    p = params(rng)
    kernel, bias = lstm.to_tensorflow1(p, forget_bias)
    assert kernel.shape == (5, 8) and bias.shape == (8,)
    assert_same(lstm.from_tensorflow1(kernel, bias, forget_bias), p)
    # TensorFlow 1's computation: [x, h] @ kernel + bias, split i, j, f, o, forget_bias added at run time
    x, h, c = rng.normal(size=(4, 3)), rng.normal(size=(4, 2)), rng.normal(size=(4, 2))
    i, j, f, o = np.split(np.hstack([x, h]) @ kernel + bias, 4, axis=1)

    def sig(z):
        return 1 / (1 + np.exp(-z))

    c_tf = sig(f + forget_bias) * c + sig(i) * np.tanh(j)
    h_tf = sig(o) * np.tanh(c_tf)
    h_ours, c_ours, _ = lstm.cell_forward(x, h, c, p)
    np.testing.assert_allclose(c_ours, c_tf, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(h_ours, h_tf, rtol=1e-13, atol=1e-15)


def test_adapters_copy_rather_than_alias(rng):
    p = params(rng)
    sd = lstm.to_pytorch(p)
    sd["weight_ih_l0"][0, 0] += 1
    assert sd["weight_ih_l0"][0, 0] != p["W_x"][0, 0]
    q = lstm.from_pytorch(lstm.to_pytorch(p))
    q["W_h"][0, 0] += 1
    assert q["W_h"][0, 0] != p["W_h"][0, 0]


def test_adapter_errors(rng):
    p = params(rng)
    sd = lstm.to_pytorch(p)
    with pytest.raises(ValueError, match=r"state_dict lacks \['bias_hh_l0'\]"):
        lstm.from_pytorch({k: v for k, v in sd.items() if k != "bias_hh_l0"})
    with pytest.raises(ValueError, match="W_h has shape"):
        lstm.from_pytorch(dict(sd, weight_hh_l0=sd["weight_hh_l0"][:, :1]))
    with pytest.raises(ValueError, match=r"kernel has shape \(2, 8\)"):
        lstm.from_tensorflow1(np.zeros((2, 8)), np.zeros(8))
    with pytest.raises(TypeError, match="kernel has dtype int64"):
        lstm.from_keras(np.zeros((3, 8), int), np.zeros((2, 8)), np.zeros(8))
