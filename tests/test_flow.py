"""lstm.checks.flow: per-step state gradients and one-step Jacobians, against independent computations."""
import numpy as np
import pytest

import lstm
from lstm.cells.loop import sequence_backward, sequence_forward
from lstm.checks import flow
from lstm.checks.gradcheck import relative_error
from lstm.checks.harness import random_problem

CELLS = [lstm.LSTM(), lstm.RNN("tanh"), lstm.Peephole(), lstm.GRU(), lstm.GRU(reset_after=False)]


def concat_state(state):
    return np.concatenate(state, axis=1)


@pytest.mark.parametrize("cell", CELLS, ids=repr)
def test_step_jacobian_equals_finite_differences(cell):
    params, x, state = random_problem(cell, B=3, D=4, H=5, rng=1)
    J = flow.step_jacobian(cell, x, state, params)
    n, H = len(state) * 5, 5
    assert J.shape == (3, n, n)
    s = concat_state(state)
    eps = 1e-6
    fd = np.empty_like(J)
    for j in range(n):  # column j: perturb input unit j of every example at once (examples are independent)
        plus, minus = s.copy(), s.copy()
        plus[:, j] += eps
        minus[:, j] -= eps
        def split(v):
            return tuple(v[:, k * H : (k + 1) * H] for k in range(len(state)))
        out_p = concat_state(cell.step_forward(x, split(plus), params)[0])
        out_m = concat_state(cell.step_forward(x, split(minus), params)[0])
        fd[:, :, j] = (out_p - out_m) / (2 * eps)
    assert relative_error(J, fd) < 1e-8


def test_lstm_cell_to_cell_block_is_the_forget_gate():
    cell = lstm.LSTM()
    params, x, state = random_problem(cell, B=2, D=3, H=4, rng=2)
    J = flow.step_jacobian(cell, x, state, params)
    _, cache = cell.step_forward(x, state, params)
    for b in range(2):
        np.testing.assert_allclose(J[b, 4:, 4:], np.diag(cache.f[b]), rtol=0, atol=1e-15)
        # h_t reads c_{t-1} through c_t: ∂h_t/∂c_{t-1} = diag(o ⊙ tanh'(c_t) ⊙ f)
        np.testing.assert_allclose(J[b, :4, 4:], np.diag(cache.o[b] * (1 - cache.tanh_c[b] ** 2) * cache.f[b]),
                                   rtol=1e-14, atol=1e-16)
    assert np.all(np.abs(J[:, 4:, :4]) > 0)  # the gates make c_t depend on every unit of h_{t-1}


@pytest.mark.parametrize("cell", [lstm.LSTM(), lstm.RNN("tanh")], ids=repr)
def test_state_gradients_equal_a_direct_backward_from_each_step(cell):
    T, B, H = 7, 3, 5
    params, x, state0 = random_problem(cell, B=B, D=4, H=H, T=T, rng=3)
    rng = np.random.default_rng(4)
    dhs = rng.standard_normal((T, B, H))
    dstate_T = tuple(rng.standard_normal((B, H)) for _ in cell.state_names)
    fl = flow.state_gradients(cell, x, params, state0, dhs=dhs, dstate_T=dstate_T)
    assert set(fl.grads) == set(cell.state_names) and len(fl.caches) == T
    for t in range(T + 1):
        # the state s_t, then a backward pass (the fast path for the LSTM) over steps t+1 … T alone
        s_t = state0 if t == 0 else sequence_forward(cell, x[:t], params, state0)[1]
        if t == T:
            direct = [dstate_T[0] + dhs[-1], *dstate_T[1:]]
        else:
            _, _, cache = sequence_forward(cell, x[t:], params, s_t)
            g = sequence_backward(dhs[t:], cache, dstate_T)
            direct = [g[f"{s}0"] for s in cell.state_names]
            if t > 0:
                direct[0] = direct[0] + dhs[t - 1]  # h_t also feeds its own step's loss
        for s, d in zip(cell.state_names, direct):
            assert relative_error(fl.grads[s][t], d) < 1e-12, (s, t)


def test_state_gradients_chain_one_step_jacobians():
    cell = lstm.LSTM(forget_bias=2.0)
    T, B, H = 6, 2, 4
    params, x, state0 = random_problem(cell, B=B, D=3, H=H, T=T, rng=5)
    dh_T = np.random.default_rng(6).standard_normal((B, H))
    fl = flow.state_gradients(cell, x, params, state0, dstate_T=(dh_T, None))
    hs = fl.hs
    for t in range(1, T + 1):  # ∂J/∂s_{t-1} = ∂J/∂s_t · ∂s_t/∂s_{t-1}
        state = (state0[0], state0[1]) if t == 1 else (hs[t - 2], fl.caches[t - 1].c_prev)
        J = flow.step_jacobian(cell, x[t - 1], state, params)
        after = np.concatenate([fl.grads["h"][t], fl.grads["c"][t]], axis=1)
        before = np.concatenate([fl.grads["h"][t - 1], fl.grads["c"][t - 1]], axis=1)
        assert relative_error(np.einsum("bi,bij->bj", after, J), before) < 1e-12


def test_gradient_norms_is_a_loss_at_the_last_step():
    cell = lstm.LSTM()
    T, B, H = 5, 3, 4
    params, x, state0 = random_problem(cell, B=B, D=2, H=H, T=T, rng=7)
    u = np.random.default_rng(8).standard_normal((B, H))
    norms = flow.gradient_norms(cell, x, params, state0, dh_T=u)
    assert norms["h"].shape == norms["c"].shape == (T + 1, B)
    np.testing.assert_allclose(norms["h"][T], np.linalg.norm(u, axis=1), rtol=1e-15)
    assert np.all(norms["c"][T] == 0)  # at fixed h_T, c_T does not reach a loss on h_T
    _, _, cache = sequence_forward(cell, x, params, state0)
    g = sequence_backward(None, cache, (u, None))
    np.testing.assert_allclose(norms["c"][0], np.linalg.norm(g["c0"], axis=1), rtol=1e-12)
    np.testing.assert_allclose(norms["h"][0], np.linalg.norm(g["h0"], axis=1), rtol=1e-12)


def test_log_profile_and_decay_rate():
    T = 30
    d = np.arange(T + 1)[::-1]  # norms indexed by t; the distance is T - t
    norms = np.stack([3.0 * np.exp(-0.25 * d), 5.0 * np.exp(-0.25 * d)], axis=1)
    prof = flow.log_profile(norms)
    np.testing.assert_allclose(prof, np.log(np.sqrt(15.0)) - 0.25 * np.arange(T + 1), rtol=1e-14)
    assert flow.decay_rate(norms, 2, 20) == pytest.approx(-0.25, rel=1e-12)
    with pytest.raises(ValueError, match="lo"):
        flow.decay_rate(norms, 5, 5)
    with pytest.raises(ValueError, match="lo"):
        flow.decay_rate(norms, 0, T + 1)
    zeros = norms.copy()
    zeros[T - 3] = 0.0
    with pytest.raises(ValueError, match="zero"):
        flow.decay_rate(zeros, 1, 5)
    with pytest.raises(ValueError, match="norms"):
        flow.log_profile(np.ones(1))


def test_scale_to_radius(rng):
    W = rng.standard_normal((6, 6))
    assert np.abs(np.linalg.eigvals(flow.scale_to_radius(W, 0.9))).max() == pytest.approx(0.9, rel=1e-12)
    with pytest.raises(ValueError, match="radius"):
        flow.scale_to_radius(W, 0.0)
    with pytest.raises(ValueError, match="W has shape"):
        flow.scale_to_radius(np.ones((2, 3)), 1.0)
    with pytest.raises(ValueError, match="nilpotent"):
        flow.scale_to_radius(np.triu(np.ones((3, 3)), 1), 1.0)


def test_clear_errors():
    cell = lstm.LSTM()
    params, x, state0 = random_problem(cell, B=2, D=3, H=4, T=3, rng=9)
    with pytest.raises(ValueError, match="dh_T has shape"):
        flow.gradient_norms(cell, x, params, dh_T=np.ones((2, 5)))
    with pytest.raises(ValueError, match="dhs has shape"):
        flow.state_gradients(cell, x, params, dhs=np.ones((2, 2, 4)))
    with pytest.raises(ValueError, match="x has shape"):
        flow.step_jacobian(cell, x, state0, params)  # a sequence, not one step
    with pytest.raises(ValueError, match="c_prev has shape"):
        flow.step_jacobian(cell, x[0], (state0[0], np.ones((2, 3))), params)
