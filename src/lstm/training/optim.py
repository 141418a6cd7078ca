"""Optimisers over a dict of NumPy parameters, with torch.optim's update rules and defaults.

Each optimiser holds a dict ``params`` of float arrays and updates them in
place from a dict ``grads`` with the same keys, shapes and dtypes::

    opt = Adam(params, lr=1e-3)
    loss, grads = loss_and_grads(params, batch)
    opt.step(grads)

The arithmetic follows ``torch/optim/*.py`` (single-tensor path) operation by
operation, so that a float64 run agrees with PyTorch's to rounding.  In the
formulas below g is the gradient, θ the parameter, γ the learning rate, λ the
weight decay and t the step count (from 1).  ``opt.state[name]`` holds each
parameter's buffers under torch's names (``step``, ``momentum_buffer``,
``sum``, ``square_avg``, ``grad_avg``, ``exp_avg``, ``exp_avg_sq``,
``max_exp_avg_sq``).  ``opt.lr`` may be changed between steps (a schedule).
"""
from __future__ import annotations

from collections.abc import MutableMapping

import numpy as np

from .._validate import check_array


def _lerp(start, end, weight):
    """``start + weight (end - start)`` as torch's CPU ``lerp`` rounds it (in place in ``start``)."""
    if weight < 0.5:
        start += weight * (end - start)
    else:
        start[...] = end - (end - start) * (1 - weight)
    return start


def _nonnegative(name, value):
    value = float(value)
    if not value >= 0.0:  # also refuses NaN
        raise ValueError(f"{name} is {value}; expected a number >= 0")
    return value


class Optimizer:
    """Base class: validation of ``params`` and ``grads``, the state, the loop over parameters.

    A subclass sets its hyper-parameters in ``__init__``, names them (after
    ``lr``, by torch's argument names and in torch's order) in
    ``HYPERPARAMETERS``, and implements ``_update(theta, g, state)``, which
    changes ``theta`` in place.
    """

    HYPERPARAMETERS: tuple[str, ...] = ()

    def __init__(self, params: MutableMapping[str, np.ndarray], lr: float):
        if not isinstance(params, MutableMapping) or not params:
            raise TypeError(f"params must be a non-empty dict of arrays; got {type(params).__name__}")
        for name, value in params.items():
            if not isinstance(value, np.ndarray):
                raise TypeError(f"params[{name!r}] is a {type(value).__name__}; expected an ndarray (updated in place)")
            check_array(f"params[{name!r}]", value)
            if not value.flags.writeable:
                raise ValueError(f"params[{name!r}] is read-only; the optimiser updates it in place")
        self.params = params
        self.lr = _nonnegative("lr", lr)
        self.state: dict[str, dict] = {name: {} for name in params}

    @property
    def lr(self) -> float:
        return self._lr

    @lr.setter
    def lr(self, value: float):
        self._lr = _nonnegative("lr", value)

    def _check_grads(self, grads):
        if not isinstance(grads, dict) and not hasattr(grads, "keys"):
            raise TypeError(f"grads must be a dict of arrays; got {type(grads).__name__}")
        missing = [k for k in self.params if k not in grads]
        extra = [k for k in grads if k not in self.params]
        if missing or extra:
            raise ValueError(f"grads keys do not match params: missing {missing}, unexpected {extra}")
        checked = {}
        for name, theta in self.params.items():
            checked[name] = check_array(f"grads[{name!r}]", grads[name], theta.shape, dtype=theta.dtype)
        return checked

    def step(self, grads: dict[str, np.ndarray]) -> None:
        """Update every array of ``params`` in place from ``grads`` (same keys, shapes, dtypes; finite)."""
        grads = self._check_grads(grads)
        for name, theta in self.params.items():
            self._update(theta, grads[name], self.state[name])

    def _update(self, theta, g, state):  # pragma: no cover - abstract
        raise NotImplementedError

    def __repr__(self):
        hyper = ", ".join(f"{k}={v!r}" for k, v in self.hyperparameters().items())
        return f"{type(self).__name__}({hyper})"

    def hyperparameters(self) -> dict:
        """The settings, by torch's argument names."""
        return {"lr": self.lr, **{k: getattr(self, k) for k in self.HYPERPARAMETERS}}


class SGD(Optimizer):
    r"""Stochastic gradient descent, torch.optim.SGD's rule.

    .. math::
        g &\leftarrow g + λθ \\
        b_1 &= g, \quad b_t = μ b_{t-1} + (1 - τ) g \\
        g &\leftarrow g + μ b_t \ \text{(Nesterov)} \quad\text{or}\quad g \leftarrow b_t \\
        θ &\leftarrow θ - γ g

    with momentum μ and dampening τ; the buffer starts at the first gradient
    itself (undamped), as in torch.
    """

    HYPERPARAMETERS = ("momentum", "dampening", "weight_decay", "nesterov", "maximize")

    def __init__(self, params, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False,
                 *, maximize=False):
        super().__init__(params, lr)
        self.momentum = _nonnegative("momentum", momentum)
        self.dampening = float(dampening)
        self.weight_decay = _nonnegative("weight_decay", weight_decay)
        self.nesterov = bool(nesterov)
        self.maximize = bool(maximize)
        if self.nesterov and (self.momentum <= 0 or self.dampening != 0):
            raise ValueError("nesterov=True requires momentum > 0 and dampening = 0")

    def _update(self, theta, g, state):
        g = -g if self.maximize else g
        if self.weight_decay != 0:
            g = g + self.weight_decay * theta
        if self.momentum != 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = g.copy()
            else:
                buf *= self.momentum
                buf += (1 - self.dampening) * g
            g = g + self.momentum * buf if self.nesterov else buf
        theta -= self.lr * g


class Adagrad(Optimizer):
    r"""Adagrad (Duchi et al. 2011), torch.optim.Adagrad's rule.

    .. math::
        g &\leftarrow g + λθ, \qquad γ_t = γ / (1 + (t - 1) η) \\
        s_t &= s_{t-1} + g^2, \quad s_0 = \text{initial\_accumulator\_value} \\
        θ &\leftarrow θ - γ_t \, g / (\sqrt{s_t} + ε)

    with learning-rate decay η.
    """

    HYPERPARAMETERS = ("lr_decay", "weight_decay", "initial_accumulator_value", "eps", "maximize")

    def __init__(self, params, lr=1e-2, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0,
                 eps=1e-10, *, maximize=False):
        super().__init__(params, lr)
        self.lr_decay = _nonnegative("lr_decay", lr_decay)
        self.weight_decay = _nonnegative("weight_decay", weight_decay)
        self.initial_accumulator_value = _nonnegative("initial_accumulator_value", initial_accumulator_value)
        self.eps = _nonnegative("eps", eps)
        self.maximize = bool(maximize)
        for name, theta in self.params.items():
            self.state[name] = {"step": 0, "sum": np.full_like(theta, self.initial_accumulator_value)}

    def _update(self, theta, g, state):
        state["step"] += 1
        g = -g if self.maximize else g
        if self.weight_decay != 0:
            g = g + self.weight_decay * theta
        clr = self.lr / (1 + (state["step"] - 1) * self.lr_decay)
        state["sum"] += g * g
        std = np.sqrt(state["sum"]) + self.eps
        theta -= clr * (g / std)


class RMSprop(Optimizer):
    r"""RMSprop (Hinton's lecture 6e), torch.optim.RMSprop's rule.

    .. math::
        g &\leftarrow g + λθ \\
        v_t &= α v_{t-1} + (1 - α) g^2 \\
        \bar g_t &= α \bar g_{t-1} + (1 - α) g, \quad d = \sqrt{v_t - \bar g_t^2} + ε
            \ \text{(centered)} \quad\text{or}\quad d = \sqrt{v_t} + ε \\
        b_t &= μ b_{t-1} + g / d, \quad θ \leftarrow θ - γ b_t \ \text{(momentum)}
            \quad\text{or}\quad θ \leftarrow θ - γ g / d

    Note that ε is added *outside* the square root, and that the buffers
    start at zero (no bias correction), as in torch.
    """

    HYPERPARAMETERS = ("alpha", "eps", "weight_decay", "momentum", "centered", "maximize")

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False,
                 *, maximize=False):
        super().__init__(params, lr)
        self.alpha = _nonnegative("alpha", alpha)
        self.eps = _nonnegative("eps", eps)
        self.weight_decay = _nonnegative("weight_decay", weight_decay)
        self.momentum = _nonnegative("momentum", momentum)
        self.centered = bool(centered)
        self.maximize = bool(maximize)
        for name, theta in self.params.items():
            state = self.state[name] = {"step": 0, "square_avg": np.zeros_like(theta)}
            if self.momentum > 0:
                state["momentum_buffer"] = np.zeros_like(theta)
            if self.centered:
                state["grad_avg"] = np.zeros_like(theta)

    def _update(self, theta, g, state):
        state["step"] += 1
        g = -g if self.maximize else g
        if self.weight_decay != 0:
            g = g + self.weight_decay * theta
        square_avg = state["square_avg"]
        square_avg *= self.alpha
        square_avg += (1 - self.alpha) * g * g
        if self.centered:
            grad_avg = _lerp(state["grad_avg"], g, 1 - self.alpha)
            avg = np.sqrt(square_avg - grad_avg * grad_avg)
        else:
            avg = np.sqrt(square_avg)
        avg += self.eps
        if self.momentum > 0:
            buf = state["momentum_buffer"]
            buf *= self.momentum
            buf += g / avg
            theta -= self.lr * buf
        else:
            theta -= self.lr * (g / avg)


class Adam(Optimizer):
    r"""Adam (Kingma & Ba 2015), torch.optim.Adam's rule.

    .. math::
        g &\leftarrow g + λθ \quad (\text{or } θ \leftarrow (1 - γλ)θ \text{ if decoupled: AdamW}) \\
        m_t &= β_1 m_{t-1} + (1 - β_1) g, \qquad v_t = β_2 v_{t-1} + (1 - β_2) g^2 \\
        \hat v_t &= \max(\hat v_{t-1}, v_t) \ \text{(amsgrad)} \quad\text{or}\quad \hat v_t = v_t \\
        θ &\leftarrow θ - \frac{γ}{1 - β_1^t} \, \frac{m_t}{\sqrt{\hat v_t} / \sqrt{1 - β_2^t} + ε}

    ε is added after the square root of the bias-corrected second moment, as
    in torch (the paper's order too); placing it inside the root, or before
    the correction, changes early steps.
    """

    HYPERPARAMETERS = ("betas", "eps", "weight_decay", "amsgrad", "maximize", "decoupled_weight_decay")

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False,
                 *, maximize=False, decoupled_weight_decay=False):
        super().__init__(params, lr)
        if len(betas) != 2:
            raise ValueError(f"betas is {betas!r}; expected a pair (beta1, beta2)")
        for k, beta in enumerate(betas):
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"betas[{k}] is {beta}; expected 0 <= beta < 1")
        self.betas = (float(betas[0]), float(betas[1]))
        self.eps = _nonnegative("eps", eps)
        self.weight_decay = _nonnegative("weight_decay", weight_decay)
        self.amsgrad = bool(amsgrad)
        self.maximize = bool(maximize)
        self.decoupled_weight_decay = bool(decoupled_weight_decay)
        for name, theta in self.params.items():
            state = self.state[name] = {"step": 0, "exp_avg": np.zeros_like(theta), "exp_avg_sq": np.zeros_like(theta)}
            if self.amsgrad:
                state["max_exp_avg_sq"] = np.zeros_like(theta)

    def _update(self, theta, g, state):
        beta1, beta2 = self.betas
        state["step"] += 1
        t = state["step"]
        g = -g if self.maximize else g
        if self.weight_decay != 0:
            if self.decoupled_weight_decay:
                theta *= 1 - self.lr * self.weight_decay
            else:
                g = g + self.weight_decay * theta
        m = _lerp(state["exp_avg"], g, 1 - beta1)
        v = state["exp_avg_sq"]
        v *= beta2
        v += (1 - beta2) * g * g
        if self.amsgrad:
            np.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
            v = state["max_exp_avg_sq"]
        step_size = self.lr / (1 - beta1**t)
        denom = np.sqrt(v) / (1 - beta2**t) ** 0.5 + self.eps
        theta -= step_size * (m / denom)


__all__ = ["Optimizer", "SGD", "Adagrad", "RMSprop", "Adam"]
