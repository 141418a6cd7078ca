"""Stacked and bidirectional layers over padded batches, for any cell behind :class:`lstm.cells.base.Cell`.

A stack of ``L`` layers reads ``x`` (T, B, D).  Layer 0 reads ``x``; layer
l > 0 reads the outputs of layer l − 1, the two directions concatenated
(forward first), so its input size is ``directions · H``.  A bidirectional
layer runs two independent cells over the same input: the forward one from
t = 1 up, the reverse one from each sequence's own last step down to t = 1.
Only the top layer's outputs leave the stack, as in ``torch.nn.LSTM``.

Parameter layout
----------------
One flat dict, so that the optimisers of :mod:`lstm.training.optim` and
:func:`lstm.checks.gradcheck.gradcheck` take it as it is.  The cell's parameter ``name`` of
layer ``l`` is stored under ``f"{name}_l{l}"`` for the forward direction
and ``f"{name}_l{l}_reverse"`` for the reverse one, after PyTorch's
``weight_ih_l0_reverse``::

    W_x_l0 (4H, D), W_h_l0 (4H, H), b_l0 (4H,), W_x_l0_reverse, …,
    W_x_l1 (4H, directions·H), …                                  (an LSTM cell)

:func:`split_stack` and :func:`join_stack` convert to and from a list (one
entry per layer) of lists (one per direction) of the cell's own dicts.

States
------
As PyTorch's: each part of the state (``h``, and ``c`` for the LSTM family)
is one array (L·directions, B, H); row ``l · directions + d`` belongs to
layer l, direction d (0 forward, 1 reverse).  ``state0`` and ``state_T``
are tuples of such arrays in ``cell.state_names`` order.

Padding
-------
With ``lengths`` (B,), sequence b occupies steps 0 … lengths[b] − 1.  On
the padded steps every layer and direction carries its state unchanged and
outputs zeros (:func:`lstm.sequence_forward`), so each final state is the
state at the sequence's own end, and the reverse direction reads
x[lengths[b] − 1], …, x[0]: each sequence is reversed within its own length.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import NamedTuple

import numpy as np

from .._validate import check_array, check_sequence
from .base import Cell
from .loop import check_lengths, sequence_backward, sequence_forward

DIRECTION_SUFFIX = ("", "_reverse")
_KEY = re.compile(r"^(?P<name>.+)_l(?P<layer>\d+)(?P<reverse>_reverse)?$")


def stack_key(name: str, layer: int, direction: int = 0) -> str:
    """The key of the cell's parameter ``name`` for ``layer`` and ``direction`` (0 forward, 1 reverse)."""
    return f"{name}_l{layer}{DIRECTION_SUFFIX[direction]}"


def _check_config(num_layers, bidirectional):
    if isinstance(num_layers, (bool, np.bool_)) or not isinstance(num_layers, (int, np.integer)) or num_layers < 1:
        raise ValueError(f"num_layers must be a positive integer; got {num_layers!r}")
    if not isinstance(bidirectional, (bool, np.bool_)):
        raise TypeError(f"bidirectional must be True or False; got {bidirectional!r}")
    return int(num_layers), 2 if bidirectional else 1


def init_stack(
    cell: Cell, D: int, H: int, num_layers: int = 1, bidirectional: bool = False, *, rng=None, dtype=np.float64
) -> dict[str, np.ndarray]:
    """Fresh parameters of a stack: ``cell.init_params`` for each layer and direction.

    Layer 0 reads D inputs, every later layer directions·H.  Keys as in the
    module docstring (``"W_x_l0"``, ``"W_x_l0_reverse"``, …).
    """
    L, dirs = _check_config(num_layers, bidirectional)
    rng = np.random.default_rng(rng)
    params = {}
    for l in range(L):
        for d in range(dirs):
            p = cell.init_params(D if l == 0 else dirs * H, H, rng=rng, dtype=dtype)
            params.update({stack_key(k, l, d): v for k, v in p.items()})
    return params


def stack_dims(cell: Cell, params) -> dict:
    """Validate a stack's ``params`` and return ``{"L", "directions", "D", "H", "dtype"}``.

    Raises a ``ValueError`` naming what is wrong: keys that are not the
    cell's, layers with gaps, a reverse direction in some layers only,
    missing keys, shapes that do not chain (layer l > 0 must read
    directions·H inputs), or the cell's own check of one layer's dict.
    """
    if isinstance(params, (list, tuple)):
        raise TypeError("params is a list; a stack's params are one flat dict: use lstm.join_stack(layers)")
    if not isinstance(params, Mapping) or not params:
        raise TypeError(f"params must be a non-empty dict of arrays; got {type(params).__name__}")
    names = cell.param_names()
    found: dict[tuple[int, int], set] = {}
    unexpected = []
    for key in params:
        m = _KEY.match(key) if isinstance(key, str) else None
        if m is None or m["name"] not in names:
            unexpected.append(key)
            continue
        found.setdefault((int(m["layer"]), 1 if m["reverse"] else 0), set()).add(m["name"])
    if unexpected:
        raise ValueError(
            f"params has unexpected keys {unexpected}; a stack of {cell.name} cells has keys "
            f"{[stack_key(n, 0) for n in names]}, '…_l1', … and '…_reverse' for the reverse direction"
        )
    layers = sorted({l for l, _ in found})
    L = layers[-1] + 1
    if layers != list(range(L)):
        gaps = sorted(set(range(L)) - set(layers))
        raise ValueError(f"params has layers {layers}: layer(s) {gaps} missing; expected layers 0 … L − 1")
    reverse = [l for l in layers if (l, 1) in found]
    if reverse and len(reverse) != L:
        raise ValueError(
            f"params has reverse-direction keys for layer(s) {reverse} but not for "
            f"{sorted(set(layers) - set(reverse))}; every layer of a bidirectional stack has both"
        )
    dirs = 2 if reverse else 1
    missing = [
        stack_key(n, l, d) for l in range(L) for d in range(dirs) for n in names if n not in found.get((l, d), ())
    ]
    if missing:
        raise ValueError(f"params lacks {missing} (a stack of {L} layer(s), {dirs} direction(s))")
    D = H = dtype = None
    for l in range(L):
        for d in range(dirs):
            where = f"layer {l}{' (reverse)' if d else ''}"
            sub = {n: params[stack_key(n, l, d)] for n in names}
            try:
                dims = cell.dims(sub)
            except (TypeError, ValueError) as e:
                raise type(e)(f"{where}: {e} (keys {list(sub)} carry the suffix {stack_key('', l, d)!r})") from None
            dt = np.asarray(sub[names[0]]).dtype
            if dtype is None:
                D, H, dtype = dims["D"], dims["H"], dt
            if dt != dtype:
                raise TypeError(f"{where} has dtype {dt}; layer 0 has {dtype}; a stack uses one dtype")
            if dims["H"] != H:
                raise ValueError(f"{where} has H = {dims['H']}; layer 0 has H = {H}; every layer has the same H")
            want = D if l == 0 else dirs * H
            if dims["D"] != want:
                raise ValueError(
                    f"{where} reads {dims['D']} inputs; it must read {want}"
                    + ("" if l == 0 else f" = directions·H, the outputs of layer {l - 1}")
                )
    return {"L": L, "directions": dirs, "D": D, "H": H, "dtype": dtype}


def split_stack(cell: Cell, params) -> list[list[dict]]:
    """``params[l][d]``: the cell's own parameter dict of layer l, direction d (0 forward, 1 reverse)."""
    dims = stack_dims(cell, params)
    names = cell.param_names()
    return [
        [{n: params[stack_key(n, l, d)] for n in names} for d in range(dims["directions"])] for l in range(dims["L"])
    ]


def join_stack(layers) -> dict[str, np.ndarray]:
    """The flat dict of a stack from ``layers[l][d]``, the inverse of :func:`split_stack`."""
    return {stack_key(k, l, d): v for l, dirs in enumerate(layers) for d, p in enumerate(dirs) for k, v in p.items()}


def torch_module(cell: Cell) -> str | None:
    """The PyTorch module that computes ``cell``'s stack, or ``None`` if PyTorch has none.

    ``"torch.nn.LSTM"`` for :class:`lstm.LSTM`, ``"torch.nn.GRU"`` for
    :class:`lstm.GRU` in PyTorch's form (``reset_after=True``; PyTorch has no
    ``reset_after=False``), ``"torch.nn.RNN"`` for :class:`lstm.RNN`.
    """
    from .gru import GRU
    from .lstm import LSTM
    from .rnn import RNN

    if isinstance(cell, GRU):
        return "torch.nn.GRU" if cell.reset_after else None
    return {LSTM: "torch.nn.LSTM", RNN: "torch.nn.RNN"}.get(type(cell))


def check_stack_state(cell: Cell, state, dims: dict, B: int, *, where: str = "0", grad: bool = False) -> tuple:
    """``state`` as a tuple of (L·directions, B, H) arrays, one per part; ``None`` (or a ``None`` part) is zeros.

    Named ``state0`` (parts ``h0``, ``c0``) in error messages, or with
    ``where="_T", grad=True`` ``dstate_T`` (parts ``dh_T``, ``dc_T``).
    """
    LD, H, dtype = dims["L"] * dims["directions"], dims["H"], dims["dtype"]
    names = cell.state_names
    d = "d" if grad else ""
    if state is None:
        state = (None,) * len(names)
    if isinstance(state, np.ndarray) or not isinstance(state, (tuple, list)):
        if len(names) != 1:
            raise TypeError(
                f"{d}state{where} must be a tuple of {len(names)} arrays {names}; got {type(state).__name__}"
            )
        state = (state,)
    if len(state) != len(names):
        raise ValueError(f"{d}state{where} has {len(state)} parts; the {cell.name} cell's state is {names}")
    module = torch_module(cell)
    layout = f"as {module}'s" if module else "in PyTorch's layout"
    out = []
    for name, s in zip(names, state):
        if s is None:
            out.append(np.zeros((LD, B, H), dtype))
            continue
        shape = np.shape(s)
        if shape != (LD, B, H):
            raise ValueError(
                f"{d}{name}{where} has shape {shape}; expected (num_layers·directions, B, H) = ({LD}, {B}, {H}) "
                f"for {dims['L']} layer(s) × {dims['directions']} direction(s), {layout}"
            )
        out.append(check_array(f"{d}{name}{where}", s, (LD, B, H), dtype=dtype))
    return tuple(out)


def reverse_index(T: int, lengths) -> np.ndarray:
    """(T, B) indices that reverse each sequence within its own length and leave its padding in place.

    ``idx[t, b] = lengths[b] − 1 − t`` for t < lengths[b], else t.  The map is
    its own inverse, so the same gather undoes it (and carries gradients back).
    """
    t = np.arange(T)[:, None]
    n = np.asarray(lengths)[None, :]
    return np.where(t < n, n - 1 - t, t)


def _flip(a, idx):
    """``a`` (T, B, ·) reversed in time: in full (idx None) or within each sequence's length."""
    return a[::-1] if idx is None else np.take_along_axis(a, idx[:, :, None], axis=0)


class StackRun(NamedTuple):
    """What :func:`stack_backward` needs from :func:`stack_forward`."""

    cell: Cell
    runs: list  # SequenceRun of layer l, direction d at index l * directions + d
    idx: np.ndarray | None  # (T, B) from reverse_index, or None (full length: plain reversal)
    dims: dict  # L, directions, D, H, dtype, and T, B
    names: tuple  # the parameter keys, in order


def stack_forward(cell: Cell, x, params, state0=None, *, lengths=None, fast: bool = True):
    """Run a stack of ``cell`` layers, optionally bidirectional, over a (padded) batch.

    Parameters
    ----------
    cell : a :class:`lstm.cells.base.Cell`.
    x : (T, B, D) inputs, time first.
    params : the stack's flat dict (module docstring); its keys fix L and the directions.
    state0 : tuple of (L·directions, B, H) arrays, one per part of the cell's
        state (``None`` or ``None`` parts for zeros; a bare array for a
        one-part state).
    lengths : optional (B,) integers in 1 … T.
    fast : passed to :func:`lstm.sequence_forward` (the plain LSTM's batched path).

    Returns
    -------
    out : (T, B, directions·H) the top layer's outputs, forward direction first;
        zero on padded steps.
    state_T : tuple of (L·directions, B, H), each sequence's final state.
    cache : :class:`StackRun` for :func:`stack_backward`.
    """
    dims = stack_dims(cell, params)
    L, dirs, H, dtype = dims["L"], dims["directions"], dims["H"], dims["dtype"]
    x = check_sequence("x", x, {"D": dims["D"]}, dtype=dtype)
    T, B, _ = x.shape
    lengths = check_lengths(lengths, T, B)
    state0 = check_stack_state(cell, state0, dims, B)
    idx = None if lengths is None else reverse_index(T, lengths)
    layers = split_stack(cell, params)
    finals = [np.empty((L * dirs, B, H), dtype) for _ in cell.state_names]
    runs, inp = [], x
    for l in range(L):
        outs = []
        for d in range(dirs):
            s0 = tuple(s[l * dirs + d] for s in state0)
            xin = inp if d == 0 else _flip(inp, idx)
            hs, sT, run = sequence_forward(cell, xin, layers[l][d], s0, lengths=lengths, fast=fast)
            outs.append(hs if d == 0 else _flip(hs, idx))
            for f, s in zip(finals, sT):
                f[l * dirs + d] = s
            runs.append(run)
        inp = outs[0] if dirs == 1 else np.concatenate(outs, axis=2)
    dims = {**dims, "T": T, "B": B}
    return inp, tuple(finals), StackRun(cell, runs, idx, dims, tuple(params))


def stack_backward(dout, cache: StackRun, dstate_T=None) -> dict[str, np.ndarray]:
    """Backpropagation through a stack: through time in each layer and direction, and down the layers.

    Parameters
    ----------
    dout : (T, B, directions·H) ∂J/∂out, or ``None``.
    cache : from :func:`stack_forward`.
    dstate_T : tuple of (L·directions, B, H) gradients arriving at the final
        states (``None`` or ``None`` parts for zero).

    Returns
    -------
    dict with ``"x"`` (T, B, D), ``"<s>0"`` (L·directions, B, H) for each
    part of the state (``"h0"``, ``"c0"``) and one entry per key of ``params``.
    """
    cell, runs, idx, dims, keys = cache
    L, dirs, T, B, H, dtype = (dims[k] for k in ("L", "directions", "T", "B", "H", "dtype"))
    shape = (T, B, dirs * H)
    dout = np.zeros(shape, dtype) if dout is None else check_array("dout", dout, shape, dtype=dtype)
    dstate = check_stack_state(cell, dstate_T, dims, B, where="_T", grad=True)
    d0 = {s: np.empty((L * dirs, B, H), dtype) for s in cell.state_names}
    grads: dict[str, np.ndarray] = {}
    g_out = dout  # ∂J/∂(outputs of layer l): from the loss at the top, from layer l + 1 below it
    for l in reversed(range(L)):
        dx = None
        for d in range(dirs):
            k = l * dirs + d
            dh = g_out[:, :, d * H : (d + 1) * H]
            g = sequence_backward(dh if d == 0 else _flip(dh, idx), runs[k], tuple(s[k] for s in dstate))
            gx = g.pop("x")
            gx = gx if d == 0 else _flip(gx, idx)
            dx = gx if dx is None else dx + gx  # both directions read the same input
            for s in cell.state_names:
                d0[s][k] = g.pop(f"{s}0")
            grads.update({stack_key(n, l, d): v for n, v in g.items()})
        g_out = dx
    return {"x": g_out, **{f"{s}0": v for s, v in d0.items()}, **{k: grads[k] for k in keys}}
