"""An LSTM layer over a whole sequence: forward pass and backpropagation through time.

Time-major, like ``torch.nn.LSTM``'s default: ``x`` is (T, B, D) and the
hidden states ``hs`` are (T, B, H).

Two implementations compute the same thing.  :func:`reference_forward` and
:func:`reference_backward` run the readable step of :mod:`lstm.cells.lstm` in a
loop, exactly as Part III writes the recursions.  :func:`lstm_forward` and
:func:`lstm_backward` are the fast path, which training and the benchmark use;
a test proves them equal to the reference to rounding.  What the fast path
changes (the chapter *Making it fast* measures each change):

* the input projection x_t W_xᵀ + b of all T steps is one matrix product
  before the loop (it does not depend on h), leaving one product,
  h_{t-1} W_hᵀ, inside each forward step;
* the backward loop carries ∂L/∂h and ∂L/∂c from step to step and does one
  product per step, ∂L/∂a_t W_h; the weight gradients and ∂L/∂x, which sum
  over time, are single products after the loop;
* every array is allocated once for the whole sequence and each step
  writes into its slice (``out=``), so that no step allocates memory;
* σ(a) = (1 + tanh(a/2)) / 2, with the halving folded into the weights, so
  one ``tanh`` call computes all four gates of a step (see :func:`lstm_forward`);
* what the backward loop multiplies by and that depends only on the forward
  pass (the activations' derivatives, o_t ⊙ (1 - tanh² c_t)) is computed for
  all T steps at once, before the loop.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._validate import check_array, check_sequence
from .lstm import LSTMCache, check_lstm_params, lstm_step_backward, lstm_step_forward


class SequenceCache(NamedTuple):
    """What :func:`lstm_backward` needs from :func:`lstm_forward`: everything BPTT stores."""

    x: np.ndarray  # (T, B, D) inputs
    h_prevs: np.ndarray  # (T, B, H): h_0, h_1, …, h_{T-1}, the states each step read
    c_prevs: np.ndarray  # (T, B, H): c_0, c_1, …, c_{T-1}
    gates: np.ndarray  # (T, B, 4H): i, f, g, o of every step, side by side
    tanh_cs: np.ndarray  # (T, B, H): tanh(c_1), …, tanh(c_T)
    W_x: np.ndarray  # (4H, D)
    W_h: np.ndarray  # (4H, H)

    @property
    def steps(self) -> list:
        """The T steps as :class:`lstm.cells.lstm.LSTMCache` views (x, h_prev, c_prev, gates, tanh c)."""
        arrays = zip(self.x, self.h_prevs, self.c_prevs, self.gates, self.tanh_cs)
        steps = []
        for x_t, h_prev, c_prev, gates, tanh_c in arrays:
            i, f, g, o = np.split(gates, 4, axis=1)
            steps.append(LSTMCache(x_t, h_prev, c_prev, i, f, g, o, tanh_c, self.W_x, self.W_h))
        return steps


def _sigmoid_scale(H, dtype):
    """(4H,): ½ on the rows of the sigmoid gates i, f, o and 1 on those of g."""
    scale = np.full(4 * H, 0.5, dtype)
    scale[2 * H : 3 * H] = 1
    return scale


def _initial_states(h0, c0, dims, dtype, names=("h0", "c0")):
    """Two (B, H) arrays: zeros for ``None``, checked (and named in errors) otherwise."""
    shape = (dims["B"], dims["H"])
    return tuple(
        np.zeros(shape, dtype) if v is None else check_array(name, v, ("B", "H"), dims, dtype=dtype)
        for name, v in zip(names, (h0, c0))
    )


def lstm_forward(x, params, h0=None, c0=None):
    """Run the LSTM over a sequence (the fast path).

    Parameters
    ----------
    x : (T, B, D) inputs, time first.
    params : ``{"W_x": (4H, D), "W_h": (4H, H), "b": (4H,)}``.
    h0, c0 : (B, H) initial states; ``None`` for zeros.

    Returns
    -------
    hs : (T, B, H) hidden states h_1 … h_T.
    (h_T, c_T) : (B, H) each, the final states.
    cache : :class:`SequenceCache` for :func:`lstm_backward`.

    Notes
    -----
    The sigmoid is computed as σ(a) = (1 + tanh(a/2)) / 2.  The rows of W_x,
    W_h and b that feed i, f and o are halved once, before the loop
    (halving is exact in binary floating point), so each step's four gates
    are one ``tanh`` over its (B, 4H) slice followed by one multiply-add.
    NumPy's tanh is vectorised; this replaces the four passes of
    1 / (1 + exp(-a)).  It is exact where σ(a) is not tiny; where σ(a) is
    below the rounding unit of 1 it returns 0 or a multiple of that unit (an
    absolute error below 2⁻⁵³ in float64), which every quantity downstream
    tolerates, since it only ever meets σ added to or multiplied by numbers of
    order one.
    """
    dims: dict[str, int] = {}
    W_x, W_h, b = check_lstm_params(params, dims)
    dtype = W_x.dtype
    x = check_sequence("x", x, dims, dtype=dtype)
    T, B, D = x.shape
    H = dims["H"]
    h0, c0 = _initial_states(h0, c0, dims, dtype)

    scale = _sigmoid_scale(H, dtype)
    shift = 1 - scale  # ½ for i, f, o and 0 for g: σ = ½ tanh(a/2) + ½, g = tanh(a)
    # All T input projections in one product, before the loop (they do not
    # depend on h).  The (T, B, 4H) result is then the gates' storage: each
    # step adds its recurrent term and turns its slice into gates in place.
    gates = np.matmul(x.reshape(T * B, D), (W_x * scale[:, None]).T).reshape(T, B, 4 * H)
    gates += b * scale
    W_hT = (W_h * scale[:, None]).T
    hs = np.empty((T + 1, B, H), dtype)
    cs = np.empty((T + 1, B, H), dtype)
    tanh_cs = np.empty((T, B, H), dtype)
    hs[0], cs[0] = h0, c0
    recurrent = np.empty((B, 4 * H), dtype)
    for t in range(T):
        a, h, c = gates[t], hs[t + 1], cs[t + 1]
        a += np.matmul(hs[t], W_hT, out=recurrent)  # the one product that must wait for h_{t-1}
        np.tanh(a, out=a)
        a *= scale
        a += shift
        i, f, g, o = a[:, :H], a[:, H : 2 * H], a[:, 2 * H : 3 * H], a[:, 3 * H :]
        np.multiply(f, cs[t], out=c)
        c += np.multiply(i, g, out=h)  # h's memory holds i ⊙ g until h is known
        np.multiply(o, np.tanh(c, out=tanh_cs[t]), out=h)
    cache = SequenceCache(x, hs[:-1], cs[:-1], gates, tanh_cs, W_x, W_h)
    return hs[1:], (hs[T], cs[T]), cache


def lstm_backward(dhs, cache: SequenceCache, dh_T=None, dc_T=None, *, input_grad: bool = True):
    """Backpropagation through time (the fast path).

    Parameters
    ----------
    dhs : (T, B, H) gradient of the loss with respect to every h_t (zeros
        where a step has no loss), or ``None``.
    cache : from :func:`lstm_forward`.
    dh_T, dc_T : (B, H) extra gradients arriving at the final states (from a
        loss on them, or from the next window of a truncated sequence).

    Returns
    -------
    dict with ``x`` (T, B, D), ``h0``, ``c0`` (B, H), ``W_x`` (4H, D),
    ``W_h`` (4H, H), ``b`` (4H,).

    Notes
    -----
    Besides the cache (T·B·(D + 7H) numbers), this allocates two arrays for
    all T steps before its loop: the activations' derivatives, which become
    ∂L/∂a (T, B, 4H), and o_t ⊙ (1 - tanh² c_t) (T, B, H).  The peak of
    forward and backward together is therefore about T·B·(D + 12H) numbers
    (with ∂L/∂x, T·B·D, in place of x, which is the caller's array).
    """
    x, h_prevs, c_prevs, gates, tanh_cs, W_x, W_h = cache
    T, B, D = x.shape
    H = h_prevs.shape[2]
    dtype = h_prevs.dtype
    dims = {"T": T, "B": B, "H": H}
    if dhs is not None:
        dhs = check_array("dhs", dhs, ("T", "B", "H"), dims, dtype=dtype)
    dh = np.zeros((B, H), dtype)
    dc = np.zeros((B, H), dtype)
    if dh_T is not None:
        dh += check_array("dh_T", dh_T, ("B", "H"), dims, dtype=dtype)
    if dc_T is not None:
        dc += check_array("dc_T", dc_T, ("B", "H"), dims, dtype=dtype)

    # What the loop multiplies by depends only on the forward pass, so it is computed for all
    # T steps at once, before the loop, instead of step by step:
    # - the activations' derivatives through the gate values G, one formula for all four
    #   blocks: (α - G) ⊙ G + γ is σ(1 - σ) with α = 1, γ = 0 and 1 - tanh² with α = 0, γ = 1
    #   (written into da, which each step then multiplies in place);
    # - q_t = o_t ⊙ (1 - tanh² c_t), which carries ∂L/∂h_t into ∂L/∂c_t.
    sig = _sigmoid_scale(H, dtype) == 0.5
    da = np.subtract(sig.astype(dtype), gates)
    da *= gates
    da += ~sig
    q = np.multiply(tanh_cs, tanh_cs)
    np.subtract(1, q, out=q)
    q *= gates[:, :, 3 * H :]
    upstream = np.empty((B, 4 * H), dtype)  # ∂L/∂i, ∂L/∂f, ∂L/∂g, ∂L/∂o of one step
    u_i, u_f, u_g, u_o = (upstream[:, k * H : (k + 1) * H] for k in range(4))
    tmp = np.empty((B, H), dtype)
    for t in reversed(range(T)):
        G, d = gates[t], da[t]
        if dhs is not None:
            dh += dhs[t]  # h_t reaches the loss at step t and through step t + 1
        dc += np.multiply(dh, q[t], out=tmp)  # ∂L/∂c_t: from step t + 1 and through h_t
        np.multiply(dc, G[:, 2 * H : 3 * H], out=u_i)  # ∂L/∂i = ∂L/∂c ⊙ g
        np.multiply(dc, c_prevs[t], out=u_f)  # ∂L/∂f = ∂L/∂c ⊙ c_{t-1}
        np.multiply(dc, G[:, :H], out=u_g)  # ∂L/∂g = ∂L/∂c ⊙ i
        np.multiply(dh, tanh_cs[t], out=u_o)  # ∂L/∂o = ∂L/∂h ⊙ tanh c
        d *= upstream  # ∂L/∂a_t
        dc *= G[:, H : 2 * H]  # ∂L/∂c_{t-1} through this step: ⊙ f
        np.matmul(d, W_h, out=dh)  # ∂L/∂h_{t-1} through this step's four gates

    da_flat = da.reshape(T * B, 4 * H)
    grads = {"x": (da_flat @ W_x).reshape(T, B, D)} if input_grad else {}
    grads.update({
        "h0": dh,
        "c0": dc,
        # Tied weights: the sum over steps (and examples) of each step's gradient.
        "W_x": da_flat.T @ x.reshape(T * B, D),
        "W_h": da_flat.T @ h_prevs.reshape(T * B, H),
        "b": da_flat.sum(axis=0),
    })
    return grads


def reference_forward(x, params, h0=None, c0=None):
    """The readable reference: :func:`lstm.lstm_step_forward` at every step, as Part III writes it.

    Same arguments and results as :func:`lstm_forward`, except that the cache is
    the list of the T steps' :class:`lstm.cells.lstm.LSTMCache`.
    """
    dims: dict[str, int] = {}
    W_x, _, _ = check_lstm_params(params, dims)
    x = check_sequence("x", x, dims, dtype=W_x.dtype)
    h, c = _initial_states(h0, c0, dims, W_x.dtype)
    hs, caches = [], []
    for x_t in x:
        h, c, cache = lstm_step_forward(x_t, h, c, params)
        hs.append(h)
        caches.append(cache)
    return np.stack(hs), (h, c), caches


def reference_backward(dhs, caches, dh_T=None, dc_T=None):
    """The readable reference for :func:`lstm_backward`: :func:`lstm.lstm_step_backward` at every step.

    ``caches`` is the list from :func:`reference_forward`; ``dhs`` (T, B, H)
    or ``None``, ``dh_T``, ``dc_T`` (B, H) or ``None``.  Returns the dict of
    :func:`lstm_backward`.  The parameters' gradients are sums over the steps
    (tied weights).
    """
    T = len(caches)
    if T == 0:
        raise ValueError("caches is empty (T = 0 steps); reference_forward returns one cache per step, T ≥ 1")
    B, H = caches[0].i.shape
    dtype = caches[0].i.dtype
    dims = {"T": T, "B": B, "H": H}
    if dhs is None:
        dhs = np.zeros((T, B, H), dtype)
    dhs = check_array("dhs", dhs, ("T", "B", "H"), dims, dtype=dtype)
    dh, dc = _initial_states(dh_T, dc_T, dims, dtype, names=("dh_T", "dc_T"))
    dxs = [None] * T
    totals = {"W_x": 0, "W_h": 0, "b": 0}
    for t in reversed(range(T)):
        step = lstm_step_backward(dh + dhs[t], dc, caches[t])  # h_t feeds the loss at t and step t + 1
        dxs[t], dh, dc = step["x"], step["h_prev"], step["c_prev"]
        for name in totals:
            totals[name] = totals[name] + step[name]
    return {"x": np.stack(dxs), "h0": dh, "c0": dc, **totals}
