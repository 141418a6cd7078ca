"""Stacked, bidirectional and packed runs against torch.nn.LSTM/GRU/RNN in float64 (skipped without PyTorch).

Outputs, final states and the gradients of every parameter, the input and
every initial state, relative error <= 1e-10 (measured: ~1e-15).
"""
import numpy as np
import pytest

import lstm
from lstm.cells import stacks
from lstm.interop.pytorch_stack import stack_from_pytorch, stack_to_pytorch

torch = pytest.importorskip("torch", reason="PyTorch is not installed; `make test-torch` installs the CPU build")

TOL = 1e-10
T, B, D, H = 6, 4, 3, 5
MODULES = {
    "lstm": (lambda **kw: torch.nn.LSTM(D, H, **kw), lstm.LSTM()),
    "gru": (lambda **kw: torch.nn.GRU(D, H, **kw), lstm.GRU()),
    "rnn": (lambda **kw: torch.nn.RNN(D, H, **kw), lstm.RNN()),
    "rnn-relu": (lambda **kw: torch.nn.RNN(D, H, nonlinearity="relu", **kw), lstm.RNN("relu")),
}


def compare(kind, num_layers, bidirectional, lengths=None, seed=0):
    """Run torch and the package on the same problem; return the relative errors by name."""
    torch.manual_seed(seed)
    make, expected = MODULES[kind]
    net = make(num_layers=num_layers, bidirectional=bidirectional).double()
    with torch.no_grad():  # nonzero biases, the two of each pair different
        for name, p in net.named_parameters():
            if name.startswith("bias"):
                p.uniform_(-1, 1)
    kw = {"nonlinearity": net.nonlinearity} if kind.startswith("rnn") else {}
    cell, params = stack_from_pytorch(
        {k: v.numpy() for k, v in net.state_dict().items()}, kind=kind.split("-")[0], **kw
    )
    assert repr(cell) == repr(expected)  # the RNN's nonlinearity travels in the returned cell
    LD = num_layers * (2 if bidirectional else 1)
    x = torch.randn(T, B, D, dtype=torch.float64, requires_grad=True)
    s0 = [torch.randn(LD, B, H, dtype=torch.float64, requires_grad=True) for _ in cell.state_names]
    inp = x
    if lengths is not None:
        inp = torch.nn.utils.rnn.pack_padded_sequence(x, torch.tensor(lengths), enforce_sorted=False)
    out_t, sT_t = net(inp, tuple(s0) if len(s0) > 1 else s0[0])
    if lengths is not None:
        out_t, lens = torch.nn.utils.rnn.pad_packed_sequence(out_t, total_length=T)
        assert lens.tolist() == list(lengths)
    sT_t = sT_t if isinstance(sT_t, tuple) else (sT_t,)
    dout = torch.randn_like(out_t)
    dstate = [torch.randn_like(s) for s in sT_t]
    ((out_t * dout).sum() + sum((s * d).sum() for s, d in zip(sT_t, dstate))).backward()

    out, sT, cache = stacks.stack_forward(
        cell, x.detach().numpy(), params, tuple(s.detach().numpy() for s in s0), lengths=lengths
    )
    g = stacks.stack_backward(dout.numpy(), cache, tuple(d.numpy() for d in dstate))
    err = lstm.relative_error
    errors = {"out": err(out, out_t.detach().numpy()), "x": err(g["x"], x.grad.numpy())}
    for name, ours, theirs, s in zip(cell.state_names, sT, sT_t, s0):
        errors[f"{name}_T"] = err(ours, theirs.detach().numpy())
        errors[f"{name}0"] = err(g[f"{name}0"], s.grad.numpy())
    grads_t = stack_to_pytorch(cell, {k: g[k] for k in params})
    for name, p in net.named_parameters():
        # The LSTM's and RNN's one bias b receives the gradient of each of PyTorch's two.
        ours = grads_t[name.replace("bias_hh", "bias_ih")] if kind != "gru" else grads_t[name]
        errors[name] = err(ours, p.grad.numpy())
    assert len(errors) == 2 + 2 * len(cell.state_names) + len(list(net.parameters()))
    return errors


def assert_small(errors):
    bad = {k: f"{v:.1e}" for k, v in errors.items() if not v <= TOL}
    assert not bad, bad


@pytest.mark.parametrize("num_layers, bidirectional", [(2, True), (3, False), (1, True)])
def test_lstm_stack_matches_torch(num_layers, bidirectional):
    assert_small(compare("lstm", num_layers, bidirectional))


@pytest.mark.parametrize("bidirectional", [True, False])
@pytest.mark.parametrize("lengths", [[3, 6, 1, 4], [6, 6, 6, 6], [1, 1, 2, 1]])
def test_lstm_stack_matches_packed_sequences(lengths, bidirectional):
    """pack_padded_sequence(enforce_sorted=False): unsorted lengths, each final state at its own end."""
    assert_small(compare("lstm", 2, bidirectional, lengths=lengths))


@pytest.mark.parametrize("kind", ["gru", "rnn", "rnn-relu"])
@pytest.mark.parametrize("lengths", [None, [3, 6, 1, 4]])
def test_gru_and_rnn_stacks_match_torch(kind, lengths):
    assert_small(compare(kind, 2, True, lengths=lengths))


def test_stack_to_pytorch_loads_into_torch():
    params = stacks.init_stack(lstm.LSTM(), D, H, 2, True, rng=0)
    net = torch.nn.LSTM(D, H, num_layers=2, bidirectional=True).double()
    net.load_state_dict({k: torch.from_numpy(v) for k, v in stack_to_pytorch(lstm.LSTM(), params).items()})  # strict
    x = np.random.default_rng(1).standard_normal((T, B, D))
    out_t, _ = net(torch.from_numpy(x))
    out, _, _ = stacks.stack_forward(lstm.LSTM(), x, params)
    assert lstm.relative_error(out, out_t.detach().numpy()) < TOL


def test_torch_state_dict_tensors_are_read():
    net = torch.nn.GRU(D, H, num_layers=2).double()
    _, params = stack_from_pytorch(net.state_dict(), kind="gru")
    assert params["W_x_l1"].shape == (3 * H, H)
    net = torch.nn.LSTM(D, H, bias=False).float()
    _, params = stack_from_pytorch(net.state_dict())
    assert params["b_l0"].dtype == np.float32 and np.all(params["b_l0"] == 0)


@pytest.mark.parametrize("kind", ["lstm", "gru", "rnn"])
def test_an_empty_sequence_is_refused_as_torch_refuses_it(kind):
    make, cell = MODULES[kind]
    net = make(num_layers=2, bidirectional=True).double()
    with pytest.raises(RuntimeError, match="sequence length to be larger than 0"):
        net(torch.zeros(0, B, D, dtype=torch.float64))
    kw = {"nonlinearity": "tanh"} if kind == "rnn" else {}
    cell, params = stack_from_pytorch(net.state_dict(), kind=kind, **kw)
    with pytest.raises(ValueError, match="T = 0 time steps; a sequence needs T ≥ 1"):
        stacks.stack_forward(cell, np.zeros((0, B, D)), params)
    with pytest.raises(ValueError, match="T = 0 time steps"):
        lstm.sequence_forward(cell, np.zeros((0, B, D)), stacks.split_stack(cell, params)[0][0])


def test_what_the_conversion_refuses_would_compute_something_else():
    """The two conversions it refuses are not formalities: each would change the network."""
    torch.manual_seed(0)
    x = np.random.default_rng(0).standard_normal((T, B, D))
    # torch.nn.GRU's weights run as Cho's form give other outputs.
    net = torch.nn.GRU(D, H, num_layers=2).double()
    out_t = net(torch.from_numpy(x))[0].detach().numpy()
    cell, params = stack_from_pytorch(net.state_dict(), kind="gru")
    assert lstm.relative_error(stacks.stack_forward(cell, x, params)[0], out_t) < TOL
    cho = lstm.GRU(reset_after=False)
    assert lstm.relative_error(stacks.stack_forward(cho, x, params)[0], out_t) > 1e-3
    with pytest.raises(ValueError, match=r"GRU\(reset_after=False\)"):
        stack_to_pytorch(cho, params)
    # A ReLU RNN read with the other nonlinearity gives other outputs.
    net = torch.nn.RNN(D, H, num_layers=2, nonlinearity="relu").double()
    out_t = net(torch.from_numpy(x))[0].detach().numpy()
    for nonlinearity, close in [("relu", True), ("tanh", False)]:
        cell, params = stack_from_pytorch(net.state_dict(), kind="rnn", nonlinearity=nonlinearity)
        assert (lstm.relative_error(stacks.stack_forward(cell, x, params)[0], out_t) < TOL) == close
