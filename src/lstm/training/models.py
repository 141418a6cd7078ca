"""A recurrent cell with a linear read-out, and the two losses of the training chapters.

The parameters are one dict, the cell's (e.g. ``W_x``, ``W_h``, ``b``) plus
the read-out's ``W_y`` (K, H) and ``b_y`` (K,), so that one optimiser
treats them as one set.  Any cell of :mod:`lstm.cells.base` fits.

* :class:`LastStepMSE`: sequence → one vector (the adding problem).  The
  prediction is ``h_T W_yᵀ + b_y`` from each sequence's last state (its own
  last step when ``lengths`` are given); the loss is the mean squared error
  over the B × K entries, ``torch.nn.MSELoss()``'s default.
* :class:`StepwiseCrossEntropy`: a class at every step (language models, the
  Reber grammar).  The loss is :func:`lstm.sequence_loss` with
  ``reduction="mean"``, ``torch.nn.CrossEntropyLoss()``'s default.

Both are callables ``model(params, batch) -> (loss, grads)``, the interface
of :func:`lstm.training.loop.train`, with ``grads`` keyed exactly like ``params``.

:func:`torch_lstm_model` builds the same LSTM in PyTorch (used by the test
and the chapter that show training to be identical).
"""
from __future__ import annotations

import contextlib

import numpy as np

from .._validate import check_array
from ..blocks.loss import output_backward, output_forward, sequence_loss
from ..cells.base import Cell
from ..cells.loop import sequence_backward, sequence_forward
from ..cells.lstm import LSTM

READOUT = ("W_y", "b_y")


def init_model(cell: Cell, D: int, H: int, K: int, *, rng=None, dtype=np.float64) -> dict:
    """The cell's parameters for input size D, hidden size H, plus ``W_y`` (K, H) and ``b_y`` (K,).

    The read-out is drawn from U(−1/√H, 1/√H), as ``torch.nn.Linear(H, K)``
    draws its weight and bias.  ``rng`` seeds everything (cell first).
    """
    rng = np.random.default_rng(rng)
    params = cell.init_params(D, H, rng=rng, dtype=dtype)
    clash = [k for k in READOUT if k in params]
    if clash:
        raise ValueError(f"the {cell.name} cell already has parameters {clash}; they would clash with the read-out")
    bound = 1.0 / np.sqrt(H)
    params["W_y"] = rng.uniform(-bound, bound, size=(K, H)).astype(dtype)
    params["b_y"] = rng.uniform(-bound, bound, size=(K,)).astype(dtype)
    return params


def split_params(params) -> tuple[dict, dict]:
    """``(cell_params, readout_params)``: the read-out is ``W_y``, ``b_y``; the rest is the cell's."""
    missing = [k for k in READOUT if k not in params]
    if missing:
        raise ValueError(f"params lacks {missing}; a model needs the read-out W_y (K, H) and b_y (K,)")
    return {k: v for k, v in params.items() if k not in READOUT}, {k: params[k] for k in READOUT}


class _Model:
    def __init__(self, cell: Cell | None = None):
        self.cell = LSTM() if cell is None else cell
        if not isinstance(self.cell, Cell):
            raise TypeError(f"cell must be an lstm.cells.base.Cell; got {type(self.cell).__name__}")

    def __repr__(self):
        return f"{type(self).__name__}({self.cell!r})"

    def __call__(self, params, batch, *, grads: bool = True):
        """``(loss, grads)``, or ``(loss, None)`` with ``grads=False``: each model defines it."""
        raise NotImplementedError

    def _run(self, params, x, lengths=None):
        cell_params, out = split_params(params)
        hs, state_T, run = sequence_forward(self.cell, x, cell_params, lengths=lengths)
        return cell_params, out, hs, state_T, run

    def loss(self, params, batch) -> float:
        """The loss alone (for evaluation on held-out data)."""
        return self(params, batch, grads=False)[0]


class LastStepMSE(_Model):
    """Regression from the last state: ``model(params, (x, y[, lengths])) -> (loss, grads)``.

    ``x`` (T, B, D), ``y`` (B, K), ``lengths`` optional (B,) integers.
    ``loss = mean((h_T W_yᵀ + b_y − y)²)`` over the B × K entries.
    """

    def predict(self, params, x, lengths=None) -> np.ndarray:
        """(B, K) predictions."""
        _, out, _, state_T, _ = self._run(params, x, lengths)
        return output_forward(state_T[0], out["W_y"], out["b_y"])[0]

    def __call__(self, params, batch, *, grads: bool = True):
        loss, g, _ = self.loss_grads_pred(params, batch, grads=grads)
        return loss, g

    def loss_grads_pred(self, params, batch, *, grads: bool = True):
        """``(loss, grads, pred)``: what ``model(params, batch)`` returns, plus the (B, K) predictions it made."""
        x, y, lengths = _unpack(batch, "(x, y) or (x, y, lengths)")
        cell_params, out, hs, state_T, run = self._run(params, x, lengths)
        pred, out_cache = output_forward(state_T[0], out["W_y"], out["b_y"])
        y = check_array("y", y, pred.shape, dtype=pred.dtype)
        diff = pred - y
        loss = float(np.mean(diff * diff))
        if not grads:
            return loss, None, pred
        g_out = output_backward(2.0 * diff / diff.size, out_cache)
        dstate = (g_out["h"],) + (None,) * (len(state_T) - 1)
        g = sequence_backward(None, run, dstate)
        return loss, {**{k: g[k] for k in cell_params}, "W_y": g_out["W_y"], "b_y": g_out["b_y"]}, pred


class StepwiseCrossEntropy(_Model):
    """A class at every step: ``model(params, (x, targets[, mask])) -> (loss, grads)``.

    ``x`` (T, B, D), ``targets`` (T, B) integers in 0 … K−1, ``mask`` optional
    (T, B) of 0/1.  The loss is the mean cross-entropy over the counted steps.
    """

    def predict(self, params, x) -> np.ndarray:
        """(T, B, K) logits."""
        _, out, hs, _, _ = self._run(params, x)
        return output_forward(hs, out["W_y"], out["b_y"])[0]

    def __call__(self, params, batch, *, grads: bool = True):
        x, targets, mask = _unpack(batch, "(x, targets) or (x, targets, mask)")
        cell_params, out, hs, state_T, run = self._run(params, x)
        logits, out_cache = output_forward(hs, out["W_y"], out["b_y"])
        loss, dlogits = sequence_loss(logits, targets, mask, reduction="mean")
        if not grads:
            return loss, None
        g_out = output_backward(dlogits, out_cache)
        g = sequence_backward(g_out["h"], run)
        return loss, {**{k: g[k] for k in cell_params}, "W_y": g_out["W_y"], "b_y": g_out["b_y"]}


def _unpack(batch, what):
    if not isinstance(batch, (tuple, list)) or len(batch) not in (2, 3):
        raise TypeError(f"batch must be a tuple {what}; got {type(batch).__name__}")
    return (*batch, None) if len(batch) == 2 else tuple(batch)


def torch_lstm_model(params):
    """``(lstm, linear)``: ``torch.nn.LSTM(D, H)`` and ``torch.nn.Linear(H, K)`` holding ``params``.

    float64, ``W_x``/``W_h``/``b`` copied into ``weight_ih_l0``/``weight_hh_l0``/``bias_ih_l0``;
    ``bias_hh_l0`` is set to zero and frozen (``requires_grad=False``).  The
    book's LSTM has one bias because only the sum of torch's two acts; but
    an optimiser that trains both moves their sum by two steps, so the
    models would part at the first update.  Give the optimiser
    ``trainable_torch_parameters(lstm, linear)``.
    """
    import torch

    from ..interop.pytorch import to_pytorch

    cell_params, out = split_params(params)
    sd = to_pytorch(cell_params)
    H = sd["weight_hh_l0"].shape[1]
    D = sd["weight_ih_l0"].shape[1]
    K = out["W_y"].shape[0]
    net = torch.nn.LSTM(D, H).double()
    lin = torch.nn.Linear(H, K).double()
    with torch.no_grad():
        for k, v in sd.items():
            getattr(net, k).copy_(torch.from_numpy(np.asarray(v, np.float64)))
        lin.weight.copy_(torch.from_numpy(np.asarray(out["W_y"], np.float64)))
        lin.bias.copy_(torch.from_numpy(np.asarray(out["b_y"], np.float64)))
    net.bias_hh_l0.requires_grad_(False)
    return net, lin


def trainable_torch_parameters(net, lin) -> dict:
    """The torch tensors that correspond to the book's parameter names."""
    return {"W_x": net.weight_ih_l0, "W_h": net.weight_hh_l0, "b": net.bias_ih_l0, "W_y": lin.weight, "b_y": lin.bias}


@contextlib.contextmanager
def _torch_threads(n: int):
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def train_side_by_side(model, params, batches, *, lr: float = 1e-3, clip: float | None = None) -> dict:
    """Train the book's LSTM and its PyTorch twin from the same weights on the same batches; compare.

    Each step: the book's loss and gradients (``model``, a :class:`LastStepMSE`
    or :class:`StepwiseCrossEntropy` over the plain LSTM), optional
    :func:`lstm.training.clip.clip_grad_norm`, :class:`lstm.training.optim.Adam`; and the same
    with ``torch.nn.LSTM`` + ``torch.nn.Linear``, ``torch.nn.functional``'s
    ``mse_loss``/``cross_entropy``, ``clip_grad_norm_`` and ``torch.optim.Adam``.
    ``params`` (float64) is trained in place.  ``batches`` is a list of the
    model's batches (no ``lengths`` or ``mask``).

    Returns ``{"param_error": (S,), "loss_error": (S,), "loss": (S,)}``: after
    each of the S steps, the largest :func:`lstm.relative_error` between a
    parameter and its torch counterpart, the relative difference of the two
    losses, and the book's loss.
    """
    import torch

    from ..checks.gradcheck import relative_error
    from .clip import clip_grad_norm
    from .optim import Adam

    if not isinstance(model.cell, LSTM):
        raise TypeError(f"train_side_by_side needs the plain LSTM; model.cell is {model.cell!r}")
    net, lin = torch_lstm_model(params)
    tparams = trainable_torch_parameters(net, lin)
    opt = Adam(params, lr=lr)
    topt = torch.optim.Adam(list(tparams.values()), lr=lr)
    out: dict[str, list[float]] = {"param_error": [], "loss_error": [], "loss": []}
    with _torch_threads(1):  # tensors of a few dozen entries: more threads only wait on each other
        for batch in batches:
            if len(batch) != 2:
                raise ValueError("train_side_by_side takes batches (x, y) or (x, targets), without lengths or masks")
            loss, grads = model(params, batch)  # the book
            if clip is not None:
                clip_grad_norm(grads, clip)
            opt.step(grads)

            x, target = (torch.from_numpy(np.asarray(a)) for a in batch)  # PyTorch
            topt.zero_grad()
            hs, (h_T, _) = net(x)
            if isinstance(model, LastStepMSE):
                tloss = torch.nn.functional.mse_loss(lin(h_T[0]), target)
            else:
                logits = lin(hs)
                tloss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), target.reshape(-1))
            tloss.backward()
            if clip is not None:
                torch.nn.utils.clip_grad_norm_(list(tparams.values()), clip)
            topt.step()

            out["loss"].append(loss)
            out["loss_error"].append(abs(loss - tloss.item()) / abs(tloss.item()))
            out["param_error"].append(max(relative_error(params[k], t.detach().numpy()) for k, t in tparams.items()))
    return {k: np.array(v) for k, v in out.items()}


__all__ = ["LastStepMSE", "StepwiseCrossEntropy", "init_model", "split_params", "torch_lstm_model",
           "train_side_by_side", "trainable_torch_parameters"]
