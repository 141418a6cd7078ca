"""LSTM parameters to and from TensorFlow 1's LSTMCell (lstm.interop.tensorflow1), without TensorFlow.

TensorFlow 1 keeps one kernel (D + H, 4H) acting on [x, h], gate blocks
i, j, f, o (j is the book's g), and adds ``forget_bias`` to the f block at
run time; the book's ``b`` includes it.
"""
import numpy as np
import pytest

import lstm
from test_keras import D, H, params, sigmoid  # the same small LSTM, with a nonzero bias


@pytest.mark.parametrize("forget_bias", [0.0, 1.0, 2.5])
def test_round_trip_and_run_time_forget_bias(forget_bias, rng):
    p = params(rng)
    kernel, bias = lstm.to_tensorflow1(p, forget_bias)
    assert kernel.shape == (D + H, 4 * H) and bias.shape == (4 * H,)
    back = lstm.from_tensorflow1(kernel, bias, forget_bias)
    for k in ("W_x", "W_h", "b"):
        np.testing.assert_allclose(back[k], p[k], rtol=0, atol=1e-15)
    # TensorFlow 1's computation: [x, h] @ kernel + bias, split i, j, f, o, forget_bias added at run time
    x, h, c = rng.normal(size=(4, D)), rng.normal(size=(4, H)), rng.normal(size=(4, H))
    i, j, f, o = np.split(np.hstack([x, h]) @ kernel + bias, 4, axis=1)
    c_tf = sigmoid(f + forget_bias) * c + sigmoid(i) * np.tanh(j)
    h_tf = sigmoid(o) * np.tanh(c_tf)
    h_ours, c_ours, _ = lstm.lstm_step_forward(x, h, c, p)
    np.testing.assert_allclose(c_ours, c_tf, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(h_ours, h_tf, rtol=1e-13, atol=1e-15)


def test_a_hand_made_cell_lands_in_the_books_gate_blocks():
    """Kernel column block k (i, j, f, o) filled with k + 1, its x rows positive and its h rows negative."""
    sign = np.r_[np.ones(D), -np.ones(H)][:, None]  # rows 0 … D − 1 act on x, the last H on h
    kernel = sign * np.repeat(np.arange(1.0, 5.0), H)[None, :]
    bias = np.repeat([0.1, 0.2, 0.3, 0.4], H)  # i, j, f, o
    p = lstm.from_tensorflow1(kernel, bias, forget_bias=1.0)
    for gate, value in zip("ifgo", [1, 3, 2, 4]):  # the book's i, f, g, o are TF's blocks 1, 3, 2, 4
        rows = slice("ifgo".index(gate) * H, ("ifgo".index(gate) + 1) * H)
        assert np.all(p["W_x"][rows] == value) and np.all(p["W_h"][rows] == -value), gate
    # b in the book's order i, f, g, o, with forget_bias = 1 added to f's 0.3
    np.testing.assert_allclose(p["b"], np.repeat([0.1, 1.3, 0.2, 0.4], H), rtol=0, atol=1e-15)
    assert p["W_x"].shape == (4 * H, D) and p["W_h"].shape == (4 * H, H)
    kernel2, bias2 = lstm.to_tensorflow1(p, forget_bias=1.0)
    np.testing.assert_array_equal(kernel2, kernel)
    np.testing.assert_allclose(bias2, bias, rtol=0, atol=1e-15)
    _, stored = lstm.to_tensorflow1(p, forget_bias=0.0)  # no run-time forget bias: all of it is stored
    np.testing.assert_allclose(stored, np.repeat([0.1, 0.2, 1.3, 0.4], H), rtol=0, atol=1e-15)


def test_arrays_are_copied(rng):
    p = params(rng)
    kernel, bias = lstm.to_tensorflow1(p)
    kernel[0, 0] += 1
    bias[0] += 1
    assert kernel[0, 0] != p["W_x"][0, 0] and bias[0] != p["b"][0]
    b_before = p["b"].copy()
    lstm.to_tensorflow1(p, forget_bias=3.0)
    np.testing.assert_array_equal(p["b"], b_before)  # the stored bias is computed on a copy


def test_bad_input_is_refused(rng):
    kernel, bias = lstm.to_tensorflow1(params(rng))
    with pytest.raises(ValueError, match=r"kernel has shape \(2, 8\); expected \(D \+ H, 4H\) with D ≥ 1"):
        lstm.from_tensorflow1(np.zeros((2, 8)), np.zeros(8))  # H = 2 rows for h leave none for x
    with pytest.raises(ValueError, match=r"kernel has shape \(5, 6\); expected \(D \+ H, 4H\)"):
        lstm.from_tensorflow1(np.zeros((5, 6)), np.zeros(6))
    with pytest.raises(ValueError, match=r"kernel has shape \(40,\)"):
        lstm.from_tensorflow1(kernel.reshape(-1), bias)
    with pytest.raises(ValueError, match="multiple of 4"):
        lstm.from_tensorflow1(kernel, bias[:-2])
    with pytest.raises(TypeError, match="bias has dtype int64"):
        lstm.from_tensorflow1(kernel, np.zeros(4 * H, int))
    with pytest.raises(ValueError, match="params lacks"):
        lstm.to_tensorflow1({"W_x": kernel[:D].T})
