"""Train the LSTM and the tanh RNN on the adding problem and commit their weights (``make train-adding``).

The chapter *Gradients through time, measured* (its section "After
training") loads the weights, re-checks each run's test MSE and measures the
gradients through time of the trained networks.

Each run is :func:`lstm.training.experiments.adding_run` on the modern adding problem
(:func:`lstm.training.tasks.adding_problem`, markers one in each half): the LSTM or
the tanh RNN, the same sizes, Adam, clipping and a fixed step budget (no
early stop, so that every run trains for the same number of steps), from
seeds 0, 1, ….  A run is deterministic from its seed: the seed draws the
initial weights and then every batch, the test set is
:func:`lstm.training.experiments.adding_test_set`, and NumPy runs on one BLAS thread
(set here, for this process only, before NumPy loads).

Writes, under ``--out`` (default ``src/lstm/data/adding/``, the package data: ``lstm.data_path("adding")``):

* ``weights.npz``: float64 arrays ``{cell}_seed{seed}_{name}``, each run's
  final parameters (the cell's ``W_x``, ``W_h``, ``b`` and the read-out
  ``W_y``, ``b_y``);
* ``log.json``: the settings and, per run, its test MSE (of the saved
  weights), steps, wall and CPU seconds, the test-MSE curve and the first
  ``FIRST`` training losses (``tests/test_train_adding.py`` re-runs them).

    python scripts/train_adding.py            # T = 50, seeds 0-3, 2,000 steps: about 5 min on one core
"""
from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

import lstm  # noqa: E402
from lstm.training.experiments import adding_run, history_record  # noqa: E402

CELLS = {"lstm": lstm.LSTM, "rnn": lstm.RNN}
FIRST = 20  # training losses stored per run, for the reproducibility test
DEFAULTS = {"T": 50, "seeds": [0, 1, 2, 3], "steps": 2000, "H": 32, "B": 32, "lr": 1e-2, "clip": 1.0,
            "eval_every": 100}
OUT = Path(__file__).resolve().parent.parent / "src" / "lstm" / "data" / "adding"


def run(cell: str, seed: int, *, T: int, steps: int, H: int, B: int, lr: float, clip: float, eval_every: int):
    """One run: ``(record, params)``, the JSON-ready record and the trained parameters."""
    history, params = adding_run(CELLS[cell](), T, seed, steps=steps, H=H, B=B, lr=lr, clip=clip,
                                 eval_every=eval_every, target=None, progress=False)
    record = history_record(history, cell=cell, seed=seed)
    record["test_mse"] = record["final_eval"]  # evaluated after the last step, on the saved weights
    record["first_losses"] = [float(v) for v in history.loss[:FIRST]]
    return record, params


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--T", type=int, default=DEFAULTS["T"])
    ap.add_argument("--cells", nargs="+", choices=sorted(CELLS), default=["lstm", "rnn"])
    ap.add_argument("--seeds", nargs="+", type=int, default=DEFAULTS["seeds"])
    ap.add_argument("--steps", type=int, default=DEFAULTS["steps"])
    ap.add_argument("--H", type=int, default=DEFAULTS["H"])
    ap.add_argument("--B", type=int, default=DEFAULTS["B"])
    ap.add_argument("--lr", type=float, default=DEFAULTS["lr"])
    ap.add_argument("--clip", type=float, default=DEFAULTS["clip"])
    ap.add_argument("--eval-every", type=int, default=DEFAULTS["eval_every"])
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    settings = {"task": "adding problem, modern protocol (lstm.training.tasks.adding_problem, markers='halves')",
                "T": args.T, "steps": args.steps, "H": args.H, "B": args.B, "lr": args.lr, "clip": args.clip,
                "eval_every": args.eval_every, "optimizer": "lstm.training.optim.Adam", "n_test": 1000,
                "seeds": args.seeds, "cells": args.cells, "blas_threads": 1,
                "numpy": np.__version__, "python": platform.python_version()}
    args.out.mkdir(parents=True, exist_ok=True)
    runs, weights = [], {}
    t0 = time.perf_counter()
    for cell in args.cells:
        for seed in args.seeds:
            record, params = run(cell, seed, T=args.T, steps=args.steps, H=args.H, B=args.B, lr=args.lr,
                                 clip=args.clip, eval_every=args.eval_every)
            runs.append(record)
            weights.update({f"{cell}_seed{seed}_{k}": np.asarray(v, np.float64) for k, v in params.items()})
            print(f"{cell} T={args.T} seed {seed}: test MSE {record['test_mse']:.3g} after {record['steps']} steps,"
                  f" {record['wall_seconds']:.0f} s", flush=True)
    settings["total_wall_seconds"] = round(time.perf_counter() - t0, 1)
    np.savez(args.out / "weights.npz", **weights)
    (args.out / "log.json").write_text(json.dumps({"settings": settings, "runs": runs}, indent=1) + "\n")
    print(f"wrote {args.out / 'weights.npz'} and {args.out / 'log.json'} in {settings['total_wall_seconds']} s")


if __name__ == "__main__":
    main()
