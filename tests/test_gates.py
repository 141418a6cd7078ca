"""Parameter layout (lstm.blocks.gates): shapes, stacked and bias-folded layouts, gate orders."""
import numpy as np
import pytest

import lstm


def test_param_shapes_follow_from_D_and_H():
    assert lstm.param_shapes(10, 5) == {"W_x": (20, 10), "W_h": (20, 5), "b": (20,)}
    with pytest.raises(ValueError, match="H must be a positive integer"):
        lstm.param_shapes(3, 0)


def test_stacked_and_folded_layouts_compute_the_same_preactivation(rng):
    D, H, B = 10, 5, 3
    W_x, W_h, b = rng.normal(size=(4 * H, D)), rng.normal(size=(4 * H, H)), rng.normal(size=4 * H)
    x, h = rng.normal(size=(B, D)), rng.normal(size=(B, H))
    W = lstm.stack_weights(W_x, W_h)
    Wb = lstm.fold_bias(W, b)
    assert W.shape == (20, 15) and Wb.shape == (20, 16)
    separate = x @ W_x.T + h @ W_h.T + b
    np.testing.assert_allclose(np.hstack([x, h]) @ W.T + b, separate, rtol=1e-13)
    np.testing.assert_allclose(np.hstack([x, h, np.ones((B, 1))]) @ Wb.T, separate, rtol=1e-13)


def test_layout_errors_name_the_argument():
    with pytest.raises(ValueError, match=r"W_h has shape \(20, 4\); expected \(4H, H\) = \(20, 5\) to match W_x"):
        lstm.stack_weights(np.zeros((20, 10)), np.zeros((20, 4)))
    with pytest.raises(ValueError, match=r"b has shape \(19,\)"):
        lstm.fold_bias(np.zeros((20, 15)), np.zeros(19))
    with pytest.raises(TypeError, match="b has dtype float32"):
        lstm.fold_bias(np.zeros((20, 15)), np.zeros(20, np.float32))
    with pytest.raises(ValueError, match="not a permutation"):
        lstm.reorder_gates(np.zeros((8, 2)), "ifgg", "ifgo")
    with pytest.raises(ValueError, match="multiple of 4"):
        lstm.reorder_gates(np.zeros((6, 2)), "ifgo", "igfo")


def test_reorder_moves_whole_blocks():
    H = 2
    blocks = {g: np.full((H, 3), k, dtype=float) for k, g in enumerate("ifgo")}
    book = np.vstack([blocks[g] for g in "ifgo"])
    tf = lstm.reorder_gates(book, "book", "tensorflow1")
    np.testing.assert_array_equal(tf, np.vstack([blocks[g] for g in "igfo"]))
    bias = lstm.reorder_gates(np.arange(8.0), "ifgo", "ifog")
    np.testing.assert_array_equal(bias, [0, 1, 2, 3, 6, 7, 4, 5])
    i, f, g, o = lstm.split_gates(book, axis=0)
    assert [blk[0, 0] for blk in (i, f, g, o)] == [0, 1, 2, 3]
