"""Parameters to and from torch.nn.LSTM, RNN and GRU (lstm.interop.pytorch), without PyTorch.

The same conversions against PyTorch itself: tests/test_torch.py (LSTM) and
tests/test_torch_rnn.py (RNN, GRU); stacks of any depth: tests/test_pytorch_stack.py.
"""
import numpy as np
import pytest

import lstm
from lstm.checks import harness

B, D, H = 3, 4, 5
NAMES = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


def lstm_params(rng, D=3, H=2):
    p = lstm.init_lstm_params(D, H, rng=rng)
    p["b"] = rng.normal(size=4 * H)
    return p


def assert_same(p, q):
    assert p.keys() == q.keys()
    for k in p:
        np.testing.assert_allclose(p[k], q[k], rtol=0, atol=1e-15)


def test_lstm_round_trip_and_two_biases(rng):
    p = lstm_params(rng)
    sd = lstm.to_pytorch(p)
    assert {k: v.shape for k, v in sd.items()} == {
        "weight_ih_l0": (8, 3),
        "weight_hh_l0": (8, 2),
        "bias_ih_l0": (8,),
        "bias_hh_l0": (8,),
    }
    assert np.all(sd["bias_hh_l0"] == 0)
    assert_same(lstm.from_pytorch(sd), p)
    split = dict(sd, bias_ih_l0=sd["bias_ih_l0"] - 0.3, bias_hh_l0=sd["bias_hh_l0"] + 0.3)
    assert_same(lstm.from_pytorch(split), p)  # only the sum of the two biases matters


def test_lstm_adapters_copy_rather_than_alias(rng):
    p = lstm_params(rng)
    sd = lstm.to_pytorch(p)
    sd["weight_ih_l0"][0, 0] += 1
    assert sd["weight_ih_l0"][0, 0] != p["W_x"][0, 0]
    q = lstm.from_pytorch(lstm.to_pytorch(p))
    q["W_h"][0, 0] += 1
    assert q["W_h"][0, 0] != p["W_h"][0, 0]


def test_lstm_adapter_errors(rng):
    sd = lstm.to_pytorch(lstm_params(rng))
    with pytest.raises(ValueError, match=r"state_dict lacks \['bias_hh_l0'\]"):
        lstm.from_pytorch({k: v for k, v in sd.items() if k != "bias_hh_l0"})
    with pytest.raises(ValueError, match="W_h has shape"):
        lstm.from_pytorch(dict(sd, weight_hh_l0=sd["weight_hh_l0"][:, :1]))


@pytest.mark.parametrize("cell, to, back", [
    (lstm.RNN(), lstm.rnn_to_pytorch, lstm.rnn_from_pytorch),
    (lstm.GRU(), lstm.gru_to_pytorch, lstm.gru_from_pytorch),
])
def test_rnn_and_gru_adapters_round_trip(cell, to, back):
    params, _, _ = harness.random_problem(cell, B=B, D=D, H=H)
    for kw in ({}, {"cell": True}, {"layer": 2, "reverse": True}):
        sd = to(params, **kw)
        suffix = "" if kw.get("cell") else ("_l2_reverse" if kw.get("layer") else "_l0")
        assert set(sd) == {f"{n}{suffix}" for n in NAMES}
        read = back(sd, **{k: v for k, v in kw.items() if k != "cell"})
        assert set(read) == set(params)
        for k in params:
            np.testing.assert_array_equal(read[k], params[k])


def test_rnn_biases_are_summed_and_written_into_bias_ih():
    rng = np.random.default_rng(0)
    sd = {"weight_ih_l0": rng.standard_normal((H, D)), "weight_hh_l0": rng.standard_normal((H, H)),
          "bias_ih_l0": rng.standard_normal(H), "bias_hh_l0": rng.standard_normal(H)}
    p = lstm.rnn_from_pytorch(sd)
    np.testing.assert_array_equal(p["b"], sd["bias_ih_l0"] + sd["bias_hh_l0"])
    out = lstm.rnn_to_pytorch(p)
    np.testing.assert_array_equal(out["bias_ih_l0"], p["b"])
    assert np.all(out["bias_hh_l0"] == 0)


def test_gru_keeps_both_biases():
    """b_hn is scaled by the reset gate, so the GRU's two biases are not summed."""
    params, _, _ = harness.random_problem(lstm.GRU(), B=B, D=D, H=H)
    sd = lstm.gru_to_pytorch(params)
    np.testing.assert_array_equal(sd["bias_ih_l0"], params["b_x"])
    np.testing.assert_array_equal(sd["bias_hh_l0"], params["b_h"])
    assert not np.array_equal(sd["bias_hh_l0"], np.zeros(3 * H))


@pytest.mark.parametrize("kind, gates, convert", [("rnn", 1, lstm.rnn_from_pytorch), ("gru", 3, lstm.gru_from_pytorch)])
@pytest.mark.parametrize("suffix", ["_l0", "", "_l1_reverse"], ids=["layer", "cell", "deep reverse"])
def test_bias_free_state_dicts_read_zero_biases(kind, gates, convert, suffix):
    """A module built with bias=False has only weight_ih and weight_hh (with a layer suffix, or none for *Cell)."""
    rng = np.random.default_rng(1)
    sd = {f"weight_ih{suffix}": rng.standard_normal((gates * H, D)),
          f"weight_hh{suffix}": rng.standard_normal((gates * H, H))}
    kw = {"layer": 1, "reverse": True} if suffix == "_l1_reverse" else {}
    p = convert(sd, **kw)
    np.testing.assert_array_equal(p["W_x"], sd[f"weight_ih{suffix}"])
    np.testing.assert_array_equal(p["W_h"], sd[f"weight_hh{suffix}"])
    biases = {k: v for k, v in p.items() if k.startswith("b")}
    assert set(biases) == ({"b"} if kind == "rnn" else {"b_x", "b_h"})
    assert all(v.shape == (gates * H,) and np.all(v == 0) for v in biases.values())
    # the zero biases run: the cell computes φ(W_x x + W_h h) with nothing added
    cell = lstm.RNN() if kind == "rnn" else lstm.GRU()
    x, h = rng.standard_normal((B, D)), rng.standard_normal((B, H))
    (h1,), _ = cell.step_forward(x, (h,), p)
    if kind == "rnn":
        np.testing.assert_allclose(h1, np.tanh(x @ p["W_x"].T + h @ p["W_h"].T), rtol=1e-14)
    # only one of the two bias keys is a mistake, not a bias-free module
    with pytest.raises(ValueError, match=rf"lacks \['bias_hh{suffix}'\]"):
        convert({**sd, f"bias_ih{suffix}": np.zeros(gates * H)}, **kw)


def test_tensor_like_values_are_read_through_detach():
    """A torch tensor is read by .detach().cpu().numpy(), without importing torch."""

    class FakeTensor:
        def __init__(self, a):
            self.a = a

        def detach(self):
            return self

        def cpu(self):
            return self

        def numpy(self):
            return self.a

    params, _, _ = harness.random_problem(lstm.RNN(), B=B, D=D, H=H)
    sd = {k: FakeTensor(v) for k, v in lstm.rnn_to_pytorch(params).items()}
    p = lstm.rnn_from_pytorch(sd)
    np.testing.assert_array_equal(p["W_h"], params["W_h"])
    assert p["W_h"] is not params["W_h"]


def test_rnn_and_gru_adapters_refuse_bad_state_dicts():
    rng = np.random.default_rng(0)
    sd = {"weight_ih_l0": rng.standard_normal((3 * H, D)), "weight_hh_l0": rng.standard_normal((3 * H, H)),
          "bias_ih_l0": rng.standard_normal(3 * H), "bias_hh_l0": rng.standard_normal(3 * H)}
    with pytest.raises(ValueError, match=r"lacks \['weight_hh_l0'\]"):
        lstm.gru_from_pytorch({k: v for k, v in sd.items() if k != "weight_hh_l0"})
    with pytest.raises(ValueError, match=r"lacks \['bias_hh_l0'\]"):
        lstm.gru_from_pytorch({k: v for k, v in sd.items() if k != "bias_hh_l0"})
    with pytest.raises(ValueError, match=r"lacks \['weight_ih_l1', 'weight_hh_l1'\].*layers \[0\]"):
        lstm.gru_from_pytorch(sd, layer=1)
    with pytest.raises(ValueError, match=r"weight_hh_l0 has shape \(15, 5\); expected \(5, 5\)"):
        lstm.rnn_from_pytorch(sd)  # a GRU's state dict is not an RNN's
    with pytest.raises(ValueError, match=r"bias_ih_l0 has shape \(14,\)"):
        lstm.gru_from_pytorch(dict(sd, bias_ih_l0=sd["bias_ih_l0"][:-1]))
    with pytest.raises(ValueError, match=r"weight_ih_l0 has shape \(15,\)"):
        lstm.gru_from_pytorch(dict(sd, weight_ih_l0=sd["bias_ih_l0"]))
    with pytest.raises(ValueError, match="layer must be a non-negative integer"):
        lstm.gru_from_pytorch(sd, layer=-1)
    with pytest.raises(ValueError, match="layer must be a non-negative integer"):
        lstm.rnn_to_pytorch(lstm.RNN().init_params(D, H, rng=0), layer=True)
    with pytest.raises(TypeError, match="weight_ih_l0 has dtype int64"):
        lstm.gru_from_pytorch(dict(sd, weight_ih_l0=np.ones((3 * H, D), dtype=np.int64)))
