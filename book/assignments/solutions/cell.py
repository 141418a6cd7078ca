"""Reference solution of assignment 1: one LSTM step, forward and backward."""
import numpy as np

__all__ = ["lstm_step_forward", "lstm_step_backward"]


def sigmoid(z):
    return 0.5 * (1 + np.tanh(0.5 * z))


def lstm_step_forward(x, h_prev, c_prev, params):
    W_x, W_h, b = params["W_x"], params["W_h"], params["b"]
    H = h_prev.shape[1]
    a = x @ W_x.T + h_prev @ W_h.T + b
    i = sigmoid(a[:, :H])
    f = sigmoid(a[:, H:2 * H])
    g = np.tanh(a[:, 2 * H:3 * H])
    o = sigmoid(a[:, 3 * H:])
    c = f * c_prev + i * g
    h = o * np.tanh(c)
    return h, c, (x, h_prev, c_prev, i, f, g, o, c, W_x, W_h)


def lstm_step_backward(dh, dc, cache):
    x, h_prev, c_prev, i, f, g, o, c, W_x, W_h = cache
    tanh_c = np.tanh(c)
    delta = dc + dh * o * (1 - tanh_c ** 2)
    d_i = delta * g
    d_f = delta * c_prev
    d_g = delta * i
    d_o = dh * tanh_c
    da_i = d_i * i * (1 - i)
    da_f = d_f * f * (1 - f)
    da_g = d_g * (1 - g ** 2)
    da_o = d_o * o * (1 - o)
    da = np.concatenate([da_i, da_f, da_g, da_o], axis=1)
    return {
        "x": da @ W_x,
        "h_prev": da @ W_h,
        "c_prev": delta * f,
        "W_x": da.T @ x,
        "W_h": da.T @ h_prev,
        "b": da.sum(axis=0),
    }
