"""Output layer and sequence loss (lstm.blocks.loss): gradients, masking, errors."""
import numpy as np
import pytest
import sympy as sp

import lstm
from lstm.checks import symbolic as lsym


def setup(rng, T=3, B=2, H=4, K=5):
    return (rng.normal(size=(T, B, H)), rng.normal(size=(K, H)), rng.normal(size=K),
            rng.integers(0, K, size=(T, B)))


def loss_layer(targets, mask=None, reduction="sum"):
    def forward(h, W_y, b_y):
        logits, cache = lstm.output_forward(h, W_y, b_y)
        loss, dlogits = lstm.sequence_loss(logits, targets, mask, reduction)
        return np.array(loss), (dlogits, cache)

    def backward(dout, saved):
        dlogits, cache = saved
        return lstm.output_backward(dout * dlogits, cache)

    return forward, backward


@pytest.mark.parametrize("reduction", ["sum", "mean"])
@pytest.mark.parametrize("masked", [False, True])
def test_gradients_match_finite_differences(reduction, masked, rng):
    h, W_y, b_y, targets = setup(rng)
    mask = np.array([[1, 1], [1, 0], [0, 0]]) if masked else None
    forward, backward = loss_layer(targets, mask, reduction)
    errors = lstm.gradcheck(forward, backward, {"h": h, "W_y": W_y, "b_y": b_y}, rng=rng)
    assert max(errors.values()) < 1e-8


def test_gradients_match_sympy(rng):
    T, B, H, K = 2, 2, 2, 3
    hs = [lsym.matrix(f"h{t}", B, H) for t in range(T)]
    Wy, by = lsym.matrix("Wy", K, H), lsym.vector("by", K)
    targets = np.array([[0, 2], [1, 1]])
    z = [hs[t] * Wy.T + sp.ones(B, 1) * by.T for t in range(T)]
    L = sum(sp.log(sum(sp.exp(z[t][b, k]) for k in range(K))) - z[t][b, targets[t, b]]
            for t in range(T) for b in range(B))
    h, W_y, b_y = rng.normal(size=(T, B, H)), rng.normal(size=(K, H)), rng.normal(size=K)
    logits, cache = lstm.output_forward(h, W_y, b_y)
    loss, dlogits = lstm.sequence_loss(logits, targets)
    grads = lstm.output_backward(dlogits, cache)
    bindings = {hs[0]: h[0], hs[1]: h[1], Wy: W_y, by: b_y}
    assert abs(loss - float(lsym.numeric(L, bindings))) < 1e-13 * loss
    assert lstm.relative_error(grads["W_y"], lsym.numeric(lsym.gradient(L, Wy), bindings)) < 1e-12
    assert lstm.relative_error(grads["b_y"], lsym.numeric(lsym.gradient(L, by), bindings).ravel()) < 1e-12
    for t in range(T):
        assert lstm.relative_error(grads["h"][t], lsym.numeric(lsym.gradient(L, hs[t]), bindings)) < 1e-12


def test_masking_equals_separate_sequences(rng):
    h, W_y, b_y, targets = setup(rng, T=3, B=2)
    lengths = [3, 1]
    mask = np.arange(3)[:, None] < np.array(lengths)[None, :]
    logits, _ = lstm.output_forward(h, W_y, b_y)
    loss, dlogits = lstm.sequence_loss(logits, targets, mask)
    separate = sum(lstm.sequence_loss(logits[:n, [b]], targets[:n, [b]])[0] for b, n in enumerate(lengths))
    assert loss == pytest.approx(separate, rel=1e-14)
    assert np.all(dlogits[1:, 1] == 0) and np.all(dlogits[:, 0] != 0)
    mean_loss, _ = lstm.sequence_loss(logits, targets, mask, "mean")
    assert mean_loss == pytest.approx(loss / 4, rel=1e-14)


def test_single_step_shapes_and_float32(rng):
    h, W_y, b_y, _ = setup(rng)
    logits, cache = lstm.output_forward(h[0].astype(np.float32), W_y.astype(np.float32), b_y.astype(np.float32))
    assert logits.shape == (2, 5) and logits.dtype == np.float32
    g = lstm.output_backward(np.ones_like(logits), cache)
    assert g["h"].shape == (2, 4) and g["W_y"].shape == (5, 4) and g["b_y"].dtype == np.float32


@pytest.mark.parametrize(
    "call, error, message",
    [
        (
            lambda h, W, b, y: lstm.output_forward(h[..., :3], W, b),
            ValueError,
            r"h has shape \(3, 2, 3\); expected \(\?, \?, H\) = \(\?, \?, 4\)",
        ),
        (lambda h, W, b, y: lstm.output_forward(h, W, b[:4]), ValueError, r"b_y has shape \(4,\)"),
        (lambda h, W, b, y: lstm.output_forward(h.astype(np.float32), W, b), TypeError, "h has dtype float32"),
        (lambda h, W, b, y: lstm.sequence_loss(h, y.T), ValueError, r"targets has shape .*expected \(T, B\)"),
        (lambda h, W, b, y: lstm.sequence_loss(np.zeros((3, 2, 5)), y, np.ones((2, 3))), ValueError, "mask has shape"),
        (
            lambda h, W, b, y: lstm.sequence_loss(np.zeros((3, 2, 5)), y, np.full((3, 2), 0.5)),
            ValueError,
            "only 0 and 1",
        ),
        (lambda h, W, b, y: lstm.sequence_loss(np.zeros((3, 2, 5)), y + 5), ValueError, "class indices"),
        (lambda h, W, b, y: lstm.sequence_loss(np.zeros((3, 2, 5)), y.astype(float)), ValueError, "integers"),
        (
            lambda h, W, b, y: lstm.output_backward(np.zeros((3, 2, 4)), lstm.output_forward(h, W, b)[1]),
            ValueError,
            "dlogits has shape",
        ),
    ],
)
def test_bad_input(call, error, message, rng):
    with pytest.raises(error, match=message):
        call(*setup(rng))
