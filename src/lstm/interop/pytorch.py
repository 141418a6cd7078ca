"""Parameters to and from PyTorch's ``nn.LSTM``, ``nn.GRU`` and ``nn.RNN`` (one layer), without importing it.

The book stores ``W_x`` (4H, D), ``W_h`` (4H, H), ``b`` (4H,) with gates in
the order i, f, g, o, which is PyTorch's order and orientation; PyTorch keeps
two biases that add up (chapter *Notation*).  Stacks of any depth:
:mod:`lstm.interop.pytorch_stack`.

Elman RNN and GRU parameters to and from PyTorch, without importing it.

``torch.nn.RNN``/``GRU`` name their parameters ``weight_ih_l0``,
``weight_hh_l0``, ``bias_ih_l0``, ``bias_hh_l0`` (``_l1``… for deeper
layers, ``_l0_reverse`` for the backward direction); ``torch.nn.RNNCell``/
``GRUCell`` drop the suffix.  The values may be NumPy arrays or tensors
(``net.state_dict()``).  A layer built with ``bias=False`` has no bias keys;
its biases are read as zeros.

* RNN: the book keeps one bias ``b`` (H,).  PyTorch's two only act through
  their sum, so :func:`rnn_from_pytorch` adds them and :func:`rnn_to_pytorch`
  puts ``b`` in ``bias_ih`` and zeros in ``bias_hh``.
* GRU: the book's ``W_x``, ``W_h``, ``b_x``, ``b_h`` are PyTorch's four
  arrays unchanged, gate blocks r, z, n in PyTorch's order.  Both biases are
  needed, because ``b_hn`` is scaled by the reset gate (:mod:`lstm.cells.gru`).
  PyTorch computes only the ``reset_after=True`` form.
"""
from __future__ import annotations

import re

import numpy as np

from .._validate import check_array
from ..cells.gru import check_gru_params
from ..cells.lstm import check_lstm_params
from ..cells.rnn import check_rnn_params

TORCH_KEYS = ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0")


def _float(name, value):
    return check_array(name, np.asarray(value))


def from_pytorch(state_dict) -> dict:
    """The book's parameters from ``torch.nn.LSTM``'s (one layer, one direction).

    ``state_dict`` maps ``weight_ih_l0`` (4H, D), ``weight_hh_l0`` (4H, H),
    ``bias_ih_l0``, ``bias_hh_l0`` (4H,) to NumPy arrays (``t.numpy()``).
    The two biases are summed: only their sum acts.
    """
    missing = [k for k in TORCH_KEYS if k not in state_dict]
    if missing:
        raise ValueError(f"state_dict lacks {missing}; expected the keys of a one-layer torch.nn.LSTM")
    params = {
        "W_x": _float("weight_ih_l0", state_dict["weight_ih_l0"]).copy(),
        "W_h": _float("weight_hh_l0", state_dict["weight_hh_l0"]).copy(),
        "b": _float("bias_ih_l0", state_dict["bias_ih_l0"]) + _float("bias_hh_l0", state_dict["bias_hh_l0"]),
    }
    check_lstm_params(params)
    return params


def to_pytorch(params) -> dict:
    """``torch.nn.LSTM``'s parameters (NumPy arrays) from the book's; ``bias_hh_l0`` is zero."""
    W_x, W_h, b = check_lstm_params(params)
    return {
        "weight_ih_l0": W_x.copy(),
        "weight_hh_l0": W_h.copy(),
        "bias_ih_l0": b.copy(),
        "bias_hh_l0": np.zeros_like(b),
    }


_NAMES = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


def _suffix(layer: int, reverse: bool) -> str:
    if not (isinstance(layer, (int, np.integer)) and not isinstance(layer, bool) and layer >= 0):
        raise ValueError(f"layer must be a non-negative integer; got {layer!r}")
    return f"_l{layer}" + ("_reverse" if reverse else "")


def _numpy(name, value) -> np.ndarray:
    if hasattr(value, "detach"):  # a torch tensor, read without importing torch
        value = value.detach().cpu().numpy()
    return check_array(name, np.asarray(value)).copy()


def _read(state_dict, gates: int, kind: str, layer: int, reverse: bool):
    """PyTorch's four arrays of one layer, validated under PyTorch's own names."""
    suffix = _suffix(layer, reverse)
    cell = any(n in state_dict for n in _NAMES)  # a *Cell's keys carry no suffix
    keys = {n: n if cell else n + suffix for n in _NAMES}
    missing = [keys[n] for n in _NAMES[:2] if keys[n] not in state_dict]
    biases = [keys[n] in state_dict for n in _NAMES[2:]]
    if any(biases) and not all(biases):
        missing += [keys[n] for n, present in zip(_NAMES[2:], biases) if not present]
    if missing:
        layers = sorted({int(m.group(1)) for k in state_dict if (m := re.search(r"_l(\d+)", str(k)))})
        have = f"; it has layers {layers}" if layers else ""
        raise ValueError(
            f"state_dict lacks {missing}; expected the keys of torch.nn.{kind} (layer {layer}"
            f"{', reverse' if reverse else ''}) or torch.nn.{kind}Cell{have}"
        )
    dims: dict[str, int] = {}
    W_hh = check_array(keys["weight_hh"], _numpy(keys["weight_hh"], state_dict[keys["weight_hh"]]), (None, "H"), dims)
    H = dims["H"]
    out = {"weight_hh": check_array(keys["weight_hh"], W_hh, (gates * H, H), dims)}
    W_ih = _numpy(keys["weight_ih"], state_dict[keys["weight_ih"]])
    out["weight_ih"] = check_array(keys["weight_ih"], W_ih, (gates * H, "D"), dims, dtype=W_hh.dtype)
    for n in _NAMES[2:]:
        if keys[n] in state_dict:
            out[n] = check_array(keys[n], _numpy(keys[n], state_dict[keys[n]]), (gates * H,), dims, dtype=W_hh.dtype)
        else:
            out[n] = np.zeros(gates * H, W_hh.dtype)
    return out


def _write(arrays: dict, cell: bool, layer: int, reverse: bool) -> dict:
    suffix = "" if cell else _suffix(layer, reverse)
    return {n + suffix: arrays[n] for n in _NAMES}


def rnn_from_pytorch(state_dict, *, layer: int = 0, reverse: bool = False) -> dict:
    """The book's RNN parameters from ``torch.nn.RNN``'s or ``RNNCell``'s state dict.

    Returns ``W_x`` (H, D), ``W_h`` (H, H) and ``b`` = ``bias_ih + bias_hh``
    (H,).  ``layer`` and ``reverse`` pick one layer and direction of a deep or
    bidirectional ``torch.nn.RNN``.  The nonlinearity is not in the state
    dict: pass ``nonlinearity`` to :class:`lstm.RNN` yourself.
    """
    t = _read(state_dict, 1, "RNN", layer, reverse)
    params = {"W_x": t["weight_ih"], "W_h": t["weight_hh"], "b": t["bias_ih"] + t["bias_hh"]}
    check_rnn_params(params)
    return params


def rnn_to_pytorch(params, *, cell: bool = False, layer: int = 0, reverse: bool = False) -> dict:
    """``torch.nn.RNN``'s state dict (NumPy arrays) from the book's; ``cell=True`` for ``RNNCell``.

    ``bias_ih`` holds ``b`` and ``bias_hh`` zeros (any split acts the same).
    """
    W_x, W_h, b = check_rnn_params(params)
    arrays = {"weight_ih": W_x.copy(), "weight_hh": W_h.copy(), "bias_ih": b.copy(), "bias_hh": np.zeros_like(b)}
    return _write(arrays, cell, layer, reverse)


def gru_from_pytorch(state_dict, *, layer: int = 0, reverse: bool = False) -> dict:
    """The book's GRU parameters from ``torch.nn.GRU``'s or ``GRUCell``'s state dict.

    ``W_x`` = ``weight_ih`` (3H, D), ``W_h`` = ``weight_hh`` (3H, H),
    ``b_x`` = ``bias_ih``, ``b_h`` = ``bias_hh`` (3H,), blocks r, z, n.  Run
    them with :class:`lstm.GRU` () (``reset_after=True``), PyTorch's form.
    """
    t = _read(state_dict, 3, "GRU", layer, reverse)
    params = {"W_x": t["weight_ih"], "W_h": t["weight_hh"], "b_x": t["bias_ih"], "b_h": t["bias_hh"]}
    check_gru_params(params)
    return params


def gru_to_pytorch(params, *, cell: bool = False, layer: int = 0, reverse: bool = False) -> dict:
    """``torch.nn.GRU``'s state dict (NumPy arrays) from the book's; ``cell=True`` for ``GRUCell``.

    PyTorch runs these in the ``reset_after=True`` form only.
    """
    W_x, W_h, b_x, b_h = check_gru_params(params)
    arrays = {"weight_ih": W_x.copy(), "weight_hh": W_h.copy(), "bias_ih": b_x.copy(), "bias_hh": b_h.copy()}
    return _write(arrays, cell, layer, reverse)
