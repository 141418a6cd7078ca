"""Train the book's larger character-level LSTM on Tiny Shakespeare (``make train``).

Deterministic from the seed: a fixed number of steps (not a time budget),
one BLAS thread (set here, for this process only, before NumPy loads, so that
the sums come out in the same order on every run).  It logs as it goes, one
JSON record per line, to ``src/lstm/data/charlm_log.jsonl`` (the package data: ``lstm.data_path``):

* ``{"kind": "config", ...}`` first, the settings;
* ``{"kind": "step", "step", "loss", "norm", "lr", "time"}`` every step
  (training loss in nats per character, gradient norm before clipping);
* ``{"kind": "val", "step", "bpc", "time"}`` every ``val_every`` steps and
  at the steps ``val_early``: validation bits per character; and a
  ``{"kind": "sample", "step", "text"}`` of generated text at the same points;
* ``{"kind": "test", ...}`` at the end: test bits per character of the
  saved weights.

The weights with the best validation bits per character (early stopping:
the model is kept at the point where it generalised best) are written as
float32 to ``src/lstm/data/charlm.npz``.

    python scripts/train_charlm.py            # the committed run
    python scripts/train_charlm.py --steps 5 --out /tmp/x   # a quick look
"""
from __future__ import annotations

import os

# One thread, for this process only: reproducible sums, and a fair share of a shared machine.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from lstm import charlm  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "src" / "lstm" / "data"  # the package data (lstm.data_path)

#: The committed run's settings.
CONFIG = {
    "seed": 1234,
    "H": 512,
    "B": 32,
    "T": 100,
    "steps": 1400,
    "lr": 2.5e-3,
    "lr_final": 0.05,  # the cosine ends at lr * lr_final
    "warmup": 50,
    "max_norm": 1.0,
    "betas": [0.9, 0.999],
    "eps": 1e-8,
    "val_every": 200,
    "val_early": [25, 50, 100],  # extra validations (and samples) early on
    "sample_chars": 300,
    "sample_temperature": 0.8,
}


def load_data(path=DATA / "tinyshakespeare.txt"):
    """(vocab, split) of the text: the book's fixed split by position."""
    text = Path(path).read_text(encoding="utf-8")
    vocab = charlm.build_vocab(text)
    return vocab, charlm.split(charlm.encode(text, vocab))


def make_model(config, vocab, data):
    """The initial parameters (float32) and the training windows of ``config``."""
    rng = np.random.default_rng(config["seed"])
    params = charlm.init_model(len(vocab), config["H"], rng=rng, dtype=np.float32)
    return params, charlm.Batches(data.train, config["B"], config["T"])


def run(config, out_dir: Path, *, log=print, steps=None):
    """Train as ``config`` says (``steps`` overrides the number of steps); write the log and weights."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    log_path, weights_path = out_dir / "charlm_log.jsonl", out_dir / "charlm.npz"
    config = dict(config, steps=int(config["steps"] if steps is None else steps))
    vocab, data = load_data()
    params, batches = make_model(config, vocab, data)
    sample_rng = np.random.default_rng(config["seed"] + 1)
    best = {"bpc": math.inf}
    t_start = time.perf_counter()

    with open(log_path, "w", encoding="utf-8") as f:

        def write(record):
            f.write(json.dumps(record) + "\n")
            f.flush()

        n_params = sum(p.size for p in params.values())
        write({"kind": "config", **config, "K": len(vocab), "params": int(n_params),
               "windows_per_epoch": len(batches), "train_chars": int(len(data.train)),
               "val_chars": int(len(data.val)), "test_chars": int(len(data.test)),
               "numpy": np.__version__})
        log(f"{n_params:,} parameters, {len(batches)} windows per epoch, {config['steps']} steps")

        def validate(step):
            bpc = charlm.evaluate(params, data.val)
            text = charlm.sample(params, vocab, config["sample_chars"], prompt="\n",
                                 temperature=config["sample_temperature"], rng=sample_rng)
            write({"kind": "val", "step": step, "bpc": bpc, "time": time.perf_counter() - t_start})
            write({"kind": "sample", "step": step, "text": text})
            log(f"step {step}: val {bpc:.4f} bpc\n{text}")
            if bpc < best["bpc"]:
                best.update(bpc=bpc, step=step)
                charlm.save_model(weights_path, params, vocab, step=step, val_bpc=bpc,
                                  config={k: v for k, v in config.items()})

        def callback(rec):
            rec = {"kind": "step", **rec}
            write(rec)
            s = rec["step"]
            if s % 50 == 0:
                log(f"step {s}: loss {rec['loss']:.4f} nats ({rec['loss'] / math.log(2):.3f} bpc), "
                    f"norm {rec['norm']:.3f}, {rec['time']:.0f} s")
            done = s + 1
            if done % config["val_every"] == 0 or done in config["val_early"] or done == config["steps"]:
                validate(done)

        schedule = charlm.cosine_lr(config["lr"], config["steps"], config["warmup"], config["lr_final"])
        charlm.train(params, batches, config["steps"], lr=schedule, max_norm=config["max_norm"],
                     betas=tuple(config["betas"]), eps=config["eps"], callback=callback)

        final, _, meta = charlm.load_model(weights_path)
        test_bpc = charlm.evaluate(final, data.test)
        val_bpc = charlm.evaluate(final, data.val)
        wall = time.perf_counter() - t_start
        write({"kind": "test", "step": meta["step"], "val_bpc": val_bpc, "test_bpc": test_bpc,
               "wall_time": wall})
        log(f"best step {meta['step']}: val {val_bpc:.4f} bpc, test {test_bpc:.4f} bpc; {wall:.0f} s")
    return test_bpc


def read_log(path=DATA / "charlm_log.jsonl"):
    """The log's records grouped by kind: {"config": dict, "step": [...], "val": [...], ...}."""
    out: dict = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        kind = rec.pop("kind")
        if kind == "config":
            out["config"] = rec
        elif kind == "test":
            out["test"] = rec
        else:
            out.setdefault(kind, []).append(rec)
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=None, help="override the number of steps")
    parser.add_argument("--out", type=Path, default=DATA, help="directory for the log and weights")
    args = parser.parse_args(argv)
    run(CONFIG, args.out, steps=args.steps, log=lambda s: print(s, flush=True))


if __name__ == "__main__":
    sys.exit(main())
