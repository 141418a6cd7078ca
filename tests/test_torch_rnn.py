"""The Elman RNN and the GRU against torch.nn.RNN, RNNCell, GRU, GRUCell in float64 (skipped without PyTorch).

Outputs, final states and every gradient (inputs, initial state, every
parameter, both of PyTorch's biases) agree to a relative error of 1e-10.
"""
import numpy as np
import pytest

import lstm

torch = pytest.importorskip(
    "torch", reason="PyTorch is not installed; `make test-torch` installs the CPU build and runs these checks"
)

TOL = 1e-10
T, B, D, H = 6, 3, 4, 5


def relerr(a, b):
    return lstm.relative_error(np.asarray(a), b.detach().numpy() if hasattr(b, "detach") else np.asarray(b))


def numpy_dict(module):
    return {k: v.detach().numpy() for k, v in module.state_dict().items()}


def perturb_biases(module):
    with torch.no_grad():  # nonzero, different biases, so a swapped or dropped bias shows
        for name, p in module.named_parameters():
            if name.startswith("bias"):
                p.uniform_(-1, 1)


def layer_case(kind, **kw):
    """A torch layer, the book's cell and parameters, and the torch run with gradients."""
    torch.manual_seed(0)
    net = getattr(torch.nn, kind)(D, H, **kw).double()
    perturb_biases(net)
    x = torch.randn(T, B, D, dtype=torch.float64, requires_grad=True)
    h0 = torch.randn(1, B, H, dtype=torch.float64, requires_grad=True)
    hs, hT = net(x, h0)
    dhs, dhT = torch.randn_like(hs), torch.randn_like(hT)
    ((hs * dhs).sum() + (hT * dhT).sum()).backward()
    return net, x, h0, hs, hT, dhs, dhT


def errors_layer(kind, cell, from_pytorch, **kw):
    net, x, h0, hs_t, hT_t, dhs, dhT = layer_case(kind, **kw)
    params = from_pytorch(numpy_dict(net))
    hs, (h_T,), cache = lstm.sequence_forward(cell, x.detach().numpy(), params, (h0[0].detach().numpy(),))
    g = lstm.sequence_backward(dhs.numpy(), cache, (dhT[0].numpy(),))
    errors = {
        "hs": relerr(hs, hs_t),
        "h_T": relerr(h_T, hT_t[0]),
        "x": relerr(g["x"], x.grad),
        "h0": relerr(g["h0"], h0.grad[0]),
        "W_x": relerr(g["W_x"], net.weight_ih_l0.grad),
        "W_h": relerr(g["W_h"], net.weight_hh_l0.grad),
    }
    if "b" in g:  # the RNN's one bias receives what each of PyTorch's two does
        errors["b~bias_ih"] = relerr(g["b"], net.bias_ih_l0.grad)
        errors["b~bias_hh"] = relerr(g["b"], net.bias_hh_l0.grad)
    else:
        errors["b_x"] = relerr(g["b_x"], net.bias_ih_l0.grad)
        errors["b_h"] = relerr(g["b_h"], net.bias_hh_l0.grad)
    return errors


def errors_cell(kind, cell, from_pytorch, **kw):
    torch.manual_seed(1)
    mod = getattr(torch.nn, kind)(D, H, **kw).double()
    perturb_biases(mod)
    params = from_pytorch(numpy_dict(mod))
    x = torch.randn(B, D, dtype=torch.float64, requires_grad=True)
    h = torch.randn(B, H, dtype=torch.float64, requires_grad=True)
    h1 = mod(x, h)
    dh = torch.randn_like(h1)
    (h1 * dh).sum().backward()
    (h_np,), cache = cell.step_forward(x.detach().numpy(), (h.detach().numpy(),), params)
    g = cell.step_backward((dh.numpy(),), cache)
    errors = {
        "h": relerr(h_np, h1),
        "x": relerr(g["x"], x.grad),
        "h_prev": relerr(g["h_prev"], h.grad),
        "W_x": relerr(g["W_x"], mod.weight_ih.grad),
        "W_h": relerr(g["W_h"], mod.weight_hh.grad),
    }
    if "b" in g:
        errors["b~bias_ih"] = relerr(g["b"], mod.bias_ih.grad)
        errors["b~bias_hh"] = relerr(g["b"], mod.bias_hh.grad)
    else:
        errors["b_x"] = relerr(g["b_x"], mod.bias_ih.grad)
        errors["b_h"] = relerr(g["b_h"], mod.bias_hh.grad)
    return errors


def assert_small(errors):
    bad = {k: e for k, e in errors.items() if not e <= TOL}
    assert not bad, bad


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_rnn_layer_matches_torch(nonlinearity):
    assert_small(errors_layer("RNN", lstm.RNN(nonlinearity), lstm.rnn_from_pytorch, nonlinearity=nonlinearity))


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_rnn_cell_matches_torch(nonlinearity):
    assert_small(errors_cell("RNNCell", lstm.RNN(nonlinearity), lstm.rnn_from_pytorch, nonlinearity=nonlinearity))


def test_gru_layer_matches_torch():
    assert_small(errors_layer("GRU", lstm.GRU(), lstm.gru_from_pytorch))


def test_gru_cell_matches_torch():
    assert_small(errors_cell("GRUCell", lstm.GRU(), lstm.gru_from_pytorch))


def test_cho_form_is_not_torch_and_matches_autograd_of_its_formula():
    """torch has no Cho-form GRU: our Cho form differs from torch.nn.GRUCell, and equals autograd of its formula."""
    torch.manual_seed(2)
    mod = torch.nn.GRUCell(D, H).double()
    perturb_biases(mod)
    params = lstm.gru_from_pytorch(numpy_dict(mod))
    x = torch.randn(B, D, dtype=torch.float64, requires_grad=True)
    h = torch.randn(B, H, dtype=torch.float64, requires_grad=True)
    W_x, W_h = (torch.from_numpy(params[k]).requires_grad_() for k in ("W_x", "W_h"))
    b_x, b_h = (torch.from_numpy(params[k]).requires_grad_() for k in ("b_x", "b_h"))
    a, u = x @ W_x.T + b_x, h @ W_h[: 2 * H].T + b_h[: 2 * H]
    r, z = torch.sigmoid(a[:, :H] + u[:, :H]), torch.sigmoid(a[:, H : 2 * H] + u[:, H:])
    n = torch.tanh(a[:, 2 * H :] + (r * h) @ W_h[2 * H :].T + b_h[2 * H :])
    h1 = (1 - z) * n + z * h
    dh = torch.randn_like(h1)
    (h1 * dh).sum().backward()
    cho = lstm.GRU(reset_after=False)
    (h_np,), cache = cho.step_forward(x.detach().numpy(), (h.detach().numpy(),), params)
    assert relerr(h_np, mod(x, h)) > 1e-2  # a different function of the same parameters
    g = cho.step_backward((dh.numpy(),), cache)
    errors = {"h": relerr(h_np, h1), "x": relerr(g["x"], x.grad), "h_prev": relerr(g["h_prev"], h.grad)}
    errors.update({k: relerr(g[k], v.grad) for k, v in dict(W_x=W_x, W_h=W_h, b_x=b_x, b_h=b_h).items()})
    assert_small(errors)


@pytest.mark.parametrize("kind", ["RNN", "GRU"])
def test_padded_batch_matches_packed_sequence(kind):
    """Per-sequence lengths against torch.nn.utils.rnn.pack_padded_sequence: outputs, final states, gradients."""
    torch.manual_seed(3)
    net = getattr(torch.nn, kind)(D, H).double()
    perturb_biases(net)
    lengths = [6, 2, 4]
    x = torch.randn(T, B, D, dtype=torch.float64, requires_grad=True)
    h0 = torch.randn(1, B, H, dtype=torch.float64, requires_grad=True)
    packed = torch.nn.utils.rnn.pack_padded_sequence(x, torch.tensor(lengths), enforce_sorted=False)
    out, hT = net(packed, h0)
    hs_t, _ = torch.nn.utils.rnn.pad_packed_sequence(out, total_length=T)
    dhs, dhT = torch.randn_like(hs_t), torch.randn_like(hT)
    ((hs_t * dhs).sum() + (hT * dhT).sum()).backward()

    cell, convert = (lstm.RNN(), lstm.rnn_from_pytorch) if kind == "RNN" else (lstm.GRU(), lstm.gru_from_pytorch)
    params = convert(numpy_dict(net))
    hs, (h_T,), cache = lstm.sequence_forward(
        cell, x.detach().numpy(), params, (h0[0].detach().numpy(),), lengths=np.array(lengths)
    )
    g = lstm.sequence_backward(dhs.numpy(), cache, (dhT[0].numpy(),))
    errors = {
        "hs": relerr(hs, hs_t),
        "h_T": relerr(h_T, hT[0]),
        "x": relerr(g["x"], x.grad),
        "h0": relerr(g["h0"], h0.grad[0]),
        "W_x": relerr(g["W_x"], net.weight_ih_l0.grad),
        "W_h": relerr(g["W_h"], net.weight_hh_l0.grad),
    }
    bias = ("b", "b") if kind == "RNN" else ("b_x", "b_h")
    errors.update(
        {
            f"{bias[0]}~bias_ih": relerr(g[bias[0]], net.bias_ih_l0.grad),
            f"{bias[1]}~bias_hh": relerr(g[bias[1]], net.bias_hh_l0.grad),
        }
    )
    assert_small(errors)


@pytest.mark.parametrize("kind", ["RNN", "GRU"])
def test_to_pytorch_loads_into_torch(kind):
    rng = np.random.default_rng(4)
    cell, to = (lstm.RNN(), lstm.rnn_to_pytorch) if kind == "RNN" else (lstm.GRU(), lstm.gru_to_pytorch)
    params = {k: v + 0.3 * rng.standard_normal(v.shape) for k, v in cell.init_params(D, H, rng=rng).items()}
    net = getattr(torch.nn, kind)(D, H).double()
    net.load_state_dict({k: torch.from_numpy(v) for k, v in to(params).items()})
    mod = getattr(torch.nn, f"{kind}Cell")(D, H).double()
    mod.load_state_dict({k: torch.from_numpy(v) for k, v in to(params, cell=True).items()})
    x = rng.standard_normal((T, B, D))
    hs_t, _ = net(torch.from_numpy(x))
    hs, _, _ = lstm.sequence_forward(cell, x, params)
    assert relerr(hs, hs_t) < TOL
    (h1,), _ = cell.step_forward(x[0], (np.zeros((B, H)),), params)
    assert relerr(h1, mod(torch.from_numpy(x[0]))) < TOL


@pytest.mark.parametrize("kind", ["RNN", "GRU"])
def test_state_dict_of_a_deep_bidirectional_layer(kind):
    """layer= and reverse= read one layer and direction; from_pytorch accepts tensors as they are."""
    torch.manual_seed(5)
    net = getattr(torch.nn, kind)(D, H, num_layers=2, bidirectional=True).double()
    convert = lstm.rnn_from_pytorch if kind == "RNN" else lstm.gru_from_pytorch
    p = convert(net.state_dict(), layer=1, reverse=True)
    np.testing.assert_array_equal(p["W_x"], net.weight_ih_l1_reverse.detach().numpy())
    assert p["W_x"].shape[1] == 2 * H  # layer 1 reads both directions of layer 0
    with pytest.raises(ValueError, match=r"lacks \['weight_ih_l2'.*layers \[0, 1\]"):
        convert(net.state_dict(), layer=2)


@pytest.mark.parametrize("kind", ["RNN", "GRU"])
def test_layer_without_bias(kind):
    torch.manual_seed(6)
    net = getattr(torch.nn, kind)(D, H, bias=False).double()
    convert = lstm.rnn_from_pytorch if kind == "RNN" else lstm.gru_from_pytorch
    cell = lstm.RNN() if kind == "RNN" else lstm.GRU()
    params = convert(numpy_dict(net))
    assert all(np.all(v == 0) for k, v in params.items() if k.startswith("b"))
    x = torch.randn(T, B, D, dtype=torch.float64)
    hs_t, _ = net(x)
    hs, _, _ = lstm.sequence_forward(cell, x.numpy(), params)
    assert relerr(hs, hs_t) < TOL
