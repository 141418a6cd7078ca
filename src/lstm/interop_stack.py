"""A stack's parameters (:mod:`lstm.layers`) to and from ``torch.nn.LSTM``/``GRU``/``RNN`` of any depth.

PyTorch names layer l's parameters ``weight_ih_l{l}``, ``weight_hh_l{l}``,
``bias_ih_l{l}``, ``bias_hh_l{l}``, with the suffix ``_reverse`` for the
reverse direction; the book's stack names the cell's own parameters the same
way (``W_x_l1_reverse``).  Each layer and direction converts as one layer
does: :func:`lstm.interop.from_pytorch` for the LSTM (gate order i, f, g, o
as PyTorch's, the two biases summed, since only their sum acts),
:func:`lstm.interop_rnn.rnn_from_pytorch` and
:func:`lstm.interop_rnn.gru_from_pytorch` for the others.  Without
importing torch: ``state_dict`` values are NumPy arrays (``t.numpy()``).

``kind`` is ``"lstm"`` (``torch.nn.LSTM``, cell :class:`lstm.LSTM`),
``"gru"`` (``torch.nn.GRU``, cell :class:`lstm.GRU` ``()``, PyTorch's
``reset_after`` form) or ``"rnn"`` (``torch.nn.RNN``, cell :class:`lstm.RNN`
with the module's nonlinearity, which the parameters do not record).  A
module built with ``bias=False`` has no bias keys; its biases read as zeros.
"""
from __future__ import annotations

from collections.abc import Mapping
import re

import numpy as np

from .cells import LSTM
from .gru import GRU
from .interop import from_pytorch, to_pytorch
from .interop_rnn import gru_from_pytorch, gru_to_pytorch, rnn_from_pytorch, rnn_to_pytorch
from .layers import _check_config, stack_dims, stack_key
from .rnn import RNN

TORCH_NAMES = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
#: kind: (PyTorch module, gate blocks per layer, the book's cell)
KINDS = {"lstm": ("torch.nn.LSTM", 4, LSTM()), "gru": ("torch.nn.GRU", 3, GRU()), "rnn": ("torch.nn.RNN", 1, RNN())}
_TORCH_KEY = re.compile(r"^(?P<name>weight_ih|weight_hh|bias_ih|bias_hh)_l(?P<layer>\d+)(?P<reverse>_reverse)?$")


def _kind(kind):
    if kind not in KINDS:
        raise ValueError(f"kind is {kind!r}; expected one of {list(KINDS)}")
    return KINDS[kind]


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


def stack_from_pytorch(state_dict, num_layers: int, bidirectional: bool, *, kind: str = "lstm") -> dict:
    """The stack's flat parameter dict from a ``torch.nn.LSTM``'s (``GRU``'s, ``RNN``'s) ``state_dict``.

    ``state_dict`` maps PyTorch's keys (``weight_ih_l0`` (blocks·H, D),
    ``weight_hh_l0`` (blocks·H, H), ``bias_ih_l0``, ``bias_hh_l0``
    (blocks·H,), ``…_l1``, ``…_reverse``; blocks = 4 for the LSTM, 3 for
    the GRU, 1 for the RNN) to NumPy arrays.  ``num_layers`` and
    ``bidirectional`` are the module's; a key they do not account for, or a
    missing one, is an error.  Returns the keys :func:`lstm.init_stack` makes
    (``W_x_l0``, ``W_h_l0``, ``b_l0``, … for the LSTM).
    """
    module, blocks, cell = _kind(kind)
    L, dirs = _check_config(num_layers, bidirectional)
    module = f"{module}(num_layers={L}, bidirectional={dirs == 2})"
    if not isinstance(state_dict, Mapping):
        raise TypeError(f"state_dict must be a dict of arrays; got {type(state_dict).__name__}")
    extra, beyond, reverse = [], set(), False
    for key in state_dict:
        m = _TORCH_KEY.match(key) if isinstance(key, str) else None
        if m is None:
            extra.append(key)
        elif int(m["layer"]) >= L:
            beyond.add(int(m["layer"]))
        elif m["reverse"] and dirs == 1:
            reverse = True
    if any(isinstance(k, str) and k.startswith("weight_hr") for k in extra):
        raise ValueError("state_dict has weight_hr_l* keys: projections (proj_size > 0) are not supported")
    if extra:
        raise ValueError(f"state_dict has unexpected keys {extra}; expected those of a {module}")
    if beyond:
        raise ValueError(f"state_dict has keys for layer(s) {sorted(beyond)} but num_layers = {L}")
    if reverse:
        raise ValueError("state_dict has '_reverse' keys but bidirectional = False")
    bias = any(str(k).startswith("bias_") for k in state_dict)  # bias=False modules have none
    names = TORCH_NAMES if bias else TORCH_NAMES[:2]
    missing = [torch_key(n, l, d) for l in range(L) for d in range(dirs) for n in names]
    missing = [k for k in missing if k not in state_dict]
    if missing:
        raise ValueError(f"state_dict lacks {missing}; expected the keys of a {module}")
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
    return params


def stack_to_pytorch(params, *, kind: str = "lstm") -> dict:
    """PyTorch's ``state_dict`` (NumPy arrays) for a stack's ``params``.

    For the LSTM and the RNN, ``bias_ih_l*`` holds the bias and ``bias_hh_l*``
    zeros (any split acts the same); the GRU's two biases are PyTorch's.
    Load it with ``module.load_state_dict({k: torch.from_numpy(v) for k, v in sd.items()})``
    into a module built with ``num_layers = L`` and ``bidirectional = (directions == 2)``,
    which :func:`lstm.stack_dims` reports.
    """
    _, _, cell = _kind(kind)
    dims = stack_dims(cell, params)
    out = {}
    for l in range(dims["L"]):
        for d in range(dims["directions"]):
            p = {n: params[stack_key(n, l, d)] for n in cell.param_names()}
            out.update(_layer_to_pytorch(kind, p, l, d))
    return out
