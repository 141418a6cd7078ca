"""The character-level language model: data, windows, gradients, evaluation, sampling, the committed run."""
import hashlib
import json
import math
import pathlib
import subprocess
import sys

import numpy as np
import pytest

import lstm
from lstm.blocks.dropout import dropout_mask
from lstm.checks.gradcheck import numerical_gradient, relative_error
from lstm.lm import charlm

ROOT = pathlib.Path(__file__).resolve().parents[1]
DATA = lstm.data_path()
SHA256 = "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed"


def test_the_text_is_the_documented_one():
    raw = (DATA / "tinyshakespeare.txt").read_bytes()
    assert hashlib.sha256(raw).hexdigest() == SHA256
    assert SHA256 in (DATA / "README.md").read_text()
    text = raw.decode("utf-8")
    assert len(text) == 1_115_394 and len(charlm.build_vocab(text)) == 65


def test_encode_decode_and_split():
    text = "to be, or not to be"
    vocab = charlm.build_vocab(text)
    ids = charlm.encode(text, vocab)
    assert charlm.decode(ids, vocab) == text
    with pytest.raises(ValueError, match="not in vocab"):
        charlm.encode("xyz", vocab)
    parts = charlm.split(np.arange(1000))
    assert [len(p) for p in parts] == [850, 50, 100]
    np.testing.assert_array_equal(np.concatenate(parts), np.arange(1000))


def test_windows_continue_each_other():
    ids = np.arange(1003)
    batches = charlm.Batches(ids, B=4, T=10)
    assert batches.L == 250 and len(batches) == 24
    for k in range(len(batches) - 1):
        x, y = batches.window(k)
        x2, _ = batches.window(k + 1)
        assert x.shape == y.shape == (10, 4)
        np.testing.assert_array_equal(y, x + 1)  # targets are the next characters
        np.testing.assert_array_equal(x2[0], x[-1] + 1)  # window k+1 starts where k ended
    np.testing.assert_array_equal(batches.window(0)[0][0], [0, 250, 500, 750])
    with pytest.raises(ValueError, match="B"):
        charlm.Batches(ids, B=0, T=10)
    with pytest.raises(ValueError, match="too few"):
        charlm.Batches(ids[:30], B=4, T=10)


def problem(rng, K=5, H=3, T=4, B=2, layers=1):
    params = charlm.init_lm_params(K, H, layers=layers, rng=rng)
    for name in params:  # nonzero everywhere, biases included
        params[name] = params[name] + 0.1 * rng.normal(size=params[name].shape)
    inputs, targets = rng.integers(0, K, (T, B)), rng.integers(0, K, (T, B))
    state = (rng.normal(size=(layers, B, H)), rng.normal(size=(layers, B, H)))
    return params, inputs, targets, state


def test_first_loss_is_near_ln_K(rng):
    params = charlm.init_lm_params(65, 64, layers=2, rng=rng)
    inputs, targets = rng.integers(0, 65, (20, 8)), rng.integers(0, 65, (20, 8))
    loss, _, _ = charlm.loss_and_grads(params, inputs, targets)
    assert abs(loss - math.log(65)) < 0.05


@pytest.mark.parametrize("layers, dropout", [(1, 0.0), (2, 0.0), (2, 0.4), (3, 0.3)])
def test_gradients_against_finite_differences(rng, layers, dropout):
    """Every parameter of every layer, with a state carried in and, with dropout, the same masks
    (the same seed) in every evaluation."""
    params, inputs, targets, state = problem(rng, layers=layers)

    def run():
        return charlm.loss_and_grads(params, inputs, targets, state, dropout=dropout,
                                     rng=np.random.default_rng(7))

    _, grads, _ = run()
    assert list(grads) == list(params)
    # Central differences in float64 carry an absolute error of about 1e-11 here; layer 0's gradient
    # shrinks with depth (about 1e-5 under three layers), so the relative resolution is 1e-7 for
    # one or two layers and 1e-6 for three.
    tol = 1e-7 if layers < 3 else 1e-6
    for name in params:
        num = numerical_gradient(lambda: np.array(run()[0]), params[name], np.array(1.0))
        assert relative_error(grads[name], num) < tol, name


def test_one_layer_is_the_lstm_and_output_layer(rng):
    """With one layer and no dropout the model is lstm.lstm_forward followed by the output layer."""
    params, inputs, targets, state = problem(rng)
    logits, (h_T, c_T), _ = charlm.model_forward(params, inputs, state)
    layer = {"W_x": params["W_x_l0"], "W_h": params["W_h_l0"], "b": params["b_l0"]}
    hs, (h, c), _ = lstm.lstm_forward(charlm.one_hot(inputs, 5), layer, state[0][0], state[1][0])
    np.testing.assert_allclose(logits, hs @ params["W_y"].T + params["b_y"], rtol=1e-13)
    np.testing.assert_allclose(h_T[0], h, rtol=1e-13)
    np.testing.assert_allclose(c_T[0], c, rtol=1e-13)


def test_dropout_masks_scale_and_are_used_once(rng):
    """Masks keep each unit with probability 1 - p and scale it by 1/(1 - p): the mean is 1."""
    mask = dropout_mask((200, 64, 32), 0.25, np.random.default_rng(0), np.float32)
    assert mask.dtype == np.float32 and set(np.unique(mask)) == {0.0, np.float32(1 / 0.75)}
    assert abs((mask == 0).mean() - 0.25) < 0.005 and abs(mask.mean() - 1) < 0.01
    params, inputs, targets, state = problem(rng, layers=2)
    a = charlm.loss_and_grads(params, inputs, targets, state, dropout=0.5, rng=np.random.default_rng(1))[0]
    b = charlm.loss_and_grads(params, inputs, targets, state, dropout=0.5, rng=np.random.default_rng(2))[0]
    plain = charlm.loss_and_grads(params, inputs, targets, state)[0]
    assert a != b and a != plain  # different masks, different losses
    with pytest.raises(ValueError, match="rng"):
        charlm.loss_and_grads(params, inputs, targets, state, dropout=0.5)
    for bad in (1.0, -0.1, float("nan")):
        with pytest.raises(ValueError, match="dropout"):
            charlm.loss_and_grads(params, inputs, targets, state, dropout=bad, rng=0)
    with pytest.raises(TypeError, match="dropout"):
        charlm.loss_and_grads(params, inputs, targets, state, dropout=True, rng=0)


def test_bad_models_and_states_are_refused(rng):
    params, inputs, targets, state = problem(rng, layers=2)
    with pytest.raises(ValueError, match="lacks"):
        charlm.check_model({k: v for k, v in params.items() if k != "b_l1"})
    with pytest.raises(ValueError, match="unknown keys"):
        charlm.check_model({**params, "W_z": params["W_y"]})
    with pytest.raises(ValueError, match="h0"):
        charlm.loss_and_grads(params, inputs, targets, (state[0][:1], state[1]))
    with pytest.raises(ValueError, match="outside"):
        charlm.model_forward(params, inputs + 5)
    with pytest.raises(ValueError, match="layers"):
        charlm.init_lm_params(5, 3, layers=0)
    assert charlm.check_model(params) == (5, 3, 2, np.float64)


def test_carrying_the_state_equals_one_long_window(rng):
    """Two windows with the state carried across give the loss of one window of twice the length."""
    params, _, _, state = problem(rng, T=8, layers=2)
    ids = rng.integers(0, 5, (17, 2))
    long, _, (h, c) = charlm.loss_and_grads(params, ids[:16], ids[1:17], state)
    first, _, carried = charlm.loss_and_grads(params, ids[:8], ids[1:9], state)
    second, _, (h2, c2) = charlm.loss_and_grads(params, ids[8:16], ids[9:17], carried)
    np.testing.assert_allclose((first + second) / 2, long, rtol=1e-13)
    np.testing.assert_allclose(h2, h, rtol=1e-13)
    np.testing.assert_allclose(c2, c, rtol=1e-13)


@pytest.mark.parametrize("layers", [1, 2])
def test_evaluate_in_pieces_equals_one_pass(rng, layers):
    params = charlm.init_lm_params(7, 6, layers=layers, rng=rng)
    ids = rng.integers(0, 7, 500)
    one = charlm.evaluate(params, ids, streams=1, window=1000)
    # A plain loop over the text, one character at a time.
    loss, _, _ = charlm.loss_and_grads(params, ids[:-1, None], ids[1:, None])
    np.testing.assert_allclose(one, loss / math.log(2), rtol=1e-12)
    # Pieces whose warm-up reaches back to the start see the whole context: the same number.
    np.testing.assert_allclose(charlm.evaluate(params, ids, streams=4, window=64, warmup=500), one,
                               rtol=1e-12)
    # With a short warm-up the pieces start from less context: close, not equal.
    short = charlm.evaluate(params, ids, streams=4, window=64, warmup=0)
    assert short != one and abs(short - one) < 0.1


def test_sampling(rng):
    params = charlm.init_lm_params(5, 4, rng=rng)
    params["b_y"] = rng.normal(size=5) * 3
    vocab = "abcde"
    a = charlm.sample(params, vocab, 30, prompt="ab", rng=np.random.default_rng(0))
    b = charlm.sample(params, vocab, 30, prompt="ab", rng=np.random.default_rng(0))
    assert a == b and a.startswith("ab") and len(a) == 32
    # A tiny temperature takes the likeliest character every time.
    greedy = charlm.sample(params, vocab, 10, prompt="ab", temperature=1e-4, rng=rng)
    tr = charlm.trace(params, charlm.encode(greedy, vocab))
    np.testing.assert_array_equal(tr["p"][1:-1].argmax(axis=1), charlm.encode(greedy[2:], vocab))
    with pytest.raises(ValueError, match="temperature"):
        charlm.sample(params, vocab, 3, temperature=0)


@pytest.mark.parametrize("layer", [0, 1])
def test_trace_matches_the_sequence(rng, layer):
    params = charlm.init_lm_params(5, 4, layers=2, rng=rng)
    ids = rng.integers(0, 5, 40)
    tr = charlm.trace(params, ids, window=7, layer=layer)  # several windows, the state carried across
    assert tr["c"].shape == (40, 4) and tr["p"].shape == (40, 5)
    np.testing.assert_allclose(tr["h"], tr["o"] * np.tanh(tr["c"]), rtol=1e-13)
    np.testing.assert_allclose(tr["c"][1:], tr["f"][1:] * tr["c"][:-1] + tr["i"][1:] * tr["g"][1:],
                               rtol=1e-12)
    loss, _, _ = charlm.loss_and_grads(params, ids[:-1, None], ids[1:, None])
    np.testing.assert_allclose(-np.log(tr["p"][np.arange(39), ids[1:]]).mean(), loss, rtol=1e-12)


def test_train_is_the_loop_written_out(rng):
    """charlm.train (lstm.train on a WindowLoss) equals the loop written out step by step: the same
    windows, the state carried and reset at each pass, clipping, the schedule, Adam; bit for bit."""
    ids = rng.integers(0, 6, 100)
    batches = charlm.Batches(ids, 4, 8)  # 3 windows per pass: 7 steps reset the state twice
    rate = charlm.cosine_lr(1e-2, 7, warmup=2)
    params = charlm.init_lm_params(6, 5, layers=2, rng=1)
    mine = {k: v.copy() for k, v in params.items()}
    records = charlm.train(params, batches, 7, lr=rate, max_norm=0.5, dropout=0.2, rng=np.random.default_rng(2))

    opt, masks, state, expected = lstm.Adam(mine, lr=rate(0)), np.random.default_rng(2), None, []
    for s in range(7):
        k = s % len(batches)
        state = None if k == 0 else state
        loss, grads, state = charlm.loss_and_grads(mine, *batches.window(k), state, dropout=0.2, rng=masks)
        norm = lstm.clip_grad_norm(grads, 0.5)
        opt.lr = rate(s)
        opt.step(grads)
        expected.append({"step": s, "loss": loss, "norm": norm, "lr": rate(s)})
    assert [{k: r[k] for k in ("step", "loss", "norm", "lr")} for r in records] == expected
    for k in params:
        np.testing.assert_array_equal(params[k], mine[k])


def test_save_and_load(tmp_path, rng):
    params = charlm.init_lm_params(5, 4, rng=rng, dtype=np.float32)
    charlm.save_model(tmp_path / "m.npz", params, "abcde", step=3, val_bpc=1.5)
    loaded, vocab, meta = charlm.load_model(tmp_path / "m.npz")
    assert vocab == "abcde" and meta == {"step": 3, "val_bpc": 1.5} and list(loaded) == list(params)
    for k in params:
        assert loaded[k].dtype == np.float32
        np.testing.assert_array_equal(loaded[k], params[k])


def read_log():
    records = [json.loads(line) for line in (DATA / "charlm_log.jsonl").read_text().splitlines()]
    return records[0], [r for r in records if r["kind"] == "step"], records


def test_committed_weights_and_log_agree():
    config, steps, records = read_log()
    assert [r["step"] for r in steps] == list(range(config["steps"]))
    final = [r for r in records if r["kind"] == "final"]
    assert len(final) == 1, "the committed log is incomplete"
    assert (DATA / "charlm.npz").stat().st_size <= 20_000_000
    params, vocab, meta = charlm.load_model(DATA / "charlm.npz")
    K, H, L, dtype = charlm.check_model(params)
    assert (K, H, L, dtype) == (65, config["H"], config["layers"], np.float32)
    assert meta["step"] == final[0]["step"] == config["steps"]
    evals = [r for r in records if r["kind"] == "eval"]
    assert evals[-1]["step"] == config["steps"] and evals[-1]["test_bpc"] == final[0]["test_bpc"]


SCRIPT_STEPS = """
import json, pathlib, sys, tempfile
import importlib.util
spec = importlib.util.spec_from_file_location("train_charlm", sys.argv[1])
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)   # sets two BLAS threads before NumPy loads
out = pathlib.Path(tempfile.mkdtemp())
mod.run(mod.CONFIG, out, steps=3, fresh=True, checkpoints=out, log=lambda s: None)
steps = [json.loads(line) for line in (out / "charlm_log.jsonl").read_text().splitlines()][1:]
print(json.dumps([[r["loss"], r["norm"], r["lr"]] for r in steps]))
"""


@pytest.mark.slow
def test_the_script_reproduces_the_logs_first_steps():
    """Same seed, same settings: ``make train``'s first three steps give the logged losses, gradient
    norms and rates (float32 on two BLAS threads: equal to 1e-5, the float32 sums' rounding)."""
    config, steps, _ = read_log()
    out = subprocess.run([sys.executable, "-c", SCRIPT_STEPS, str(ROOT / "scripts" / "train_charlm.py")],
                         capture_output=True, text=True, check=True, timeout=600)
    got = np.array(json.loads(out.stdout.strip().splitlines()[-1]))
    logged = np.array([[r["loss"], r["norm"], r["lr"]] for r in steps[:3]])
    np.testing.assert_allclose(got, logged, rtol=1e-5)
    assert got[2, 0] < got[0, 0]  # and the loss is falling


def test_text_features_on_a_known_passage():
    text = "First Citizen:\nBefore we proceed.\nSpeak.\n\nAll:\nSpeak.\n"
    f = charlm.text_features(text)
    assert all(v.shape == (len(text),) for v in f.values())
    speaker = "".join(ch for ch, s in zip(text, f["speaker name"]) if s)
    assert speaker == "First Citizen:\nAll:\n"
    assert f["line position"][text.index("B")] == 1 and f["line position"][text.index("\n")] == 0
    assert f["newline next"][text.index(":")] == 1 and f["newline next"][0] == 0
    assert f["speech position"][text.index("B")] == 1
    assert f["speech position"][text.index("Speak")] == len("Before we proceed.\n") + 1
    assert f["in word"][0] == 1 and f["in word"][5] == 0


def test_correlations_and_saturation():
    x = np.arange(10.0)
    values = np.stack([2 * x + 1, -x, np.ones(10)], axis=1)
    np.testing.assert_allclose(charlm.unit_correlations(values, x), [1, -1, 0], atol=1e-12)
    gate = np.array([[0.05, 0.5], [0.95, 0.5], [0.5, 0.99], [0.01, 0.5]])
    left, right = charlm.saturation(gate)
    np.testing.assert_allclose(left, [0.5, 0]) and np.testing.assert_allclose(right, [0.25, 0.25])


def test_heatmap_html_escapes_and_colours():
    html = charlm.heatmap_html("a<\n", [1.0, -1.0, 0.0])
    assert "rgb(255, 0, 0)" in html and "rgb(0, 0, 255)" in html and "&lt;" in html
    assert "http" not in html  # nothing to fetch
    with pytest.raises(ValueError, match="one per character"):
        charlm.heatmap_html("ab", [0.0])
