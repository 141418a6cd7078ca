"""Cross-check against torch.nn.LSTM and torch.nn.LSTMCell in float64 (skipped without PyTorch).

`make test-torch` installs the CPU build of PyTorch and runs these tests.
"""
import numpy as np
import pytest

import lstm

torch = pytest.importorskip(
    "torch", reason="PyTorch is not installed; `make test-torch` installs the CPU build and runs these checks"
)

TOL = 1e-10


def relerr(a, b):
    return lstm.relative_error(np.asarray(a), b.detach().numpy() if hasattr(b, "detach") else b)


@pytest.fixture
def seeded():
    torch.manual_seed(0)
    return np.random.default_rng(0)


def test_lstm_layer_matches_torch(seeded):
    T, B, D, H = 5, 3, 4, 6
    net = torch.nn.LSTM(D, H).double()
    with torch.no_grad():  # nonzero, different biases (PyTorch initialises them uniformly anyway)
        net.bias_ih_l0.uniform_(-1, 1)
        net.bias_hh_l0.uniform_(-1, 1)
    params = lstm.from_pytorch({k: v.detach().numpy() for k, v in net.state_dict().items()})
    x = torch.randn(T, B, D, dtype=torch.float64, requires_grad=True)
    h0 = torch.randn(1, B, H, dtype=torch.float64, requires_grad=True)
    c0 = torch.randn(1, B, H, dtype=torch.float64, requires_grad=True)
    hs_t, (hT_t, cT_t) = net(x, (h0, c0))
    dhs, dhT, dcT = (torch.randn_like(a) for a in (hs_t, hT_t, cT_t))
    (hs_t * dhs).sum().backward(retain_graph=True)
    ((hT_t * dhT).sum() + (cT_t * dcT).sum()).backward()

    hs, (h_T, c_T), cache = lstm.lstm_forward(
        x.detach().numpy(), params, h0[0].detach().numpy(), c0[0].detach().numpy()
    )
    assert relerr(hs, hs_t) < TOL and relerr(h_T, hT_t[0]) < TOL and relerr(c_T, cT_t[0]) < TOL
    g = lstm.lstm_backward(dhs.numpy(), cache, dhT[0].numpy(), dcT[0].numpy())
    assert relerr(g["x"], x.grad) < TOL
    assert relerr(g["h0"], h0.grad[0]) < TOL and relerr(g["c0"], c0.grad[0]) < TOL
    assert relerr(g["W_x"], net.weight_ih_l0.grad) < TOL
    assert relerr(g["W_h"], net.weight_hh_l0.grad) < TOL
    assert relerr(g["b"], net.bias_ih_l0.grad) < TOL and relerr(g["b"], net.bias_hh_l0.grad) < TOL


def test_cell_matches_torch_lstmcell(seeded):
    B, D, H = 4, 3, 5
    cell = torch.nn.LSTMCell(D, H).double()
    with torch.no_grad():
        cell.bias_ih.uniform_(-1, 1)
        cell.bias_hh.uniform_(-1, 1)
    sd = {f"{k}_l0": v.detach().numpy() for k, v in cell.state_dict().items()}
    params = lstm.from_pytorch(sd)
    x = torch.randn(B, D, dtype=torch.float64, requires_grad=True)
    h = torch.randn(B, H, dtype=torch.float64, requires_grad=True)
    c = torch.randn(B, H, dtype=torch.float64, requires_grad=True)
    h1, c1 = cell(x, (h, c))
    dh, dc = torch.randn_like(h1), torch.randn_like(c1)
    ((h1 * dh).sum() + (c1 * dc).sum()).backward()
    h_np, c_np, cache = lstm.lstm_step_forward(x.detach().numpy(), h.detach().numpy(), c.detach().numpy(), params)
    assert relerr(h_np, h1) < TOL and relerr(c_np, c1) < TOL
    g = lstm.lstm_step_backward(dh.numpy(), dc.numpy(), cache)
    for ours, theirs in [
        ("x", x.grad),
        ("h_prev", h.grad),
        ("c_prev", c.grad),
        ("W_x", cell.weight_ih.grad),
        ("W_h", cell.weight_hh.grad),
        ("b", cell.bias_ih.grad),
        ("b", cell.bias_hh.grad),
    ]:
        assert relerr(g[ours], theirs) < TOL, ours


def test_to_pytorch_loads_into_torch(seeded):
    params = lstm.init_lstm_params(3, 4, rng=seeded)
    params["b"] = seeded.normal(size=16)
    net = torch.nn.LSTM(3, 4).double()
    net.load_state_dict({k: torch.from_numpy(v) for k, v in lstm.to_pytorch(params).items()})
    x = seeded.normal(size=(6, 2, 3))
    hs_t, _ = net(torch.from_numpy(x))
    hs, _, _ = lstm.lstm_forward(x, params)
    assert relerr(hs, hs_t) < TOL


@pytest.mark.parametrize("layers, dropout", [(1, 0.0), (2, 0.4), (3, 0.25)])
def test_language_model_with_dropout_matches_torch_autograd(seeded, layers, dropout):
    """The character model of the chapter: a stack of LSTM layers, dropout masks between them and
    before the output layer, cross-entropy over a window with a state carried in.  PyTorch's
    autograd, given the same masks, gives the same loss and every parameter's gradient."""
    from lstm.lm import charlm

    K, H, T, B = 6, 4, 5, 3
    params = charlm.init_lm_params(K, H, layers=layers, rng=seeded)
    params = {k: v + 0.1 * seeded.normal(size=v.shape) for k, v in params.items()}
    inputs, targets = seeded.integers(0, K, (T, B)), seeded.integers(0, K, (T, B))
    state = (seeded.normal(size=(layers, B, H)), seeded.normal(size=(layers, B, H)))
    loss, grads, _ = charlm.loss_and_grads(params, inputs, targets, state, dropout=dropout,
                                           rng=np.random.default_rng(7))
    masks = charlm.model_forward(params, inputs, state, dropout=dropout, rng=np.random.default_rng(7))[2].masks
    if dropout:
        assert all((m == 0).any() for m in masks)  # the masks drop something
    torch_loss, torch_grads = charlm.torch_loss_and_grads(params, inputs, targets, state, masks)
    assert abs(loss - torch_loss) < 1e-13
    for k in params:
        assert lstm.relative_error(grads[k], torch_grads[k]) < TOL, k
