"""The optimisers against closed forms computed by hand (no PyTorch needed).

With a constant gradient every optimiser's recursion has a closed form
(geometric sums), which is computed here independently of the recursive
update in ``lstm.training.optim``.  ``tests/test_torch_optim.py`` compares with
torch.optim step by step.
"""
import numpy as np
import pytest

import lstm
from lstm.training.optim import SGD, Adagrad, Adam, RMSprop

TOL = 1e-14


def make(theta=(1.0, -2.0, 0.5)):
    return {"w": np.array(theta, dtype=np.float64)}


def run(opt_cls, g, steps, theta=(1.0, -2.0, 0.5), **kw):
    params = make(theta)
    opt = opt_cls(params, **kw)
    for _ in range(steps):
        opt.step({"w": np.array(g, dtype=np.float64)})
    return params["w"], opt


G = np.array([0.5, 1.0, -0.25])
THETA0 = np.array([1.0, -2.0, 0.5])


def close(a, b, tol=TOL):
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


def test_sgd_plain_one_step():
    w, _ = run(SGD, G, 1, lr=0.1)
    close(w, [0.95, -2.1, 0.525])


@pytest.mark.parametrize(
    "kw, total",
    [
        ({"momentum": 0.9}, 1 + 1.9 + 2.71),  # b = g, 1.9 g, 2.71 g
        ({"momentum": 0.9, "dampening": 0.5}, 1 + 1.4 + 1.76),  # the first buffer is undamped
        ({"momentum": 0.9, "nesterov": True}, 1.9 + 2.71 + 3.439),  # g + μ b_t
    ],
)
def test_sgd_momentum_closed_form(kw, total):
    w, opt = run(SGD, G, 3, lr=0.1, **kw)
    close(w, THETA0 - 0.1 * total * G)
    assert "momentum_buffer" in opt.state["w"]


def test_sgd_weight_decay_is_added_to_the_gradient():
    w, _ = run(SGD, G, 1, lr=0.1, weight_decay=0.01)
    close(w, THETA0 - 0.1 * (G + 0.01 * THETA0))


def test_sgd_maximize_ascends():
    w, _ = run(SGD, G, 1, lr=0.1, maximize=True)
    close(w, THETA0 + 0.1 * G)


@pytest.mark.parametrize("lr_decay, init", [(0.0, 0.0), (0.1, 0.0), (0.0, 0.3)])
def test_adagrad_closed_form(lr_decay, init):
    lr, eps, T = 0.1, 1e-10, 4
    w, opt = run(Adagrad, G, T, lr=lr, lr_decay=lr_decay, initial_accumulator_value=init)
    # s_t = init + t g², the t-th step uses lr / (1 + (t-1) η)
    expect = THETA0 - sum(lr / (1 + (t - 1) * lr_decay) * G / (np.sqrt(init + t * G**2) + eps) for t in range(1, T + 1))
    close(w, expect)
    close(opt.state["w"]["sum"], init + T * G**2)
    assert opt.state["w"]["step"] == T


def test_adagrad_defaults_match_torch_docs():
    opt = Adagrad(make())
    assert opt.hyperparameters() == {"lr": 1e-2, "lr_decay": 0.0, "weight_decay": 0.0,
                                     "initial_accumulator_value": 0.0, "eps": 1e-10, "maximize": False}


@pytest.mark.parametrize("centered", [False, True])
@pytest.mark.parametrize("momentum", [0.0, 0.5])
def test_rmsprop_closed_form(centered, momentum):
    lr, a, eps, T = 0.01, 0.99, 1e-8, 5
    w, _ = run(RMSprop, G, T, lr=lr, alpha=a, centered=centered, momentum=momentum)
    # v_t = (1 - αᵗ) g², ḡ_t = (1 - αᵗ) g, so v_t - ḡ_t² = (1 - αᵗ) αᵗ g²
    steps = []
    for t in range(1, T + 1):
        var = (1 - a**t) * a**t * G**2 if centered else (1 - a**t) * G**2
        steps.append(G / (np.sqrt(var) + eps))
    if momentum:
        # b_t = Σ_{k ≤ t} μ^{t-k} s_k, and θ moves by γ b_t at every step
        bufs = [sum(momentum ** (t - k) * steps[k] for k in range(t + 1)) for t in range(T)]
        steps = bufs
    close(w, THETA0 - lr * sum(steps), tol=1e-12)


@pytest.mark.parametrize("eps", [1e-8, 1.0])
def test_adam_constant_gradient_moves_lr_per_step(eps):
    # m̂_t = g and v̂_t = g² exactly, so each step is γ g / (|g| + ε): ε outside the root,
    # after the bias correction.  With ε = 1 the placement shows in the first digit.
    lr, T = 0.01, 6
    w, opt = run(Adam, G, T, lr=lr, eps=eps)
    close(w, THETA0 - T * lr * G / (np.abs(G) + eps), tol=1e-13)
    close(opt.state["w"]["exp_avg"], (1 - 0.9**T) * G)
    close(opt.state["w"]["exp_avg_sq"], (1 - 0.999**T) * G**2)


def test_adam_eps_placement_differs_from_alternatives():
    # Guard that the test above can fail: ε inside the root would give a different first step.
    lr, eps = 0.01, 1.0
    w, _ = run(Adam, G, 1, lr=lr, eps=eps)
    inside_root = THETA0 - lr * G / np.sqrt(G**2 + eps)
    before_correction = THETA0 - lr * (G * 0.1 / 0.1) / ((np.sqrt(0.001 * G**2) + eps) / np.sqrt(0.001))
    assert np.max(np.abs(w - inside_root)) > 1e-4
    assert np.max(np.abs(w - before_correction)) > 1e-4


def test_adam_amsgrad_keeps_the_largest_second_moment():
    lr, b1, b2, eps = 0.1, 0.9, 0.999, 1e-8
    params = make()
    opt = Adam(params, lr=lr, amsgrad=True)
    opt.step({"w": G.copy()})
    opt.step({"w": np.zeros(3)})  # v₂ = β₂ v₁ < v₁: amsgrad keeps v₁
    v1 = (1 - b2) * G**2
    step1 = lr * G / (np.abs(G) + eps)
    m2 = b1 * (1 - b1) * G
    step2 = lr / (1 - b1**2) * m2 / (np.sqrt(v1) / np.sqrt(1 - b2**2) + eps)
    close(params["w"], THETA0 - step1 - step2)
    close(opt.state["w"]["max_exp_avg_sq"], v1)


def test_adam_weight_decay_coupled_and_decoupled():
    lr, wd = 0.01, 0.1
    w, _ = run(Adam, G, 1, lr=lr, weight_decay=wd)
    g = G + wd * THETA0
    close(w, THETA0 - lr * g / (np.abs(g) + 1e-8))
    w, _ = run(Adam, G, 1, lr=lr, weight_decay=wd, decoupled_weight_decay=True)
    close(w, (1 - lr * wd) * THETA0 - lr * G / (np.abs(G) + 1e-8))


def test_defaults_are_torchs():
    p = make()
    assert Adam(p).hyperparameters() == {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.0,
                                         "amsgrad": False, "maximize": False, "decoupled_weight_decay": False}
    assert RMSprop(p).hyperparameters() == {"lr": 1e-2, "alpha": 0.99, "eps": 1e-8, "weight_decay": 0.0,
                                            "momentum": 0.0, "centered": False, "maximize": False}
    assert SGD(p).hyperparameters() == {"lr": 1e-3, "momentum": 0.0, "dampening": 0.0, "weight_decay": 0.0,
                                        "nesterov": False, "maximize": False}


def test_lr_is_settable_between_steps():
    params = make()
    opt = SGD(params, lr=0.1)
    opt.step({"w": G.copy()})
    opt.lr = 0.2
    opt.step({"w": G.copy()})
    close(params["w"], THETA0 - 0.3 * G)
    with pytest.raises(ValueError, match="lr"):
        opt.lr = -1.0


def test_updates_in_place_and_keeps_dtype():
    params = {"a": np.ones((2, 3), np.float32), "b": np.zeros(4, np.float32)}
    before = {k: v for k, v in params.items()}
    opt = Adam(params, lr=0.1)
    opt.step({"a": np.ones((2, 3), np.float32), "b": -np.ones(4, np.float32)})
    for k in params:
        assert params[k] is before[k] and params[k].dtype == np.float32
    close(params["a"], 0.9 * np.ones((2, 3)), tol=1e-6)
    close(params["b"], 0.1 * np.ones(4), tol=1e-6)


def test_grads_are_not_modified():
    params = make()
    g = {"w": G.copy()}
    opt = SGD(params, lr=0.1, momentum=0.9, weight_decay=0.1)
    opt.step(g)
    opt.step(g)
    np.testing.assert_array_equal(g["w"], G)


@pytest.mark.parametrize("cls", [SGD, Adagrad, RMSprop, Adam])
def test_clear_errors(cls):
    params = {"W": np.ones((2, 3)), "b": np.zeros(2)}
    opt = cls(params)
    good = {"W": np.ones((2, 3)), "b": np.ones(2)}
    with pytest.raises(ValueError, match=r"missing \['b'\]"):
        opt.step({"W": good["W"]})
    with pytest.raises(ValueError, match=r"unexpected \['c'\]"):
        opt.step({**good, "c": np.ones(1)})
    with pytest.raises(ValueError, match=r"grads\['W'\] has shape \(3, 2\)"):
        opt.step({**good, "W": np.ones((3, 2))})
    with pytest.raises(TypeError, match=r"grads\['b'\] has dtype float32"):
        opt.step({**good, "b": np.ones(2, np.float32)})
    with pytest.raises(ValueError, match=r"grads\['W'\] contains 1 non-finite"):
        opt.step({**good, "W": np.array([[1.0, np.nan, 1.0], [1.0, 1.0, 1.0]])})
    with pytest.raises(TypeError, match="params"):
        cls([np.ones(2)])
    with pytest.raises(TypeError, match=r"params\['x'\] is a list"):
        cls({"x": [1.0, 2.0]})
    with pytest.raises(TypeError, match=r"params\['x'\] has dtype int64"):
        cls({"x": np.arange(3)})
    frozen = np.ones(2)
    frozen.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        cls({"x": frozen})
    # A refused step leaves the parameters untouched.
    np.testing.assert_array_equal(params["W"], np.ones((2, 3)))


def test_invalid_hyperparameters():
    p = make()
    with pytest.raises(ValueError, match="nesterov"):
        SGD(p, momentum=0.0, nesterov=True)
    with pytest.raises(ValueError, match="nesterov"):
        SGD(p, momentum=0.9, dampening=0.1, nesterov=True)
    with pytest.raises(ValueError, match=r"betas\[1\]"):
        Adam(p, betas=(0.9, 1.0))
    with pytest.raises(ValueError, match="lr"):
        Adam(p, lr=-1e-3)
    with pytest.raises(ValueError, match="eps"):
        RMSprop(p, eps=float("nan"))
    with pytest.raises(ValueError, match="lr_decay"):
        Adagrad(p, lr_decay=-0.1)


def test_exported():
    assert lstm.training.optim.Adam is Adam and lstm.Adam is Adam
    assert "Adam" in repr(Adam(make(), lr=0.5)) and "lr=0.5" in repr(Adam(make(), lr=0.5))
