"""The grader: the reference passes, each catalogued mistake planted in a copy of the reference
solution is named, an uncatalogued slip is located without a false diagnosis, bad functions are refused."""
import pathlib
import types

import numpy as np
import pytest

import lstm
from lstm.checks import grader

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
    "per_step_dh_dropped": [
        ("lstm.lstm_step_backward(dh + dhs[t], dc, caches[t])", "lstm.lstm_step_backward(dh, dc, caches[t])")
    ],
    "carried_dh_dropped": [
        (
            "lstm.lstm_step_backward(dh + dhs[t], dc, caches[t])",
            "lstm.lstm_step_backward(dhs[t] + (dh_T if t == len(caches) - 1 else 0), dc, caches[t])",
        )
    ],
    "carried_dc_dropped": [
        (
            "lstm.lstm_step_backward(dh + dhs[t], dc, caches[t])",
            "lstm.lstm_step_backward(dh + dhs[t], dc if t == len(caches) - 1 else 0 * dc, caches[t])",
        )
    ],
    "W_h_from_h_t": [
        (
            "lstm.lstm_step_backward(dh + dhs[t], dc, caches[t])",
            "lstm.lstm_step_backward(dh + dhs[t], dc, caches[t]._replace(h_prev=caches[t].o * caches[t].tanh_c))",
        )
    ],
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
    assert grader.grade_step(lstm.LSTM(), ns["lstm_step_forward"], ns["lstm_step_backward"]).passed
    assert grader.grade_step(lstm.LSTM(), lstm.lstm_step_forward, lstm.lstm_step_backward).passed
    ns = load("bptt")
    assert grader.grade_sequence(lstm.LSTM(), ns["forward"], ns["backward"]).passed
    assert grader.grade_sequence(lstm.LSTM(), lstm.lstm_forward, lstm.lstm_backward).passed
    ns = load("peephole")
    assert grader.grade_step(lstm.Peephole(), ns["peephole_step_forward"], ns["peephole_step_backward"]).passed


@pytest.mark.parametrize("key", sorted(CELL_PLANTS))
def test_each_planted_step_mistake_is_named(key):
    ns = load("cell", CELL_PLANTS[key])
    report = grader.grade_step(lstm.LSTM(), ns["lstm_step_forward"], ns["lstm_step_backward"])
    assert not report.passed
    assert report.diagnosis is not None and report.diagnosis.key == key, str(report)
    assert report.diagnosis.text in str(report)


@pytest.mark.parametrize("key", sorted(CELL_PLANTS) + sorted(BPTT_PLANTS))
def test_each_planted_mistake_is_named_through_time(key):
    if key in CELL_PLANTS:  # the student's own (wrong) step inside a correct loop
        cell = load("cell", CELL_PLANTS[key])
        ns = load(
            "bptt",
            lstm=types.SimpleNamespace(
                lstm_step_forward=cell["lstm_step_forward"], lstm_step_backward=cell["lstm_step_backward"]
            ),
        )
    else:
        ns = load("bptt", BPTT_PLANTS[key])
    report = grader.grade_sequence(lstm.LSTM(), ns["forward"], ns["backward"])
    assert not report.passed
    assert report.diagnosis is not None and report.diagnosis.key == key, str(report)


def test_a_slip_outside_the_catalogue_is_located_without_a_diagnosis():
    def backward(dh, dc, cache):
        grads = lstm.lstm_step_backward(dh, dc, cache)
        H = dh.shape[1]
        grads["W_h"][H : 2 * H] *= 1.01  # only the forget gate's rows of W_h, by 1 %
        return grads

    report = grader.grade_step(lstm.LSTM(), lstm.lstm_step_forward, backward)
    assert report.wrong == ["W_h[f]"] and report.diagnosis is None
    assert "No known mistake" in str(report)

    def backward_x(dh, dc, cache):
        grads = lstm.lstm_step_backward(dh, dc, cache)
        grads["x"] = grads["x"] + 1e-3 * np.random.default_rng(0).standard_normal(grads["x"].shape)
        return grads

    report = grader.grade_step(lstm.LSTM(), lstm.lstm_step_forward, backward_x)
    assert report.wrong == ["x"] and report.diagnosis is None


def test_a_wrong_forward_is_reported_and_not_diagnosed_as_a_backward_mistake():
    def forward(x, h_prev, c_prev, params):
        h, c, cache = lstm.lstm_step_forward(x, h_prev, c_prev, params)
        return h * 1.001, c, cache

    report = grader.grade_step(lstm.LSTM(), forward, lstm.lstm_step_backward)
    assert "h" in report.wrong and report.diagnosis is None


def test_any_cell_is_graded_block_by_block():
    cell = lstm.RNN()
    assert grader.grade_step(cell, lambda x, h, p: lstm.rnn_step_forward(x, h, p), lstm.rnn_step_backward).passed

    def backward(dh, cache):
        grads = lstm.rnn_step_backward(dh, cache)
        grads["b"] = 2 * grads["b"]
        return grads

    report = grader.grade_step(cell, lambda x, h, p: lstm.rnn_step_forward(x, h, p), backward)
    assert report.wrong == ["b"] and report.diagnosis is None


def test_functions_that_cannot_be_graded_are_refused():
    with pytest.raises(grader.GraderError, match=r"backward\(dh, cache\) takes 2 positional"):
        grader.grade_step(lstm.LSTM(), lstm.lstm_step_forward, lambda dh, cache: {})
    with pytest.raises(grader.GraderError, match="expected a tuple"):
        grader.grade_step(
            lstm.LSTM(), lambda x, h, c, p: lstm.lstm_step_forward(x, h, c, p)[:2], lstm.lstm_step_backward
        )
    with pytest.raises(grader.GraderError, match=r"\['W_x'\] has shape \(4, 20\); expected \(20, 4\)"):
        grader.grade_step(
            lstm.LSTM(),
            lstm.lstm_step_forward,
            lambda dh, dc, cache: {
                **lstm.lstm_step_backward(dh, dc, cache),
                "W_x": lstm.lstm_step_backward(dh, dc, cache)["W_x"].T,
            },
        )
    with pytest.raises(grader.GraderError, match=r"no gradient for \['b'\]"):
        grader.grade_step(
            lstm.LSTM(),
            lstm.lstm_step_forward,
            lambda dh, dc, cache: {k: v for k, v in lstm.lstm_step_backward(dh, dc, cache).items() if k != "b"},
        )
    with pytest.raises(grader.GraderError, match="not a function"):
        grader.grade_sequence(lstm.LSTM(), None, lstm.lstm_backward)


def test_reference_solutions_plug_in_only_when_named(monkeypatch):
    ns = {"lstm_step_forward": "student's"}
    monkeypatch.delenv(grader.SOLUTIONS_ENV, raising=False)
    assert grader.use_reference_solution("cell", ns) is False and ns["lstm_step_forward"] == "student's"
    monkeypatch.setenv(grader.SOLUTIONS_ENV, str(SOLUTIONS))
    assert grader.use_reference_solution("cell", ns) is True and callable(ns["lstm_step_forward"])
    with pytest.raises(FileNotFoundError, match="no reference solution nope.py"):
        grader.use_reference_solution("nope", ns)


# --------------------------------------------------------------------------- more slips outside the catalogue


def _planted(name, plants):
    ns = load(name, plants)
    return ns["lstm_step_forward"], ns["lstm_step_backward"]


UNCATALOGUED = {  # slips no catalogued mistake describes, each with the blocks it must be reported in
    "a wrong sign on the forget gate": ([("da_f = d_f * f * (1 - f)", "da_f = -d_f * f * (1 - f)")], 5, None),
    "dW_x doubled": ([('"W_x": da.T @ x', '"W_x": 2 * da.T @ x')], 5, ["W_x[i]", "W_x[f]", "W_x[g]", "W_x[o]"]),
    "σ′ missing on the forget gate only": ([("da_f = d_f * f * (1 - f)", "da_f = d_f")], 5, None),
    "two catalogued mistakes at once": (
        [('"c_prev": delta * f', '"c_prev": delta'), ('"b": da.sum(axis=0)', '"b": da.mean(axis=0)')],
        5,
        None,
    ),
    "dh_prev through W_x (H = D)": ([('"h_prev": da @ W_h', '"h_prev": da @ W_x')], 4, ["h_prev"]),
    "dx through W_h (H = D)": ([('"x": da @ W_x', '"x": da @ W_h')], 4, ["x"]),
    "each gate's block of W_h transposed in dh_prev (H = D)": (
        [
            (
                '"h_prev": da @ W_h',
                '"h_prev": sum(da[:, k * 4:(k + 1) * 4] @ W_h[k * 4:(k + 1) * 4].T for k in range(4))',
            )
        ],
        4,
        ["h_prev"],
    ),
    "tanh′(c) written 1 − c²": (
        [("delta = dc + dh * o * (1 - tanh_c ** 2)", "delta = dc + dh * o * (1 - c ** 2)")],
        5,
        None,
    ),
}


@pytest.mark.parametrize("slip", sorted(UNCATALOGUED))
def test_uncatalogued_slips_get_no_diagnosis(slip):
    plants, H, wrong = UNCATALOGUED[slip]
    forward, backward = _planted("cell", plants)
    report = grader.grade_step(lstm.LSTM(), forward, backward, D=4, H=H)
    assert not report.passed and report.diagnosis is None and report.checked == len(grader.STEP_MISTAKES), str(report)
    if wrong is not None:
        assert report.wrong == wrong
    assert "no diagnosis" in str(report) and ", ".join(report.wrong) in str(report)
    ns = load("bptt", lstm=types.SimpleNamespace(lstm_step_forward=forward, lstm_step_backward=backward))
    report = grader.grade_sequence(lstm.LSTM(), ns["forward"], ns["backward"], D=4, H=H)
    assert not report.passed and report.diagnosis is None, str(report)


def test_a_nearly_right_result_matches_no_mistake():
    def backward(dh, dc, cache):
        grads = lstm.lstm_step_backward(dh, dc, cache)
        grads["W_x"] = grads["W_x"] * (1 + 1e-7)  # wrong (above PASS_TOL), yet within MATCH_TOL of the reference
        return grads

    report = grader.grade_step(lstm.LSTM(), lstm.lstm_step_forward, backward)
    assert not report.passed and report.diagnosis is None


@pytest.mark.parametrize("cell", [lstm.LSTM(), lstm.GRU(), lstm.GRU(reset_after=False)], ids=repr)
def test_the_catalogued_mistakes_are_told_apart(cell):
    """On a problem like the grader's, every two catalogued results differ: a name is never a tie."""
    params, x, state = lstm.checks.harness.random_problem(cell, rng=3)
    dstate = tuple(np.random.default_rng(4).standard_normal(s.shape) for s in state)
    _, cache = cell.step_forward(x, state, params)
    ref = cell.step_backward(dstate, cache)
    if cell.name == "lstm":
        results = {m.key: grader.lstm_step_backward(*dstate, cache, m.key) for m in grader.STEP_MISTAKES}
    else:
        results = {
            m.key: grader.gru_step_backward(*dstate, cache, m.key, b_h=params["b_h"]) for m in grader.GRU_MISTAKES
        }
        if not cell.reset_after:  # b_hn sits outside r in Cho's form: that "mistake" changes nothing
            assert grader._distance(results.pop("gru_b_hn_unscaled"), ref) < 1e-15
    assert (
        grader._distance(
            grader.lstm_step_backward(*dstate, cache)
            if cell.name == "lstm"
            else grader.gru_step_backward(*dstate, cache, b_h=params["b_h"]),
            ref,
        )
        < 1e-12
    )
    keys = sorted(results)
    for a in keys:
        assert grader._distance(results[a], ref) > 1e-2, a
        for b in keys[keys.index(a) + 1 :]:
            assert grader._distance(results[a], results[b]) > 1e-2, (a, b)


def test_reports_say_why_there_is_no_diagnosis():
    def forward(x, h_prev, c_prev, params):
        h, c, cache = lstm.lstm_step_forward(x, h_prev, c_prev, params)
        return h, c * 1.01, cache

    text = str(grader.grade_step(lstm.LSTM(), forward, lstm.lstm_step_backward))
    assert "The forward pass is wrong (c): fix it first" in text

    def backward(dh, cache):
        grads = lstm.rnn_step_backward(dh, cache)
        grads["W_h"] = -grads["W_h"]
        return grads

    text = str(grader.grade_step(lstm.RNN(), lambda x, h, p: lstm.rnn_step_forward(x, h, p), backward))
    assert "The rnn cell has no catalogue of mistakes" in text and "(W_h)" in text


# --------------------------------------------------------------------------- the GRU's catalogue

# Each GRU mistake as the slip a student would write in solutions/gru.py (PyTorch's form).
GRU_PLANTS = {
    "gru_z_swapped": [
        ("dn = dh * (1 - z)", "dn = dh * z"),
        ("dz = dh * (h_prev - n)", "dz = dh * (n - h_prev)"),
        ("dh_direct = dh * z", "dh_direct = dh * (1 - z)"),
    ],
    "gru_reset_other_form": [  # Cho's rule: r scales h_prev before W_hn, b_hn outside the gate
        ("dr = da_n * u_n", "dr = (da_n @ W_h[2 * H:]) * h_prev"),
        ("du_n = da_n * r", "du_n = da_n"),
        (
            '"h_prev": dh_direct + du @ W_h',
            '"h_prev": dh_direct + du[:, :2 * H] @ W_h[:2 * H] + (da_n @ W_h[2 * H:]) * r',
        ),
        ('"W_h": du.T @ h_prev', '"W_h": np.concatenate([du[:, :2 * H].T @ h_prev, da_n.T @ (r * h_prev)])'),
    ],
    "gru_direct_path_dropped": [('"h_prev": dh_direct + du @ W_h', '"h_prev": du @ W_h')],
    "gru_b_hn_unscaled": [('"b_h": du.sum(axis=0)', '"b_h": da.sum(axis=0)')],
    "gru_candidate_sigma_prime": [("da_n = dn * (1 - n ** 2)", "da_n = dn * n * (1 - n)")],
}


def gru_sequence(ns):
    """A BPTT loop around a one-step GRU solution: the signatures grade_sequence expects."""

    def forward(x, params, h0):
        h, hs, caches = h0, [], []
        for x_t in x:
            h, cache = ns["gru_forward"](x_t, h, params)
            hs.append(h)
            caches.append(cache)
        return np.stack(hs), (h,), caches

    def backward(dhs, caches, dh_T):
        dh, grads, dxs = dh_T, {}, []
        for t in reversed(range(len(caches))):
            step = ns["gru_backward"](dh + dhs[t], caches[t])
            dh = step.pop("h_prev")
            dxs.append(step.pop("x"))
            grads = {k: v + grads.get(k, 0) for k, v in step.items()}
        return {"x": np.stack(dxs[::-1]), "h0": dh, **grads}

    return forward, backward


def test_the_gru_catalogue_is_planted_in_full():
    assert set(GRU_PLANTS) == {m.key for m in grader.GRU_MISTAKES}
    assert all(grader.MISTAKES[m.key] is m for m in grader.GRU_MISTAKES)


def test_the_gru_reference_solution_passes():
    ns = load("gru")
    report = grader.grade_step(lstm.GRU(), ns["gru_forward"], ns["gru_backward"])
    assert report.passed, str(report)
    assert grader.grade_sequence(lstm.GRU(), *gru_sequence(ns)).passed


@pytest.mark.parametrize("key", sorted(GRU_PLANTS))
def test_each_planted_gru_mistake_is_named(key):
    ns = load("gru", GRU_PLANTS[key])
    report = grader.grade_step(lstm.GRU(), ns["gru_forward"], ns["gru_backward"])
    assert not report.passed and report.diagnosis is not None and report.diagnosis.key == key, str(report)
    report = grader.grade_sequence(lstm.GRU(), *gru_sequence(ns))
    assert not report.passed and report.diagnosis is not None and report.diagnosis.key == key, str(report)


def test_gru_mistakes_in_chos_form():
    """Cho's form (reset_after=False): the package's step with one slip each; b_hn's scaling is not offered."""
    cell = lstm.GRU(reset_after=False)

    def forward(x, h, p):
        h, cache = lstm.gru_step_forward(x, h, p, reset_after=False)
        return h, (cache, p["b_h"])

    def pytorch_rule(dh, cc):  # the rule of the other form, where r scales W_hn h + b_hn
        cache, b_h = cc
        H = cache.n.shape[1]
        u_n = cache.h_prev @ cache.W_h[2 * H :].T + b_h[2 * H :]
        return lstm.gru_step_backward(dh, cache._replace(reset_after=True, v=u_n, s=None))

    def no_direct_path(dh, cc):
        grads = lstm.gru_step_backward(dh, cc[0])
        grads["h_prev"] = grads["h_prev"] - dh * cc[0].z
        return grads

    report = grader.grade_step(cell, forward, lambda dh, cc: lstm.gru_step_backward(dh, cc[0]))
    assert report.passed
    for backward, key in ((pytorch_rule, "gru_reset_other_form"), (no_direct_path, "gru_direct_path_dropped")):
        report = grader.grade_step(cell, forward, backward)
        assert report.diagnosis is not None and report.diagnosis.key == key, str(report)
        assert report.checked == len(grader.GRU_MISTAKES) - 1


def test_a_gru_slip_outside_the_catalogue_gets_no_diagnosis():
    ns = load("gru", [("da_z = dz * z * (1 - z)", "da_z = -dz * z * (1 - z)")])  # a wrong sign on z
    report = grader.grade_step(lstm.GRU(), ns["gru_forward"], ns["gru_backward"])
    assert not report.passed and report.diagnosis is None and report.checked == len(grader.GRU_MISTAKES)
    assert "W_x[z]" in report.wrong and "W_x[r]" not in report.wrong
