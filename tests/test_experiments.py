"""The experiment runners: reproducible from the seed, recorded as JSON."""
import json

import numpy as np

import lstm
from lstm.experiments import adding_run, adding_test_set, history_record, reber_data, reber_errors, reber_run


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
    encoded = lstm.tasks.reber_batch(train + test)
    errors = reber_errors(lstm.StepwiseCrossEntropy(), params, encoded)
    assert errors.shape == (512,) and errors.mean() == h.final_eval
    record = json.loads(json.dumps(history_record(h, cell="lstm", seed=0)))
    assert record["cell"] == "lstm" and record["steps"] == 30 and record["eval_loss"][-1] == h.final_eval


def test_adding_1997_run_records_the_rule_and_the_test():
    h, result = lstm.experiments.adding_1997_run(lstm.LSTM(), 30, 0, steps=4, B=8, window=16, n_test=40,
                                                 progress=False)
    # the window of 16 sequences fills after two batches of 8: until then the rule reads 1
    assert h.eval_step == [0, 1, 2, 3, 4] and h.eval_loss[:2] == [1.0, 1.0]
    assert all(0 <= v <= 1 for v in h.eval_loss)
    assert result["sequences"] is None and 0 <= result["test_wrong"] <= 40 and result["n_test"] == 40


def test_loss_grads_pred_matches_call_and_predict(rng):
    model = lstm.LastStepMSE()
    params = lstm.init_model(lstm.LSTM(), 2, 4, 1, rng=rng)
    x, y, lengths = lstm.tasks.adding_problem_1997(22, 3, rng=rng)
    loss, grads, pred = model.loss_grads_pred(params, (x, y, lengths))
    assert loss == model(params, (x, y, lengths))[0]
    np.testing.assert_array_equal(pred, model.predict(params, x, lengths))
