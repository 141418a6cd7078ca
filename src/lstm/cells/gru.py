"""The gated recurrent unit (GRU) in its two published forms.

Both forms read the same parameters, with gate blocks r (reset), z (update)
and n (candidate) stacked in PyTorch's order::

    a = x W_xᵀ + b_x              (B, 3H), blocks a_r, a_z, a_n
    u = h_prev W_hᵀ + b_h         (B, 3H), blocks u_r, u_z, u_n
    r = σ(a_r + u_r),   z = σ(a_z + u_z)
    h = (1 − z) ⊙ n + z ⊙ h_prev

and differ only in where the reset gate acts on the candidate n:

* ``reset_after=True``, PyTorch's ``torch.nn.GRU`` (Keras's ``reset_after=True``):
  r multiplies the recurrent product *and its bias*::

      n = tanh(a_n + r ⊙ u_n) = tanh(x W_xnᵀ + b_xn + r ⊙ (h_prev W_hnᵀ + b_hn))

* ``reset_after=False``, Cho et al. 2014 (d2l.ai; Keras's ``reset_after=False``):
  r multiplies the state before the matrix::

      n = tanh(x W_xnᵀ + b_xn + (r ⊙ h_prev) W_hnᵀ + b_hn)

Parameters: ``W_x`` (3H, D), ``W_h`` (3H, H), ``b_x`` (3H,), ``b_h`` (3H,).
Why two biases: in PyTorch's form ``b_hn`` sits inside r ⊙ (…), so it is
scaled by the gate and cannot be merged with ``b_xn``; the r and z blocks of
``b_x`` and ``b_h`` act only through their sums, as PyTorch's two LSTM biases
do.  In Cho's form all three blocks act only through ``b_x + b_h``, and
their gradients are equal; the pair is kept so that both forms read one
parameter dict (and load from ``torch.nn.GRU`` unchanged).

Backward from δh = ∂L/∂h, with σ' = s(1 − s) and tanh' = 1 − n²::

    δn = δh ⊙ (1 − z),   δz = δh ⊙ (h_prev − n)
    δa_n = δn ⊙ (1 − n²),   δa_z = δz ⊙ z(1 − z),   δa_r = δr ⊙ r(1 − r)
    PyTorch's form: δr = δa_n ⊙ u_n,   δu_n = δa_n ⊙ r
    Cho's form:     δs = δa_n W_hn (s = r ⊙ h_prev),   δr = δs ⊙ h_prev
    δa = [δa_r, δa_z, δa_n]:   ∂L/∂x = δa W_x,   ∂L/∂W_x = δaᵀ x,   ∂L/∂b_x = Σ_batch δa
    PyTorch's form: δu = [δa_r, δa_z, δu_n],   ∂L/∂W_h = δuᵀ h_prev,   ∂L/∂b_h = Σ_batch δu,
                    ∂L/∂h_prev = δh ⊙ z + δu W_h
    Cho's form:     ∂L/∂W_h = [[δa_r, δa_z]ᵀ h_prev; δa_nᵀ s],   ∂L/∂b_h = ∂L/∂b_x,
                    ∂L/∂h_prev = δh ⊙ z + [δa_r, δa_z] [W_hr; W_hz] + δs ⊙ r

Chapter *The gated recurrent unit* derives each line and proves it with SymPy.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._validate import check_array
from ..blocks.activations import _sigmoid, _sigmoid_grad_from_output, _tanh_grad_from_output
from .base import Cell

GRU_GATES = ("r", "z", "n")
GRU_PARAMS = ("W_x", "W_h", "b_x", "b_h")


class GRUCache(NamedTuple):
    x: np.ndarray  # (B, D)
    h_prev: np.ndarray  # (B, H)
    r: np.ndarray  # (B, H) reset gate
    z: np.ndarray  # (B, H) update gate
    n: np.ndarray  # (B, H) candidate
    v: np.ndarray  # (B, H) what r multiplies: u_n (PyTorch's form) or h_prev (Cho's form)
    s: np.ndarray | None  # (B, H) r ⊙ h_prev in Cho's form, else None
    W_x: np.ndarray  # (3H, D)
    W_h: np.ndarray  # (3H, H)
    reset_after: bool


def gru_param_shapes(D: int, H: int) -> dict[str, tuple[int, ...]]:
    """Shapes of ``W_x`` (3H, D), ``W_h`` (3H, H), ``b_x`` (3H,), ``b_h`` (3H,)."""
    return GRU().param_shapes(D, H)


def check_gru_params(params, dims: dict | None = None):
    """Validate ``params``; return ``(W_x, W_h, b_x, b_h)`` and bind D and H in ``dims``."""
    p = _GRU.check_params(params, dims)
    return tuple(p[k] for k in GRU_PARAMS)


def init_gru_params(input_size: int, hidden_size: int, *, rng=None, dtype=np.float64) -> dict[str, np.ndarray]:
    """Every parameter uniform in (−1/√H, 1/√H), as ``torch.nn.GRU`` initialises them."""
    return GRU().init_params(input_size, hidden_size, rng=rng, dtype=dtype)


def gru_step_forward(x, h_prev, params, *, reset_after: bool = True):
    """One GRU step: ``x`` (B, D), ``h_prev`` (B, H) → ``(h, cache)``, h (B, H).

    ``reset_after=True`` is PyTorch's form, ``False`` Cho et al.'s (module docstring).
    """
    dims: dict[str, int] = {}
    W_x, W_h, b_x, b_h = check_gru_params(params, dims)
    x = check_array("x", x, ("B", "D"), dims, dtype=W_x.dtype)
    h_prev = check_array("h_prev", h_prev, ("B", "H"), dims, dtype=W_x.dtype)
    H = dims["H"]
    a = x @ W_x.T + b_x
    u_rz = h_prev @ W_h[: 2 * H].T + b_h[: 2 * H]
    r = _sigmoid(a[:, :H] + u_rz[:, :H])
    z = _sigmoid(a[:, H : 2 * H] + u_rz[:, H:])
    if reset_after:
        v = h_prev @ W_h[2 * H :].T + b_h[2 * H :]  # u_n, which the gate scales
        s = None
        n = np.tanh(a[:, 2 * H :] + r * v)
    else:
        v = h_prev
        s = r * h_prev
        n = np.tanh(a[:, 2 * H :] + s @ W_h[2 * H :].T + b_h[2 * H :])
    h = (1 - z) * n + z * h_prev
    return h, GRUCache(x, h_prev, r, z, n, v, s, W_x, W_h, bool(reset_after))


def gru_step_backward(dh, cache: GRUCache) -> dict[str, np.ndarray]:
    """Gradients of one GRU step from ``dh`` (B, H), or ``None`` for zero.

    Returns ``x`` (B, D), ``h_prev`` (B, H), ``W_x`` (3H, D), ``W_h`` (3H, H),
    ``b_x`` (3H,), ``b_h`` (3H,).
    """
    x, h_prev, r, z, n, v, s, W_x, W_h, reset_after = cache
    dh = np.zeros_like(n) if dh is None else check_array("dh", dh, n.shape, dtype=n.dtype)
    H = n.shape[1]
    dn = dh * (1 - z)
    dz = dh * (h_prev - n)  # h = n + z ⊙ (h_prev − n)
    dan = dn * _tanh_grad_from_output(n)
    if reset_after:
        dr = dan * v
        dun = dan * r  # r scales u_n = h_prev W_hnᵀ + b_hn
    else:
        ds = dan @ W_h[2 * H :]
        dr = ds * h_prev
    dar = dr * _sigmoid_grad_from_output(r)
    daz = dz * _sigmoid_grad_from_output(z)
    da = np.concatenate([dar, daz, dan], axis=1)
    dh_prev = dh * z + da[:, : 2 * H] @ W_h[: 2 * H]
    if reset_after:
        du = np.concatenate([dar, daz, dun], axis=1)
        dW_h = du.T @ h_prev
        dh_prev += dun @ W_h[2 * H :]
    else:
        du = da  # the n block's bias b_hn sits beside b_xn, outside the gate
        dW_h = np.concatenate([da[:, : 2 * H].T @ h_prev, dan.T @ s])
        dh_prev += ds * r
    return {
        "x": da @ W_x, "h_prev": dh_prev, "W_x": da.T @ x, "W_h": dW_h, "b_x": da.sum(axis=0), "b_h": du.sum(axis=0)
    }


class GRU(Cell):
    """The GRU behind the common interface; state ``(h,)``.

    ``GRU()`` (``reset_after=True``) is ``torch.nn.GRU``'s form,
    ``GRU(reset_after=False)`` Cho et al. 2014's.
    """

    name = "gru"
    state_names = ("h",)
    gates = "".join(GRU_GATES)
    param_spec = {"W_x": ("GH", "D"), "W_h": ("GH", "H"), "b_x": ("GH",), "b_h": ("GH",)}

    def __init__(self, reset_after: bool = True):
        if not isinstance(reset_after, (bool, np.bool_)):
            raise TypeError(f"reset_after must be True or False; got {reset_after!r}")
        self.reset_after = bool(reset_after)

    step_functions = (gru_step_forward, gru_step_backward)

    def step_options(self):
        return {"reset_after": self.reset_after}

    def symbolic_step(self, x, state, params):
        from ..checks import symbolic

        (h_prev,) = state
        h, _ = symbolic.gru_step_forward(x, h_prev, *(params[k] for k in GRU_PARAMS), reset_after=self.reset_after)
        return (h,)


_GRU = GRU()  # checks parameters for the module's functions
