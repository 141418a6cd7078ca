"""Stacked, bidirectional and variable-length layers (lstm.cells.stacks) for every cell, without PyTorch.

Their parameters to and from PyTorch's layout: tests/test_pytorch_stack.py.
"""
import numpy as np
import pytest

import lstm
from lstm.cells import stacks
from lstm.checks.gradcheck import gradcheck, relative_error

CELLS = [lstm.LSTM(), lstm.Peephole(), lstm.LayerNormTF(), lstm.ScalarGate(), lstm.RNN(), lstm.RNN("relu"),
         lstm.GRU(), lstm.GRU(reset_after=False)]
ALL_CELLS = CELLS + [*lstm.all_variants(), lstm.LayerNormBa()]  # Greff et al.'s variants, Ba et al.'s LN
ids = repr


def problem(cell, *, T=5, B=3, D=3, H=4, L=2, bidirectional=True, rng=0):
    """Perturbed parameters (nonzero biases), inputs and nonzero initial states of every part."""
    rng = np.random.default_rng(rng)
    params = stacks.init_stack(cell, D, H, L, bidirectional, rng=rng)
    params = {k: v + 0.3 * rng.standard_normal(v.shape) for k, v in params.items()}
    x = rng.standard_normal((T, B, D))
    LD = L * (2 if bidirectional else 1)
    state0 = tuple(0.5 * rng.standard_normal((LD, B, H)) for _ in cell.state_names)
    return params, x, state0


def stack_gradcheck(cell, params, x, state0, lengths=None, fast=True):
    init = [f"{s}0" for s in cell.state_names]

    def forward(**v):
        out, state_T, cache = stacks.stack_forward(
            cell, v["x"], {k: v[k] for k in params}, tuple(v[k] for k in init), lengths=lengths, fast=fast
        )
        return (out, *state_T), cache

    def backward(d, cache):
        return stacks.stack_backward(d[0], cache, tuple(d[1:]))

    inputs = {"x": x, **dict(zip(init, state0)), **params}
    errors = gradcheck(forward, backward, inputs, rng=np.random.default_rng(1))
    assert set(errors) == set(inputs)
    return errors


@pytest.mark.slow
@pytest.mark.parametrize("cell", ALL_CELLS, ids=ids)
def test_padded_bidirectional_stack_matches_finite_differences(cell):
    """Every parameter of both layers and both directions, the input and every initial state."""
    params, x, state0 = problem(cell, T=4)
    stack_gradcheck(cell, params, x, state0, lengths=[4, 2, 1])


@pytest.mark.slow
@pytest.mark.parametrize("cell", CELLS, ids=ids)
def test_full_length_bidirectional_stack_matches_finite_differences(cell):
    params, x, state0 = problem(cell, T=4, rng=1)
    stack_gradcheck(cell, params, x, state0)


@pytest.mark.parametrize("fast", [True, False])
def test_three_layer_unidirectional_lstm_matches_finite_differences(fast):
    cell = lstm.LSTM()
    params, x, state0 = problem(cell, T=4, L=3, bidirectional=False, rng=2)
    stack_gradcheck(cell, params, x, state0, lengths=[4, 1, 3], fast=fast)
    stack_gradcheck(cell, params, x, state0, fast=fast)


def run_and_grads(cell, params, x, state0, dout, dstate, lengths=None):
    out, state_T, cache = stacks.stack_forward(cell, x, params, state0, lengths=lengths)
    return out, state_T, stacks.stack_backward(dout, cache, dstate)


@pytest.mark.parametrize("cell", ALL_CELLS, ids=ids)
@pytest.mark.parametrize("bidirectional", [True, False])
def test_padded_batch_equals_each_sequence_alone(cell, bidirectional):
    """Outputs, final states and every gradient of a padded batch are those of each sequence run alone.

    The padding holds large garbage, so a leak from a padded step would show.
    """
    rng = np.random.default_rng(3)
    T, B, L, H = 6, 4, 2, 3
    lengths = np.array([6, 2, 1, 4])
    params, x, state0 = problem(cell, T=T, B=B, H=H, L=L, bidirectional=bidirectional, rng=rng)
    pad = np.arange(T)[:, None] >= lengths[None, :]
    x[pad] = 50 * rng.standard_normal((pad.sum(), x.shape[2]))
    dirs = 2 if bidirectional else 1
    dout = rng.standard_normal((T, B, dirs * H))
    dstate = tuple(rng.standard_normal(s.shape) for s in state0)
    out, state_T, g = run_and_grads(cell, params, x, state0, dout, dstate, lengths)
    assert np.all(out[pad] == 0) and np.all(g["x"][pad] == 0)
    sums = {k: np.zeros_like(v) for k, v in params.items()}
    for b, n in enumerate(lengths):
        one = lambda a: a[:, b : b + 1]  # noqa: E731
        ob, sb, gb = run_and_grads(cell, params, x[:n, b : b + 1], tuple(one(s) for s in state0),
                                   dout[:n, b : b + 1], tuple(one(s) for s in dstate))
        assert relative_error(out[:n, b], ob[:, 0]) < 1e-13
        assert relative_error(g["x"][:n, b], gb["x"][:, 0]) < 1e-13
        for part, part_b in zip(state_T, sb):
            assert relative_error(part[:, b], part_b[:, 0]) < 1e-13
        for s in cell.state_names:
            assert relative_error(g[f"{s}0"][:, b], gb[f"{s}0"][:, 0]) < 1e-13
        for k in sums:
            sums[k] += gb[k]
    for k in sums:
        assert relative_error(g[k], sums[k]) < 1e-12, k


def test_one_layer_one_direction_is_sequence_forward():
    cell = lstm.Peephole()
    params, x, state0 = problem(cell, L=1, bidirectional=False, rng=4)
    own = {k[: -len("_l0")]: v for k, v in params.items()}
    out, state_T, cache = stacks.stack_forward(cell, x, params, state0, lengths=[5, 3, 2])
    hs, sT, c = lstm.sequence_forward(cell, x, own, tuple(s[0] for s in state0), lengths=[5, 3, 2])
    np.testing.assert_array_equal(out, hs)
    for a, b in zip(state_T, sT):
        np.testing.assert_array_equal(a[0], b)
    rng = np.random.default_rng(0)
    d = rng.standard_normal(out.shape)
    g = stacks.stack_backward(d, cache)
    g1 = lstm.sequence_backward(d, c)
    np.testing.assert_array_equal(g["x"], g1["x"])
    for k in own:
        np.testing.assert_array_equal(g[f"{k}_l0"], g1[k])


def test_reverse_direction_reads_each_sequence_backwards_within_its_length():
    cell = lstm.LSTM()
    params, x, state0 = problem(cell, L=1, rng=5)
    lengths = [5, 3, 1]
    out, state_T, _ = stacks.stack_forward(cell, x, params, state0, lengths=lengths)
    rev = {k[: -len("_l0_reverse")]: v for k, v in params.items() if k.endswith("_reverse")}
    H = 4
    for b, n in enumerate(lengths):
        hs, sT, _ = lstm.sequence_forward(cell, x[:n, b : b + 1][::-1], rev, tuple(s[1, b : b + 1] for s in state0))
        np.testing.assert_allclose(out[:n, b, H:], hs[::-1, 0], rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(state_T[0][1, b], sT[0][0], rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(state_T[1][1, b], sT[1][0], rtol=1e-13, atol=1e-15)


def test_fast_lstm_path_equals_generic_loop_in_a_stack():
    cell = lstm.LSTM()
    params, x, state0 = problem(cell, T=6, rng=6)
    rng = np.random.default_rng(7)
    dout = rng.standard_normal((6, 3, 8))
    dstate = tuple(rng.standard_normal(s.shape) for s in state0)
    results = []
    for fast in (True, False):
        out, sT, cache = stacks.stack_forward(cell, x, params, state0, fast=fast)
        assert all(run.fast == fast for run in cache.runs)
        results.append((out, sT, stacks.stack_backward(dout, cache, dstate)))
    (o1, s1, g1), (o2, s2, g2) = results
    np.testing.assert_allclose(o1, o2, rtol=1e-13, atol=1e-15)
    for k in g1:
        np.testing.assert_allclose(g1[k], g2[k], rtol=1e-11, atol=1e-14)


def test_reverse_index_is_its_own_inverse():
    idx = stacks.reverse_index(5, [5, 2, 1])
    assert idx[:, 1].tolist() == [1, 0, 2, 3, 4]
    a = np.random.default_rng(0).standard_normal((5, 3, 2))
    np.testing.assert_array_equal(stacks._flip(stacks._flip(a, idx), idx), a)


def test_init_stack_layout():
    p = stacks.init_stack(lstm.LSTM(), 4, 3, 2, True, rng=0)
    assert {k: v.shape for k, v in p.items()} == {
        **{f"W_x_l0{s}": (12, 4) for s in ("", "_reverse")},
        **{f"W_x_l1{s}": (12, 6) for s in ("", "_reverse")},
        **{f"W_h_l{l}{s}": (12, 3) for l in (0, 1) for s in ("", "_reverse")},
        **{f"b_l{l}{s}": (12,) for l in (0, 1) for s in ("", "_reverse")},
    }
    assert stacks.stack_dims(lstm.LSTM(), p) == {"L": 2, "directions": 2, "D": 4, "H": 3, "dtype": np.float64}
    assert stacks.join_stack(stacks.split_stack(lstm.LSTM(), p)).keys() == p.keys()
    p32 = stacks.init_stack(lstm.RNN(), 4, 3, 3, rng=0, dtype=np.float32)
    assert stacks.stack_dims(lstm.RNN(), p32)["dtype"] == np.float32 and len(p32) == 9


@pytest.mark.parametrize(
    "edit, error, match",
    [
        (lambda p: p.pop("b_l1"), ValueError, r"params lacks \['b_l1'\]"),
        (
            lambda p: [p.pop(k) for k in list(p) if k.endswith("_l1_reverse")],
            ValueError,
            r"reverse-direction keys for layer\(s\) \[0\] but not for \[1\]",
        ),
        (lambda p: p.update({"W_x_l3": p["W_x_l1"]}), ValueError, r"layer\(s\) \[2\] missing"),
        (lambda p: p.update({"weights": p["W_x_l1"]}), ValueError, r"unexpected keys \['weights'\]"),
        (
            lambda p: p.update({"W_x_l1": p["W_x_l1"][:, :3]}),
            ValueError,
            r"layer 1 reads 3 inputs; it must read 8 = directions·H",
        ),
        (lambda p: p.update({"W_h_l0_reverse": p["W_h_l0_reverse"][:, :2]}), ValueError, r"layer 0 \(reverse\): W_h"),
        (lambda p: p.update({"b_l1": p["b_l1"].astype(np.float32)}), TypeError, "b has dtype float32"),
    ],
    ids=[
        "missing key",
        "reverse in some layers",
        "layer gap",
        "unknown key",
        "layers do not chain",
        "bad shape",
        "mixed dtype",
    ],
)
def test_bad_params_are_refused(edit, error, match):
    cell = lstm.LSTM()
    params, x, state0 = problem(cell)
    edit(params)
    with pytest.raises(error, match=match):
        stacks.stack_forward(cell, x, params, state0)


def test_bad_states_lengths_and_gradients_are_refused():
    cell = lstm.LSTM()
    params, x, (h0, c0) = problem(cell)
    with pytest.raises(
        ValueError, match=r"h0 has shape \(2, 3, 4\); expected \(num_layers·directions, B, H\) = \(4, 3, 4\)"
    ):
        stacks.stack_forward(cell, x, params, (h0[:2], c0))
    with pytest.raises(ValueError, match=r"c0 has shape \(3, 4\)"):
        stacks.stack_forward(cell, x, params, (h0, c0[0]))
    with pytest.raises(ValueError, match="state0 has 1 parts"):
        stacks.stack_forward(cell, x, params, (h0,))
    with pytest.raises(TypeError, match="state0 must be a tuple of 2 arrays"):
        stacks.stack_forward(cell, x, params, h0)
    with pytest.raises(ValueError, match="non-finite"):
        stacks.stack_forward(cell, x, params, (h0 * np.nan, c0))
    for lengths, error, match in [
        ([0, 2, 3], ValueError, "lengths must lie in 1"),
        ([6, 2, 3], ValueError, "lengths must lie in 1"),
        ([1.0, 2.0, 3.0], TypeError, "integers"),
        (["a", "b", "c"], TypeError, "integers"),
        ([1, 2], ValueError, r"expected \(B,\) = \(3,\)"),
    ]:
        with pytest.raises(error, match=match):
            stacks.stack_forward(cell, x, params, (h0, c0), lengths=lengths)
    with pytest.raises(ValueError, match=r"x has shape"):
        stacks.stack_forward(cell, x[..., :2], params)
    _, _, cache = stacks.stack_forward(cell, x, params, (h0, c0))
    with pytest.raises(ValueError, match=r"dout has shape \(5, 3, 3\)"):
        stacks.stack_backward(np.zeros((5, 3, 3)), cache)
    with pytest.raises(ValueError, match=r"dc_T has shape \(1, 3, 4\)"):
        stacks.stack_backward(None, cache, (None, c0[:1]))
    with pytest.raises(TypeError, match=r"lstm.join_stack\(layers\)"):
        stacks.stack_forward(cell, x, stacks.split_stack(cell, params))
    with pytest.raises(ValueError, match="num_layers must be a positive integer"):
        stacks.init_stack(cell, 4, 3, 0)
    with pytest.raises(TypeError, match="bidirectional must be True or False"):
        stacks.init_stack(cell, 4, 3, 2, "yes")


def test_one_part_states_may_be_bare_arrays():
    cell = lstm.RNN()
    params, x, (h0,) = problem(cell, rng=8)
    out1, (hT1,), _ = stacks.stack_forward(cell, x, params, h0)
    out2, (hT2,), _ = stacks.stack_forward(cell, x, params, (h0,))
    np.testing.assert_array_equal(out1, out2)
    np.testing.assert_array_equal(hT1, hT2)


def test_torch_module_of_each_cell():
    assert stacks.torch_module(lstm.LSTM()) == "torch.nn.LSTM"
    assert stacks.torch_module(lstm.GRU()) == "torch.nn.GRU"
    assert stacks.torch_module(lstm.RNN("relu")) == "torch.nn.RNN"
    for cell in (lstm.GRU(reset_after=False), lstm.Peephole(), lstm.LayerNormTF(), lstm.Variant("NP")):
        assert stacks.torch_module(cell) is None
