"""A character-level language model: one-hot characters → LSTM → output layer → softmax.

The pieces of the earlier chapters, put to work on real text:

* the text becomes integer ids over a vocabulary of K characters;
* the training text is cut into B parallel streams, read in windows of T
  characters; each window starts from the state the previous window of the
  same stream ended in (truncated backpropagation through time: the state
  flows forward across windows, gradients stop at the window's start);
* at every step the model predicts the next character; the loss is the mean
  cross-entropy per character, in nats (bits per character = nats / ln 2).

Parameters are one dict ``{"W_x": (4H, K), "W_h": (4H, H), "b": (4H,),
"W_y": (K, H), "b_y": (K,)}`` so that an optimiser can treat them as one set.
The input is one-hot, so ``x_t W_xᵀ`` is column x_t of ``W_x``: the embedding
is built in, and its gradient is the one :func:`lstm.lstm_backward` already gives.
"""
from __future__ import annotations

import math
import time
from collections.abc import Mapping
from typing import Callable, NamedTuple

import numpy as np

from .._validate import check_array
from ..blocks.dropout import check_rate, dropout_mask
from ..blocks.loss import sequence_loss
from ..cells.lstm import init_lstm_params as _init_lstm_params
from ..cells.lstm_fast import lstm_backward, lstm_forward
from ..cells.stacks import stack_key

LSTM_NAMES = ("W_x", "W_h", "b")
OUTPUT_NAMES = ("W_y", "b_y")


# --------------------------------------------------------------------------- data


class Split(NamedTuple):
    """The text cut by position: ``train``, ``val``, ``test`` (1-D integer arrays)."""

    train: np.ndarray
    val: np.ndarray
    test: np.ndarray


def build_vocab(text: str) -> str:
    """The distinct characters of ``text``, sorted: position k is character id k."""
    if not isinstance(text, str) or not text:
        raise ValueError("text must be a non-empty str")
    return "".join(sorted(set(text)))


def encode(text: str, vocab: str) -> np.ndarray:
    """Character ids, (len(text),) int64; every character must be in ``vocab``."""
    index = {ch: k for k, ch in enumerate(vocab)}
    missing = sorted(set(text) - index.keys())
    if missing:
        raise ValueError(f"text has characters {missing[:5]!r} that are not in vocab")
    return np.fromiter((index[ch] for ch in text), dtype=np.int64, count=len(text))


def decode(ids, vocab: str) -> str:
    """The text of a 1-D sequence of ids."""
    return "".join(vocab[int(k)] for k in np.asarray(ids).reshape(-1))


def split(ids, val: float = 0.05, test: float = 0.10) -> Split:
    """Cut ``ids`` by position: the last ``test`` fraction is the test text; the
    ``val`` fraction just before it is held out of training for validation.

    The book's split: the first 90% is the training part (of which the last 5%
    of the whole is validation), the last 10% is the test text.
    """
    ids = _check_ids("ids", ids)
    n = len(ids)
    if not (0 <= val and 0 < test and val + test < 1):
        raise ValueError(f"val={val}, test={test}: need 0 <= val, 0 < test, val + test < 1")
    n_test_start = int(round(n * (1 - test)))
    n_val_start = int(round(n * (1 - test - val)))
    return Split(ids[:n_val_start], ids[n_val_start:n_test_start], ids[n_test_start:])


def _check_ids(name, ids, K=None):
    ids = np.asarray(ids)
    if ids.ndim != 1 or not np.issubdtype(ids.dtype, np.integer):
        raise ValueError(f"{name} has shape {ids.shape} and dtype {ids.dtype}; expected 1-D integers")
    if len(ids) < 2:
        raise ValueError(f"{name} has {len(ids)} ids; need at least 2 (an input and a target)")
    if K is not None and (ids.min() < 0 or ids.max() >= K):
        raise ValueError(f"{name} has ids outside 0..{K - 1}")
    return ids


class Batches:
    """Windows for truncated BPTT over ``B`` parallel streams of ``ids``.

    The text is cut into B contiguous streams of equal length L (the
    remainder is dropped); ``streams[:, b]`` is stream b, time-major (L, B).
    Window k has inputs ``streams[kT : kT+T]`` and targets one step later,
    ``streams[kT+1 : kT+T+1]``, so the last target of window k is the first
    input of window k+1: window k+1 continues exactly where window k ended,
    and the state carried from one to the next is the state of the same
    stream at the same point of the text.
    """

    def __init__(self, ids, B: int, T: int):
        ids = _check_ids("ids", ids)
        for name, n in (("B", B), ("T", T)):
            if not (isinstance(n, (int, np.integer)) and n >= 1):
                raise ValueError(f"{name} must be a positive integer; got {n!r}")
        L = len(ids) // B
        if L < T + 1:
            raise ValueError(f"ids has {len(ids)} ids: too few for B={B} streams of T + 1 = {T + 1}")
        self.B, self.T, self.L = B, T, L
        self.streams = ids[: B * L].reshape(B, L).T  # (L, B)
        self.n_windows = (L - 1) // T

    def __len__(self) -> int:
        return self.n_windows

    def window(self, k: int):
        """(inputs, targets), each (T, B) int, of window ``k`` (0 ≤ k < len)."""
        k = int(k) % self.n_windows
        s = k * self.T
        return self.streams[s : s + self.T], self.streams[s + 1 : s + self.T + 1]


def one_hot(ids, K: int, dtype=np.float64) -> np.ndarray:
    """(..., K) one-hot rows of integer ``ids`` (...,)."""
    return np.eye(K, dtype=dtype)[np.asarray(ids)]


# -------------------------------------------------------------------------- model


def layer_keys(layer: int) -> tuple[str, str, str]:
    """The keys of layer ``layer``'s LSTM parameters: ``("W_x_l0", "W_h_l0", "b_l0")`` for layer 0."""
    W_x, W_h, b = (stack_key(name, layer) for name in LSTM_NAMES)
    return W_x, W_h, b


def init_lm_params(K: int, H: int, *, layers: int = 1, rng=None, dtype=np.float64,
                   input_scale: float = 1.0) -> dict:
    """Parameters of the language model for K characters, ``layers`` LSTM layers of H units.

    Not :func:`lstm.init_model`, which builds any one cell with a read-out
    for dense inputs: this model is a stack (keys ``W_x_l0``, … whatever the
    number of layers), reads one-hot characters, draws layer 0's input
    weights as embeddings and starts the output bias at zero, so it has its
    own builder.

    Each layer as :func:`lstm.init_lstm_params` makes it (forget bias 1), stored
    under the stack's keys (``W_x_l0``, ``W_h_l0``, ``b_l0``, ``W_x_l1``, …,
    as :func:`lstm.cells.stacks.stack_key` and PyTorch name them), except layer
    0's ``W_x`` (4H, K): with one-hot input, its column k is character k's
    embedding, so it is drawn from N(0, ``input_scale``²) as
    ``torch.nn.Embedding`` draws its vectors.  (The default (-1/√H, 1/√H)
    would give each character a whisper of a signal, ±0.04 at H = 512, and
    the model would spend its first few hundred steps growing it.)  The
    output layer is uniform in (-1/√H, 1/√H) like ``torch.nn.Linear``, with
    zero bias, so that the first logits are near zero and the first loss
    near ln K.
    """
    if isinstance(layers, (bool, np.bool_)) or not isinstance(layers, (int, np.integer)) or layers < 1:
        raise ValueError(f"layers must be a positive integer; got {layers!r}")
    rng = np.random.default_rng(rng)  # None, a seed or a Generator (returned as it is)
    params: dict[str, np.ndarray] = {}
    for layer in range(int(layers)):
        part = _init_lstm_params(K if layer == 0 else H, H, rng=rng, dtype=dtype)
        if layer == 0:
            part["W_x"] = (input_scale * rng.standard_normal(part["W_x"].shape)).astype(dtype)
        params.update(zip(layer_keys(layer), (part[k] for k in LSTM_NAMES)))
    bound = 1.0 / math.sqrt(H)
    params["W_y"] = rng.uniform(-bound, bound, size=(K, H)).astype(dtype)
    params["b_y"] = np.zeros(K, dtype=dtype)
    return params


class ModelDims(NamedTuple):
    """The model's sizes: characters K, units per layer H, layers L, and the dtype."""

    K: int
    H: int
    L: int
    dtype: np.dtype


def check_model(params) -> ModelDims:
    """Validate the parameter dict (every layer's shapes, one dtype); return its :class:`ModelDims`."""
    if not isinstance(params, Mapping):
        raise TypeError(f"params is a {type(params).__name__}; expected a dict of arrays")
    L = 0
    while stack_key("W_x", L) in params:
        L += 1
    expected = [k for layer in range(max(L, 1)) for k in layer_keys(layer)] + list(OUTPUT_NAMES)
    missing = [k for k in expected if k not in params]
    if missing:
        raise ValueError(f"params lacks {missing}; expected keys {expected}")
    unknown = sorted(set(params) - set(expected))
    if unknown:
        raise ValueError(f"params has unknown keys {unknown}; expected keys {expected}")
    dims: dict[str, int] = {}
    W_x = check_array("W_x_l0", params["W_x_l0"], ("4H", "K"), dims)
    if dims["4H"] % 4:
        raise ValueError(f"W_x_l0 has shape {W_x.shape}; its first dimension 4H must be a multiple of 4")
    dims["H"] = dims["4H"] // 4
    for layer in range(L):
        W_x_key, W_h_key, b_key = layer_keys(layer)
        if layer:
            check_array(W_x_key, params[W_x_key], ("4H", "H"), dims, dtype=W_x.dtype)
        check_array(W_h_key, params[W_h_key], ("4H", "H"), dims, dtype=W_x.dtype)
        check_array(b_key, params[b_key], ("4H",), dims, dtype=W_x.dtype)
    check_array("W_y", params["W_y"], ("K", "H"), dims, dtype=W_x.dtype)
    check_array("b_y", params["b_y"], ("K",), dims, dtype=W_x.dtype)
    return ModelDims(dims["K"], dims["H"], L, W_x.dtype)


def _layer(params, layer: int) -> dict:
    """Layer ``layer``'s parameters under the names :func:`lstm.lstm_forward` expects."""
    return dict(zip(LSTM_NAMES, (params[k] for k in layer_keys(layer))))


def _initial_state(state, dims: ModelDims, B: int):
    """``state`` as two (L, B, H) arrays (zeros for ``None``), checked."""
    shape = (dims.L, B, dims.H)
    if state is None:
        return np.zeros(shape, dims.dtype), np.zeros(shape, dims.dtype)
    if not (isinstance(state, (tuple, list)) and len(state) == 2):
        raise ValueError("state must be a pair (h, c) of (L, B, H) arrays, or None")
    return tuple(check_array(name, v, shape, dtype=dims.dtype) for name, v in zip(("h0", "c0"), state))


def _check_window(inputs, targets=None):
    inputs = np.asarray(inputs)
    if inputs.ndim != 2 or not np.issubdtype(inputs.dtype, np.integer):
        raise ValueError(f"inputs has shape {inputs.shape} and dtype {inputs.dtype}; expected (T, B) integers")
    if inputs.shape[0] == 0:
        raise ValueError("inputs has T = 0 steps; need T >= 1")
    if targets is not None:
        targets = np.asarray(targets)
        if targets.shape != inputs.shape:
            raise ValueError(f"inputs {inputs.shape} and targets {targets.shape}: expected equal (T, B)")
    return inputs, targets


class ModelCache(NamedTuple):
    """What :func:`model_backward` needs from :func:`model_forward`."""

    layers: list  # one lstm.cells.lstm_fast.SequenceCache per layer
    masks: list  # one (T, B, H) dropout mask per layer (None without dropout)
    top: np.ndarray  # (T, B, H) the input of the output layer (the top layer's h, dropped out)
    W_y: np.ndarray  # (K, H)


def model_forward(params, inputs, state=None, *, dropout: float = 0.0, rng=None):
    """Logits of the next character at every step of a window.

    Parameters
    ----------
    params : the model's parameter dict (see :func:`init_lm_params`).
    inputs : (T, B) integer character ids.
    state : ``(h, c)``, each (L, B, H), the state carried in from the
        previous window, or ``None`` for zeros.
    dropout : the rate p of dropout on each layer's output h (before the
        next layer and before the output layer); 0 for evaluation.
    rng : a ``numpy.random.Generator`` (or seed) for the masks.

    Returns
    -------
    logits : (T, B, K).
    (h_T, c_T) : (L, B, H) each, the state to carry into the next window.
    cache : :class:`ModelCache` for :func:`model_backward`.
    """
    dims = check_model(params)
    inputs, _ = _check_window(inputs)
    if inputs.min() < 0 or inputs.max() >= dims.K:
        raise ValueError(f"inputs has ids outside 0..{dims.K - 1}")
    p = check_rate(dropout)
    if p and rng is None:
        raise ValueError("dropout > 0 needs rng, a Generator (or seed) for the masks")
    T, B = inputs.shape
    h0, c0 = _initial_state(state, dims, B)
    x = one_hot(inputs, dims.K, dims.dtype)
    caches, masks, h_T, c_T = [], [], np.empty_like(h0), np.empty_like(c0)
    for layer in range(dims.L):
        hs, (h_T[layer], c_T[layer]), cache = lstm_forward(x, _layer(params, layer), h0[layer], c0[layer])
        mask = dropout_mask(hs.shape, p, rng, dims.dtype) if p else None
        x = hs * mask if p else hs
        caches.append(cache)
        masks.append(mask)
    logits = x @ params["W_y"].T + params["b_y"]
    return logits, (h_T, c_T), ModelCache(caches, masks, x, params["W_y"])


def model_backward(dlogits, cache: ModelCache) -> dict:
    """The gradients of every parameter, given ∂L/∂logits (T, B, K): a dict shaped like ``params``.

    No gradient flows into the initial state (truncated BPTT): each window's
    loss is differentiated within the window.
    """
    T, B, H = cache.top.shape
    K = cache.W_y.shape[0]
    dlogits = check_array("dlogits", dlogits, (T, B, K), dtype=cache.top.dtype)
    flat = dlogits.reshape(T * B, K)
    grads = {"W_y": flat.T @ cache.top.reshape(T * B, H), "b_y": flat.sum(axis=0)}
    dx = dlogits @ cache.W_y  # ∂L/∂(the top layer's output, after dropout)
    for layer in reversed(range(len(cache.layers))):
        mask = cache.masks[layer]
        dhs = dx * mask if mask is not None else dx  # dropout's backward: the same mask
        g = lstm_backward(dhs, cache.layers[layer], input_grad=layer > 0)
        grads.update(zip(layer_keys(layer), (g[k] for k in LSTM_NAMES)))
        dx = g.get("x")
    order = [k for layer in range(len(cache.layers)) for k in layer_keys(layer)] + list(OUTPUT_NAMES)
    return {k: grads[k] for k in order}


def loss_and_grads(params, inputs, targets, state=None, mask=None, *, dropout: float = 0.0, rng=None):
    """Mean cross-entropy per character (nats) over a window, and its gradient.

    Parameters
    ----------
    params : the model's parameter dict (see :func:`init_lm_params`).
    inputs, targets : (T, B) integer character ids; ``targets`` is ``inputs``
        one step later.
    state : ``(h, c)``, each (L, B, H), the state carried in from the
        previous window, or ``None`` for zeros.  No gradient flows back into
        it (truncation).
    mask : (T, B) of 0/1 or ``None``: which steps count.
    dropout, rng : as :func:`model_forward`.

    Returns
    -------
    loss : float, nats per counted character.
    grads : dict of the parameters' gradients, shaped like ``params``.
    (h_T, c_T) : (L, B, H) each, the state to carry into the next window.
    """
    inputs, targets = _check_window(inputs, targets)
    logits, state_T, cache = model_forward(params, inputs, state, dropout=dropout, rng=rng)
    loss, dlogits = sequence_loss(logits, targets, mask=mask, reduction="mean")
    return loss, model_backward(dlogits, cache), state_T


def evaluate(params, ids, *, streams: int = 32, window: int = 256, warmup: int = 256) -> float:
    """Bits per character of the model on ``ids``: the mean of -log₂ p(x_t | x_<t)
    over every target t = 1 … N-1 (no dropout).

    For speed the text is read as ``streams`` contiguous pieces in parallel.
    Each piece is preceded by up to ``warmup`` characters of the text before
    it, read but not scored, so that its first scored character is predicted
    from a state that has seen that much context (the first piece starts at
    the text's beginning, from the zero state).  ``window`` bounds memory.
    """
    dims = check_model(params)
    ids = _check_ids("ids", ids, dims.K)
    n_targets = len(ids) - 1
    streams = max(1, min(int(streams), n_targets))
    bounds = np.linspace(0, n_targets, streams + 1).round().astype(int)
    # Piece b scores targets bounds[b]+1 … bounds[b+1]; it reads from start_b.
    starts = np.maximum(bounds[:-1] - warmup, 0)
    lengths = bounds[1:] - starts  # inputs read by each piece
    Tmax = int(lengths.max())
    # Pieces start together at step 0 from the zero state; shorter ones are
    # padded at the end, where the mask is zero.
    inputs = np.zeros((Tmax, streams), np.int64)
    targets = np.zeros((Tmax, streams), np.int64)
    mask = np.zeros((Tmax, streams), dims.dtype)
    for b in range(streams):
        s, e = starts[b], bounds[b + 1]
        inputs[: e - s, b] = ids[s:e]
        targets[: e - s, b] = ids[s + 1 : e + 1]
        mask[bounds[b] - s : e - s, b] = 1
    state = None
    total = 0.0
    for s in range(0, Tmax, window):
        logits, state, _ = model_forward(params, inputs[s : s + window], state)
        loss, _ = sequence_loss(logits, targets[s : s + window], mask=mask[s : s + window])
        total += loss
    return total / n_targets / math.log(2)


def trace(params, ids, state=None, *, layer: int = -1, window: int = 512) -> dict:
    """Run the model over one text and record what the units of one layer do.

    Returns a dict of (N, H) arrays over the N characters of ``ids`` (step t
    has read ``ids[t]``): ``"c"`` cell states, ``"h"`` hidden states, and the
    gates ``"i"``, ``"f"``, ``"g"``, ``"o"`` of layer ``layer`` (the top one
    by default); and ``"p"`` (N, K), the predicted distribution of the
    character after each step.  ``state`` is ``(h, c)``, each (L, 1, H), or
    ``None`` for zeros.
    """
    dims = check_model(params)
    ids = np.asarray(ids)
    if ids.ndim != 1 or not np.issubdtype(ids.dtype, np.integer) or len(ids) < 1:
        raise ValueError(f"ids has shape {ids.shape} and dtype {ids.dtype}; expected 1-D integers")
    if not (isinstance(layer, (int, np.integer)) and -dims.L <= layer < dims.L):
        raise ValueError(f"layer is {layer!r}; the model has L = {dims.L} layers")
    layer = int(layer) % dims.L
    out: dict[str, list[np.ndarray]] = {k: [] for k in ("c", "h", "i", "f", "g", "o", "p")}
    for s in range(0, len(ids), window):
        logits, state, cache = model_forward(params, ids[s : s + window, None], state)
        run = cache.layers[layer]
        H = dims.H
        out["c"].append(np.concatenate([run.c_prevs[1:, 0], state[1][layer]]))
        out["h"].append(np.concatenate([run.h_prevs[1:, 0], state[0][layer]]))
        for k, gate in enumerate("ifgo"):
            out[gate].append(run.gates[:, 0, k * H : (k + 1) * H])
        z = logits[:, 0] - logits[:, 0].max(axis=1, keepdims=True)
        p = np.exp(z)
        out["p"].append(p / p.sum(axis=1, keepdims=True))
    return {k: np.concatenate(v) for k, v in out.items()}


def sample(params, vocab: str, n: int, *, prompt: str = "\n", temperature: float = 1.0, rng=None) -> str:
    """``n`` characters drawn from the model after it has read ``prompt``.

    Each character is drawn from softmax(logits / temperature): below 1 the
    distribution sharpens towards the likeliest characters, above 1 it
    flattens; ``temperature → 0`` approaches always taking the most likely
    one.  Returns the prompt followed by the ``n`` characters.
    """
    dims = check_model(params)
    if len(vocab) != dims.K:
        raise ValueError(f"vocab has {len(vocab)} characters; the model has K = {dims.K}")
    if not (isinstance(temperature, (int, float)) and temperature > 0 and math.isfinite(temperature)):
        raise ValueError(f"temperature must be a positive finite number; got {temperature!r}")
    if not isinstance(prompt, str) or not prompt:
        raise ValueError("prompt must be a non-empty str")
    rng = np.random.default_rng(rng)  # None, a seed or a Generator (returned as it is)
    logits, state, _ = model_forward(params, encode(prompt, vocab)[:, None])
    out = []
    for _ in range(int(n)):
        z = logits[-1, 0].astype(np.float64) / temperature
        p = np.exp(z - z.max())
        k = int(rng.choice(dims.K, p=p / p.sum()))
        out.append(vocab[k])
        logits, state, _ = model_forward(params, np.array([[k]]), state)
    return prompt + "".join(out)


# ----------------------------------------------------------------------- training


def cosine_lr(lr: float, steps: int, warmup: int = 0, final: float = 0.0) -> Callable[[int], float]:
    """Learning rate at step s (0-based): linear warm-up over ``warmup`` steps,
    then a cosine from ``lr`` down to ``final * lr`` at the last step."""

    def rate(s: int) -> float:
        if s < warmup:
            return lr * (s + 1) / warmup
        u = (s - warmup) / max(1, steps - warmup - 1)
        return lr * (final + (1 - final) * 0.5 * (1 + math.cos(math.pi * min(u, 1.0))))

    return rate


class WindowLoss:
    """Truncated BPTT for :func:`lstm.train`: the loss of a window, carrying the state to the next.

    ``window_loss.batch(step)`` is the batch of step ``step`` (0-based): window
    ``step mod len(batches)`` of ``batches`` and whether it starts a pass over
    the text; ``window_loss(params, batch)`` is its ``(loss, grads)`` by
    :func:`loss_and_grads`, starting from the state the previous call ended in
    (zero at the start of a pass) and keeping the new one in ``state``.  The
    calls must come in the order of the steps.  ``dropout`` > 0 needs ``rng``
    for its masks.
    """

    def __init__(self, batches: Batches, *, dropout: float = 0.0, rng=None, state=None):
        if not isinstance(batches, Batches):
            raise TypeError(f"batches must be a charlm.Batches; got {type(batches).__name__}")
        self.batches, self.dropout, self.rng, self.state = batches, check_rate(dropout), rng, state
        if self.dropout and rng is None:
            raise ValueError("dropout > 0 needs rng, a Generator (or seed) for the masks")

    def batch(self, step: int, rng=None):
        """``(inputs, targets, first)`` of step ``step``: a window and whether it starts a pass.
        (``rng``, which :func:`lstm.train` hands to batches, is not used: the windows are fixed.)"""
        k = int(step) % len(self.batches)
        inputs, targets = self.batches.window(k)
        return inputs, targets, k == 0

    def __call__(self, params, batch):
        inputs, targets, first = batch
        if first:
            self.state = None  # a new pass over the text starts from the zero state
        loss, grads, self.state = loss_and_grads(params, inputs, targets, self.state, dropout=self.dropout,
                                                 rng=self.rng)
        return loss, grads


def train(
    params,
    batches: Batches,
    steps: int,
    *,
    lr: float | Callable[[int], float] = 2e-3,
    max_norm: float = 5.0,
    betas=(0.9, 0.999),
    eps: float = 1e-8,
    dropout: float = 0.0,
    rng=None,
    callback: Callable[[dict], None] | None = None,
) -> list[dict]:
    """Train ``params`` in place with Adam and gradient-norm clipping: :func:`lstm.train` on a :class:`WindowLoss`.

    Step s reads window s of ``batches`` (cycling through the text, epoch
    after epoch), starting from the state window s-1 ended in; at the start
    of each epoch the state is reset to zero.  ``lr`` is a number or a
    function of the step.  ``dropout`` > 0 needs ``rng`` for its masks.
    ``callback`` receives each step's record.  A non-finite loss or gradient
    norm ends the run before the update (:func:`lstm.train`'s rule).

    Returns one record per step: ``{"step", "loss" (nats/char), "norm"
    (gradient norm before clipping), "lr", "time" (s since the start)}``.
    """
    from ..training.loop import train as train_loop
    from ..training.optim import Adam

    check_model(params)
    rate = lr if callable(lr) else (lambda s, _lr=lr: _lr)
    window_loss = WindowLoss(batches, dropout=dropout, rng=rng)
    records: list[dict] = []

    def record(h):
        rec = {"step": h.steps - 1, "loss": h.loss[-1], "norm": h.grad_norm[-1], "lr": h.lr[-1], "time": h.time[-1]}
        records.append(rec)
        if callback is not None:
            callback(rec)

    train_loop(window_loss, params, Adam(params, lr=rate(0), betas=betas, eps=eps), window_loss.batch,
               steps=int(steps), clip=max_norm, schedule=rate, callback=record, progress=False)
    return records


# ------------------------------------------------------------------------ storage


def save_model(path, params, vocab: str, **meta) -> None:
    """Save parameters (as stored, e.g. float32), the vocabulary and metadata to ``.npz``."""
    check_model(params)
    arrays = {k: np.asarray(v) for k, v in params.items()}
    arrays.update(vocab=np.array(vocab), meta=np.array(repr(meta)))
    np.savez_compressed(path, **arrays)  # type: ignore[arg-type]  # numpy's stub types **kwds as bool


def load_model(path) -> tuple[dict, str, dict]:
    """(params, vocab, meta) from a file written by :func:`save_model`."""
    import ast

    with np.load(path, allow_pickle=False) as z:
        params = {k: z[k].copy() for k in z.files if k not in ("vocab", "meta")}
        vocab = str(z["vocab"])
        meta = ast.literal_eval(str(z["meta"]))
    check_model(params)
    return params, vocab, meta


# ------------------------------------------------------------------ what cells do


def text_features(text: str) -> dict[str, np.ndarray]:
    """Properties of each character of a play's text, (N,) float arrays each.

    * ``"line position"``: characters since the last newline (0 at a newline);
    * ``"newline next"``: 1 where the next character is a newline;
    * ``"in word"``: 1 on letters;
    * ``"speaker name"``: 1 on the characters of a line naming a speaker (a
      line that ends in ``:`` and follows a blank line or starts the text),
      including its newline;
    * ``"speech position"``: characters since the current speech began (the
      end of its speaker line), 0 on speaker lines and blank lines.
    """
    N = len(text)
    line_pos = np.zeros(N)
    newline_next = np.zeros(N)
    in_word = np.array([ch.isalpha() for ch in text], dtype=float)
    speaker = np.zeros(N)
    speech_pos = np.zeros(N)
    start = 0
    prev_blank = True
    in_speech, since = False, 0
    for line in text.split("\n"):
        end = start + len(line)  # the newline sits at index `end` (if end < N)
        span = slice(start, min(end + 1, N))
        line_pos[span] = np.arange(span.stop - span.start) + 1
        if end < N:
            line_pos[end] = 0
        is_speaker = prev_blank and line.endswith(":") and len(line) > 1
        if is_speaker:
            speaker[span] = 1
            in_speech, since = True, 0
        elif not line:
            in_speech = False
        elif in_speech:
            n = span.stop - span.start
            speech_pos[span] = since + np.arange(1, n + 1)
            since += n
        prev_blank = not line
        start = end + 1
    newline_next[:-1] = np.array([ch == "\n" for ch in text[1:]], dtype=float)
    return {"line position": line_pos, "newline next": newline_next, "in word": in_word,
            "speaker name": speaker, "speech position": speech_pos}


def unit_correlations(values, feature) -> np.ndarray:
    """Pearson correlation of each unit with a feature: ``values`` (N, H), ``feature`` (N,) → (H,).

    A unit (or feature) that never changes has correlation 0.
    """
    v = np.asarray(values, dtype=np.float64)
    x = np.asarray(feature, dtype=np.float64)
    if v.ndim != 2 or x.shape != (v.shape[0],):
        raise ValueError(f"values {v.shape} and feature {x.shape}: expected (N, H) and (N,)")
    v = v - v.mean(axis=0)
    x = x - x.mean()
    denom = np.sqrt((v * v).sum(axis=0) * (x @ x))
    return np.divide(x @ v, denom, out=np.zeros(v.shape[1]), where=denom > 0)


def saturation(gate, low: float = 0.1, high: float = 0.9) -> tuple[np.ndarray, np.ndarray]:
    """Per unit, the fraction of steps a gate (N, H) is left-saturated (< ``low``)
    and right-saturated (> ``high``): two (H,) arrays (Karpathy, Johnson & Fei-Fei 2015)."""
    g = np.asarray(gate)
    if g.ndim != 2:
        raise ValueError(f"gate has shape {g.shape}; expected (N, H)")
    return (g < low).mean(axis=0), (g > high).mean(axis=0)


def heatmap_html(text: str, values, *, title: str = "") -> str:
    """HTML of ``text`` with each character on a background coloured by ``values``
    (N,) in [-1, 1]: blue below zero, white at zero, red above (clipped).  Plain
    inline styles, so the page needs nothing from the network."""
    from html import escape

    values = np.clip(np.asarray(values, dtype=np.float64), -1, 1)
    if values.shape != (len(text),):
        raise ValueError(f"values has shape {values.shape}; expected ({len(text)},), one per character")
    spans = []
    for ch, v in zip(text, values):
        fade = int(round(255 * (1 - abs(v))))
        rgb = (255, fade, fade) if v > 0 else (fade, fade, 255)
        shown = "↵" if ch == "\n" else ("&nbsp;" if ch == " " else escape(ch))
        br = "<br>" if ch == "\n" else ""
        spans.append(f'<span style="background-color:rgb{rgb}">{shown}</span>{br}')
    head = f"<div><b>{escape(title)}</b></div>" if title else ""
    return (f'{head}<div style="font-family:monospace;line-height:1.6;color:#000">'
            + "".join(spans) + "</div>")


# ------------------------------------------------------------- PyTorch, for checking


def torch_loss_and_grads(params, inputs, targets, state, masks):
    """The loss and gradients of :func:`loss_and_grads` computed by PyTorch's autograd, for checking.

    Each layer is a one-layer ``torch.nn.LSTM`` holding that layer's weights
    (PyTorch's gate order is the package's: i, f, g, o; ``bias_hh`` zero),
    the given dropout ``masks`` (one (T, B, H) array per layer, e.g.
    ``model_forward(...)[2].masks``; ``None`` for none) multiply each layer's
    output, and ``nn.functional.cross_entropy`` gives the mean loss.  Returns
    ``(loss, grads)`` with ``grads`` keyed like ``params`` (NumPy arrays).
    """
    import torch

    dims = check_model(params)
    dt = getattr(torch, str(dims.dtype))
    inputs, targets = _check_window(inputs, targets)
    h0, c0 = _initial_state(state, dims, inputs.shape[1])
    x = torch.nn.functional.one_hot(torch.from_numpy(inputs), dims.K).to(dt)
    modules = []
    for layer in range(dims.L):
        W_x, W_h, b = (params[k] for k in layer_keys(layer))
        module = torch.nn.LSTM(W_x.shape[1], dims.H).to(dt)
        with torch.no_grad():
            module.weight_ih_l0.copy_(torch.from_numpy(W_x))
            module.weight_hh_l0.copy_(torch.from_numpy(W_h))
            module.bias_ih_l0.copy_(torch.from_numpy(b))
            module.bias_hh_l0.zero_()
        x, _ = module(x, (torch.from_numpy(h0[layer : layer + 1]), torch.from_numpy(c0[layer : layer + 1])))
        if masks[layer] is not None:
            x = x * torch.from_numpy(masks[layer])
        modules.append(module)
    W_y = torch.tensor(params["W_y"], requires_grad=True)
    b_y = torch.tensor(params["b_y"], requires_grad=True)
    logits = x @ W_y.T + b_y
    loss = torch.nn.functional.cross_entropy(logits.reshape(-1, dims.K), torch.from_numpy(targets).reshape(-1))
    loss.backward()
    grads = {}
    for layer, module in enumerate(modules):
        grads.update(zip(layer_keys(layer), (module.weight_ih_l0.grad.numpy(), module.weight_hh_l0.grad.numpy(),
                                             module.bias_ih_l0.grad.numpy())))
    grads["W_y"], grads["b_y"] = W_y.grad.numpy(), b_y.grad.numpy()
    return float(loss.detach()), grads


# ---------------------------------------------------------------------- timing


def step_flops(K: int, H: int, L: int, B: int, T: int) -> int:
    """Floating-point operations of the matrix products of one training step.

    Per layer: the input projection (T·B × D) · (D × 4H), the recurrent
    products (B × H) · (H × 4H) at each of the T steps, and in the backward
    pass the same shapes twice more (∂L/∂h_{t-1} and the weights' gradients;
    ∂L/∂x too above layer 0, whose input is data); then the output layer,
    forward and backward.  A product of (m × k) · (k × n) counts 2mkn.
    """
    n = T * B
    total = 0
    for layer in range(L):
        D = K if layer == 0 else H
        total += 2 * n * 4 * H * (D + H) * 2  # forward projections, and the weights' gradients
        total += 2 * n * 4 * H * H  # ∂L/∂h_{t-1} through the recurrent weights
        if layer:
            total += 2 * n * 4 * H * D  # ∂L/∂x, the layer below's output
    total += 3 * 2 * n * H * K  # the output layer: logits, ∂L/∂h, ∂L/∂W_y
    return total


def _time_step(impl: str, H, B, T, dtype, layers, dropout, repeats, K, seed) -> float:
    """Median seconds of ``repeats`` steps of :func:`lstm.bench.make_lm`'s ``impl``, after 3 untimed."""
    from ..bench import make_lm

    if np.dtype(dtype) != np.float32:
        raise ValueError(f"dtype is {dtype!r}; the timed step is float32 (lstm.bench.make_lm)")
    step = make_lm(impl, K, H, layers, B, T, dropout, seed=seed)
    times = []
    for _ in range(repeats + 3):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    return float(np.median(times[3:]))


def time_train_step(H: int, B: int, T: int, dtype="float32", *, layers: int = 1, dropout: float = 0.0,
                    repeats: int = 20, K: int = 65, seed: int = 0) -> float:
    """Median seconds of one float32 training step of this package (forward, backward, clipping,
    Adam) for the model of size (K, H, layers) on a (T, B) window: ``make_lm("lstm", ...)``."""
    return _time_step("lstm", H, B, T, dtype, layers, dropout, repeats, K, seed)


def time_torch_train_step(H: int, B: int, T: int, dtype="float32", *, layers: int = 1, dropout: float = 0.0,
                          repeats: int = 20, K: int = 65, seed: int = 0) -> float:
    """The same step in PyTorch, default settings: ``make_lm("torch", ...)``."""
    return _time_step("torch", H, B, T, dtype, layers, dropout, repeats, K, seed)
