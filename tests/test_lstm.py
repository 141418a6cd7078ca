"""One LSTM step (lstm.cells.lstm): forward against a per-gate reference, backward against SymPy and
finite differences."""
import numpy as np
import pytest

import lstm
from lstm.checks import symbolic as lsym

NAMES = ("x", "h_prev", "c_prev", "W_x", "W_h", "b")


def random_step(rng, B=3, D=4, H=5, dtype=np.float64):
    params = lstm.init_lstm_params(D, H, rng=rng, dtype=dtype)
    params["b"] = rng.normal(size=4 * H).astype(dtype)  # nonzero in every gate
    x, h_prev, c_prev = (rng.normal(size=s).astype(dtype) for s in ((B, D), (B, H), (B, H)))
    return x, h_prev, c_prev, params


def step(x, h_prev, c_prev, W_x, W_h, b):
    h, c, cache = lstm.lstm_step_forward(x, h_prev, c_prev, {"W_x": W_x, "W_h": W_h, "b": b})
    return (h, c), cache


def step_backward(dout, cache):
    return lstm.lstm_step_backward(dout[0], dout[1], cache)


def test_forward_matches_a_per_gate_implementation(rng):
    x, h_prev, c_prev, p = random_step(rng)
    H = h_prev.shape[1]
    blocks = {g: slice(k * H, (k + 1) * H) for k, g in enumerate("ifgo")}

    def gate(name, act):
        s = blocks[name]
        return act(x @ p["W_x"][s].T + h_prev @ p["W_h"][s].T + p["b"][s])

    def sig(z):
        return 1 / (1 + np.exp(-z))
    i, f, g, o = gate("i", sig), gate("f", sig), gate("g", np.tanh), gate("o", sig)
    c_ref = f * c_prev + i * g
    h_ref = o * np.tanh(c_ref)
    h, c, _ = lstm.lstm_step_forward(x, h_prev, c_prev, p)
    np.testing.assert_allclose(c, c_ref, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(h, h_ref, rtol=1e-14, atol=1e-15)


def test_backward_matches_finite_differences(rng):
    x, h_prev, c_prev, p = random_step(rng)
    errors = lstm.gradcheck(step, step_backward, dict(x=x, h_prev=h_prev, c_prev=c_prev, **p), rng=rng)
    assert set(errors) == set(NAMES)
    assert max(errors.values()) < 1e-8


@pytest.mark.parametrize("which", ["dh only", "dc only"])
def test_each_upstream_gradient_alone(which, rng):
    x, h_prev, c_prev, p = random_step(rng, B=2, D=3, H=2)
    h, c, cache = lstm.lstm_step_forward(x, h_prev, c_prev, p)
    d = rng.normal(size=h.shape)
    grads = lstm.lstm_step_backward(d, None, cache) if which == "dh only" else lstm.lstm_step_backward(None, d, cache)
    index = 0 if which == "dh only" else 1

    def only(x, h_prev, c_prev, W_x, W_h, b):
        out, cache = step(x, h_prev, c_prev, W_x, W_h, b)
        return out[index], cache

    vals = dict(x=x, h_prev=h_prev, c_prev=c_prev, **p)
    for name in NAMES:
        numeric = lstm.numerical_gradient(lambda: only(**vals)[0], vals[name], d)
        assert lstm.relative_error(grads[name], numeric) < 1e-8, name


def lstm_symbols(B, D, H):
    """Element symbols for the step's inputs and parameters (the peephole test adds its own)."""
    return {
        "x": lsym.matrix("x", B, D),
        "h_prev": lsym.matrix("hp", B, H),
        "c_prev": lsym.matrix("cp", B, H),
        "W_x": lsym.matrix("Wx", 4 * H, D),
        "W_h": lsym.matrix("Wh", 4 * H, H),
        "b": lsym.vector("b", 4 * H),
    }


@pytest.fixture(scope="module")
def symbolic_step():
    """The cell on element symbols (B = H = 2, D = 3) and SymPy's gradients of L = Σ dh⊙h + Σ dc⊙c."""
    B, D, H = 2, 3, 2  # D ≠ H, so that a transposed weight cannot pass
    sym = lstm_symbols(B, D, H)
    dh, dc = lsym.matrix("dh", B, H), lsym.matrix("dc", B, H)
    h, c, _ = lsym.lstm_step_forward(*(sym[n] for n in NAMES))
    L = lsym.frobenius(h, dh) + lsym.frobenius(c, dc)
    grads = {n: lsym.gradient(L, sym[n]) for n in NAMES}
    return sym, dh, dc, grads


def test_backward_matches_sympy(symbolic_step, rng):
    sym, dh, dc, grads = symbolic_step
    x, h_prev, c_prev, p = random_step(rng, B=2, D=3, H=2)
    values = dict(x=x, h_prev=h_prev, c_prev=c_prev, **p)
    d_h, d_c = rng.normal(size=(2, 2)), rng.normal(size=(2, 2))
    _, _, cache = lstm.lstm_step_forward(x, h_prev, c_prev, p)
    ours = lstm.lstm_step_backward(d_h, d_c, cache)
    bindings = {sym[n]: values[n] for n in NAMES} | {dh: d_h, dc: d_c}
    for name in NAMES:
        reference = lsym.numeric(grads[name], bindings).reshape(ours[name].shape)
        assert lstm.relative_error(ours[name], reference) < 1e-12, name


def test_batch_equals_loop_over_examples(rng):
    x, h_prev, c_prev, p = random_step(rng, B=4)
    h, c, cache = lstm.lstm_step_forward(x, h_prev, c_prev, p)
    dh, dc = rng.normal(size=h.shape), rng.normal(size=c.shape)
    batch = lstm.lstm_step_backward(dh, dc, cache)
    summed = {n: 0 for n in ("W_x", "W_h", "b")}
    for k in range(4):
        hk, ck, ck_cache = lstm.lstm_step_forward(x[k : k + 1], h_prev[k : k + 1], c_prev[k : k + 1], p)
        np.testing.assert_allclose(hk[0], h[k], rtol=1e-14)
        np.testing.assert_allclose(ck[0], c[k], rtol=1e-14)
        g = lstm.lstm_step_backward(dh[k : k + 1], dc[k : k + 1], ck_cache)
        for n in ("x", "h_prev", "c_prev"):
            np.testing.assert_allclose(g[n][0], batch[n][k], rtol=1e-13, atol=1e-15)
        for n in summed:
            summed[n] = summed[n] + g[n]
    for n in summed:
        np.testing.assert_allclose(summed[n], batch[n], rtol=1e-12, atol=1e-14)


def test_float32_agrees_with_float64(rng):
    x, h_prev, c_prev, p = random_step(rng)
    dh, dc = rng.normal(size=h_prev.shape), rng.normal(size=c_prev.shape)
    def as32(a):
        return a.astype(np.float32)
    h32, c32, cache32 = lstm.lstm_step_forward(as32(x), as32(h_prev), as32(c_prev), {k: as32(v) for k, v in p.items()})
    g32 = lstm.lstm_step_backward(as32(dh), as32(dc), cache32)
    # reference: float64 on the float32-rounded inputs
    def up(a):
        return as32(a).astype(np.float64)
    h64, c64, cache64 = lstm.lstm_step_forward(up(x), up(h_prev), up(c_prev), {k: up(v) for k, v in p.items()})
    g64 = lstm.lstm_step_backward(up(dh), up(dc), cache64)
    assert h32.dtype == c32.dtype == np.float32
    for a32, a64 in [(h32, h64), (c32, c64)] + [(g32[n], g64[n]) for n in NAMES]:
        assert a32.dtype == np.float32
        assert lstm.relative_error(a32, a64) < 1e-5


def test_inputs_are_not_modified(rng):
    x, h_prev, c_prev, p = random_step(rng)
    before = [a.copy() for a in (x, h_prev, c_prev, *p.values())]
    h, c, cache = lstm.lstm_step_forward(x, h_prev, c_prev, p)
    dh, dc = rng.normal(size=h.shape), rng.normal(size=c.shape)
    dh0, dc0 = dh.copy(), dc.copy()
    lstm.lstm_step_backward(dh, dc, cache)
    for a, b in zip((x, h_prev, c_prev, *p.values()), before):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(dh, dh0)
    np.testing.assert_array_equal(dc, dc0)


def test_init_params(rng):
    p = lstm.init_lstm_params(10, 5, rng=np.random.default_rng(0), forget_bias=1.5)
    assert {k: v.shape for k, v in p.items()} == lstm.param_shapes(10, 5)
    assert all(v.dtype == np.float64 for v in p.values())
    np.testing.assert_array_equal(p["b"][5:10], 1.5)
    np.testing.assert_array_equal(np.delete(p["b"], np.s_[5:10]), 0)
    assert np.abs(p["W_x"]).max() <= 1 / np.sqrt(5) and np.abs(p["W_h"]).max() <= 1 / np.sqrt(5)
    q = lstm.init_lstm_params(10, 5, rng=np.random.default_rng(0), forget_bias=1.5)
    np.testing.assert_array_equal(p["W_x"], q["W_x"])
    assert lstm.init_lstm_params(3, 2, dtype=np.float32)["W_h"].dtype == np.float32
    with pytest.raises(TypeError, match="float16"):
        lstm.init_lstm_params(3, 2, dtype=np.float16)


@pytest.mark.parametrize(
    "mutate, error, message",
    [
        (lambda a: a.update(x=a["x"][:, :3]), ValueError, r"x has shape \(3, 3\); expected \(B, D\) = \(B, 4\)"),
        (
            lambda a: a.update(h_prev=a["h_prev"][:2]),
            ValueError,
            r"h_prev has shape \(2, 5\); expected \(B, H\) = \(3, 5\)",
        ),
        (lambda a: a.update(c_prev=a["c_prev"].T), ValueError, "c_prev has shape"),
        (lambda a: a.update(x=a["x"][0]), ValueError, r"x has shape \(4,\)"),
        (lambda a: a.update(x=a["x"].astype(np.float32)), TypeError, "x has dtype float32; expected float64"),
        (lambda a: a.update(x=np.ones((3, 4), dtype=int)), TypeError, "x has dtype int64"),
        (lambda a: a["x"].__setitem__((0, 0), np.nan), ValueError, "x contains 1 non-finite"),
        (lambda a: a["p"].update(W_h=a["p"]["W_h"][:, :4]), ValueError, r"W_h has shape \(20, 4\)"),
        (lambda a: a["p"].update(b=a["p"]["b"][:-1]), ValueError, r"b has shape \(19,\)"),
        (lambda a: a["p"].update(W_x=np.ones((18, 4))), ValueError, r"expected \(4H, D\)"),
        (lambda a: a["p"].pop("b"), ValueError, r"params lacks \['b'\]"),
    ],
)
def test_forward_refuses_bad_input(mutate, error, message, rng):
    x, h_prev, c_prev, p = random_step(rng)
    args = {"x": x.copy(), "h_prev": h_prev, "c_prev": c_prev, "p": dict(p)}
    mutate(args)
    with pytest.raises(error, match=message):
        lstm.lstm_step_forward(args["x"], args["h_prev"], args["c_prev"], args["p"])


def test_cell_step_is_cell_forward_without_the_checks(rng):
    """lstm_step_forward = checks + lstm_step_core; lstm_step_backward = checks + its core; bit for bit."""
    x, h_prev, c_prev, p = random_step(rng)
    h, c, cache = lstm.lstm_step_forward(x, h_prev, c_prev, p)
    h_s, c_s, cache_s = lstm.lstm_step_core(x, h_prev, c_prev, p["W_x"], p["W_h"], p["b"])
    np.testing.assert_array_equal(h_s, h)
    np.testing.assert_array_equal(c_s, c)
    assert type(cache_s) is lstm.LSTMCache and cache_s._fields == cache._fields
    for name, a, b in zip(cache._fields, cache, cache_s):
        np.testing.assert_array_equal(b, a, err_msg=name)
    dh, dc = rng.normal(size=h.shape), rng.normal(size=c.shape)
    grads, grads_s = lstm.lstm_step_backward(dh, dc, cache), lstm.lstm_step_core_backward(dh, dc, cache_s)
    assert set(grads_s) == set(grads) == set(NAMES)
    for name in NAMES:
        np.testing.assert_array_equal(grads_s[name], grads[name], err_msg=name)
    zero = lstm.lstm_step_core_backward(np.zeros_like(dh), dc, cache_s)  # None is the checked entry's
    for name, value in lstm.lstm_step_backward(None, dc, cache).items():
        np.testing.assert_array_equal(zero[name], value, err_msg=name)


def test_cell_forward_still_refuses_what_cell_step_would_compute(rng):
    """The checks live in lstm_step_forward: inputs the bare maths would broadcast or let through are refused."""
    x, h_prev, c_prev, p = random_step(rng)
    nan_x = x.copy()
    nan_x[0, 0] = np.nan
    h, _, _ = lstm.lstm_step_core(nan_x, h_prev, c_prev, p["W_x"], p["W_h"], p["b"])
    assert np.isnan(h[0]).all()  # the maths alone lets a NaN spread silently ...
    with pytest.raises(ValueError, match="x contains 1 non-finite"):
        lstm.lstm_step_forward(nan_x, h_prev, c_prev, p)  # ... the checked entry refuses it
    one_row = c_prev[:1]
    h, c, _ = lstm.lstm_step_core(x, h_prev, one_row, p["W_x"], p["W_h"], p["b"])
    assert c.shape == h_prev.shape  # (1, H) broadcasts against (B, H) ...
    with pytest.raises(ValueError, match=r"c_prev has shape \(1, 5\); expected \(B, H\) = \(3, 5\)"):
        lstm.lstm_step_forward(x, h_prev, one_row, p)  # ... and is refused here
    with pytest.raises(TypeError, match="h_prev has dtype float32"):
        lstm.lstm_step_forward(x, h_prev.astype(np.float32), c_prev, p)
    _, _, cache = lstm.lstm_step_forward(x, h_prev, c_prev, p)
    with pytest.raises(ValueError, match=r"dh has shape \(1, 5\)"):
        lstm.lstm_step_backward(h_prev[:1], None, cache)


def test_backward_refuses_bad_upstream_gradients(rng):
    x, h_prev, c_prev, p = random_step(rng)
    h, c, cache = lstm.lstm_step_forward(x, h_prev, c_prev, p)
    with pytest.raises(ValueError, match=r"dh has shape \(5, 3\); expected \(B, H\) = \(3, 5\)"):
        lstm.lstm_step_backward(h.T, None, cache)
    with pytest.raises(TypeError, match="dc has dtype float32"):
        lstm.lstm_step_backward(None, c.astype(np.float32), cache)
    with pytest.raises(ValueError, match="dc contains"):
        lstm.lstm_step_backward(None, np.full_like(c, np.inf), cache)


def test_symbolic_forward_matches_numpy(rng):
    x, h_prev, c_prev, p = random_step(rng, B=2, D=3, H=2)
    sym = [
        lsym.matrix("x", 2, 3),
        lsym.matrix("hp", 2, 2),
        lsym.matrix("cp", 2, 2),
        lsym.matrix("Wx", 8, 3),
        lsym.matrix("Wh", 8, 2),
        lsym.vector("b", 8),
    ]
    h_s, c_s, _ = lsym.lstm_step_forward(*sym)
    bindings = dict(zip(sym, (x, h_prev, c_prev, p["W_x"], p["W_h"], p["b"])))
    h, c, _ = lstm.lstm_step_forward(x, h_prev, c_prev, p)
    np.testing.assert_allclose(lsym.numeric(h_s, bindings), h, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(lsym.numeric(c_s, bindings), c, rtol=1e-14, atol=1e-15)


def test_the_pieces_write_into_out_when_given(rng):
    """peephole.py and layernorm.py pass out=; the reference must keep honouring it."""
    x, h_prev, c_prev, p = random_step(rng)
    _, _, cache = lstm.lstm_step_forward(x, h_prev, c_prev, p)
    dh, dc = rng.normal(size=h_prev.shape), rng.normal(size=c_prev.shape)
    dc_total = lstm.cells.lstm.cell_state_grad(dh, dc, cache)
    expected_gates = lstm.cells.lstm.gate_grads(dh, dc_total, cache)
    out = np.empty_like(expected_gates)
    assert lstm.cells.lstm.gate_grads(dh, dc_total, cache, out=out) is out
    np.testing.assert_array_equal(out, expected_gates)
    expected_da = lstm.cells.lstm.preactivation_grad(expected_gates, cache)
    assert lstm.cells.lstm.preactivation_grad(out, cache, out=out) is out  # in place, as the old code did
    np.testing.assert_array_equal(out, expected_da)
    i, f, g, o = lstm.split_gates(expected_gates)
    np.testing.assert_allclose(i, dc_total * cache.g, rtol=1e-15)
    np.testing.assert_allclose(o, dh * cache.tanh_c, rtol=1e-15)


def test_gates_does_not_overwrite_the_preactivations(rng):
    a = rng.normal(size=(3, 8))
    before = a.copy()
    i, f, g, o = lstm.cells.lstm.gates(a)
    np.testing.assert_array_equal(a, before)
    np.testing.assert_allclose(g, np.tanh(a[:, 4:6]), rtol=1e-15)
    np.testing.assert_allclose(o, 1 / (1 + np.exp(-a[:, 6:])), rtol=1e-15)
