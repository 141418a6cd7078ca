"""The adding problem at lengths too long for a chapter's time budget (``book/training.ipynb`` loads the result).

Each run is :func:`lstm.training.experiments.adding_run`: the LSTM or the tanh RNN,
the same sizes, optimiser, clipping and step budget, from seeds 0, 1, ….
Deterministic from the seed on one BLAS thread (set here, for this process
only, before NumPy loads).  One JSON record per run, one per line
(:func:`lstm.training.experiments.history_record`), to ``--out``.

    python scripts/adding_problem.py --T 100 --cells lstm rnn --seeds 0 1 2 3 4 \\
        --steps 4000 --out src/lstm/data/adding_T100.jsonl
    python scripts/adding_problem.py --T 100 --cells lstm --forget-bias 0 2 --seeds 0 1 2 \\
        --steps 4000 --out src/lstm/data/forget_bias_T100.jsonl
    python scripts/adding_problem.py --protocol 1997 --T 100 --cells lstm nfg nfg_np rnn \\
        --forget-bias 1 3 5 --seeds 0 1 2 3 4 --steps 6000 --out src/lstm/data/adding_1997_T100.jsonl
    python scripts/adding_problem.py --T 100 --markers first_half --cells lstm nfg nfg_np \\
        --forget-bias 1 5 --seeds 0 1 2 --steps 4000 --out src/lstm/data/adding_first_half_T100.jsonl

``make train-1997`` runs the last two, the first split over processes, in the order of the committed logs.
"""
from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
from pathlib import Path  # noqa: E402

import lstm  # noqa: E402
from lstm.training.experiments import adding_1997_run, adding_run, history_record  # noqa: E402

# "nfg" is Greff et al.'s LSTM without a forget gate (f = 1), which keeps peepholes; "nfg_np" has no
# peepholes either: the cell of the 1997 paper
CELLS = {"lstm": lstm.LSTM, "rnn": lstm.RNN, "nfg": lambda: lstm.Variant("NFG"),
         "nfg_np": lambda: lstm.Variant("NFG", peepholes=False)}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--T", type=int, required=True)
    ap.add_argument("--cells", nargs="+", choices=sorted(CELLS), default=["lstm", "rnn"])
    ap.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2, 3, 4])
    ap.add_argument("--steps", type=int, default=4000)
    ap.add_argument("--H", type=int, default=32)
    ap.add_argument("--B", type=int, default=32)
    ap.add_argument("--lr", type=float, default=1e-2)
    ap.add_argument("--clip", type=float, default=1.0)
    ap.add_argument("--target", type=float, default=0.01)
    ap.add_argument("--eval-every", type=int, default=50)
    ap.add_argument("--forget-bias", type=float, nargs="+", default=[1.0],
                    help="the LSTM's initial forget-gate bias (one run per value and seed)")
    ap.add_argument("--markers", choices=["halves", "first_half"], default="halves",
                    help="modern protocol: where the two markers go (lstm.training.tasks.adding_problem)")
    ap.add_argument("--protocol", choices=["modern", "1997"], default="modern",
                    help="1997: Hochreiter & Schmidhuber's data and stopping rule (adding_1997_run)")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w") as f:
        runs = [(name, bf) for name in args.cells for bf in (args.forget_bias if name == "lstm" else [None])]
        for name, bf in runs:
            for seed in args.seeds:
                settings = {"cell": name, "T": args.T, "seed": seed, "budget": args.steps, "H": args.H, "B": args.B,
                            "lr": args.lr, "clip": args.clip, "target": args.target}
                cell = CELLS[name]() if bf is None else lstm.LSTM(forget_bias=bf)
                if bf is not None:
                    settings["forget_bias"] = bf
                if args.protocol == "1997":
                    settings["protocol"] = "1997"
                    history, result = adding_1997_run(cell, args.T, seed, steps=args.steps, H=args.H,
                                                      B=args.B, lr=args.lr, clip=args.clip, progress=False)
                    record = history_record(history, **settings, **result)
                    # the rule is checked every step; keep every 50th point of its curve
                    record["eval_step"] = record["eval_step"][::50] + record["eval_step"][-1:]
                    record["eval_loss"] = record["eval_loss"][::50] + record["eval_loss"][-1:]
                else:
                    if args.markers != "halves":
                        settings["markers"] = args.markers
                    history, _ = adding_run(cell, args.T, seed, steps=args.steps, H=args.H, B=args.B,
                                            lr=args.lr, clip=args.clip, target=args.target,
                                            eval_every=args.eval_every, markers=args.markers, progress=False)
                    record = history_record(history, **settings)
                f.write(json.dumps(record) + "\n")
                f.flush()
                print(f"{name} T={args.T} seed {seed}: {history.summary()}", flush=True)


if __name__ == "__main__":
    main()
