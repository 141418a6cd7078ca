"""The LSTM's batched path (lstm.cells.lstm_fast): lstm.lstm_forward / lstm.lstm_backward, backpropagation
through time."""
import numpy as np
import pytest
import sympy as sp

import lstm
from lstm.checks import symbolic as lsym

NAMES = ("x", "h0", "c0", "W_x", "W_h", "b")


def problem(rng, T=4, B=3, D=2, H=3, dtype=np.float64):
    p = lstm.init_lstm_params(D, H, rng=rng, dtype=dtype)
    p["b"] = rng.normal(size=4 * H).astype(dtype)
    x = rng.normal(size=(T, B, D)).astype(dtype)
    h0, c0 = (rng.normal(size=(B, H)).astype(dtype) for _ in range(2))
    return x, h0, c0, p


def run(x, h0, c0, W_x, W_h, b):
    hs, (h_T, c_T), cache = lstm.lstm_forward(x, {"W_x": W_x, "W_h": W_h, "b": b}, h0, c0)
    return (hs, h_T, c_T), cache


def run_backward(dout, cache):
    return lstm.lstm_backward(dout[0], cache, dout[1], dout[2])


def test_gradients_match_finite_differences(rng):
    x, h0, c0, p = problem(rng)
    errors = lstm.gradcheck(run, run_backward, dict(x=x, h0=h0, c0=c0, **p), rng=rng)
    assert set(errors) == set(NAMES) and max(errors.values()) < 1e-8


def test_a_loss_on_the_final_cell_state_reaches_every_parameter(rng):
    x, h0, c0, p = problem(rng)

    def only_c_T(x, h0, c0, W_x, W_h, b):
        (hs, h_T, c_T), cache = run(x, h0, c0, W_x, W_h, b)
        return c_T, cache

    grads_seen = {}

    def backward(dc_T, cache):
        grads_seen.update(lstm.lstm_backward(None, cache, None, dc_T))
        return grads_seen

    lstm.gradcheck(only_c_T, backward, dict(x=x, h0=h0, c0=c0, **p), rng=rng)
    for name in NAMES:
        assert np.all(grads_seen[name] != 0), name


def test_matches_a_loop_of_cells(rng):
    x, h0, c0, p = problem(rng, T=5)
    hs, (h_T, c_T), cache = lstm.lstm_forward(x, p, h0, c0)
    dhs, dh_T, dc_T = rng.normal(size=hs.shape), rng.normal(size=h_T.shape), rng.normal(size=c_T.shape)
    grads = lstm.lstm_backward(dhs, cache, dh_T, dc_T)
    h, c, caches = h0, c0, []
    for t in range(5):
        h, c, cell_cache = lstm.lstm_step_forward(x[t], h, c, p)
        caches.append(cell_cache)
        np.testing.assert_allclose(hs[t], h, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(c_T, c, rtol=1e-14, atol=1e-15)
    dh, dc = dh_T, dc_T
    total = {k: 0 for k in ("W_x", "W_h", "b")}
    for t in reversed(range(5)):
        g = lstm.lstm_step_backward(dh + dhs[t], dc, caches[t])
        np.testing.assert_allclose(grads["x"][t], g["x"], rtol=1e-12, atol=1e-14)
        dh, dc = g["h_prev"], g["c_prev"]
        for k in total:
            total[k] = total[k] + g[k]
    np.testing.assert_allclose(grads["h0"], dh, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(grads["c0"], dc, rtol=1e-12, atol=1e-14)
    for k in total:
        np.testing.assert_allclose(grads[k], total[k], rtol=1e-12, atol=1e-14)


def test_batch_equals_loop_over_examples(rng):
    x, h0, c0, p = problem(rng, B=4)
    hs, _, cache = lstm.lstm_forward(x, p, h0, c0)
    dhs = rng.normal(size=hs.shape)
    batch = lstm.lstm_backward(dhs, cache)
    summed = {k: 0 for k in ("W_x", "W_h", "b")}
    for k in range(4):
        s = slice(k, k + 1)
        hs_k, _, cache_k = lstm.lstm_forward(x[:, s], p, h0[s], c0[s])
        np.testing.assert_allclose(hs_k[:, 0], hs[:, k], rtol=1e-14, atol=1e-15)
        g = lstm.lstm_backward(dhs[:, s], cache_k)
        for n in ("x",):
            np.testing.assert_allclose(g[n][:, 0], batch[n][:, k], rtol=1e-12, atol=1e-14)
        for n in ("h0", "c0"):
            np.testing.assert_allclose(g[n][0], batch[n][k], rtol=1e-12, atol=1e-14)
        for n in summed:
            summed[n] = summed[n] + g[n]
    for n in summed:
        np.testing.assert_allclose(summed[n], batch[n], rtol=1e-12, atol=1e-14)


@pytest.mark.slow
@pytest.mark.parametrize("T, H", [(3, 1), (2, 2)], ids=["three steps", "off-diagonal W_h"])
def test_matches_sympy(T, H, rng):
    """Every path through time (T = 3), and W_h's off-diagonal entries (H = 2), within seconds.

    (T = 3 with H = 2 takes about a minute of SymPy; the BPTT chapter does it.)
    """
    B, D = 1, 1
    X = [lsym.matrix(f"x{t}", B, D) for t in range(T)]
    Wx, Wh, bs = lsym.matrix("Wx", 4 * H, D), lsym.matrix("Wh", 4 * H, H), lsym.vector("b", 4 * H)
    h0s, c0s = lsym.matrix("h0", B, H), lsym.matrix("c0", B, H)
    dH = [lsym.matrix(f"dh{t}", B, H) for t in range(T)]
    dcT = lsym.matrix("dcT", B, H)
    h, c, L = h0s, c0s, sp.S.Zero
    for t in range(T):
        h, c, _ = lsym.lstm_step_forward(X[t], h, c, Wx, Wh, bs)
        L += lsym.frobenius(h, dH[t])
    L += lsym.frobenius(c, dcT)
    x, h0, c0, p = problem(rng, T, B, D, H)
    dhs, dc_T = rng.normal(size=(T, B, H)), rng.normal(size=(B, H))
    _, _, cache = lstm.lstm_forward(x, p, h0, c0)
    ours = lstm.lstm_backward(dhs, cache, None, dc_T)
    bindings = {Wx: p["W_x"], Wh: p["W_h"], bs: p["b"], h0s: h0, c0s: c0, dcT: dc_T}
    bindings |= {X[t]: x[t] for t in range(T)} | {dH[t]: dhs[t] for t in range(T)}
    for name, sym in (("W_x", Wx), ("W_h", Wh), ("b", bs), ("h0", h0s), ("c0", c0s)):
        ref = lsym.numeric(lsym.gradient(L, sym), bindings).reshape(ours[name].shape)
        assert lstm.relative_error(ours[name], ref) < 1e-12, name
    for t in range(T):
        ref = lsym.numeric(lsym.gradient(L, X[t]), bindings)
        assert lstm.relative_error(ours["x"][t], ref) < 1e-12


def test_float32_agrees_with_float64(rng):
    x, h0, c0, p = problem(rng)
    hs64, _, cache64 = lstm.lstm_forward(
        x.astype(np.float32).astype(np.float64),
        {k: v.astype(np.float32).astype(np.float64) for k, v in p.items()},
        h0.astype(np.float32).astype(np.float64),
        c0.astype(np.float32).astype(np.float64),
    )
    hs32, (h32, c32), cache32 = lstm.lstm_forward(
        x.astype(np.float32),
        {k: v.astype(np.float32) for k, v in p.items()},
        h0.astype(np.float32),
        c0.astype(np.float32),
    )
    assert hs32.dtype == h32.dtype == c32.dtype == np.float32
    assert lstm.relative_error(hs32, hs64) < 1e-5
    dhs = rng.normal(size=hs64.shape)
    g64, g32 = lstm.lstm_backward(dhs, cache64), lstm.lstm_backward(dhs.astype(np.float32), cache32)
    for n in NAMES:
        assert g32[n].dtype == np.float32 and lstm.relative_error(g32[n], g64[n]) < 1e-5, n


def test_nothing_is_modified_and_backward_can_run_twice(rng):
    x, h0, c0, p = problem(rng)
    inputs = [x, h0, c0, *p.values()]
    before = [a.copy() for a in inputs]
    hs, (h_T, c_T), cache = lstm.lstm_forward(x, p, h0, c0)
    dhs, dh_T, dc_T = rng.normal(size=hs.shape), rng.normal(size=h_T.shape), rng.normal(size=c_T.shape)
    grads_before = [a.copy() for a in (dhs, dh_T, dc_T)]
    first = lstm.lstm_backward(dhs, cache, dh_T, dc_T)
    second = lstm.lstm_backward(dhs, cache, dh_T, dc_T)
    for a, b in zip(inputs + [dhs, dh_T, dc_T], before + grads_before):
        np.testing.assert_array_equal(a, b)
    for n in NAMES:
        np.testing.assert_array_equal(first[n], second[n])


def test_missing_initial_states_are_zeros(rng):
    x, h0, c0, p = problem(rng)
    zeros = np.zeros_like(h0)
    np.testing.assert_array_equal(lstm.lstm_forward(x, p)[0], lstm.lstm_forward(x, p, zeros, zeros)[0])


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda x, h0, c0, p: lstm.lstm_forward(x[0], p), ValueError, r"x has shape \(3, 2\); expected \(T, B, D\)"),
        (
            lambda x, h0, c0, p: lstm.lstm_forward(x[..., :1], p),
            ValueError,
            r"x has shape \(4, 3, 1\); expected \(T, B, D\) = \(T, B, 2\)",
        ),
        (
            lambda x, h0, c0, p: lstm.lstm_forward(x, p, h0[:2]),
            ValueError,
            r"h0 has shape \(2, 3\); expected \(B, H\) = \(3, 3\)",
        ),
        (lambda x, h0, c0, p: lstm.lstm_forward(x, p, None, c0.T[:2]), ValueError, "c0 has shape"),
        (
            lambda x, h0, c0, p: lstm.lstm_forward(x.astype(np.float32), p),
            TypeError,
            "x has dtype float32; expected float64",
        ),
        (lambda x, h0, c0, p: lstm.lstm_forward(np.where(x > 1, np.nan, x), p), ValueError, "x contains"),
        (
            lambda x, h0, c0, p: lstm.lstm_backward(np.zeros((4, 3, 2)), lstm.lstm_forward(x, p)[2]),
            ValueError,
            r"dhs has shape \(4, 3, 2\); expected \(T, B, H\) = \(4, 3, 3\)",
        ),
        (
            lambda x, h0, c0, p: lstm.lstm_backward(None, lstm.lstm_forward(x, p)[2], np.zeros((3, 4))),
            ValueError,
            "dh_T has shape",
        ),
        (
            lambda x, h0, c0, p: lstm.lstm_backward(
                None, lstm.lstm_forward(x, p)[2], None, np.zeros((3, 3), np.float32)
            ),
            TypeError,
            "dc_T has dtype float32",
        ),
    ],
)
def test_bad_input(call, error, message, rng):
    with pytest.raises(error, match=message):
        call(*problem(rng))


def _all_paths(rng, dtype, T=6, B=3, D=2, H=4, weight_scale=1.0):
    """Nonzero h0, c0, b; gradients into every h_t and into both final states; D != H."""
    x, h0, c0, p = problem(rng, T, B, D, H, dtype)
    p = {k: (v * weight_scale).astype(dtype) for k, v in p.items()}
    dhs = rng.normal(size=(T, B, H)).astype(dtype)
    dh_T, dc_T = (rng.normal(size=(B, H)).astype(dtype) for _ in range(2))
    return x, h0, c0, p, dhs, dh_T, dc_T


@pytest.mark.parametrize("dtype, rtol, atol", [(np.float64, 1e-12, 1e-14), (np.float32, 2e-5, 2e-6)])
@pytest.mark.parametrize("weight_scale", [1.0, 30.0], ids=["order-one gates", "saturated gates"])
def test_fast_path_equals_the_reference(dtype, rtol, atol, weight_scale, rng):
    """lstm.lstm_forward/backward (fast) against the readable loop of lstm_step_forward/cell_backward.

    With weights ×30 many gates saturate (σ below the rounding unit of 1), where
    the fast path's σ = (1 + tanh(a/2))/2 differs most from 1/(1 + e^{-a}).  The
    pre-activations then sum terms ~30 times larger than they are, and the two
    paths sum them in different orders, so the absolute tolerance grows ×30.
    """
    x, h0, c0, p, dhs, dh_T, dc_T = _all_paths(rng, dtype, weight_scale=weight_scale)
    atol = atol * weight_scale
    hs, (h_T, c_T), cache = lstm.lstm_forward(x, p, h0, c0)
    ref_hs, (ref_h_T, ref_c_T), ref_caches = lstm.cells.lstm_fast.reference_forward(x, p, h0, c0)
    if weight_scale > 1:
        assert np.mean(np.minimum(cache.gates, 1 - cache.gates) < 1e-8) > 0.1  # many saturated gates
    for ours, ref in ((hs, ref_hs), (h_T, ref_h_T), (c_T, ref_c_T)):
        assert ours.dtype == dtype
        np.testing.assert_allclose(ours, ref, rtol=rtol, atol=atol)
    grads = lstm.lstm_backward(dhs, cache, dh_T, dc_T)
    ref = lstm.cells.lstm_fast.reference_backward(dhs, ref_caches, dh_T, dc_T)
    assert set(grads) == set(ref) == set(NAMES)
    for n in NAMES:
        assert grads[n].dtype == dtype and grads[n].shape == ref[n].shape, n
        scale = np.abs(ref[n]).max()
        np.testing.assert_allclose(grads[n], ref[n], rtol=rtol, atol=atol * max(1.0, scale), err_msg=n)
    for t, (step, ref_step) in enumerate(zip(cache.steps, ref_caches)):
        for field in ("x", "h_prev", "c_prev", "i", "f", "g", "o", "tanh_c"):
            np.testing.assert_allclose(getattr(step, field), getattr(ref_step, field), rtol=rtol, atol=atol)


def test_the_fast_path_differs_from_the_reference_when_a_gate_is_wrong(rng):
    """The equality test above can fail: a reference with f and i swapped is caught."""
    x, h0, c0, p, dhs, dh_T, dc_T = _all_paths(rng, np.float64)
    swapped = dict(p, W_x=lstm.reorder_gates(p["W_x"], "ifgo", "figo"))
    hs, _, _ = lstm.lstm_forward(x, p, h0, c0)
    assert not np.allclose(lstm.cells.lstm_fast.reference_forward(x, swapped, h0, c0)[0], hs, rtol=1e-6)


def test_reference_loop_matches_finite_differences(rng):
    x, h0, c0, p = problem(rng)

    def run_reference(x, h0, c0, W_x, W_h, b):
        hs, (h_T, c_T), caches = lstm.cells.lstm_fast.reference_forward(x, {"W_x": W_x, "W_h": W_h, "b": b}, h0, c0)
        return (hs, h_T, c_T), caches

    def back(dout, caches):
        return lstm.cells.lstm_fast.reference_backward(dout[0], caches, dout[1], dout[2])

    errors = lstm.gradcheck(run_reference, back, dict(x=x, h0=h0, c0=c0, **p), rng=rng)
    assert set(errors) == set(NAMES) and max(errors.values()) < 1e-8


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_bptt_stores_D_plus_7H_numbers_per_example_and_step(dtype, rng):
    """x_t (D), h_{t-1}, c_{t-1} (H each), four gates (4H), tanh c_t (H): B (D + 7H) per step."""
    T, B, D, H = 7, 3, 5, 4
    x, h0, c0, p = problem(rng, T, B, D, H, dtype)
    _, _, cache = lstm.lstm_forward(x, p, h0, c0)
    per_step = sum(a.nbytes for a in cache if isinstance(a, np.ndarray) and a.ndim == 3) / T
    assert per_step == B * (D + 7 * H) * np.dtype(dtype).itemsize
