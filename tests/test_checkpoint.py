"""Gradient checkpointing: the gradients of plain BPTT, in O(√T) memory."""
import tracemalloc
from unittest import mock

import numpy as np
import pytest

import lstm
import lstm.cells.checkpoint
from lstm.cells.checkpoint import checkpoint_backward, checkpoint_forward, default_every

NAMES = ("x", "h0", "c0", "W_x", "W_h", "b")


def problem(rng, T=10, B=3, D=2, H=4, dtype=np.float64):
    p = lstm.init_lstm_params(D, H, rng=rng, dtype=dtype)
    p["b"] = rng.normal(size=4 * H).astype(dtype)
    x = rng.normal(size=(T, B, D)).astype(dtype)
    h0, c0, dh_T, dc_T = (rng.normal(size=(B, H)).astype(dtype) for _ in range(4))
    dhs = rng.normal(size=(T, B, H)).astype(dtype)
    return x, p, h0, c0, dhs, dh_T, dc_T


@pytest.mark.parametrize("dtype, rtol, atol", [(np.float64, 1e-12, 1e-13), (np.float32, 2e-5, 2e-5)])
@pytest.mark.parametrize("every", [1, 2, 3, 4, 9, 10, 13, None])
def test_checkpointing_gives_the_gradients_of_plain_bptt(every, dtype, rtol, atol, rng):
    x, p, h0, c0, dhs, dh_T, dc_T = problem(rng, dtype=dtype)
    hs, (h_T, c_T), cache = lstm.lstm_forward(x, p, h0, c0)
    plain = lstm.lstm_backward(dhs, cache, dh_T, dc_T)
    hs_k, (h_T_k, c_T_k), cache_k = checkpoint_forward(x, p, h0, c0, every=every)
    k = every or default_every(10)
    assert cache_k.starts == list(range(0, 10, k)) and len(cache_k.states) == len(cache_k.starts)
    np.testing.assert_array_equal(hs_k, hs)  # the same operations on the same numbers
    np.testing.assert_array_equal(h_T_k, h_T)
    np.testing.assert_array_equal(c_T_k, c_T)
    ours = checkpoint_backward(dhs, cache_k, dh_T, dc_T)
    for n in NAMES:
        assert ours[n].dtype == dtype
        np.testing.assert_allclose(ours[n], plain[n], rtol=rtol, atol=atol, err_msg=n)


def test_no_gradient_and_default_states(rng):
    x, p, *_ = problem(rng)
    _, _, cache = lstm.lstm_forward(x, p)
    _, (h_T, c_T), cache_k = checkpoint_forward(x, p, every=4)
    plain, ours = lstm.lstm_backward(None, cache, None, c_T), checkpoint_backward(None, cache_k, None, c_T)
    for n in NAMES:
        np.testing.assert_allclose(ours[n], plain[n], rtol=1e-12, atol=1e-14)
        assert np.all(ours[n] != 0), n  # a loss on c_T alone reaches everything


def test_default_every_is_the_ceiling_of_the_square_root():
    assert [default_every(T) for T in (1, 2, 4, 5, 9, 10, 100, 101)] == [1, 2, 2, 3, 3, 4, 10, 11]


@pytest.mark.parametrize("every", [0, -1, 2.5])
def test_bad_every(every, rng):
    x, p, *_ = problem(rng)
    with pytest.raises(ValueError, match="every is"):
        checkpoint_forward(x, p, every=every)


def test_bad_dhs(rng):
    x, p, *_ = problem(rng)
    _, _, cache = checkpoint_forward(x, p)
    with pytest.raises(ValueError, match="dhs has shape"):
        checkpoint_backward(np.zeros((10, 3, 5)), cache)


def peak_bytes(fn):
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_checkpointing_stores_less(rng):
    """At T = 400 the peak of forward + backward is a fraction of plain BPTT's."""
    x, p, h0, c0, dhs, dh_T, dc_T = problem(rng, T=400, B=4, D=2, H=32)

    def plain():
        _, _, cache = lstm.lstm_forward(x, p, h0, c0)
        return lstm.lstm_backward(dhs, cache, dh_T, dc_T)

    def checkpointed():
        _, _, cache = checkpoint_forward(x, p, h0, c0)
        return checkpoint_backward(dhs, cache, dh_T, dc_T)

    assert peak_bytes(checkpointed) < 0.4 * peak_bytes(plain)


def test_plain_bptt_peak_grows_by_D_plus_12H_numbers_per_step(rng):
    """The cache (D + 7H), ∂L/∂a (4H) and o ⊙ (1 - tanh² c) (H) per step and example.

    The input x is the caller's array (not counted), ∂L/∂x (D) is; D + 11H,
    which leaves out o ⊙ (1 - tanh² c), is 8 % too few here.
    """
    B, D, H = 4, 3, 16
    peaks = {}
    for T in (200, 800):
        x, p, h0, c0, dhs, dh_T, dc_T = problem(rng, T=T, B=B, D=D, H=H)

        def plain():
            _, _, cache = lstm.lstm_forward(x, p, h0, c0)
            return lstm.lstm_backward(dhs, cache, dh_T, dc_T)

        plain()  # warm-up
        peaks[T] = peak_bytes(plain)
    per_step = (peaks[800] - peaks[200]) / (600 * B * 8)
    assert abs(per_step - (D + 12 * H)) < 0.01 * (D + 12 * H), per_step


def test_checkpointing_runs_every_step_forward_twice_and_backward_once(rng):
    ck = lstm.cells.checkpoint
    x, p, h0, c0, dhs, dh_T, dc_T = problem(rng, T=10)
    for every in (1, 3, 4, 10, None):
        with mock.patch.object(ck, "lstm_forward", wraps=ck.lstm_forward) as fwd, \
                mock.patch.object(ck, "lstm_backward", wraps=ck.lstm_backward) as bwd:
            _, _, cache = checkpoint_forward(x, p, h0, c0, every=every)
            checkpoint_backward(dhs, cache, dh_T, dc_T)
        assert sum(len(c.args[0]) for c in fwd.call_args_list) == 20, every
        assert sum(len(c.args[0]) for c in bwd.call_args_list) == 10, every
