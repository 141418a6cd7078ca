"""Reference solution of assignment 3 (the teacher's choice of variant: the peephole LSTM)."""
import numpy as np

__all__ = ["peephole_step_forward", "peephole_step_backward"]


def sigmoid(z):
    return 0.5 * (1 + np.tanh(0.5 * z))


def peephole_step_forward(x, h_prev, c_prev, params):
    W_x, W_h, b = params["W_x"], params["W_h"], params["b"]
    p_i, p_f, p_o = params["p_i"], params["p_f"], params["p_o"]
    H = h_prev.shape[1]
    a = x @ W_x.T + h_prev @ W_h.T + b
    i = sigmoid(a[:, :H] + p_i * c_prev)
    f = sigmoid(a[:, H:2 * H] + p_f * c_prev)
    g = np.tanh(a[:, 2 * H:3 * H])
    c = f * c_prev + i * g
    o = sigmoid(a[:, 3 * H:] + p_o * c)
    h = o * np.tanh(c)
    return h, c, (x, h_prev, c_prev, i, f, g, o, c, params)


def peephole_step_backward(dh, dc, cache):
    x, h_prev, c_prev, i, f, g, o, c, params = cache
    W_x, W_h = params["W_x"], params["W_h"]
    tanh_c = np.tanh(c)
    da_o = dh * tanh_c * o * (1 - o)
    delta = dc + dh * o * (1 - tanh_c ** 2) + da_o * params["p_o"]
    da_i = delta * g * i * (1 - i)
    da_f = delta * c_prev * f * (1 - f)
    da_g = delta * i * (1 - g ** 2)
    da = np.concatenate([da_i, da_f, da_g, da_o], axis=1)
    return {
        "x": da @ W_x,
        "h_prev": da @ W_h,
        "c_prev": delta * f + da_i * params["p_i"] + da_f * params["p_f"],
        "W_x": da.T @ x,
        "W_h": da.T @ h_prev,
        "b": da.sum(axis=0),
        "p_i": (da_i * c_prev).sum(axis=0),
        "p_f": (da_f * c_prev).sum(axis=0),
        "p_o": (da_o * c).sum(axis=0),
    }
