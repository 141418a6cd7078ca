"""The grader of assignment 4 (train and analyse): the reference solution passes, and wrong solutions,
planted one slip at a time into a copy of book/assignments/solutions/train.py, are rejected.

The runs here are tiny (T = 8, H = 4, 30 steps) so that the file takes seconds; the grader is the
same one the notebook calls with its own setup.
"""
import json
import pathlib

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from lstm.checks import grader

ROOT = pathlib.Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "book" / "assignments" / "solutions"
SETUP = grader.TrainingSetup(T=8, H=4, B=16, steps=30, n_test=200)
BIASES = (0.0, 1.0)
SEEDS = (0, 1)


def load(plants=()):
    """Execute a copy of solutions/train.py with each (old, new) text replaced once."""
    text = (SOLUTIONS / "train.py").read_text()
    for old, new in plants:
        assert text.count(old) == 1, f"the plant {old!r} must match exactly one place in train.py"
        text = text.replace(old, new)
    namespace = {}
    exec(compile(text, "train.py (planted)", "exec"), namespace)
    return namespace


def grade(ns):
    """Every check of the notebook, in its order, on the functions in ``ns``."""
    with threadpool_limits(1):
        baseline = ns["mean_baseline"](SETUP)
        results = {b: [ns["train_once"](SETUP, b, s) for s in SEEDS] for b in BIASES}
        norms = {b: [ns["input_gradient_norms"](SETUP, b, s) for s in SEEDS] for b in BIASES}
        reach = {b: [float(n[0] / n[-1]) for n in norms[b]] for b in BIASES}
        return {
            "baseline": grader.grade_baseline(baseline, SETUP),
            "train_once": grader.grade_runs(results, SETUP, BIASES, SEEDS),
            "input_gradient_norms": grader.grade_gradients(norms, SETUP, BIASES, SEEDS),
            "summarise": grader.grade_summary(ns["summarise"], {"test MSE": (results, baseline / 2),
                                                                "reach": (reach, 1e-2)}),
        }


def test_the_reference_solution_passes_every_check():
    checks = grade(load())
    assert all(c.passed for c in checks.values()), "\n".join(map(str, checks.values()))
    for c in checks.values():  # one verdict line each
        assert "\n" not in str(c) and str(c).startswith("✓ ")


# Each wrong solution: the slip, and the one check that must fail (all the others must pass).
PLANTS = {
    "the forget bias ignored (always the default, 1)": (
        [("cell = lstm.LSTM(forget_bias=forget_bias)", "cell = lstm.LSTM()")], "train_once"),
    "the seed ignored (always 0)": (
        [("rng = np.random.default_rng(seed)", "rng = np.random.default_rng(0)")], "train_once"),
    "a second generator for the batches": (
        [("steps=setup.steps, clip=setup.clip, rng=rng", "steps=setup.steps, clip=setup.clip, rng=seed + 1")],
        "train_once"),
    "no gradient clipping": (
        [("steps=setup.steps, clip=setup.clip, rng=rng", "steps=setup.steps, clip=None, rng=rng")], "train_once"),
    "the learning rate fixed at Adam's usual 1e-3": (
        [("lstm.Adam(params, lr=setup.lr)", "lstm.Adam(params, lr=1e-3)")], "train_once"),
    "the test MSE measured on a fresh batch": (
        [("return model.loss(params, test)",
          "return model.loss(params, tasks.adding_problem(setup.T, setup.n_test, rng=seed, markers=setup.markers))")],
        "train_once"),
    "the loss summed, not averaged, in the gradient": (
        [("dpred = 2 * (pred - y) / pred.size", "dpred = 2 * (pred - y)")], "input_gradient_norms"),
    "the read-out's weights left out of dL/dh_T": (
        [('dh_T = dpred @ params["W_y"]', "dh_T = np.repeat(dpred, setup.H, axis=1)")], "input_gradient_norms"),
    "the profile in reverse order": (
        [("return np.sqrt(np.sum(dx ** 2, axis=(1, 2)))", "return np.sqrt(np.sum(dx ** 2, axis=(1, 2)))[::-1]")],
        "input_gradient_norms"),
    "the baseline of answering 1, the expected target": (
        [("np.mean((y - np.mean(y)) ** 2)", "np.mean((y - 1.0) ** 2)")], "baseline"),
    "the median of an even count taken as the upper middle value": (
        [("middle = values[n // 2] if n % 2 == 1 else (values[n // 2 - 1] + values[n // 2]) / 2",
          "middle = values[n // 2]")], "summarise"),
    "values equal to the threshold counted as below it": (
        [('"below": int(np.sum(values < threshold))', '"below": int(np.sum(values <= threshold))')], "summarise"),
    "the values left unsorted": (
        [("values = np.sort(np.asarray(values, dtype=float))", "values = np.asarray(values, dtype=float)")],
        "summarise"),
}


@pytest.mark.parametrize("slip", sorted(PLANTS))
def test_each_planted_slip_fails_its_check(slip):
    plants, failing = PLANTS[slip]
    checks = grade(load(plants))
    assert not checks[failing].passed, f"{slip}: {checks[failing]}"
    assert str(checks[failing]).startswith("✗ ") and "\n" not in str(checks[failing])
    others = {k: c for k, c in checks.items() if k != failing}  # the others are still right
    assert all(c.passed for c in others.values()), "\n".join(map(str, others.values()))


def test_tables_of_the_wrong_form_are_refused_without_running_anything():
    good = {b: [0.1, 0.2] for b in BIASES}
    cases = [
        ({0.0: [0.1, 0.2]}, "biases"),  # a bias missing
        ({0.0: [0.1], 1.0: [0.1, 0.2]}, "one per seed"),  # a seed missing
        ({**good, 1.0: [0.1, float("nan")]}, "not a finite number"),
        ({**good, 1.0: [0.1, "0.2"]}, "str, not a number"),
        ([0.1, 0.2], "not a dict"),
    ]
    for table, message in cases:
        check = grader.grade_runs(table, SETUP, BIASES, SEEDS)
        assert not check.passed and message in check.detail, (table, str(check))
    profile = np.ones(SETUP.T)
    check = grader.grade_gradients({b: [profile, profile[:-1]] for b in BIASES}, SETUP, BIASES, SEEDS)
    assert not check.passed and f"expected ({SETUP.T},)" in check.detail


def test_a_summary_of_the_wrong_form_is_refused():
    ref = load()["summarise"]
    tables = {"t": ({0.0: [0.1, 0.3]}, 0.2)}
    check = grader.grade_summary(lambda v, t: {k: x for k, x in ref(v, t).items() if k != "below"}, tables)
    assert not check.passed and "keys" in check.detail
    check = grader.grade_summary(lambda v, t: {**ref(v, t), "below": float(ref(v, t)["below"])}, tables)
    assert not check.passed and "an int" in check.detail
    with pytest.raises(grader.GraderError, match="summarise"):
        grader.grade_summary(lambda values: {}, tables)


def test_the_notebook_plugs_in_this_solution_and_grades_with_these_functions():
    nb = json.loads((ROOT / "book" / "assignments" / "train.ipynb").read_text())
    code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    assert 'grader.use_reference_solution("train", globals())' in code
    for name in load()["__all__"]:
        assert f"def {name}(" in code, f"the notebook has no stub for {name}"
    for check in ("grade_baseline", "grade_runs", "grade_gradients", "grade_summary"):
        assert f"grader.{check}(" in code
