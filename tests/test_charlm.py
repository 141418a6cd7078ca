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
from lstm import charlm
from lstm.gradcheck import numerical_gradient, relative_error

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


def problem(rng, K=5, H=3, T=4, B=2):
    params = charlm.init_model(K, H, rng=rng)
    params["b_y"] = rng.normal(size=K)  # nonzero everywhere
    inputs, targets = rng.integers(0, K, (T, B)), rng.integers(0, K, (T, B))
    h0, c0 = rng.normal(size=(B, H)), rng.normal(size=(B, H))
    return params, inputs, targets, h0, c0


def test_first_loss_is_near_ln_K(rng):
    params = charlm.init_model(65, 64, rng=rng)
    inputs, targets = rng.integers(0, 65, (20, 8)), rng.integers(0, 65, (20, 8))
    loss, _, _ = charlm.loss_and_grads(params, inputs, targets)
    assert abs(loss - math.log(65)) < 0.05


def test_gradients_against_finite_differences(rng):
    params, inputs, targets, h0, c0 = problem(rng)
    _, grads, _ = charlm.loss_and_grads(params, inputs, targets, h0, c0)
    def f():
        return np.array(charlm.loss_and_grads(params, inputs, targets, h0, c0)[0])

    for name in params:
        num = numerical_gradient(f, params[name], np.array(1.0))
        assert relative_error(grads[name], num) < 1e-7, name


def test_carrying_the_state_equals_one_long_window(rng):
    """Two windows with the state carried across give the loss of one window of twice the length."""
    params, _, _, h0, c0 = problem(rng, T=8)
    ids = rng.integers(0, 5, (17, 2))
    long, _, (h, c) = charlm.loss_and_grads(params, ids[:16], ids[1:17], h0, c0)
    first, _, state = charlm.loss_and_grads(params, ids[:8], ids[1:9], h0, c0)
    second, _, (h2, c2) = charlm.loss_and_grads(params, ids[8:16], ids[9:17], *state)
    np.testing.assert_allclose((first + second) / 2, long, rtol=1e-13)
    np.testing.assert_allclose(h2, h, rtol=1e-13)
    np.testing.assert_allclose(c2, c, rtol=1e-13)


def test_evaluate_in_pieces_equals_one_pass(rng):
    params = charlm.init_model(7, 6, rng=rng)
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
    params = charlm.init_model(5, 4, rng=rng)
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


def test_trace_matches_the_sequence(rng):
    params = charlm.init_model(5, 4, rng=rng)
    ids = rng.integers(0, 5, 40)
    tr = charlm.trace(params, ids, window=7)  # several windows, the state carried across
    assert tr["c"].shape == (40, 4) and tr["p"].shape == (40, 5)
    np.testing.assert_allclose(tr["h"], tr["o"] * np.tanh(tr["c"]), rtol=1e-13)
    np.testing.assert_allclose(tr["c"][1:], tr["f"][1:] * tr["c"][:-1] + tr["i"][1:] * tr["g"][1:],
                               rtol=1e-12)
    loss, _, _ = charlm.loss_and_grads(params, ids[:-1, None], ids[1:, None])
    np.testing.assert_allclose(-np.log(tr["p"][np.arange(39), ids[1:]]).mean(), loss, rtol=1e-12)


def test_save_and_load(tmp_path, rng):
    params = charlm.init_model(5, 4, rng=rng, dtype=np.float32)
    charlm.save_model(tmp_path / "m.npz", params, "abcde", step=3, val_bpc=1.5)
    loaded, vocab, meta = charlm.load_model(tmp_path / "m.npz")
    assert vocab == "abcde" and meta == {"step": 3, "val_bpc": 1.5}
    for k in params:
        assert loaded[k].dtype == np.float32
        np.testing.assert_array_equal(loaded[k], params[k])


def read_log():
    records = [json.loads(line) for line in (DATA / "charlm_log.jsonl").read_text().splitlines()]
    return records[0], [r for r in records if r["kind"] == "step"], records


def test_committed_weights_and_log_agree():
    config, steps, records = read_log()
    assert len(steps) == config["steps"]
    test = [r for r in records if r["kind"] == "test"]
    assert len(test) == 1, "the committed log is incomplete"
    assert (DATA / "charlm.npz").stat().st_size <= 5_000_000
    params, vocab, meta = charlm.load_model(DATA / "charlm.npz")
    assert len(vocab) == 65 and all(p.dtype == np.float32 for p in params.values())
    vals = {r["step"]: r["bpc"] for r in records if r["kind"] == "val"}
    assert meta["step"] == test[0]["step"] == min(vals, key=vals.get)


SCRIPT_STEPS = """
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("train_charlm", sys.argv[1])
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)   # sets one BLAS thread before NumPy loads
from lstm import charlm
cfg = mod.CONFIG
vocab, data = mod.load_data()
params, batches = mod.make_model(cfg, vocab, data)
lr = charlm.cosine_lr(cfg["lr"], cfg["steps"], cfg["warmup"], cfg["lr_final"])
hist = charlm.train(params, batches, 3, lr=lr, max_norm=cfg["max_norm"], betas=tuple(cfg["betas"]),
                    eps=cfg["eps"])
print(json.dumps([[r["loss"], r["norm"], r["lr"]] for r in hist]))
"""


def test_the_script_reproduces_the_logs_first_steps():
    """Same seed, same settings: the first three steps give the logged losses, norms and rates."""
    config, steps, _ = read_log()
    out = subprocess.run([sys.executable, "-c", SCRIPT_STEPS, str(ROOT / "scripts" / "train_charlm.py")],
                         capture_output=True, text=True, check=True, timeout=600)
    got = np.array(json.loads(out.stdout.strip().splitlines()[-1]))
    logged = np.array([[r["loss"], r["norm"], r["lr"]] for r in steps[:3]])
    np.testing.assert_allclose(got, logged, rtol=1e-6)
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
