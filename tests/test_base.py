"""What the base class lstm.Cell (lstm.cells.base) derives from each cell's data, checked over every cell.

Each cell states its gates (``gates``) and its parameters (``param_spec``,
``init_constants``) as data; shapes, initialisation, validation, ``dims``,
``n_params``, ``repr`` and equality come from :class:`lstm.Cell`.
"""
import inspect

import numpy as np
import pytest

import lstm
from lstm.checks import grader, harness

DEFAULTS = [
    lstm.LSTM(), lstm.Peephole(), lstm.LayerNormTF(), lstm.LayerNormBa(), lstm.ScalarGate(), lstm.RNN(), lstm.GRU(),
    *lstm.all_variants(),
]
CHANGED = [  # every constructor argument away from its default somewhere
    lstm.LSTM(forget_bias=0.5),
    lstm.Peephole(forget_bias=2.0),
    lstm.LayerNormTF(forget_bias=0.0, eps=1e-6),
    lstm.LayerNormBa(forget_bias=3.0, eps=1e-3),
    lstm.ScalarGate(forget_bias=-1.0),
    lstm.RNN("relu"),
    lstm.GRU(reset_after=False),
    lstm.Variant("NFG", peepholes=False),
    lstm.Variant("CIFG", forget_bias=2.0),
]
CELLS = DEFAULTS + CHANGED
D, H = 3, 4


@pytest.mark.parametrize("cell", CELLS, ids=repr)
def test_repr_shows_every_constructor_argument_and_round_trips(cell):
    args = [p for p in inspect.signature(type(cell).__init__).parameters if p != "self"]
    text = repr(cell)
    assert all(f"{a}=" in text for a in args), text
    back = eval(text, {**vars(lstm), "Variant": lstm.Variant})
    assert back == cell and repr(back) == text and hash(back) == hash(cell)
    assert type(cell)(**cell.config()) == cell


def test_a_changed_argument_shows_and_changes_equality():
    assert repr(lstm.Peephole(forget_bias=2.0)) == "Peephole(forget_bias=2.0)"
    assert repr(lstm.ScalarGate(forget_bias=2.0)) == "ScalarGate(forget_bias=2.0)"
    assert repr(lstm.Variant("CIFG", 2.0)) == "Variant(name='CIFG', forget_bias=2.0, peepholes=None)"
    assert lstm.Peephole(forget_bias=2.0) != lstm.Peephole() and lstm.Variant("vanilla") == lstm.Variant("V")
    assert lstm.LSTM() != lstm.Peephole()  # same arguments, different cells


@pytest.mark.parametrize("cell", CELLS, ids=repr)
def test_integer_seed_is_accepted_and_equals_its_generator(cell):
    p = cell.init_params(D, H, rng=7)
    q = cell.init_params(D, H, rng=np.random.default_rng(7))
    assert p.keys() == q.keys() == cell.param_shapes(D, H).keys()
    assert all(np.array_equal(p[k], q[k]) for k in p)
    assert {k: v.shape for k, v in p.items()} == cell.param_shapes(D, H)
    assert cell.n_params(D, H) == sum(v.size for v in p.values())
    assert cell.dims(p) == {"D": D, "H": H}
    assert all(v.dtype == np.float32 for v in cell.init_params(D, H, rng=7, dtype=np.float32).values())


@pytest.mark.parametrize("cell", CELLS, ids=repr)
def test_integer_dtype_and_bad_rng_and_bad_sizes_are_refused(cell):
    with pytest.raises(TypeError, match="dtype is int64; expected float32 or float64"):
        cell.init_params(D, H, rng=0, dtype=int)
    with pytest.raises(TypeError, match="rng is True"):
        cell.init_params(D, H, rng=True)
    with pytest.raises(ValueError, match="H must be a positive integer; got True"):
        cell.param_shapes(D, True)
    with pytest.raises(ValueError, match="D must be a positive integer; got 0"):
        cell.init_params(0, H)


@pytest.mark.parametrize("cell", CELLS, ids=repr)
def test_unknown_and_missing_keys_are_named(cell):
    params, x, state = harness.random_problem(cell, T=2, B=2, D=D, H=H, rng=1)
    extra = {**params, "W_y": np.zeros((2, H))}
    with pytest.raises(ValueError, match=r"params has \['W_y'\], which the .* cell does not use"):
        cell.dims(extra)
    with pytest.raises(ValueError, match=r"params has \['W_y'\]"):
        cell.step_forward(x[0], state, extra)
    with pytest.raises(ValueError, match=r"params has \['W_y'\]"):
        lstm.sequence_forward(cell, x, extra, state)
    last = cell.param_names()[-1]
    with pytest.raises(ValueError, match=rf"params lacks \['{last}'\]"):
        cell.dims({k: v for k, v in params.items() if k != last})
    with pytest.raises(TypeError, match="params is a list"):
        cell.dims(list(params.values()))


@pytest.mark.parametrize("cell", CELLS, ids=repr)
def test_dtypes_and_shapes_are_checked(cell):
    params = cell.init_params(D, H, rng=2)
    odd = cell.param_names()[-1]
    with pytest.raises(TypeError, match=f"{odd} has dtype float32; expected float64"):
        cell.dims({**params, odd: params[odd].astype(np.float32)})
    with pytest.raises(TypeError, match=f"{odd} has dtype int64"):
        cell.dims({**params, odd: params[odd].astype(np.int64)})
    with pytest.raises(ValueError, match=f"{odd} has shape"):
        cell.dims({**params, odd: np.zeros(params[odd].shape + (1,))})
    with pytest.raises(ValueError, match="non-finite"):
        cell.dims({**params, odd: np.full(params[odd].shape, np.nan)})


@pytest.mark.parametrize("cell", DEFAULTS, ids=repr)
def test_every_cache_is_a_named_tuple(cell):
    params, x, state = harness.random_problem(cell, T=2, B=2, D=D, H=H, rng=3)
    _, cache = cell.step_forward(x[0], state, params)
    assert isinstance(cache, tuple) and hasattr(cache, "_fields"), type(cache)


def test_forget_bias_starts_the_forget_gate():
    """The one special case of the shared initialisation: a stacked bias's f block starts at forget_bias."""
    for cell in (lstm.LSTM(2.5), lstm.Peephole(2.5), lstm.LayerNormBa(2.5), lstm.Variant("NIG", 2.5)):
        p = cell.init_params(D, H, rng=0)
        k = cell.gates.index("f")
        assert np.all(p["b"][k * H : (k + 1) * H] == 2.5) and np.sum(p["b"] != 0) == H, cell
    assert lstm.ScalarGate(2.5).init_params(D, H, rng=0)["w_f"][-1] == 2.5
    assert lstm.LayerNormTF(2.5).init_params(D, H, rng=0).keys() == {"W_x", "W_h", "gamma", "beta"}


def test_gate_layout_is_stated_by_the_cell():
    """The grader splits stacked parameters into the gate blocks that the cell states."""
    assert lstm.LSTM().gate_rows("W_x") == "ifgo" and lstm.LSTM().gate_rows("x") == ""
    assert lstm.GRU().gate_rows("b_h") == "rzn" and lstm.RNN().gate_rows("W_x") == ""
    assert lstm.LayerNormBa().gate_rows("gamma_x") == "ifgo" and lstm.LayerNormBa().gate_rows("gamma_c") == ""
    assert lstm.LayerNormTF().gate_rows("gamma") == "" and lstm.ScalarGate().gate_rows("w_f") == ""
    assert lstm.Variant("CIFG").gate_rows("W_h") == "fgo"
    forward = lambda x, h, p: lstm.gru_step_forward(x, h, p)  # noqa: E731
    report = grader.grade_step(lstm.GRU(), forward, lstm.gru_step_backward)
    names = [b.name for b in report.blocks if b.name.startswith("W_h")]
    assert report.passed and names == ["W_h[r]", "W_h[z]", "W_h[n]"]


def test_the_base_is_abstract_and_the_fast_path_optional():
    with pytest.raises(TypeError, match="abstract"):
        lstm.Cell()
    assert [c.name for c in DEFAULTS if c.has_fast_path] == ["lstm"]
    with pytest.raises(NotImplementedError, match="no fast path"):
        lstm.GRU().fast_forward(None, None, None)


def test_a_cell_without_a_step_is_refused_when_defined():
    with pytest.raises(TypeError, match="step_functions"):

        class NoStep(lstm.Cell):  # neither step functions nor both step methods
            def symbolic_step(self, x, state, params):
                return state

    class OwnStep(lstm.Cell):  # writing both methods is the other way
        def step_forward(self, x, state, params):
            return state, None

        def step_backward(self, dstate, cache):
            return {}

        def symbolic_step(self, x, state, params):
            return state

    assert OwnStep().step_forward(0, ("h",), {}) == (("h",), None)
