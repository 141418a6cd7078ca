"""A stack's parameters to and from torch.nn.LSTM/GRU/RNN's layout (lstm.interop.pytorch_stack), without PyTorch.

The same stacks run against PyTorch itself: tests/test_torch_stack.py.
"""
import numpy as np
import pytest

import lstm
from lstm.cells import stacks
from lstm.checks.gradcheck import relative_error
from lstm.interop.pytorch_stack import stack_from_pytorch, stack_to_pytorch
from test_stacks import problem  # the same perturbed stack problem

ids = repr


@pytest.mark.parametrize(
    "kind, cell", [("lstm", lstm.LSTM()), ("gru", lstm.GRU()), ("rnn", lstm.RNN()), ("rnn", lstm.RNN("relu"))], ids=ids
)
@pytest.mark.parametrize("L, bidirectional", [(2, True), (3, False), (1, True), (1, False)])
def test_pytorch_layout_round_trip(kind, cell, L, bidirectional):
    """Depth and directions come from the keys; the RNN's nonlinearity from the argument."""
    params, _, _ = problem(cell, L=L, bidirectional=bidirectional)
    sd = stack_to_pytorch(cell, params)
    assert list(sd)[:4] == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"]
    assert len(sd) == 4 * L * (2 if bidirectional else 1)
    assert (
        ("weight_ih_l0_reverse" in sd) == bidirectional and f"weight_ih_l{L - 1}" in sd and f"weight_ih_l{L}" not in sd
    )
    assert all(np.all(v == 0) for k, v in sd.items() if k.startswith("bias_hh")) == (kind != "gru")
    kw = {"nonlinearity": cell.nonlinearity} if kind == "rnn" else {}
    back_cell, back = stack_from_pytorch(sd, kind=kind, **kw)
    assert repr(back_cell) == repr(cell)
    assert stacks.stack_dims(back_cell, back)["L"] == L
    assert stacks.stack_dims(back_cell, back)["directions"] == (2 if bidirectional else 1)
    assert back.keys() == params.keys()
    for k in params:
        np.testing.assert_array_equal(back[k], params[k])


def test_rnn_nonlinearity_is_carried_by_the_returned_cell():
    """The same state dict read as tanh and as ReLU: the returned cells run different networks."""
    params, x, (h0,) = problem(lstm.RNN("relu"))
    sd = stack_to_pytorch(lstm.RNN("relu"), params)
    relu, p_relu = stack_from_pytorch(sd, kind="rnn", nonlinearity="relu")
    tanh, p_tanh = stack_from_pytorch(sd, kind="rnn", nonlinearity="tanh")
    assert (relu.nonlinearity, tanh.nonlinearity) == ("relu", "tanh")
    out, _, _ = stacks.stack_forward(relu, x, p_relu, h0)
    want, _, _ = stacks.stack_forward(lstm.RNN("relu"), x, params, h0)
    np.testing.assert_array_equal(out, want)
    assert np.any(out == 0) and np.all(out >= 0)  # ReLU's zeros, which tanh would not give
    other, _, _ = stacks.stack_forward(tanh, x, p_tanh, h0)
    assert relative_error(other, want) > 0.1


def test_conversion_needs_the_rnn_nonlinearity_and_only_for_the_rnn():
    params, _, _ = problem(lstm.RNN())
    sd = stack_to_pytorch(lstm.RNN(), params)
    with pytest.raises(ValueError, match="does not record its nonlinearity: pass nonlinearity='tanh' or 'relu'"):
        stack_from_pytorch(sd, kind="rnn")
    with pytest.raises(ValueError, match="nonlinearity is 'sigmoid'"):
        stack_from_pytorch(sd, kind="rnn", nonlinearity="sigmoid")
    gru_sd = stack_to_pytorch(lstm.GRU(), problem(lstm.GRU())[0])
    with pytest.raises(ValueError, match="nonlinearity is for kind='rnn'"):
        stack_from_pytorch(gru_sd, kind="gru", nonlinearity="tanh")
    with pytest.raises(TypeError, match="positional argument"):
        stack_from_pytorch(sd, 2, True, kind="rnn", nonlinearity="tanh")  # depth and directions: from the keys


def test_cells_pytorch_does_not_compute_are_refused():
    """torch.nn.GRU is reset_after=True: Cho's form would run its weights as another cell."""
    cho = lstm.GRU(reset_after=False)
    params, _, _ = problem(cho)
    with pytest.raises(
        ValueError, match=r"GRU\(reset_after=False\) is Cho et al.'s form, which PyTorch does not compute"
    ):
        stack_to_pytorch(cho, params)
    assert stack_to_pytorch(lstm.GRU(), params).keys()  # the same parameters in PyTorch's form convert
    cell, _ = stack_from_pytorch(stack_to_pytorch(lstm.GRU(), params), kind="gru")
    assert cell.reset_after is True
    with pytest.raises(ValueError, match=r"Peephole\(forget_bias=1\.0\) has no PyTorch module"):
        stack_to_pytorch(lstm.Peephole(), problem(lstm.Peephole())[0])
    with pytest.raises(TypeError, match="cell must be an lstm.Cell"):
        stack_to_pytorch("lstm", params)


def test_bias_free_modules_read_zero_biases():
    params, _, _ = problem(lstm.LSTM(), L=1, bidirectional=False)
    sd = {k: v for k, v in stack_to_pytorch(lstm.LSTM(), params).items() if not k.startswith("bias")}
    cell, back = stack_from_pytorch(sd)
    assert np.all(back["b_l0"] == 0) and np.all(back["W_x_l0"] == params["W_x_l0"])


def test_bad_pytorch_state_dicts_are_refused():
    params, _, _ = problem(lstm.LSTM())
    sd = stack_to_pytorch(lstm.LSTM(), params)
    with pytest.raises(
        ValueError,
        match=r"lacks \['bias_hh_l1', 'weight_ih_l1_reverse'.*torch.nn.LSTM\(num_layers=2, bidirectional=True\)",
    ):
        stack_from_pytorch({k: v for k, v in sd.items() if k not in ("bias_hh_l1", "weight_ih_l1_reverse")})
    with pytest.raises(
        ValueError, match=r"lacks \['weight_ih_l1_reverse', 'weight_hh_l1_reverse', 'bias_ih_l1_reverse'"
    ):
        stack_from_pytorch({k: v for k, v in sd.items() if not k.endswith("l1_reverse")})  # reverse in layer 0 only
    with pytest.raises(ValueError, match=r"lacks \['weight_ih_l1', 'weight_hh_l1', 'bias_ih_l1', 'bias_hh_l1'"):
        stack_from_pytorch({k.replace("_l1", "_l2"): v for k, v in sd.items()})  # a gap: layers 0 and 2
    with pytest.raises(ValueError, match="no weight_ih_l"):
        stack_from_pytorch({})
    with pytest.raises(TypeError, match="state_dict must be a dict"):
        stack_from_pytorch(list(sd.items()))
    with pytest.raises(ValueError, match="proj_size"):
        stack_from_pytorch({**sd, "weight_hr_l0": np.zeros((3, 3))})
    with pytest.raises(ValueError, match=r"unexpected keys \['weight_l0'\]"):
        stack_from_pytorch({**sd, "weight_l0": np.zeros((3, 3))})
    with pytest.raises(
        ValueError, match=r"weight_hh_l0 has shape \(16, 4\); a torch.nn.RNN has \(blocks·H, H\) with blocks = 1"
    ):
        stack_from_pytorch(sd, kind="rnn", nonlinearity="tanh")
    with pytest.raises(ValueError, match="kind is 'lstmp'"):
        stack_from_pytorch(sd, kind="lstmp")
    bad = dict(sd, weight_ih_l1=sd["weight_ih_l1"][:, :4])
    with pytest.raises(ValueError, match="layer 1 reads 4 inputs; it must read 8"):
        stack_from_pytorch(bad)
