"""Training identical to PyTorch's: 100 steps of the book's LSTM + read-out + Adam against
torch.nn.LSTM + nn.Linear + torch.optim.Adam from the same weights on the same data, float64.

After every step every parameter must agree to 1e-9 relative (lstm.relative_error).
"""
import numpy as np
import pytest

import lstm
from lstm.training.models import LastStepMSE, StepwiseCrossEntropy, init_model, torch_lstm_model, train_side_by_side

torch = pytest.importorskip("torch", reason="PyTorch is not installed; `make test-torch` installs the CPU build")

TOL = 1e-9
STEPS = 100


def classifier_batches(rng, T=12, B=6, D=3, K=4):
    return [(rng.standard_normal((T, B, D)), rng.integers(0, K, size=(T, B))) for _ in range(STEPS)]


def test_sequence_classifier_trains_identically():
    rng = np.random.default_rng(0)
    params = init_model(lstm.LSTM(), 3, 8, 4, rng=rng)
    start = {k: v.copy() for k, v in params.items()}
    run = train_side_by_side(StepwiseCrossEntropy(), params, classifier_batches(rng), lr=1e-2)
    assert run["param_error"].shape == (STEPS,)
    assert run["param_error"].max() <= TOL and run["loss_error"].max() <= TOL
    # The agreement means something only if training moved every parameter far more than 1e-9.
    assert min(lstm.relative_error(params[k], start[k]) for k in params) > 0.05
    print(f"classifier: worst parameter error over {STEPS} steps {run['param_error'].max():.1e}")


def test_last_step_regression_with_clipping_trains_identically():
    rng = np.random.default_rng(1)
    params = init_model(lstm.LSTM(), 2, 8, 1, rng=rng)
    batches = []
    for _ in range(STEPS):
        x = rng.standard_normal((15, 8, 2))
        batches.append((x, 0.3 * x[:, :, :1].sum(axis=0)))
    run = train_side_by_side(LastStepMSE(), params, batches, lr=2e-2, clip=0.5)
    assert run["param_error"].max() <= TOL and run["loss_error"].max() <= TOL
    assert run["loss"][-10:].mean() < 0.5 * run["loss"][:10].mean()  # it learned
    print(f"regression: worst parameter error over {STEPS} steps {run['param_error'].max():.1e}")


def test_the_comparison_can_fail():
    # A different learning rate on one side must show up far above the tolerance.
    rng = np.random.default_rng(2)
    params = init_model(lstm.LSTM(), 3, 8, 4, rng=rng)
    net, lin = torch_lstm_model(params)
    assert float(net.bias_hh_l0.abs().max()) == 0.0 and not net.bias_hh_l0.requires_grad
    batches = classifier_batches(rng)[:5]
    other = {k: v.copy() for k, v in params.items()}
    a = train_side_by_side(StepwiseCrossEntropy(), params, batches, lr=1e-2)
    b = train_side_by_side(StepwiseCrossEntropy(), other, batches, lr=1.1e-2)
    assert a["param_error"].max() <= TOL and b["param_error"].max() <= TOL
    assert lstm.relative_error(params["W_h"], other["W_h"]) > 1e-4


def test_needs_the_plain_lstm():
    params = init_model(lstm.RNN(), 2, 3, 1, rng=0)
    with pytest.raises(TypeError, match="plain LSTM"):
        train_side_by_side(LastStepMSE(lstm.RNN()), params, [])
