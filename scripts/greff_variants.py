"""Greff et al.'s (2017) LSTM variants on the adding problem at T = 50 (``book/training.ipynb`` loads the log).

Each run is :func:`lstm.training.experiments.adding_run` with ``lstm.Variant(name)``:
H = 32, batches of 32, Adam at 1e-2, clipping at norm 1, a budget of
``--steps`` steps, the test MSE every 50 steps on 1,000 fixed sequences,
stopping early at 0.01.  One BLAS thread (threadpoolctl), so a run is
deterministic from its seed and two processes can share two cores:

    python scripts/greff_variants.py --variants V NIG NFG NOG NIAF --out /tmp/greff_a.jsonl &
    python scripts/greff_variants.py --variants NOAF NP CIFG FGR --out /tmp/greff_b.jsonl
    cat /tmp/greff_a.jsonl /tmp/greff_b.jsonl > src/lstm/data/greff_T50.jsonl

One JSON record per run and line: variant, seed, steps_to_target (None if
never), best_mse, best_step, steps, wall_seconds and the settings.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from threadpoolctl import threadpool_limits

import lstm
from lstm.training.experiments import adding_run

T, H, B, LR, CLIP, TARGET = 50, 32, 32, 1e-2, 1.0, 0.01


def run(variant: str, seed: int, steps: int) -> dict:
    """One training run of ``lstm.Variant(variant)`` from ``seed``; returns the log record."""
    t0 = time.perf_counter()
    with threadpool_limits(limits=1):
        history, _ = adding_run(lstm.Variant(variant), T, seed, steps=steps, H=H, B=B, lr=LR,
                                clip=CLIP, target=TARGET, progress=False)
    best_step, best_mse = history.best_eval()
    return {"variant": variant, "seed": seed, "steps_to_target": history.first_step_below(TARGET),
            "best_mse": float(best_mse), "best_step": int(best_step), "steps": history.steps,
            "wall_seconds": round(time.perf_counter() - t0, 2), "T": T, "H": H, "B": B, "lr": LR,
            "clip": CLIP, "target": TARGET, "budget": steps}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--variants", nargs="+", choices=list(lstm.VARIANTS), default=list(lstm.VARIANTS))
    ap.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    ap.add_argument("--steps", type=int, default=1500)
    ap.add_argument("--out", type=Path, default=Path("src/lstm/data/greff_T50.jsonl"))
    args = ap.parse_args(argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w") as f:
        for name in args.variants:
            for seed in args.seeds:
                record = run(name, seed, args.steps)
                f.write(json.dumps(record) + "\n")
                f.flush()
                print(json.dumps({k: record[k] for k in ("variant", "seed", "steps_to_target",
                                                         "best_mse", "steps", "wall_seconds")}), flush=True)


if __name__ == "__main__":
    main()
