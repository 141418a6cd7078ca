"""The read-out models: gradients against finite differences, for several cells."""
import numpy as np
import pytest

import lstm
from lstm.cells.lstm import LSTM
from lstm.cells.rnn import RNN
from lstm.training.models import LastStepMSE, StepwiseCrossEntropy, init_model, split_params

T, B, D, H, K = 4, 3, 2, 5, 3


def perturbed(cell, rng):
    params = init_model(cell, D, H, K, rng=rng)
    return {k: v + 0.3 * rng.standard_normal(v.shape) for k, v in params.items()}


def fd_check(model, params, batch, tol=1e-7):
    """Central differences of the scalar loss against the analytic gradient, every entry."""
    loss, grads = model(params, batch)
    assert set(grads) == set(params)
    for name, theta in params.items():
        num = np.empty_like(theta)
        for i in np.ndindex(theta.shape):
            old = theta[i]
            theta[i] = old + 1e-6
            up = model.loss(params, batch)
            theta[i] = old - 1e-6
            down = model.loss(params, batch)
            theta[i] = old
            num[i] = (up - down) / 2e-6
        err = lstm.relative_error(grads[name], num)
        assert err < tol, f"{name}: {err:.2e}"
    assert model.loss(params, batch) == loss


@pytest.mark.parametrize("cell", [LSTM(), RNN()], ids=repr)
def test_last_step_mse_gradients(cell, rng):
    params = perturbed(cell, rng)
    x, y = rng.standard_normal((T, B, D)), rng.standard_normal((B, K))
    fd_check(LastStepMSE(cell), params, (x, y))


@pytest.mark.parametrize("cell", [LSTM(), RNN()], ids=repr)
def test_last_step_mse_with_lengths_reads_each_sequence_last_state(cell, rng):
    params = perturbed(cell, rng)
    x, y = rng.standard_normal((T, B, D)), rng.standard_normal((B, K))
    lengths = np.array([T, 2, 1])
    model = LastStepMSE(cell)
    fd_check(model, params, (x, y, lengths))
    pred = model.predict(params, x, lengths)
    for b in range(B):  # each sequence alone, cut at its length
        alone = model.predict(params, x[: lengths[b], b : b + 1])
        np.testing.assert_allclose(pred[b], alone[0], rtol=1e-13, atol=1e-13)


def test_last_step_mse_value_by_hand(rng):
    model = LastStepMSE()
    params = perturbed(LSTM(), rng)
    x, y = rng.standard_normal((T, B, D)), rng.standard_normal((B, K))
    hs, _, _ = lstm.lstm_forward(x, split_params(params)[0])
    pred = hs[-1] @ params["W_y"].T + params["b_y"]
    assert model.loss(params, (x, y)) == pytest.approx(np.mean((pred - y) ** 2), rel=1e-14)


@pytest.mark.parametrize("cell", [LSTM(), RNN()], ids=repr)
def test_stepwise_cross_entropy_gradients(cell, rng):
    params = perturbed(cell, rng)
    x = rng.standard_normal((T, B, D))
    targets = rng.integers(0, K, size=(T, B))
    mask = np.ones((T, B))
    mask[2:, 1] = 0
    fd_check(StepwiseCrossEntropy(cell), params, (x, targets, mask))


def test_init_model_is_seeded_and_torch_like():
    a = init_model(LSTM(), D, H, K, rng=0)
    b = init_model(LSTM(), D, H, K, rng=0)
    assert set(a) == {"W_x", "W_h", "b", "W_y", "b_y"}
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])
    assert a["W_y"].shape == (K, H) and np.all(np.abs(a["W_y"]) <= 1 / np.sqrt(H))


def test_clear_errors(rng):
    model = LastStepMSE()
    params = perturbed(LSTM(), rng)
    x = rng.standard_normal((T, B, D))
    with pytest.raises(ValueError, match=r"y has shape \(3, 2\)"):
        model(params, (x, np.zeros((B, 2))))
    with pytest.raises(TypeError, match="batch must be a tuple"):
        model(params, x)
    with pytest.raises(ValueError, match="W_y"):
        model({k: v for k, v in params.items() if k != "W_y"}, (x, np.zeros((B, K))))
    with pytest.raises(TypeError, match="cell must be"):
        LastStepMSE("lstm")
