"""The training loop (lstm.training.loop): budgets, evaluation, early stopping, clipping, divergence,
seeds, the plot."""
import math

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

import lstm
from lstm.training.loop import Budget, History, Patience, Stop, Target, is_interactive, plot_history, train
from lstm.training.optim import SGD, Adam


def quadratic(params, batch):
    """L = ½ Σ (w − batch)²: gradient w − batch, minimum at the batch."""
    d = params["w"] - batch
    return 0.5 * float(d @ d), {"w": d.copy()}


def target_batches(step, rng):
    return np.array([1.0, -2.0]) + 0.0 * rng.standard_normal(2)


def test_sgd_on_a_quadratic_by_hand():
    params = {"w": np.zeros(2)}
    h = train(quadratic, params, SGD(params, lr=0.5), target_batches, steps=3, progress=False)
    # w_k = (1 − 0.5^k) w*: the distance halves every step
    np.testing.assert_allclose(params["w"], (1 - 0.5**3) * np.array([1.0, -2.0]), rtol=1e-15)
    assert h.step == [1, 2, 3] and h.stop is Stop.BUDGET_STEPS and h.stop_reason == "step budget 3"
    assert h.lr == [0.5, 0.5, 0.5]
    np.testing.assert_allclose(h.loss, [2.5 * 0.25**k for k in range(3)], rtol=1e-15)
    np.testing.assert_allclose(h.grad_norm, [math.sqrt(5) * 0.5**k for k in range(3)], rtol=1e-15)
    assert len(h.time) == 3 and all(np.diff(h.time) >= 0)


def test_evaluation_schedule_and_early_stop():
    params = {"w": np.zeros(2)}
    evaluate = lambda p: quadratic(p, np.array([1.0, -2.0]))[0]  # noqa: E731
    h = train(quadratic, params, SGD(params, lr=0.5), target_batches, steps=100, evaluate=evaluate,
              eval_every=2, early_stop=Target(1e-3), progress=False)
    # eval(k) = 2.5 · 0.25^k ≤ 1e-3 first at k = 6 (2.5 · 0.25^5 = 2.4e-3)
    assert h.eval_step == [0, 2, 4, 6] and h.steps == 6
    assert h.stop is Stop.EARLY and h.stop_reason == "early stop (eval <= 0.001) at step 6"
    assert h.first_step_below(1e-2) == 4 and h.best_eval()[0] == 6


def test_final_evaluation_is_recorded_at_the_budget():
    params = {"w": np.zeros(2)}
    h = train(quadratic, params, SGD(params, lr=0.1), target_batches, steps=5,
              evaluate=lambda p: 0.0, eval_every=3, progress=False)
    assert h.eval_step == [0, 3, 5]


def test_patience():
    stop = Patience(2)
    assert [stop(v) for v in [3.0, 2.0, 2.5, 1.0, 1.0, 1.5]] == [False, False, False, False, False, True]


def test_iterable_batches_run_until_exhausted():
    params = {"w": np.zeros(2)}
    data = [np.ones(2) * k for k in range(4)]
    h = train(quadratic, params, SGD(params, lr=1.0), data, progress=False)
    assert h.steps == 4 and h.stop is Stop.DATA_EXHAUSTED and h.stop_reason == "data exhausted"
    np.testing.assert_array_equal(params["w"], data[-1])  # lr 1 jumps to each batch


def test_time_budget():
    params = {"w": np.zeros(2)}
    h = train(quadratic, params, SGD(params, lr=0.1), target_batches, seconds=0.05, progress=False)
    assert h.stop is Stop.BUDGET_TIME and h.stop_reason == "time budget 0.05 s"
    # Whatever the machine's load: every step but the last ended inside the budget (the next one
    # began, so the check before it saw less than 0.05 s). How many steps fit is not asserted:
    # a busy machine may fit few, or none.
    assert h.steps == len(h.time) and all(t < 0.05 for t in h.time[:-1])


def test_norm_clipping_and_value_clipping():
    params = {"w": np.zeros(2)}
    h = train(quadratic, params, SGD(params, lr=1.0), target_batches, steps=1, clip=1.0, progress=False)
    # the gradient (−1, 2) of norm √5 is scaled to norm 1 (minus torch's 1e-6)
    np.testing.assert_allclose(params["w"], np.array([1.0, -2.0]) / (math.sqrt(5) + 1e-6), rtol=1e-15)
    assert h.grad_norm == [pytest.approx(math.sqrt(5), rel=1e-15)]
    params = {"w": np.zeros(2)}
    h = train(quadratic, params, SGD(params, lr=1.0), target_batches, steps=1,
              clip=lambda g: lstm.clip_grad_value(g, 1.5), progress=False)
    np.testing.assert_array_equal(params["w"], [1.0, -1.5])
    assert h.grad_norm == [pytest.approx(math.sqrt(5), rel=1e-15)]  # recorded before clipping


def test_divergence_stops_before_the_parameters_are_spoilt():
    params = {"w": np.zeros(2)}

    def exploding(p, batch):
        return (math.inf if batch > 2 else 1.0), {"w": np.ones(2)}

    h = train(exploding, params, SGD(params, lr=1.0), lambda s, r: s, steps=10, progress=False)
    assert h.diverged and h.stop is Stop.DIVERGED and h.steps == 3
    assert h.stop_reason == "diverged at step 4: loss inf, gradient norm 1.4142135623730951"
    np.testing.assert_array_equal(params["w"], [-3.0, -3.0])


def test_schedule_sets_the_learning_rate():
    params = {"w": np.zeros(2)}
    opt = SGD(params, lr=123.0)
    h = train(quadratic, params, opt, target_batches, steps=3, schedule=lambda s: 0.1 * (s + 1), progress=False)
    assert opt.lr == pytest.approx(0.3) and h.lr == pytest.approx([0.1, 0.2, 0.3])


def test_callback_sees_each_step_before_its_evaluation():
    params = {"w": np.zeros(2)}
    seen = []
    h = train(quadratic, params, SGD(params, lr=0.5), target_batches, steps=4, evaluate=lambda p: 1.0,
              eval_every=2, callback=lambda h: seen.append((h.steps, h.loss[-1], list(h.eval_step))),
              progress=False)
    assert [s for s, _, _ in seen] == [1, 2, 3, 4] and [v for _, v, _ in seen] == h.loss
    assert [e for _, _, e in seen] == [[0], [0], [0, 2], [0, 2]]


def test_stop_is_a_value_and_its_text_parses_back():
    h = History()
    assert h.stop is None and h.stop_reason == "" and not h.diverged
    h.finish(Stop.EARLY, "(eval <= 0.01) at step 1050")
    assert h.stop_reason == "early stop (eval <= 0.01) at step 1050"
    for text, stop in [("step budget 4000", Stop.BUDGET_STEPS), ("time budget 0.05 s", Stop.BUDGET_TIME),
                       ("data exhausted", Stop.DATA_EXHAUSTED), (h.stop_reason, Stop.EARLY),
                       ("diverged at step 4: loss inf, gradient norm 1.0", Stop.DIVERGED)]:
        assert Stop.parse(text) is stop
    with pytest.raises(ValueError, match="not a stop reason"):
        Stop.parse("early-ish")


def test_budget():
    assert Budget().unbounded and not Budget(steps=0).unbounded
    assert Budget(steps=3).spent(2, 0.0) is None and Budget(steps=3).spent(3, 0.0) == (Stop.BUDGET_STEPS, "3")
    with pytest.raises(ValueError, match="steps"):
        Budget(steps=-1)
    with pytest.raises(ValueError, match="seconds"):
        Budget(seconds=0)


def test_reproducible_from_the_seed():
    def noisy(step, rng):
        return rng.standard_normal(2)

    runs = []
    for _ in range(2):
        params = {"w": np.zeros(2)}
        h = train(
            quadratic, params, Adam(params, lr=0.1), noisy, steps=20, rng=np.random.default_rng(5), progress=False
        )
        runs.append((params["w"].copy(), h.loss))
    np.testing.assert_array_equal(runs[0][0], runs[1][0])
    assert runs[0][1] == runs[1][1]


def test_an_lstm_learns_with_the_loop():
    rng = np.random.default_rng(0)
    model = lstm.training.models.LastStepMSE()
    params = lstm.training.models.init_model(lstm.LSTM(), 1, 8, 1, rng=rng)

    def batches(step, rng):  # y = the first input: memory across 8 steps
        x = rng.uniform(-1, 1, size=(8, 16, 1))
        return x, x[0].copy()

    test = batches(0, np.random.default_rng(99))
    h = train(
        model,
        params,
        Adam(params, lr=2e-2),
        batches,
        steps=300,
        evaluate=lambda p: model.loss(p, test),
        eval_every=50,
        rng=rng,
        progress=False,
    )
    assert h.eval_loss[-1] < 0.1 * h.eval_loss[0]


def test_summary_line_printed_when_not_interactive(capsys, monkeypatch):
    monkeypatch.setenv("CI", "1")
    assert not is_interactive()
    params = {"w": np.zeros(2)}
    train(quadratic, params, SGD(params, lr=0.5), target_batches, steps=2, evaluate=lambda p: 1.0)
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and out[0].startswith("2 steps in") and "eval 1" in out[0]
    train(quadratic, params, SGD(params, lr=0.5), target_batches, steps=2, progress=False)
    assert capsys.readouterr().out == ""


def test_progress_bar_when_forced(capsys):
    params = {"w": np.zeros(2)}
    h = train(quadratic, params, SGD(params, lr=0.5), target_batches, steps=5, progress=True)
    assert h.steps == 5
    assert "5/5" in capsys.readouterr().err


def test_plot():
    params = {"w": np.zeros(2)}
    h = train(
        quadratic,
        params,
        SGD(params, lr=0.1),
        target_batches,
        steps=30,
        evaluate=lambda p: quadratic(p, np.array([1.0, -2.0]))[0],
        eval_every=5,
        progress=False,
    )
    ax = plot_history({"sgd": h, "again": h}, smooth=5)
    assert len(ax.lines) == 4 and ax.get_yscale() == "log"
    import matplotlib.pyplot as plt

    plt.close("all")


def test_clear_errors():
    params = {"w": np.zeros(2)}
    opt = SGD(params, lr=0.1)
    with pytest.raises(ValueError, match="different params"):
        train(quadratic, {"w": np.zeros(2)}, opt, target_batches, steps=1)
    with pytest.raises(ValueError, match="give steps or seconds"):
        train(quadratic, params, opt, target_batches)
    with pytest.raises(TypeError, match="optimizer"):
        train(quadratic, params, object(), target_batches, steps=1)
    with pytest.raises(ValueError, match="eval_every"):
        train(quadratic, params, opt, target_batches, steps=1, eval_every=0)
    with pytest.raises(TypeError, match="batches"):
        train(quadratic, params, opt, 3, steps=1)
    with pytest.raises(ValueError, match=r"unexpected \['v'\]"):
        train(
            lambda p, b: (1.0, {"w": np.ones(2), "v": np.ones(1)}), params, opt, target_batches, steps=1, progress=False
        )
    assert isinstance(History(), History)
