"""The experiment runners: reproducible from the seed, recorded as JSON."""
import json
from pathlib import Path

import numpy as np
import pytest

import lstm
from lstm.training.experiments import (
    Rule1997,
    adding_run,
    adding_test_set,
    history_record,
    load_records,
    reber_data,
    reber_errors,
    reber_run,
)
from lstm.training.loop import Stop

ROOT = Path(__file__).resolve().parents[1]
DATA = lstm.data_path()


def test_adding_run_repeats_from_its_seed():
    a, pa = adding_run(lstm.LSTM(), 10, 3, steps=20, eval_every=10, n_test=50, progress=False)
    b, pb = adding_run(lstm.LSTM(), 10, 3, steps=20, eval_every=10, n_test=50, progress=False)
    assert a.eval_loss == b.eval_loss and a.eval_step == [0, 10, 20]
    for k in pa:
        np.testing.assert_array_equal(pa[k], pb[k])
    c, _ = adding_run(lstm.RNN(), 10, 4, steps=20, eval_every=10, n_test=50, progress=False)
    assert c.eval_loss != a.eval_loss and c.cpu_seconds > 0


def test_the_test_set_is_fixed_and_shared():
    x1, y1 = adding_test_set(20, 30)
    x2, y2 = adding_test_set(20, 30)
    np.testing.assert_array_equal(x1, x2)
    assert not np.array_equal(adding_test_set(21, 30)[1], y1)


def test_reber_run_and_record():
    train, test = reber_data()
    assert len(train) == len(test) == 256 and train != test
    h, params = reber_run(lstm.LSTM(), 0, steps=30, eval_every=10, progress=False)
    assert h.eval_step == [0, 10, 20, 30] and 0 <= h.final_eval <= 1
    encoded = lstm.training.tasks.reber_batch(train + test)
    errors = reber_errors(lstm.StepwiseCrossEntropy(), params, encoded)
    assert errors.shape == (512,) and errors.mean() == h.final_eval
    record = json.loads(json.dumps(history_record(h, cell="lstm", seed=0)))
    assert record["cell"] == "lstm" and record["steps"] == 30 and record["eval_loss"][-1] == h.final_eval


def test_adding_1997_run_records_the_rule_and_the_test():
    h, result = lstm.training.experiments.adding_1997_run(lstm.LSTM(), 30, 0, steps=4, B=8, window=16, n_test=40,
                                                 progress=False)
    # the window of 16 sequences fills after two batches of 8: until then the rule reads 1
    assert h.eval_step == [0, 1, 2, 3, 4] and h.eval_loss[:2] == [1.0, 1.0]
    assert all(0 <= v <= 1 for v in h.eval_loss)
    assert result["sequences"] is None and 0 <= result["test_wrong"] <= 40 and result["n_test"] == 40


def test_rule_1997_by_hand():
    rule = Rule1997(window=4, B=2)  # keeps the last 2 batches
    assert repr(rule) == "Rule1997(window=4, B=2)" and rule.describe().endswith("over the last 4 sequences")
    y = np.array([[0.5], [1.0]])
    rule.record(y + 0.01, y)
    assert rule.wrong_fraction() == 1.0  # 2 of the 4 sequences seen: not yet judged
    rule.record(y + np.array([[0.0], [0.05]]), y)  # one error >= 0.04
    assert rule.wrong_fraction() == 0.25 and not rule(0.25)
    rule.record(y - 0.01, y)  # the first batch leaves the window; the wrong one stays
    assert rule.wrong_fraction() == 0.25
    rule.record(y - 0.03, y)
    assert rule.wrong_fraction() == 0.0 and rule(0.0)  # MSE (2 · 1e-4 + 2 · 9e-4) / 4 < 0.01
    with pytest.raises(ValueError, match="window"):
        Rule1997(window=0)


def test_loss_grads_pred_matches_call_and_predict(rng):
    model = lstm.LastStepMSE()
    params = lstm.init_model(lstm.LSTM(), 2, 4, 1, rng=rng)
    x, y, lengths = lstm.training.tasks.adding_problem_1997(22, 3, rng=rng)
    loss, grads, pred = model.loss_grads_pred(params, (x, y, lengths))
    assert loss == model(params, (x, y, lengths))[0]
    np.testing.assert_array_equal(pred, model.predict(params, x, lengths))


def test_adding_1997_log_is_complete_and_consistent():
    """The committed adding_1997_T100.jsonl: 6 networks x 5 seeds, and each record agrees with itself."""
    records = load_records(DATA / "adding_1997_T100.jsonl")
    nets = sorted((r["cell"], r.get("forget_bias"), r["seed"]) for r in records)
    nets97 = (("lstm", 1.0), ("lstm", 3.0), ("lstm", 5.0), ("nfg", None), ("nfg_np", None), ("rnn", None))
    expected = [(c, b, s) for c, b in nets97 for s in range(5)]
    assert nets == sorted(expected)
    for r in records:
        assert r["protocol"] == "1997" and r["T"] == 100 and r["n_test"] == 2560 and 0 <= r["test_wrong"] <= 2560
        assert "0x" not in r["stop_reason"]
        if r["sequences"] is None:
            assert r["steps"] == r["budget"] and r["stop_reason"] == f"step budget {r['budget']}"
        else:
            # the rule fired: at that step none of the window's sequences was wrong
            assert r["sequences"] == r["B"] * r["steps"] and r["steps"] < r["budget"]
            assert r["eval_loss"][-1] == 0.0 and r["eval_step"][-1] == r["steps"]
            rule = Rule1997(2000, r["B"])  # the paper's window, the script's default
            assert Stop.parse(r["stop_reason"]) is Stop.EARLY
            assert r["stop_reason"] == f"early stop ({rule.describe()}) at step {r['steps']}"
        assert r["eval_step"][0] == 0 and r["eval_loss"][0] == 1.0  # the window starts empty


@pytest.mark.slow
def test_adding_1997_script_reproduces_the_log(tmp_path):
    """The first 100 steps of scripts/adding_problem.py --protocol 1997 give the logged curve."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("adding_problem", ROOT / "scripts" / "adding_problem.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    out = tmp_path / "run.jsonl"
    script.main(["--protocol", "1997", "--T", "100", "--cells", "nfg", "--seeds", "1", "--steps", "100",
                 "--out", str(out)])
    (short,) = load_records(out)
    logged = load_records(DATA / "adding_1997_T100.jsonl")
    (full,) = [r for r in logged if r["cell"] == "nfg" and r["seed"] == 1]
    assert short["eval_step"] == [0, 50, 100, 100] and full["eval_step"][:3] == [0, 50, 100]
    assert short["eval_loss"][:3] == full["eval_loss"][:3] and short["eval_loss"][2] < 1.0


def test_first_half_control_log_is_complete():
    """The committed adding_first_half_T100.jsonl: LSTM b_f = 1 and 5, NFG, NFG without peepholes; seeds 0-2."""
    records = load_records(DATA / "adding_first_half_T100.jsonl")
    runs = sorted((r["cell"], r.get("forget_bias") or 0.0, r["seed"]) for r in records)
    nets = (("lstm", 1.0), ("lstm", 5.0), ("nfg", 0.0), ("nfg_np", 0.0))
    assert runs == sorted((c, b, s) for c, b in nets for s in range(3))
    for r in records:
        assert r["markers"] == "first_half" and r["T"] == 100 and r["budget"] == 4000
        solved = r["final_eval"] <= r["target"]
        assert solved == (Stop.parse(r["stop_reason"]) is Stop.EARLY) and (r["steps"] < r["budget"]) == solved
