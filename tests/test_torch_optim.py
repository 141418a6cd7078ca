"""lstm.training.optim and .clip step by step against torch.optim and torch.nn.utils (skipped without PyTorch)."""
import math

import numpy as np
import pytest

import lstm
from lstm.training.clip import clip_grad_norm, clip_grad_value
from lstm.training.optim import Adam

torch = pytest.importorskip("torch", reason="PyTorch is not installed; `make test-torch` installs the CPU build")

TOL = 1e-12
SHAPES = {"W": (4, 3), "b": (4,), "v": (2, 2, 2)}

CONFIGS = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.05, "momentum": 0.9}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.3, "weight_decay": 0.01}),
    ("SGD", {"lr": 0.05, "momentum": 0.8, "nesterov": True, "weight_decay": 0.1}),
    ("SGD", {"lr": 0.05, "momentum": 0.5, "maximize": True}),
    ("Adagrad", {}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.05, "initial_accumulator_value": 0.2, "eps": 1e-6}),
    ("Adagrad", {"lr": 0.1, "weight_decay": 0.05}),
    ("RMSprop", {}),
    ("RMSprop", {"lr": 0.01, "alpha": 0.9, "eps": 1e-6, "momentum": 0.7}),
    ("RMSprop", {"lr": 0.01, "centered": True, "weight_decay": 0.02}),
    ("RMSprop", {"lr": 0.01, "centered": True, "momentum": 0.9}),
    ("Adam", {}),
    ("Adam", {"lr": 0.01, "betas": (0.8, 0.99), "eps": 1e-3}),
    ("Adam", {"lr": 0.01, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.01, "amsgrad": True}),
    ("Adam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True, "amsgrad": True}),
]


@pytest.mark.parametrize("name, kw", CONFIGS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CONFIGS)])
def test_matches_torch_optim_step_by_step(name, kw):
    rng = np.random.default_rng(7)
    params = {k: rng.standard_normal(s) for k, s in SHAPES.items()}
    tparams = {k: torch.tensor(v.copy(), requires_grad=True) for k, v in params.items()}
    opt = getattr(lstm.training.optim, name)(params, **kw)
    topt = getattr(torch.optim, name)(list(tparams.values()), foreach=False, **kw)
    worst = 0.0
    for step in range(30):
        # Gradients that shrink and change sign, so that amsgrad's maximum and
        # the momentum buffers are exercised, not only the first step.
        grads = {k: rng.standard_normal(s) * 0.9**step for k, s in SHAPES.items()}
        for k, t in tparams.items():
            t.grad = torch.tensor(grads[k].copy())
        opt.step(grads)
        topt.step()
        for k, t in tparams.items():
            err = lstm.relative_error(params[k], t.detach().numpy())
            worst = max(worst, err)
            assert err <= TOL, f"{name} {kw} step {step} {k}: {err:.2e}"
    # The buffers agree too, under torch's names.
    for k, t in tparams.items():
        for key, value in topt.state[t].items():
            if key == "step":
                assert float(value) == opt.state[k]["step"]
            elif value is not None:
                assert lstm.relative_error(opt.state[k][key], value.numpy()) <= TOL, key


def test_default_foreach_path_agrees_too():
    rng = np.random.default_rng(3)
    params = {k: rng.standard_normal(s) for k, s in SHAPES.items()}
    tparams = {k: torch.tensor(v.copy(), requires_grad=True) for k, v in params.items()}
    opt, topt = Adam(params, lr=0.01), torch.optim.Adam(list(tparams.values()), lr=0.01)
    for _ in range(20):
        grads = {k: rng.standard_normal(s) for k, s in SHAPES.items()}
        for k, t in tparams.items():
            t.grad = torch.tensor(grads[k].copy())
        opt.step(grads)
        topt.step()
    for k, t in tparams.items():
        assert lstm.relative_error(params[k], t.detach().numpy()) <= TOL


def test_float32_agrees_to_float32_rounding():
    rng = np.random.default_rng(5)
    params = {k: rng.standard_normal(s).astype(np.float32) for k, s in SHAPES.items()}
    tparams = {k: torch.tensor(v.copy(), requires_grad=True) for k, v in params.items()}
    opt, topt = Adam(params, lr=0.01), torch.optim.Adam(list(tparams.values()), lr=0.01, foreach=False)
    for _ in range(20):
        grads = {k: rng.standard_normal(s).astype(np.float32) for k, s in SHAPES.items()}
        for k, t in tparams.items():
            t.grad = torch.tensor(grads[k].copy())
        opt.step(grads)
        topt.step()
    for k, t in tparams.items():
        assert params[k].dtype == np.float32
        assert lstm.relative_error(params[k], t.detach().numpy()) <= 1e-5


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf])
@pytest.mark.parametrize("max_norm", [0.5, 1e3])
def test_clip_grad_norm_matches_torch(norm_type, max_norm):
    rng = np.random.default_rng(11)
    grads = {k: rng.standard_normal(s) for k, s in SHAPES.items()}
    tensors = [torch.zeros(s, dtype=torch.float64, requires_grad=True) for s in SHAPES.values()]
    for t, g in zip(tensors, grads.values()):
        t.grad = torch.tensor(g.copy())
    norm = clip_grad_norm(grads, max_norm, norm_type)
    tnorm = torch.nn.utils.clip_grad_norm_(tensors, max_norm, norm_type)
    assert abs(norm - float(tnorm)) <= TOL * float(tnorm)
    for t, g in zip(tensors, grads.values()):
        assert lstm.relative_error(g, t.grad.numpy()) <= TOL


def test_clip_grad_value_matches_torch():
    rng = np.random.default_rng(12)
    grads = {k: 4 * rng.standard_normal(s) for k, s in SHAPES.items()}
    tensors = [torch.zeros(s, dtype=torch.float64, requires_grad=True) for s in SHAPES.values()]
    for t, g in zip(tensors, grads.values()):
        t.grad = torch.tensor(g.copy())
    clip_grad_value(grads, 5.0)
    torch.nn.utils.clip_grad_value_(tensors, 5.0)
    for t, g in zip(tensors, grads.values()):
        np.testing.assert_array_equal(g, t.grad.numpy())
