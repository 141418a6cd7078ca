"""LSTM parameters to and from a Keras LSTM layer (lstm.interop.keras), without Keras.

Keras stores the transposes of the book's matrices, gate blocks i, f, c, o
(c is the book's g), and adds no forget bias at run time.
"""
import numpy as np
import pytest

import lstm

D, H = 3, 2


def params(rng):
    p = lstm.init_lstm_params(D, H, rng=rng)
    p["b"] = rng.normal(size=4 * H)
    return p


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def test_round_trip(rng):
    p = params(rng)
    kernel, recurrent, bias = lstm.to_keras(p)
    assert kernel.shape == (D, 4 * H) and recurrent.shape == (H, 4 * H) and bias.shape == (4 * H,)
    back = lstm.from_keras(kernel, recurrent, bias)
    for k in ("W_x", "W_h", "b"):
        np.testing.assert_array_equal(back[k], p[k])


def test_a_hand_made_layer_lands_in_the_books_gate_blocks():
    """Column block k of Keras's kernel (i, f, c, o) filled with k + 1: the book's rows i, f, g, o get 1, 2, 3, 4."""
    kernel = np.repeat(np.arange(1.0, 5.0), H)[None, :] * np.ones((D, 1))  # (D, 4H)
    recurrent = -np.repeat(np.arange(1.0, 5.0), H)[None, :] * np.ones((H, 1))  # (H, 4H)
    bias = np.array([0.1, 0.1, 1.0, 1.0, 0.0, 0.0, -0.5, -0.5])  # Keras's unit_forget_bias puts 1 in block f
    p = lstm.from_keras(kernel, recurrent, bias)
    for k, gate in enumerate("ifgo"):
        rows = slice(k * H, (k + 1) * H)
        assert np.all(p["W_x"][rows] == k + 1) and np.all(p["W_h"][rows] == -(k + 1)), gate
    np.testing.assert_array_equal(p["b"][H : 2 * H], [1.0, 1.0])  # the forget bias stays in b: nothing is added
    kernel2, recurrent2, bias2 = lstm.to_keras(p)
    np.testing.assert_array_equal(kernel2, kernel)
    np.testing.assert_array_equal(recurrent2, recurrent)
    np.testing.assert_array_equal(bias2, bias)


def test_keras_computation_equals_the_books_step(rng):
    """Keras's LSTM cell: z = x·kernel + h·recurrent_kernel + bias, split i, f, c, o."""
    p = params(rng)
    kernel, recurrent, bias = lstm.to_keras(p)
    x, h, c = rng.normal(size=(4, D)), rng.normal(size=(4, H)), rng.normal(size=(4, H))
    i, f, cc, o = np.split(x @ kernel + h @ recurrent + bias, 4, axis=1)
    c_keras = sigmoid(f) * c + sigmoid(i) * np.tanh(cc)
    h_keras = sigmoid(o) * np.tanh(c_keras)
    h_ours, c_ours, _ = lstm.lstm_step_forward(x, h, c, p)
    np.testing.assert_allclose(c_ours, c_keras, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(h_ours, h_keras, rtol=1e-13, atol=1e-15)


def test_arrays_are_copied(rng):
    p = params(rng)
    kernel, _, bias = lstm.to_keras(p)
    kernel[0, 0] += 1
    bias[0] += 1
    assert kernel[0, 0] != p["W_x"][0, 0] and bias[0] != p["b"][0]
    q = lstm.from_keras(*lstm.to_keras(p))
    q["W_x"][0, 0] += 1
    assert q["W_x"][0, 0] != p["W_x"][0, 0]


def test_bad_input_is_refused(rng):
    kernel, recurrent, bias = lstm.to_keras(params(rng))
    with pytest.raises(TypeError, match="kernel has dtype int64"):
        lstm.from_keras(np.zeros((D, 4 * H), int), recurrent, bias)
    nan = recurrent.copy()
    nan[0, 0] = np.nan
    with pytest.raises(ValueError, match="recurrent_kernel contains 1 non-finite"):
        lstm.from_keras(kernel, nan, bias)
    with pytest.raises(ValueError, match="b has shape"):
        lstm.from_keras(kernel, recurrent, bias[:-1])
    with pytest.raises(ValueError, match="W_h has shape"):
        lstm.from_keras(kernel, recurrent[:, : 4 * (H - 1)], bias)
    with pytest.raises(ValueError, match="params lacks"):
        lstm.to_keras({"W_x": kernel.T})
