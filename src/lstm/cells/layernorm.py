"""Layer normalisation, and two layer-normalised LSTMs: TensorFlow's ``LayerNormBasicLSTMCell`` and Ba et al.'s.

Layer normalisation (Ba, Kiros and Hinton 2016) of a row z ∈ R^H::

    μ = mean(z),  v = mean((z - μ)²),  ẑ = (z - μ) / sqrt(v + ε),  y = γ ⊙ ẑ + β

TensorFlow's cell (``tf.contrib.rnn.LayerNormBasicLSTMCell`` with
``layer_norm=True``) applies it to each gate's pre-activation separately,
each with its own gain and shift, and to the new cell state before the tanh.
With normalisation on, the cell has no bias (the shifts β take its place),
and ``forget_bias`` is added to the forget gate at run time::

    a = x W_xᵀ + h_prev W_hᵀ                      (B, 4H), no bias
    i = σ(LN_i(a_i)),  f = σ(LN_f(a_f) + forget_bias),  g = tanh(LN_g(a_g)),  o = σ(LN_o(a_o))
    c = LN_c(f ⊙ c_prev + i ⊙ g)                   the normalised state is the one carried on
    h = o ⊙ tanh(c)

Parameters: ``W_x`` (4H, D), ``W_h`` (4H, H), ``gamma`` and ``beta`` (5, H),
whose rows are the gains and shifts of i, f, g, o (the book's gate order)
and of the cell state c.  ε is TensorFlow's, :data:`EPS` = 1e-12; Ba et
al.'s cell (:class:`LayerNormBa`, below) uses :data:`BA_EPS` = 1e-5.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._validate import check_array
from ..blocks.activations import _sigmoid
from ..blocks.gates import GATES
from .base import STACKED, Cell, check_real
from .lstm import LSTMCache, cell_state_grad, gate_grads, gates, linear_backward, preactivation_grad

#: TensorFlow's ``tf.contrib.layers.layer_norm``, which ``LayerNormBasicLSTMCell`` calls,
#: adds this to the variance (its ``variance_epsilon``): :class:`LayerNormTF` keeps it.
EPS = 1e-12
#: Ba et al.'s cell (:class:`LayerNormBa`) adds this instead: the value of the code released with
#: the paper (github.com/ryankiros/layer-norm, ``layers.py``) and PyTorch's ``LayerNorm`` default.
#: The cell normalises W_h h_prev on its own, which is an all-zero row when h_prev = 0 (the usual
#: start); there σ = √ε, and ∂L/∂h_prev grows as 1/√ε: about 2e6 with ε = 1e-12, where it is
#: no longer resolved by finite differences, and about 6e2 with ε = 1e-5.
BA_EPS = 1e-5
NORMS = ("i", "f", "g", "o", "c")


def _check_eps(eps) -> float:
    """ε must be a finite number ≥ 0 (0 only for rows that are never constant)."""
    if isinstance(eps, bool) or not isinstance(eps, (int, float, np.integer, np.floating)) or not (
        np.isfinite(eps) and eps >= 0
    ):
        raise ValueError(f"eps must be a finite number >= 0; got {eps!r}")
    return float(eps)


class LayerNormCache(NamedTuple):
    """What :func:`layer_norm_backward` needs from :func:`layer_norm_forward`."""

    z_hat: np.ndarray  # (B, n) the normalised rows
    inv_std: np.ndarray  # (B, 1) 1 / sqrt(v + ε) per row
    gamma: np.ndarray  # (n,) the gain


def layer_norm_forward(z, gamma, beta, eps: float = EPS):
    """Normalise each row of ``z`` (B, H) and apply gain ``gamma`` and shift ``beta`` (H,)."""
    mu = z.mean(axis=1, keepdims=True)
    centred = z - mu
    inv_std = 1 / np.sqrt((centred * centred).mean(axis=1, keepdims=True) + eps)
    z_hat = centred * inv_std
    return gamma * z_hat + beta, LayerNormCache(z_hat, inv_std, gamma)


def layer_norm_backward(dy, cache):
    """Gradients ``(dz, dgamma, dbeta)`` of layer normalisation, ``dy`` (B, H).

    The Jacobian of ẑ with respect to z is (I - 11ᵀ/H - ẑẑᵀ/H) / σ per row
    (symmetric); applied to dẑ = dy ⊙ γ it gives
    dz = (dẑ - mean(dẑ) - ẑ ⊙ mean(dẑ ⊙ ẑ)) / σ.
    """
    z_hat, inv_std, gamma = cache
    d_hat = dy * gamma
    dz = inv_std * (d_hat - d_hat.mean(axis=1, keepdims=True) - z_hat * (d_hat * z_hat).mean(axis=1, keepdims=True))
    return dz, (dy * z_hat).sum(axis=0), dy.sum(axis=0)


def init_layer_norm_tf_params(input_size: int, hidden_size: int, *, rng=None, dtype=np.float64):
    """Weights as :func:`lstm.init_lstm_params` (uniform ±1/√H); gains 1 and shifts 0, as TensorFlow's defaults."""
    return LayerNormTF().init_params(input_size, hidden_size, rng=rng, dtype=dtype)


class LayerNormTFCache(NamedTuple):
    """One step's cache of :func:`layer_norm_tf_step_forward`."""

    step: LSTMCache  # x (B, D), h_prev, c_prev, i, f, g, o, tanh_c (B, H), W_x (4H, D), W_h (4H, H)
    norms: list  # five LayerNormCache, of LN_i, LN_f, LN_g, LN_o (on (B, H) blocks of a) and LN_c


def layer_norm_tf_step_forward(x, h_prev, c_prev, params, *, forget_bias: float = 1.0, eps: float = EPS):
    """One step of the layer-normalised LSTM → ``(h, c, cache)``; shapes as :func:`lstm.lstm_step_forward`."""
    dims: dict[str, int] = {}
    W_x, W_h, gamma, beta = _TF.check_params(params, dims).values()
    x = check_array("x", x, ("B", "D"), dims, dtype=W_x.dtype)
    h_prev = check_array("h_prev", h_prev, ("B", "H"), dims, dtype=W_x.dtype)
    c_prev = check_array("c_prev", c_prev, ("B", "H"), dims, dtype=W_x.dtype)
    H = dims["H"]

    a = x @ W_x.T + h_prev @ W_h.T
    n, norms = [], []
    for k in range(4):  # each gate normalised on its own, with its own gain and shift
        y, cache_k = layer_norm_forward(a[:, k * H : (k + 1) * H], gamma[k], beta[k], eps)
        n.append(y)
        norms.append(cache_k)
    i, f = _sigmoid(n[0]), _sigmoid(n[1] + forget_bias)
    g, o = np.tanh(n[2]), _sigmoid(n[3])
    c, cache_c = layer_norm_forward(f * c_prev + i * g, gamma[4], beta[4], eps)
    tanh_c = np.tanh(c)
    h = o * tanh_c
    cache = LayerNormTFCache(LSTMCache(x, h_prev, c_prev, i, f, g, o, tanh_c, W_x, W_h), norms + [cache_c])
    return h, c, cache


def layer_norm_tf_step_backward(dh, dc, cache):
    """Gradients of one step: ``x``, ``h_prev``, ``c_prev``, ``W_x``, ``W_h``, ``gamma``, ``beta``.

    The plain cell's formulas with two additions: the gradient at the
    (normalised) state passes back through LN_c before it reaches the gates,
    and each gate's gradient passes back through its own LN before it
    reaches the weights.
    """
    step, norms = cache
    dims = {"B": step.x.shape[0], "H": step.i.shape[1]}
    dtype = step.i.dtype
    dh = np.zeros_like(step.i) if dh is None else check_array("dh", dh, ("B", "H"), dims, dtype=dtype)
    dc = np.zeros_like(step.i) if dc is None else check_array("dc", dc, ("B", "H"), dims, dtype=dtype)

    dc_raw, dgamma_c, dbeta_c = layer_norm_backward(cell_state_grad(dh, dc, step), norms[4])
    dn = preactivation_grad(gate_grads(dh, dc_raw, step), step)  # w.r.t. the normalised pre-activations
    H = dims["H"]
    da, dgamma, dbeta = [], [], []
    for k in range(4):
        d, dg_k, db_k = layer_norm_backward(dn[:, k * H : (k + 1) * H], norms[k])
        da.append(d)
        dgamma.append(dg_k)
        dbeta.append(db_k)
    grads = linear_backward(np.hstack(da), step)
    del grads["b"]  # this cell has no bias: the shifts beta take its place
    return {
        **grads,
        "c_prev": dc_raw * step.f,
        "gamma": np.vstack(dgamma + [dgamma_c]),
        "beta": np.vstack(dbeta + [dbeta_c]),
    }


class LayerNormTF(Cell):
    """TensorFlow's ``LayerNormBasicLSTMCell`` behind the common interface; state ``(h, c)``.

    Parameters ``W_x`` (4H, D), ``W_h`` (4H, H), ``gamma``, ``beta`` (5, H);
    ``forget_bias`` is added at run time, as TensorFlow does.
    """

    name = "layer_norm_tf"
    gates = GATES
    param_spec = {"W_x": ("GH", "D"), "W_h": ("GH", "H"), "gamma": ("G+1", "H"), "beta": ("G+1", "H")}
    init_constants = {"gamma": 1.0, "beta": 0.0}

    def __init__(self, forget_bias: float = 1.0, eps: float = EPS):
        self.forget_bias, self.eps = check_real("forget_bias", forget_bias), _check_eps(eps)

    step_functions = (layer_norm_tf_step_forward, layer_norm_tf_step_backward)

    def step_options(self):
        return {"forget_bias": self.forget_bias, "eps": self.eps}

    def symbolic_step(self, x, state, params):
        from ..checks import symbolic

        h, c, _ = symbolic.layer_norm_tf_step_forward(
            x, *state, params["W_x"], params["W_h"], params["gamma"], params["beta"], self.forget_bias, self.eps
        )
        return h, c


# ---- Ba, Kiros and Hinton's own layer-normalised LSTM ------------------------
#
# The paper's equations (section 3.1 and the appendix), in the book's gate order:
#
#     a = LN(h_prev W_hᵀ; γ_h) + LN(x W_xᵀ; γ_x) + b      (B, 4H), each product normalised over all 4H
#     i, f, g, o = σ(a_i), σ(a_f), tanh(a_g), σ(a_o)
#     c = f ⊙ c_prev + i ⊙ g                               the raw state is the one carried on
#     h = o ⊙ tanh(LN(c; γ_c, β_c))
#
# The paper gives each of the two products a shift as well (β_h, β_x); they only
# ever add to b, so they are folded into it: one bias, as in the plain cell.
# Its ε is BA_EPS = 1e-5, not TensorFlow's 1e-12: from h_prev = 0 the row W_h h_prev
# is all zero, and ε alone sets the size of ∂L/∂h_prev (see BA_EPS).

#: The parameters of :class:`LayerNormBa`, in order: ``W_x`` (4H, D), ``W_h`` (4H, H), ``b`` (4H,);
#: the gains ``gamma_x``, ``gamma_h`` (4H,) of the two normalised products; ``gamma_c``, ``beta_c`` (H,)
#: of the normalised cell state.
BA_PARAMS = ("W_x", "W_h", "b", "gamma_x", "gamma_h", "gamma_c", "beta_c")


def init_layer_norm_ba_params(input_size: int, hidden_size: int, *, rng=None, dtype=np.float64, forget_bias=1.0):
    """The plain cell's ``W_x``, ``W_h``, ``b`` (:func:`lstm.init_lstm_params`), gains 1, shift 0.

    ``gamma_x``, ``gamma_h`` (4H,), ``gamma_c``, ``beta_c`` (H,).
    """
    return LayerNormBa(forget_bias).init_params(input_size, hidden_size, rng=rng, dtype=dtype)


class LayerNormBaCache(NamedTuple):
    """One step's cache of :func:`layer_norm_ba_step_forward`."""

    step: LSTMCache  # x (B, D), h_prev, c_prev, i, f, g, o (B, H), tanh_c = tanh(LN_c(c)) (B, H), W_x, W_h (4H, ·)
    ln_x: LayerNormCache  # of x W_xᵀ (B, 4H)
    ln_h: LayerNormCache  # of h_prev W_hᵀ (B, 4H)
    ln_c: LayerNormCache  # of the new state c (B, H)


def layer_norm_ba_step_forward(x, h_prev, c_prev, params, *, eps: float = BA_EPS):
    """One step of Ba et al.'s layer-normalised LSTM → ``(h, c, cache)``; shapes as :func:`lstm.lstm_step_forward`.

    ``c`` is the raw (un-normalised) cell state, which the next step reads.
    """
    dims: dict[str, int] = {}
    p = _BA.check_params(params, dims)
    W_x, W_h, b = p["W_x"], p["W_h"], p["b"]
    x = check_array("x", x, ("B", "D"), dims, dtype=W_x.dtype)
    h_prev = check_array("h_prev", h_prev, ("B", "H"), dims, dtype=W_x.dtype)
    c_prev = check_array("c_prev", c_prev, ("B", "H"), dims, dtype=W_x.dtype)

    zero = np.zeros_like(b)
    n_x, cache_x = layer_norm_forward(x @ W_x.T, p["gamma_x"], zero, eps)  # over all 4H at once
    n_h, cache_h = layer_norm_forward(h_prev @ W_h.T, p["gamma_h"], zero, eps)
    a = n_x + n_h + b
    i, f, g, o = gates(a)
    c = f * c_prev + i * g
    c_hat, cache_c = layer_norm_forward(c, p["gamma_c"], p["beta_c"], eps)  # only for the output
    tanh_c = np.tanh(c_hat)
    h = o * tanh_c
    step = LSTMCache(x, h_prev, c_prev, i, f, g, o, tanh_c, W_x, W_h)
    return h, c, LayerNormBaCache(step, cache_x, cache_h, cache_c)


def layer_norm_ba_step_backward(dh, dc, cache):
    """Gradients of one step: ``x``, ``h_prev``, ``c_prev`` and every parameter of :data:`BA_PARAMS`.

    The plain cell's formulas with three additions: the path from h to c
    passes back through LN_c, which the direct ``dc`` does not (the carried
    state is raw); and ∂L/∂a passes back through LN_x and LN_h before it
    reaches the two products.
    """
    step, cache_x, cache_h, cache_c = cache
    dims = {"B": step.x.shape[0], "H": step.i.shape[1]}
    dtype = step.i.dtype
    dh = np.zeros_like(step.i) if dh is None else check_array("dh", dh, ("B", "H"), dims, dtype=dtype)
    dc = np.zeros_like(step.i) if dc is None else check_array("dc", dc, ("B", "H"), dims, dtype=dtype)

    # Part II's ∂L/∂ĉ through h (with no direct term), then back through LN_c, then the direct dc.
    dc_hat = cell_state_grad(dh, np.zeros_like(dh), step)
    dc_norm, dgamma_c, dbeta_c = layer_norm_backward(dc_hat, cache_c)
    dc_total = dc_norm + dc
    da = preactivation_grad(gate_grads(dh, dc_total, step), step)
    dz_x, dgamma_x, _ = layer_norm_backward(da, cache_x)
    dz_h, dgamma_h, _ = layer_norm_backward(da, cache_h)
    return {
        "x": dz_x @ step.W_x,
        "h_prev": dz_h @ step.W_h,
        "c_prev": dc_total * step.f,
        "W_x": dz_x.T @ step.x,
        "W_h": dz_h.T @ step.h_prev,
        "b": da.sum(axis=0),
        "gamma_x": dgamma_x,
        "gamma_h": dgamma_h,
        "gamma_c": dgamma_c,
        "beta_c": dbeta_c,
    }


class LayerNormBa(Cell):
    """Ba, Kiros and Hinton's layer-normalised LSTM behind the common interface; state ``(h, c)``.

    Parameters :data:`BA_PARAMS`: ``W_x`` (4H, D), ``W_h`` (4H, H), ``b`` (4H,),
    ``gamma_x``, ``gamma_h`` (4H,), ``gamma_c``, ``beta_c`` (H,).
    """

    name = "layer_norm_ba"
    gates = GATES
    param_spec = {**STACKED, "gamma_x": ("GH",), "gamma_h": ("GH",), "gamma_c": ("H",), "beta_c": ("H",)}
    init_constants = {"b": 0.0, "gamma_x": 1.0, "gamma_h": 1.0, "gamma_c": 1.0, "beta_c": 0.0}

    def __init__(self, forget_bias: float = 1.0, eps: float = BA_EPS):
        self.forget_bias, self.eps = check_real("forget_bias", forget_bias), _check_eps(eps)

    step_functions = (layer_norm_ba_step_forward, layer_norm_ba_step_backward)

    def step_options(self):
        return {"eps": self.eps}

    def symbolic_step(self, x, state, params):
        """The step on SymPy matrices (slow: the harness leaves it out, see tests/test_cells.py)."""
        import sympy as sp

        from ..checks import symbolic

        h_prev, c_prev = state
        B, H = h_prev.shape
        zero4, eps = sp.zeros(4 * H, 1), sp.Float(self.eps)
        a = (
            symbolic.layer_norm(h_prev * params["W_h"].T, params["gamma_h"], zero4, eps)
            + symbolic.layer_norm(x * params["W_x"].T, params["gamma_x"], zero4, eps)
            + sp.ones(B, 1) * params["b"].T
        )
        i, f = a[:, :H].applyfunc(symbolic.sigmoid), a[:, H : 2 * H].applyfunc(symbolic.sigmoid)
        g, o = a[:, 2 * H : 3 * H].applyfunc(symbolic.tanh), a[:, 3 * H :].applyfunc(symbolic.sigmoid)
        c = f.multiply_elementwise(c_prev) + i.multiply_elementwise(g)
        c_hat = symbolic.layer_norm(c, params["gamma_c"], params["beta_c"], eps)
        return o.multiply_elementwise(c_hat.applyfunc(symbolic.tanh)), c


_TF, _BA = LayerNormTF(), LayerNormBa()  # check parameters for the module's functions
