"""The grader: the reference passes, each catalogued mistake planted in a copy of the reference
solution is named, an uncatalogued slip is located without a false diagnosis, bad functions are refused."""
import pathlib
import types

import numpy as np
import pytest

import lstm
from lstm import grader

SOLUTIONS = pathlib.Path(__file__).resolve().parents[1] / "book" / "assignments" / "solutions"

# Each catalogued mistake as the one-line slip a student would write in the reference solution.
CELL_PLANTS = {
    "forget_uses_f": [("d_f = delta * c_prev", "d_f = delta * f")],
    "input_uses_i": [("d_i = delta * g", "d_i = delta * i")],
    "candidate_uses_g": [("d_g = delta * i", "d_g = delta * g")],
    "dc_dropped": [("delta = dc + dh * o * (1 - tanh_c ** 2)", "delta = dh * o * (1 - tanh_c ** 2)")],
    "tanh_prime_missing": [("delta = dc + dh * o * (1 - tanh_c ** 2)", "delta = dc + dh * o")],
    "output_uses_c": [("d_o = dh * tanh_c", "d_o = dh * c")],
    "output_from_delta": [("d_o = dh * tanh_c", "d_o = delta * tanh_c")],
    "candidate_sigma_prime": [("da_g = d_g * (1 - g ** 2)", "da_g = d_g * g * (1 - g)")],
    "gate_sigma_prime_missing": [("da_i = d_i * i * (1 - i)", "da_i = d_i"), ("da_f = d_f * f * (1 - f)", "da_f = d_f"),
                                 ("da_o = d_o * o * (1 - o)", "da_o = d_o")],
    "c_prev_missing_f": [('"c_prev": delta * f', '"c_prev": delta')],
    "bias_mean": [('"b": da.sum(axis=0)', '"b": da.mean(axis=0)')],
    "W_h_from_c_prev": [('"W_h": da.T @ h_prev', '"W_h": da.T @ c_prev')],
    "h_prev_input_gate_only": [('"h_prev": da @ W_h', '"h_prev": da_i @ W_h[: i.shape[1]]')],
}
BPTT_PLANTS = {
    "per_step_dh_dropped": [("lstm.cell_backward(dh + dhs[t], dc, caches[t])", "lstm.cell_backward(dh, dc, caches[t])")],
    "carried_dh_dropped": [("lstm.cell_backward(dh + dhs[t], dc, caches[t])",
                            "lstm.cell_backward(dhs[t] + (dh_T if t == len(caches) - 1 else 0), dc, caches[t])")],
    "carried_dc_dropped": [("lstm.cell_backward(dh + dhs[t], dc, caches[t])",
                            "lstm.cell_backward(dh + dhs[t], dc if t == len(caches) - 1 else 0 * dc, caches[t])")],
    "W_h_from_h_t": [("lstm.cell_backward(dh + dhs[t], dc, caches[t])",
                      "lstm.cell_backward(dh + dhs[t], dc, caches[t]._replace(h_prev=caches[t].o * caches[t].tanh_c))")],
    "dh_T_ignored": [("dh, dc = dh_T, dc_T", "dh, dc = 0 * dh_T, dc_T")],
    "dc_T_ignored": [("dh, dc = dh_T, dc_T", "dh, dc = dh_T, 0 * dc_T")],
    "params_last_step": [("grads[k] = grads[k] + step[k]", "grads[k] = step[k]")],
}


def load(name, plants=(), **injected):
    """Execute a copy of solutions/<name>.py with each (old, new) line replaced once."""
    text = (SOLUTIONS / f"{name}.py").read_text()
    for old, new in plants:
        assert text.count(old) == 1, f"the plant {old!r} must match exactly one place in {name}.py"
        text = text.replace(old, new)
    namespace = dict(injected)
    exec(compile(text, f"{name}.py (planted)", "exec"), namespace)
    namespace.update(injected)  # an injected `lstm` wins over the file's own import
    return namespace


def test_the_catalogue_has_at_least_ten_distinct_mistakes():
    assert len(grader.MISTAKES) >= 10
    assert set(CELL_PLANTS) == {m.key for m in grader.STEP_MISTAKES}
    assert set(BPTT_PLANTS) == {m.key for m in grader.SEQUENCE_MISTAKES}


def test_reference_solutions_and_the_package_pass():
    ns = load("cell")
    assert grader.grade_step(lstm.LSTM(), ns["cell_forward"], ns["cell_backward"]).passed
    assert grader.grade_step(lstm.LSTM(), lstm.cell_forward, lstm.cell_backward).passed
    ns = load("bptt")
    assert grader.grade_sequence(lstm.LSTM(), ns["forward"], ns["backward"]).passed
    assert grader.grade_sequence(lstm.LSTM(), lstm.forward, lstm.backward).passed
    ns = load("peephole")
    assert grader.grade_step(lstm.Peephole(), ns["peephole_forward"], ns["peephole_backward"]).passed


@pytest.mark.parametrize("key", sorted(CELL_PLANTS))
def test_each_planted_step_mistake_is_named(key):
    ns = load("cell", CELL_PLANTS[key])
    report = grader.grade_step(lstm.LSTM(), ns["cell_forward"], ns["cell_backward"])
    assert not report.passed
    assert report.diagnosis is not None and report.diagnosis.key == key, str(report)
    assert report.diagnosis.text in str(report)


@pytest.mark.parametrize("key", sorted(CELL_PLANTS) + sorted(BPTT_PLANTS))
def test_each_planted_mistake_is_named_through_time(key):
    if key in CELL_PLANTS:  # the student's own (wrong) step inside a correct loop
        cell = load("cell", CELL_PLANTS[key])
        ns = load("bptt", lstm=types.SimpleNamespace(cell_forward=cell["cell_forward"], cell_backward=cell["cell_backward"]))
    else:
        ns = load("bptt", BPTT_PLANTS[key])
    report = grader.grade_sequence(lstm.LSTM(), ns["forward"], ns["backward"])
    assert not report.passed
    assert report.diagnosis is not None and report.diagnosis.key == key, str(report)


def test_a_slip_outside_the_catalogue_is_located_without_a_diagnosis():
    def backward(dh, dc, cache):
        grads = lstm.cell_backward(dh, dc, cache)
        H = dh.shape[1]
        grads["W_h"][H : 2 * H] *= 1.01  # only the forget gate's rows of W_h, by 1 %
        return grads

    report = grader.grade_step(lstm.LSTM(), lstm.cell_forward, backward)
    assert report.wrong == ["W_h[f]"] and report.diagnosis is None
    assert "No known mistake" in str(report)

    def backward_x(dh, dc, cache):
        grads = lstm.cell_backward(dh, dc, cache)
        grads["x"] = grads["x"] + 1e-3 * np.random.default_rng(0).standard_normal(grads["x"].shape)
        return grads

    report = grader.grade_step(lstm.LSTM(), lstm.cell_forward, backward_x)
    assert report.wrong == ["x"] and report.diagnosis is None


def test_a_wrong_forward_is_reported_and_not_diagnosed_as_a_backward_mistake():
    def forward(x, h_prev, c_prev, params):
        h, c, cache = lstm.cell_forward(x, h_prev, c_prev, params)
        return h * 1.001, c, cache

    report = grader.grade_step(lstm.LSTM(), forward, lstm.cell_backward)
    assert "h" in report.wrong and report.diagnosis is None


def test_any_cell_is_graded_block_by_block():
    cell = lstm.RNN()
    assert grader.grade_step(cell, lambda x, h, p: lstm.rnn_cell_forward(x, h, p), lstm.rnn_cell_backward).passed

    def backward(dh, cache):
        grads = lstm.rnn_cell_backward(dh, cache)
        grads["b"] = 2 * grads["b"]
        return grads

    report = grader.grade_step(cell, lambda x, h, p: lstm.rnn_cell_forward(x, h, p), backward)
    assert report.wrong == ["b"] and report.diagnosis is None


def test_functions_that_cannot_be_graded_are_refused():
    with pytest.raises(grader.GraderError, match=r"backward\(dh, cache\) takes 2 positional"):
        grader.grade_step(lstm.LSTM(), lstm.cell_forward, lambda dh, cache: {})
    with pytest.raises(grader.GraderError, match="expected a tuple"):
        grader.grade_step(lstm.LSTM(), lambda x, h, c, p: lstm.cell_forward(x, h, c, p)[:2], lstm.cell_backward)
    with pytest.raises(grader.GraderError, match=r"\['W_x'\] has shape \(4, 20\); expected \(20, 4\)"):
        grader.grade_step(lstm.LSTM(), lstm.cell_forward,
                          lambda dh, dc, cache: {**lstm.cell_backward(dh, dc, cache), "W_x": lstm.cell_backward(dh, dc, cache)["W_x"].T})
    with pytest.raises(grader.GraderError, match=r"no gradient for \['b'\]"):
        grader.grade_step(lstm.LSTM(), lstm.cell_forward,
                          lambda dh, dc, cache: {k: v for k, v in lstm.cell_backward(dh, dc, cache).items() if k != "b"})
    with pytest.raises(grader.GraderError, match="not a function"):
        grader.grade_sequence(lstm.LSTM(), None, lstm.backward)


def test_reference_solutions_plug_in_only_when_named(monkeypatch):
    ns = {"cell_forward": "student's"}
    monkeypatch.delenv(grader.SOLUTIONS_ENV, raising=False)
    assert grader.use_reference_solution("cell", ns) is False and ns["cell_forward"] == "student's"
    monkeypatch.setenv(grader.SOLUTIONS_ENV, str(SOLUTIONS))
    assert grader.use_reference_solution("cell", ns) is True and callable(ns["cell_forward"])
    with pytest.raises(FileNotFoundError, match="no reference solution nope.py"):
        grader.use_reference_solution("nope", ns)
