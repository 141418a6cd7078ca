"""Reference solution of the GRU worked example: one step of PyTorch's GRU, forward and backward.

h = (1 − z) ⊙ n + z ⊙ h_prev, with the reset gate scaling W_hn h_prev + b_hn (``lstm.GRU()``).
"""
import numpy as np

__all__ = ["gru_forward", "gru_backward"]


def sigmoid(a):
    return 0.5 * (1 + np.tanh(0.5 * a))


def gru_forward(x, h_prev, params):
    W_x, W_h, b_x, b_h = params["W_x"], params["W_h"], params["b_x"], params["b_h"]
    H = h_prev.shape[1]
    a = x @ W_x.T + b_x
    u = h_prev @ W_h.T + b_h
    r = sigmoid(a[:, :H] + u[:, :H])
    z = sigmoid(a[:, H:2 * H] + u[:, H:2 * H])
    u_n = u[:, 2 * H:]
    n = np.tanh(a[:, 2 * H:] + r * u_n)
    h = (1 - z) * n + z * h_prev
    return h, (x, h_prev, r, z, n, u_n, W_x, W_h)


def gru_backward(dh, cache):
    x, h_prev, r, z, n, u_n, W_x, W_h = cache
    H = h_prev.shape[1]
    dn = dh * (1 - z)
    dz = dh * (h_prev - n)
    dh_direct = dh * z
    da_n = dn * (1 - n ** 2)
    dr = da_n * u_n
    du_n = da_n * r
    da_r = dr * r * (1 - r)
    da_z = dz * z * (1 - z)
    da = np.concatenate([da_r, da_z, da_n], axis=1)
    du = np.concatenate([da_r, da_z, du_n], axis=1)
    return {
        "x": da @ W_x,
        "h_prev": dh_direct + du @ W_h,
        "W_x": da.T @ x,
        "W_h": du.T @ h_prev,
        "b_x": da.sum(axis=0),
        "b_h": du.sum(axis=0),
    }
