"""Edges of the API, without PyTorch: empty sequences refused everywhere a sequence enters, and
error messages that name the argument and the module actually concerned."""
import numpy as np
import pytest

import lstm
from lstm.cells import stacks
from lstm.cells.checkpoint import checkpoint_forward
from lstm.cells.lstm_fast import reference_backward, reference_forward
from lstm.checks import flow
from lstm.lm import charlm

B, D, H = 2, 3, 4
EMPTY = r"x has shape \(0, 2, 3\): T = 0 time steps; a sequence needs T ≥ 1"
CELLS = [lstm.LSTM(), lstm.GRU(), lstm.GRU(reset_after=False), lstm.RNN(), lstm.RNN("relu"), lstm.Peephole()]
ids = repr


def empty(dtype=np.float64):
    return np.zeros((0, B, D), dtype)


def test_the_lstm_paths_refuse_an_empty_sequence():
    params = lstm.LSTM().init_params(D, H, rng=0)
    for run in (lstm.lstm_forward, reference_forward, checkpoint_forward):
        with pytest.raises(ValueError, match=EMPTY):
            run(empty(), params)
    with pytest.raises(ValueError, match=EMPTY):
        checkpoint_forward(empty(), params, every=1)
    with pytest.raises(ValueError, match="caches is empty"):
        reference_backward(None, [])
    # The dtype and shape checks still come first, with their own messages.
    with pytest.raises(TypeError, match="dtype float32"):
        lstm.lstm_forward(empty(np.float32), params)
    with pytest.raises(ValueError, match=r"x has shape \(0, 2, 5\); expected \(T, B, D\)"):
        lstm.lstm_forward(np.zeros((0, B, 5)), params)


@pytest.mark.parametrize("cell", CELLS, ids=ids)
@pytest.mark.parametrize("fast", [True, False])
def test_sequence_forward_refuses_an_empty_sequence(cell, fast):
    """Before, T = 0 ran: the GRU and the RNN then returned gradients of x and h0 only, no parameters."""
    params = cell.init_params(D, H, rng=0)
    with pytest.raises(ValueError, match=EMPTY):
        lstm.sequence_forward(cell, empty(), params, fast=fast)
    with pytest.raises(ValueError, match=EMPTY):
        flow.state_gradients(cell, empty(), params)
    with pytest.raises(ValueError, match=EMPTY):
        flow.gradient_norms(cell, empty(), params, dh_T=np.ones((B, H)))


@pytest.mark.parametrize("cell", CELLS, ids=ids)
@pytest.mark.parametrize("L, bidirectional", [(1, False), (2, True)])
def test_stack_forward_refuses_an_empty_sequence(cell, L, bidirectional):
    """Before, T = 0 ran, and stack_backward of a GRU or RNN stack raised KeyError: 'W_x_l0'."""
    params = stacks.init_stack(cell, D, H, L, bidirectional, rng=0)
    with pytest.raises(ValueError, match=EMPTY):
        stacks.stack_forward(cell, empty(), params)
    with pytest.raises(ValueError, match=EMPTY):
        stacks.stack_forward(cell, empty(), params, fast=False)


def test_models_and_the_language_model_refuse_an_empty_sequence():
    model = lstm.LastStepMSE(lstm.GRU())
    params = lstm.init_model(lstm.GRU(), D, H, 1, rng=0)
    with pytest.raises(ValueError, match=EMPTY):
        model(params, (empty(), np.zeros((B, 1))))
    K = 5
    params = charlm.init_lm_params(K, H, rng=0)
    with pytest.raises(ValueError, match=r"inputs has T = 0 steps"):
        charlm.loss_and_grads(params, np.zeros((0, B), int), np.zeros((0, B), int))


def test_one_step_still_runs_everywhere():
    """T = 1, the smallest sequence, is accepted and equals one step of the cell."""
    x = np.random.default_rng(0).standard_normal((1, B, D))
    for cell in CELLS:
        params = cell.init_params(D, H, rng=0)
        hs, state_T, run = lstm.sequence_forward(cell, x, params)
        (step, _) = cell.step_forward(x[0], cell.zero_state(B, H), params)
        np.testing.assert_allclose(hs[0], step[0], rtol=1e-13, atol=1e-15)
        grads = lstm.sequence_backward(np.ones_like(hs), run)
        assert set(grads) == {"x", *(f"{s}0" for s in cell.state_names), *params}
        sp = stacks.init_stack(cell, D, H, 2, True, rng=0)
        _, _, cache = stacks.stack_forward(cell, x, sp)
        assert set(stacks.stack_backward(None, cache)) == {"x", *(f"{s}0" for s in cell.state_names), *sp}


@pytest.mark.parametrize("cell", CELLS, ids=ids)
def test_a_bad_final_state_gradient_is_named_as_a_gradient(cell):
    """sequence_backward's dstate_T is ∂J/∂s_T: its parts are dh_T (dc_T), not h_T."""
    params = cell.init_params(D, H, rng=0)
    x = np.random.default_rng(0).standard_normal((3, B, D))
    _, state_T, run = lstm.sequence_forward(cell, x, params)
    n = len(cell.state_names)
    with pytest.raises(ValueError, match=r"^dh_T has shape \(3, 4\); expected \(B, H\) = \(2, 4\)$"):
        lstm.sequence_backward(None, run, (np.zeros((3, H)),) + (None,) * (n - 1))
    with pytest.raises(ValueError, match=rf"^dstate_T has {n + 1} parts; the {cell.name} cell's state is"):
        lstm.sequence_backward(None, run, (None,) * (n + 1))
    with pytest.raises(ValueError, match=r"^dh_T has shape \(3, 4\)"):
        flow.state_gradients(cell, x, params, dstate_T=(np.zeros((3, H)),) + (None,) * (n - 1))
    if n == 2:
        with pytest.raises(ValueError, match=r"^dc_T has shape \(3, 4\)"):
            lstm.sequence_backward(None, run, (None, np.zeros((3, H))))
        with pytest.raises(TypeError, match=r"^dstate_T must be a tuple of 2 arrays"):
            lstm.sequence_backward(None, run, np.zeros((B, H)))
    # The initial state keeps its own names.
    with pytest.raises(ValueError, match=r"^h0 has shape \(3, 4\)"):
        lstm.sequence_forward(cell, x, params, (np.zeros((3, H)),) + (None,) * (n - 1))
    with pytest.raises(ValueError, match=rf"^state0 has {n + 1} parts"):
        lstm.sequence_forward(cell, x, params, (None,) * (n + 1))


MODULES = [
    (lstm.LSTM(), "as torch.nn.LSTM's"),
    (lstm.GRU(), "as torch.nn.GRU's"),
    (lstm.RNN("relu"), "as torch.nn.RNN's"),
    (lstm.GRU(reset_after=False), "in PyTorch's layout"),
    (lstm.Peephole(), "in PyTorch's layout"),
]


@pytest.mark.parametrize("cell, layout", MODULES, ids=[repr(c) for c, _ in MODULES])
def test_stack_state_errors_name_the_cells_module_and_the_gradient(cell, layout):
    params = stacks.init_stack(cell, D, H, 2, True, rng=0)
    x = np.random.default_rng(0).standard_normal((3, B, D))
    n = len(cell.state_names)
    expected = r"\(num_layers·directions, B, H\) = \(4, 2, 4\) for 2 layer\(s\) × 2 direction\(s\), "
    with pytest.raises(ValueError, match=rf"^h0 has shape \(3, 2, 4\); expected {expected}{layout}$"):
        stacks.stack_forward(cell, x, params, (np.zeros((3, B, H)),) + (None,) * (n - 1))
    _, _, cache = stacks.stack_forward(cell, x, params)
    with pytest.raises(ValueError, match=rf"^dh_T has shape \(3, 2, 4\); expected {expected}{layout}$"):
        stacks.stack_backward(None, cache, (np.zeros((3, B, H)),) + (None,) * (n - 1))
    with pytest.raises(ValueError, match=rf"^dstate_T has {n + 1} parts"):
        stacks.stack_backward(None, cache, (None,) * (n + 1))
    if n == 2:
        with pytest.raises(ValueError, match=r"^dc_T has shape \(4, 2, 3\)"):
            stacks.stack_backward(None, cache, (None, np.zeros((4, B, 3))))
        with pytest.raises(TypeError, match=r"^dstate_T must be a tuple of 2 arrays"):
            stacks.stack_backward(None, cache, np.zeros((4, B, H)))


def test_initialisers_take_an_integer_seed():
    """rng may be None, a seed or a Generator, as everywhere else in the package.

    A seed used to raise AttributeError.
    """
    np.testing.assert_array_equal(
        lstm.init_lstm_params(D, H, rng=3)["W_x"], lstm.init_lstm_params(D, H, rng=np.random.default_rng(3))["W_x"]
    )
    np.testing.assert_array_equal(
        lstm.init_layer_norm_tf_params(D, H, rng=3)["W_h"],
        lstm.init_layer_norm_tf_params(D, H, rng=np.random.default_rng(3))["W_h"],
    )
    np.testing.assert_array_equal(
        charlm.init_lm_params(5, H, rng=3)["W_y"], charlm.init_lm_params(5, H, rng=np.random.default_rng(3))["W_y"]
    )
    assert not np.array_equal(lstm.init_lstm_params(D, H, rng=3)["W_x"], lstm.init_lstm_params(D, H, rng=4)["W_x"])
