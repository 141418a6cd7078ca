"""Reference solution of assignment 4: train the LSTM on the adding problem, and measure what it sees.

Built from the package's public pieces, as the assignment asks, so that every
run repeats the reference's arithmetic bit for bit.
"""
import numpy as np

import lstm
from lstm.training import tasks
from lstm.training.experiments import adding_test_set

__all__ = ["mean_baseline", "train_once", "input_gradient_norms", "summarise"]


def mean_baseline(setup):
    _, y = adding_test_set(setup.T, setup.n_test, setup.markers)
    return float(np.mean((y - np.mean(y)) ** 2))


def train_once(setup, forget_bias, seed):
    rng = np.random.default_rng(seed)
    cell = lstm.LSTM(forget_bias=forget_bias)
    model = lstm.LastStepMSE(cell)
    params = lstm.init_model(cell, 2, setup.H, 1, rng=rng)
    adam = lstm.Adam(params, lr=setup.lr)
    lstm.train(model, params, adam,
               lambda step, r: tasks.adding_problem(setup.T, setup.B, rng=r, markers=setup.markers),
               steps=setup.steps, clip=setup.clip, rng=rng, progress=False)
    test = adding_test_set(setup.T, setup.n_test, setup.markers)
    return model.loss(params, test)


def input_gradient_norms(setup, forget_bias, seed):
    params = lstm.init_model(lstm.LSTM(forget_bias=forget_bias), 2, setup.H, 1,
                             rng=np.random.default_rng(seed))
    x, y = adding_test_set(setup.T, setup.n_test, setup.markers)
    cell_params = {k: params[k] for k in ("W_x", "W_h", "b")}
    _, (h_T, c_T), cache = lstm.lstm_forward(x, cell_params)
    pred = h_T @ params["W_y"].T + params["b_y"]
    dpred = 2 * (pred - y) / pred.size  # L = mean of (pred - y)² over the batch
    dh_T = dpred @ params["W_y"]
    dx = lstm.lstm_backward(None, cache, dh_T)["x"]  # (T, n_test, 2)
    return np.sqrt(np.sum(dx ** 2, axis=(1, 2)))


def summarise(values, threshold):
    values = np.sort(np.asarray(values, dtype=float))
    n = len(values)
    middle = values[n // 2] if n % 2 == 1 else (values[n // 2 - 1] + values[n // 2]) / 2
    return {"median": float(middle), "min": float(values[0]), "max": float(values[-1]),
            "below": int(np.sum(values < threshold))}
