"""A stack's parameters (:mod:`lstm.cells.stacks`) to and from ``torch.nn.LSTM``/``GRU``/``RNN`` of any depth.

PyTorch names layer l's parameters ``weight_ih_l{l}``, ``weight_hh_l{l}``,
``bias_ih_l{l}``, ``bias_hh_l{l}``, with the suffix ``_reverse`` for the
reverse direction; the book's stack names the cell's own parameters the same
way (``W_x_l1_reverse``).  Each layer and direction converts as one layer
does: :func:`lstm.interop.pytorch.from_pytorch` for the LSTM (gate order i, f, g, o
as PyTorch's, the two biases summed, since only their sum acts),
:func:`lstm.interop.pytorch.rnn_from_pytorch` and
:func:`lstm.interop.pytorch.gru_from_pytorch` for the others.  Without
importing torch: ``state_dict`` values are NumPy arrays (``t.numpy()``) or
CPU tensors.

``kind`` is ``"lstm"`` (``torch.nn.LSTM``, cell :class:`lstm.LSTM`),
``"gru"`` (``torch.nn.GRU``, cell :class:`lstm.GRU` ``()``, PyTorch's
``reset_after`` form) or ``"rnn"`` (``torch.nn.RNN``, cell :class:`lstm.RNN`).
The keys say how deep the stack is and whether it is bidirectional; they do
not say which nonlinearity a ``torch.nn.RNN`` applies, so
:func:`stack_from_pytorch` takes it as an argument and returns the cell with
the parameters.  PyTorch's GRU computes only the ``reset_after=True`` form,
so a ``GRU(reset_after=False)`` stack does not convert.  A module built with
``bias=False`` has no bias keys; its biases read as zeros.
"""
from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np

from ..cells.base import Cell
from ..cells.gru import GRU
from ..cells.lstm import LSTM
from ..cells.rnn import RNN
from ..cells.stacks import stack_dims, stack_key, torch_module
from .pytorch import from_pytorch, gru_from_pytorch, gru_to_pytorch, rnn_from_pytorch, rnn_to_pytorch, to_pytorch

TORCH_NAMES = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
#: kind: (PyTorch module, gate blocks per layer, the book's cell)
KINDS = {"lstm": ("torch.nn.LSTM", 4, LSTM()), "gru": ("torch.nn.GRU", 3, GRU()), "rnn": ("torch.nn.RNN", 1, RNN())}
_TORCH_KEY = re.compile(r"^(?P<name>weight_ih|weight_hh|bias_ih|bias_hh)_l(?P<layer>\d+)(?P<reverse>_reverse)?$")


def _kind(kind):
    if kind not in KINDS:
        raise ValueError(f"kind is {kind!r}; expected one of {list(KINDS)}")
    return KINDS[kind]


def _cell_kind(cell) -> str:
    """The ``kind`` of a cell PyTorch computes; a clear error for any other."""
    if not isinstance(cell, Cell):
        raise TypeError(f"cell must be an lstm.Cell (lstm.LSTM(), lstm.GRU(), lstm.RNN()); got {type(cell).__name__}")
    module = torch_module(cell)
    if module is None:
        if isinstance(cell, GRU):
            raise ValueError(
                "GRU(reset_after=False) is Cho et al.'s form, which PyTorch does not compute: torch.nn.GRU is "
                "reset_after=True and would run these weights as a different cell"
            )
        raise ValueError(f"{cell!r} has no PyTorch module; stacks of lstm.LSTM, lstm.GRU() and lstm.RNN convert")
    return {v[0]: k for k, v in KINDS.items()}[module]


def torch_key(name: str, layer: int, direction: int = 0) -> str:
    """PyTorch's key of ``name`` (``"weight_ih"``…) for ``layer`` and ``direction`` (0 forward, 1 reverse)."""
    return f"{name}_l{layer}{'_reverse' if direction else ''}"


def _layer_from_pytorch(kind, state_dict, l, d):
    if kind == "rnn":
        return rnn_from_pytorch(state_dict, layer=l, reverse=bool(d))
    if kind == "gru":
        return gru_from_pytorch(state_dict, layer=l, reverse=bool(d))
    sd = {f"{n}_l0": state_dict[torch_key(n, l, d)] for n in TORCH_NAMES[:2]}
    for n in TORCH_NAMES[2:]:
        key = torch_key(n, l, d)
        w = np.asarray(sd["weight_ih_l0"])
        sd[f"{n}_l0"] = state_dict[key] if key in state_dict else np.zeros(w.shape[0], w.dtype)
    return from_pytorch(sd)


def _layer_to_pytorch(kind, p, l, d):
    if kind == "rnn":
        return rnn_to_pytorch(p, layer=l, reverse=bool(d))
    if kind == "gru":
        return gru_to_pytorch(p, layer=l, reverse=bool(d))
    return {torch_key(n, l, d): v for n, v in zip(TORCH_NAMES, to_pytorch(p).values())}


def stack_from_pytorch(state_dict, *, kind: str = "lstm", nonlinearity: str | None = None) -> tuple[Cell, dict]:
    """The cell and the stack's flat parameter dict of a ``torch.nn.LSTM``'s (``GRU``'s, ``RNN``'s) ``state_dict``.

    ``state_dict`` maps PyTorch's keys (``weight_ih_l0`` (blocks·H, D),
    ``weight_hh_l0`` (blocks·H, H), ``bias_ih_l0``, ``bias_hh_l0``
    (blocks·H,), ``…_l1``, ``…_reverse``; blocks = 4 for the LSTM, 3 for
    the GRU, 1 for the RNN) to NumPy arrays or tensors.  The keys fix the
    depth (layers 0 … L − 1) and the directions (``_reverse`` keys in every
    layer, or in none); a missing key, a gap or a key PyTorch would not make
    is an error.  ``nonlinearity`` (``"tanh"`` or ``"relu"``, the module's
    own) is required for ``kind="rnn"``, since the state dict does not record
    it, and refused for the other kinds.

    Returns ``(cell, params)``: ``lstm.LSTM()``, ``lstm.GRU()`` or
    ``lstm.RNN(nonlinearity)``, and the keys :func:`lstm.init_stack` makes
    (``W_x_l0``, ``W_h_l0``, ``b_l0``, … for the LSTM), ready for
    :func:`lstm.stack_forward` ``(cell, x, params)``.
    """
    module, blocks, cell = _kind(kind)
    if kind == "rnn":
        if nonlinearity is None:
            raise ValueError(
                "a torch.nn.RNN's state_dict does not record its nonlinearity: pass nonlinearity='tanh' or 'relu', "
                "the module's own"
            )
        cell = RNN(nonlinearity)
    elif nonlinearity is not None:
        raise ValueError(f"nonlinearity is for kind='rnn' (torch.nn.RNN); a {module} has none to set")
    if not isinstance(state_dict, Mapping):
        raise TypeError(f"state_dict must be a dict of arrays; got {type(state_dict).__name__}")
    extra, layers, reverse = [], set(), set()
    for key in state_dict:
        m = _TORCH_KEY.match(key) if isinstance(key, str) else None
        if m is None:
            extra.append(key)
            continue
        layers.add(int(m["layer"]))
        if m["reverse"]:
            reverse.add(int(m["layer"]))
    if any(isinstance(k, str) and k.startswith("weight_hr") for k in extra):
        raise ValueError("state_dict has weight_hr_l* keys: projections (proj_size > 0) are not supported")
    if extra:
        raise ValueError(
            f"state_dict has unexpected keys {extra}; expected those of a {module}: "
            f"{list(TORCH_NAMES)} with the suffix _l0, _l1, … (and _reverse)"
        )
    if not layers:
        raise ValueError(f"state_dict has no weight_ih_l*/weight_hh_l* keys; expected those of a {module}")
    L, dirs = max(layers) + 1, 2 if reverse else 1
    module = f"{module}(num_layers={L}, bidirectional={dirs == 2})"
    bias = any(str(k).startswith("bias_") for k in state_dict)  # bias=False modules have none
    names = TORCH_NAMES if bias else TORCH_NAMES[:2]
    missing = [torch_key(n, l, d) for l in range(L) for d in range(dirs) for n in names]
    missing = [k for k in missing if k not in state_dict]
    if missing:
        raise ValueError(
            f"state_dict lacks {missing}; its keys reach layer {L - 1}"
            f"{' and the reverse direction' if dirs == 2 else ''}, so it should hold all the keys of a {module}"
        )
    params = {}
    for l in range(L):
        for d in range(dirs):
            key = torch_key("weight_hh", l, d)
            shape = np.shape(state_dict[key])
            if len(shape) != 2 or shape[0] != blocks * shape[1]:
                raise ValueError(
                    f"{key} has shape {shape}; a {module.split('(')[0]} has (blocks·H, H) with "
                    f"blocks = {blocks} (is this another kind of module? kind = {kind!r})"
                )
            p = _layer_from_pytorch(kind, state_dict, l, d)
            params.update({stack_key(k, l, d): v for k, v in p.items()})
    stack_dims(cell, params)  # the layers must chain: layer l > 0 reads directions·H inputs
    return cell, params


def stack_to_pytorch(cell: Cell, params) -> dict:
    """PyTorch's ``state_dict`` (NumPy arrays) for a stack of ``cell`` with ``params``.

    ``cell`` is :class:`lstm.LSTM`, :class:`lstm.GRU` ``()`` or
    :class:`lstm.RNN`; a ``GRU(reset_after=False)`` is refused, since
    ``torch.nn.GRU`` would run its weights as the other form.  For the LSTM
    and the RNN, ``bias_ih_l*`` holds the bias and ``bias_hh_l*`` zeros (any
    split acts the same); the GRU's two biases are PyTorch's.  Load it with
    ``module.load_state_dict({k: torch.from_numpy(v) for k, v in sd.items()})``
    into a module built with ``num_layers = L`` and ``bidirectional = (directions == 2)``,
    which :func:`lstm.stack_dims` reports, and for the RNN with
    ``nonlinearity=cell.nonlinearity``.
    """
    kind = _cell_kind(cell)
    dims = stack_dims(cell, params)
    out = {}
    for l in range(dims["L"]):
        for d in range(dims["directions"]):
            p = {n: params[stack_key(n, l, d)] for n in cell.param_names()}
            out.update(_layer_to_pytorch(kind, p, l, d))
    return out
