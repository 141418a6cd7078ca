"""Train the book's character-level language model on Tiny Shakespeare (``make train``).

The protocol (nanoGPT's split): the model trains on the first 90% of the
text and is scored once, at the end, in bits per character on the last 10%
(the test text), beside Kneser–Ney n-grams trained on the same 90%.  The
model is the last step's weights: no setting is chosen by looking at the
test text.  The test figure is also logged every ``eval_every`` steps, to
draw the learning curve; nothing reads those figures to decide anything.

The model: two LSTM layers of 512 units, dropout on the connections from
one layer to the next and to the output layer (Zaremba et al. 2014),
float32, trained with Adam on windows of T = 100 characters from B = 64
parallel streams (truncated BPTT, the state carried from window to window).

Reproducible: the same seed gives the same run on the same machine.  NumPy's
matrix products use two threads (set here), and the order of their sums
depends only on that count and the shapes.

Resumable: every ``checkpoint_every`` steps the whole training state
(weights, Adam's moments, the carried state, the random generators, the
step) is written to ``_build/charlm/checkpoint.npz``; a run started again
with the same settings continues from there and gives the result an
uninterrupted run gives.  The log is one JSON record per line, in
``src/lstm/data/charlm_log.jsonl`` (the package data: ``lstm.data_path``):

* ``{"kind": "config", ...}`` first, the settings and the machine;
* ``{"kind": "step", "step", "loss", "norm", "lr", "time"}`` every step
  (training loss in nats per character with dropout on, gradient norm
  before clipping, learning rate, seconds of training so far);
* ``{"kind": "eval", "step", "test_bpc", "time"}`` and
  ``{"kind": "sample", "step", "text"}`` every ``eval_every`` steps;
* ``{"kind": "final", "test_bpc", "train_time", "chars_per_s", ...}`` at the end.

The final weights go to ``src/lstm/data/charlm.npz`` (float32).

    python scripts/train_charlm.py                    # the committed run (resumes if interrupted)
    python scripts/train_charlm.py --steps 3 --out /tmp/x --fresh   # a quick look
"""
from __future__ import annotations

import os

# Two threads for the matrix products, set before NumPy loads: the machine's two cores, and a
# fixed count, so that the sums come out in the same order on every run.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "2")

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

import lstm  # noqa: E402
from lstm.lm import charlm  # noqa: E402
from lstm.training.optim import Adam  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "src" / "lstm" / "data"  # the package data (lstm.data_path)
CHECKPOINTS = ROOT / "_build" / "charlm"

#: The committed run's settings.
CONFIG = {
    "seed": 2026,
    "layers": 2,
    "H": 512,
    "B": 64,
    "T": 100,
    "dropout": 0.3,
    "steps": 1600,
    "lr": 2e-3,
    "lr_final": 0.05,  # the cosine ends at lr * lr_final
    "warmup": 100,
    "max_norm": 1.0,
    "betas": [0.9, 0.999],
    "eps": 1e-8,
    "eval_every": 200,
    "checkpoint_every": 100,
    "sample_chars": 400,
    "sample_temperature": 0.8,
}


def load_data(path=DATA / "tinyshakespeare.txt"):
    """(vocab, training ids, test ids): the first 90% of the text and the last 10%."""
    text = Path(path).read_text(encoding="utf-8")
    vocab = charlm.build_vocab(text)
    parts = charlm.split(charlm.encode(text, vocab))
    return vocab, np.concatenate([parts.train, parts.val]), parts.test


def rngs(seed: int):
    """The run's three generators: initialisation, dropout masks, samples."""
    return {name: np.random.default_rng([seed, k]) for k, name in enumerate(("init", "dropout", "sample"))}


def save_checkpoint(path: Path, step, params, opt, state, gens, extra):
    """Everything the run needs to go on exactly as it would have."""
    arrays = {f"param/{k}": v for k, v in params.items()}
    for k, st in opt.state.items():
        arrays[f"adam_m/{k}"], arrays[f"adam_v/{k}"] = st["exp_avg"], st["exp_avg_sq"]
    if state is not None:
        arrays["state_h"], arrays["state_c"] = state
    meta = {"step": step, "adam_t": {k: st["step"] for k, st in opt.state.items()},
            "rngs": {k: g.bit_generator.state for k, g in gens.items()}, **extra}
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, meta=np.array(json.dumps(meta)), **arrays)
    os.replace(tmp, path)


def load_checkpoint(path: Path, params, opt, gens):
    """Restore what :func:`save_checkpoint` wrote; return (step, state, extra)."""
    with np.load(path, allow_pickle=False) as z:
        meta = json.loads(str(z["meta"]))
        for k in params:
            params[k][...] = z[f"param/{k}"]
            opt.state[k]["exp_avg"][...] = z[f"adam_m/{k}"]
            opt.state[k]["exp_avg_sq"][...] = z[f"adam_v/{k}"]
            opt.state[k]["step"] = meta["adam_t"][k]
        state = (z["state_h"].copy(), z["state_c"].copy()) if "state_h" in z.files else None
    for k, g in gens.items():
        g.bit_generator.state = meta["rngs"][k]
    return meta.pop("step"), state, meta


def _before(record, start: int) -> bool:
    """Whether a log record was written before the checkpoint at ``start`` (steps 0 … start-1, and
    the evaluation at ``start`` itself, which comes before its checkpoint)."""
    if record["kind"] == "config":
        return True
    return record["step"] < start if record["kind"] == "step" else record["step"] <= start


def run(config, out_dir: Path, *, log=print, steps=None, fresh=False, checkpoints=CHECKPOINTS):
    """Train as ``config`` says (``steps`` stops early, for a quick look); write the log and weights.

    With ``fresh=False`` a checkpoint of the same settings is resumed.
    """
    out_dir, checkpoints = Path(out_dir), Path(checkpoints)
    out_dir.mkdir(parents=True, exist_ok=True)
    checkpoints.mkdir(parents=True, exist_ok=True)
    log_path, weights_path = out_dir / "charlm_log.jsonl", out_dir / "charlm.npz"
    ckpt_path = checkpoints / "checkpoint.npz"
    stop = int(config["steps"] if steps is None else steps)
    vocab, train_ids, test_ids = load_data()
    gens = rngs(config["seed"])
    params = charlm.init_lm_params(len(vocab), config["H"], layers=config["layers"], rng=gens["init"],
                                   dtype=np.float32)
    batches = charlm.Batches(train_ids, config["B"], config["T"])
    opt = Adam(params, lr=0.0, betas=tuple(config["betas"]), eps=config["eps"])
    schedule = charlm.cosine_lr(config["lr"], config["steps"], config["warmup"], config["lr_final"])
    n_params = int(sum(p.size for p in params.values()))

    start, state, trained = 0, None, 0.0
    if ckpt_path.exists() and not fresh:
        with np.load(ckpt_path, allow_pickle=False) as z:
            saved = json.loads(str(z["meta"]))
        if saved.get("config") == config and log_path.exists():
            start, state, extra = load_checkpoint(ckpt_path, params, opt, gens)
            trained = extra["train_time"]
            kept = [line for line in log_path.read_text(encoding="utf-8").splitlines()
                    if _before(json.loads(line), start)]
            log_path.write_text("".join(line + "\n" for line in kept), encoding="utf-8")
            log(f"resuming at step {start} from {ckpt_path}")
    if start == 0:
        with open(log_path, "w", encoding="utf-8") as f:
            f.write(json.dumps({
                "kind": "config", **config, "K": len(vocab), "params": n_params,
                "windows_per_epoch": len(batches), "train_chars": int(len(train_ids)),
                "test_chars": int(len(test_ids)),
                "flops_per_step": charlm.step_flops(len(vocab), config["H"], config["layers"],
                                                    config["B"], config["T"]),
                "machine": f"{platform.machine()}, {os.cpu_count()} cores",
                "numpy": np.__version__, "threads": os.environ["OPENBLAS_NUM_THREADS"]}) + "\n")
    log(f"{n_params:,} parameters, {len(batches)} windows per epoch, steps {start} to {stop}")
    window_loss = charlm.WindowLoss(batches, dropout=config["dropout"], rng=gens["dropout"], state=state)

    with open(log_path, "a", encoding="utf-8") as f:

        def write(record):
            f.write(json.dumps(record) + "\n")
            f.flush()

        def evaluate(step):
            bpc = charlm.evaluate(params, test_ids, streams=64)
            text = charlm.sample(params, vocab, config["sample_chars"], prompt="\n",
                                 temperature=config["sample_temperature"], rng=gens["sample"])
            write({"kind": "eval", "step": step, "test_bpc": bpc, "time": trained})
            write({"kind": "sample", "step": step, "text": text})
            log(f"step {step}: test {bpc:.4f} bpc\n{text}")
            return bpc

        clock = time.perf_counter()

        def after_step(history):  # lstm.train's callback: log, evaluate, checkpoint
            nonlocal trained, clock
            trained += time.perf_counter() - clock  # training time only, not the evaluations' and checkpoints'
            s, loss, norm = start + history.steps - 1, history.loss[-1], history.grad_norm[-1]
            write({"kind": "step", "step": s, "loss": loss, "norm": norm, "lr": history.lr[-1], "time": trained})
            if s % 50 == 0:
                log(f"step {s}: loss {loss:.4f} nats ({loss / math.log(2):.3f} bits), norm {norm:.3f}, "
                    f"{trained:.0f} s")
            done = s + 1
            if done % config["eval_every"] == 0 and done < config["steps"]:
                evaluate(done)
            if done % config["checkpoint_every"] == 0 and done < config["steps"]:
                save_checkpoint(ckpt_path, done, params, opt, window_loss.state, gens,
                                {"config": config, "train_time": trained})
            clock = time.perf_counter()

        # step s of this call is step start + s of the run: its window, its rate
        lstm.train(window_loss, params, opt, lambda s, _: window_loss.batch(start + s), steps=stop - start,
                   clip=config["max_norm"], schedule=lambda s: schedule(start + s), callback=after_step,
                   progress=False)

        if stop == config["steps"]:
            test_bpc = evaluate(stop)
            charlm.save_model(weights_path, params, vocab, step=stop, config=dict(config))
            chars = stop * config["B"] * config["T"]
            flops = charlm.step_flops(len(vocab), config["H"], config["layers"], config["B"], config["T"])
            write({"kind": "final", "step": stop, "test_bpc": test_bpc, "train_time": trained,
                   "chars_per_s": chars / trained, "gflops": stop * flops / trained / 1e9})
            log(f"done: test {test_bpc:.4f} bpc after {trained:.0f} s of training")
            ckpt_path.unlink(missing_ok=True)


def read_log(path=DATA / "charlm_log.jsonl"):
    """The log's records grouped by kind: {"config": dict, "final": dict, "step": [...], "eval": [...], ...}."""
    out: dict = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        kind = rec.pop("kind")
        if kind in ("config", "final"):
            out[kind] = rec
        else:
            out.setdefault(kind, []).append(rec)
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=None, help="stop after this many steps (a quick look)")
    parser.add_argument("--out", type=Path, default=DATA, help="directory for the log and weights")
    parser.add_argument("--fresh", action="store_true", help="start from scratch even if a checkpoint exists")
    parser.add_argument("--checkpoints", type=Path, default=CHECKPOINTS, help="directory for the checkpoint")
    args = parser.parse_args(argv)
    run(CONFIG, args.out, steps=args.steps, fresh=args.fresh, checkpoints=args.checkpoints,
        log=lambda s: print(s, flush=True))


if __name__ == "__main__":
    sys.exit(main())
