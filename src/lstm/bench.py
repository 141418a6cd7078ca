"""Benchmark: forward + backward through time, against the matrix-product floor and PyTorch.

Run with ``make bench`` (``python -m lstm.bench``).  For each size (B, T, D, H) and dtype it times one
forward and one backward pass (with a gradient on every h_t) of

* ``lstm``:   this package's fast path (``lstm.lstm_forward`` / ``lstm.lstm_backward``);
* ``naive``:  a per-gate implementation like the source articles': four
              gate matrices, the input concatenated to [h; x] at every step,
              and weight gradients accumulated step by step;
* ``floor``:  only the matrix products the algorithm needs (input
              projection, one recurrent product per step forward and one
              backward, the three gradient products), on NumPy's BLAS: a
              lower bound for any NumPy implementation of this algorithm;
* ``torch``:  ``torch.nn.LSTM`` on the CPU, when PyTorch is installed.

The method (printed by ``make bench`` and stored with the results):

* every measurement runs in a fresh process of its own (one subprocess per
  implementation, size, dtype and round), so that no library's threads,
  allocator or settings affect another's;
* every library runs with its default settings: no environment variable
  and no thread count is set, for any of them;
* in a process, the implementation runs twice untimed (warm-up: imports,
  first-touch page faults, oneDNN's kernel choice; once if that one run
  already lasts longer than the budget), then ``n`` times timed,
  ``n`` chosen so that the timed runs last about half a second (at least 3,
  at most 200); the process reports the fastest of its ``n`` runs;
* rounds alternate: round r runs the implementations in an order rotated by
  r, so that a slow period of the machine does not fall on one of them;
* the table gives each implementation's median over the rounds with its
  spread (minimum-maximum over the rounds), and each ratio is the median
  over the rounds of that round's ratio, with its spread too.

The results are also written as JSON (``--output``, default
``src/lstm/data/bench/results.json``, read back as
``lstm.data_path("bench", "results.json")``) for the chapter *Making it fast*,
which loads the committed file and asserts its prose against it; the chapter
also imports this module for its problems and the naive and floor baselines.  The naive
implementation's gradients are checked against the package's before it is
timed, so the table compares correct code only.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import pathlib
import platform
import statistics
import subprocess
import sys
import time

import numpy as np

import lstm
from lstm.datasets import DATA_DIR

SIZES = [(1, 100, 10, 32), (32, 50, 64, 128), (64, 50, 256, 256), (16, 200, 128, 512)]
IMPLS = ("lstm", "naive", "floor", "torch")
DTYPES = ("float64", "float32")
RESULTS = DATA_DIR / "bench" / "results.json"
METHOD = (
    "each measurement in its own process (one subprocess per implementation, size, dtype and round); "
    "every library with its default settings (no thread count or environment variable set for any); "
    "per process: 2 untimed warm-up runs (1 if one run exceeds the budget), "
    "then n timed runs lasting about --budget seconds (default 0.5; 3 <= n <= 200), "
    "the fastest of them reported; rounds alternate the order of the implementations; "
    "table: median over rounds [min-max over rounds]; ratios: median over rounds of each round's ratio"
)


def problem(B, T, D, H, dtype, seed=0):
    """Parameters with a nonzero bias, inputs x (T, B, D) and a gradient dhs (T, B, H)."""
    rng = np.random.default_rng(seed)
    params = lstm.init_lstm_params(D, H, rng=rng, dtype=dtype)
    params["b"] = rng.standard_normal(4 * H).astype(dtype)
    x = rng.standard_normal((T, B, D)).astype(dtype)
    dhs = rng.standard_normal((T, B, H)).astype(dtype)
    return params, x, dhs


def run_lstm(params, x, dhs):
    hs, _, cache = lstm.lstm_forward(x, params)
    return lstm.lstm_backward(dhs, cache)


def run_naive(params, x, dhs):
    """Per-gate matrices, [h; x] built at every step, per-step gradient products."""
    T, B, D = x.shape
    H = params["W_h"].shape[1]

    def sig(z):
        return 1 / (1 + np.exp(-z))

    W = {
        k: np.hstack([params["W_h"][n * H : (n + 1) * H], params["W_x"][n * H : (n + 1) * H]])
        for n, k in enumerate("ifgo")
    }
    b = {k: params["b"][n * H : (n + 1) * H] for n, k in enumerate("ifgo")}
    h, c = np.zeros((B, H), x.dtype), np.zeros((B, H), x.dtype)
    steps = []
    for t in range(T):
        z = np.concatenate([h, x[t]], axis=1)
        i, f, o = (sig(z @ W[k].T + b[k]) for k in "ifo")
        g = np.tanh(z @ W["g"].T + b["g"])
        c_prev, c = c, f * c + i * g
        h = o * np.tanh(c)
        steps.append((z, i, f, g, o, c_prev, c))
    dW = {k: np.zeros_like(W[k]) for k in W}
    db = {k: np.zeros_like(b[k]) for k in b}
    dx = np.zeros_like(x)
    dh_next, dc_next = np.zeros((B, H), x.dtype), np.zeros((B, H), x.dtype)
    for t in reversed(range(T)):
        z, i, f, g, o, c_prev, c = steps[t]
        dh = dhs[t] + dh_next
        do = dh * np.tanh(c)
        dc = dc_next + dh * o * (1 - np.tanh(c) ** 2)
        da = {
            "i": dc * g * i * (1 - i),
            "f": dc * c_prev * f * (1 - f),
            "g": dc * i * (1 - g**2),
            "o": do * o * (1 - o),
        }
        dz = np.zeros_like(z)
        for k in "ifgo":
            dW[k] += da[k].T @ z
            db[k] += da[k].sum(axis=0)
            dz += da[k] @ W[k]
        dh_next, dx[t] = dz[:, :H], dz[:, H:]
        dc_next = dc * f
    return {
        "x": dx,
        "W_x": np.vstack([dW[k][:, H:] for k in "ifgo"]),
        "W_h": np.vstack([dW[k][:, :H] for k in "ifgo"]),
        "b": np.concatenate([db[k] for k in "ifgo"]),
    }


def make_floor(params, x, dhs):
    """Only the products, with the shapes and count of lstm.lstm_forward/backward."""
    T, B, D = x.shape
    W_x, W_h = params["W_x"], params["W_h"]
    H = W_h.shape[1]
    h = np.zeros((B, H), x.dtype)
    hs = np.zeros((T * B, H), x.dtype)
    da = np.full((T, B, 4 * H), 1e-3, x.dtype)

    def floor():
        x.reshape(T * B, D) @ W_x.T  # input projection, all steps
        for t in range(T):
            h @ W_h.T  # forward recurrence
        for t in range(T):
            da[t] @ W_h  # backward recurrence
        flat = da.reshape(T * B, 4 * H)
        flat @ W_x, flat.T @ x.reshape(T * B, D), flat.T @ hs  # dx, dW_x, dW_h

    return floor


def make_torch(params, x, dhs):
    """``torch.nn.LSTM`` forward + backward with the same weights; default threads and settings."""
    import torch

    T, B, D = x.shape
    H = params["W_h"].shape[1]
    dtype = torch.float64 if x.dtype == np.float64 else torch.float32
    net = torch.nn.LSTM(D, H).to(dtype)
    with torch.no_grad():
        for name, value in lstm.to_pytorch(params).items():
            getattr(net, name).copy_(torch.from_numpy(value))
    xt = torch.from_numpy(x).requires_grad_(True)
    dt = torch.from_numpy(dhs)

    def run():
        net.zero_grad()
        xt.grad = None
        hs, _ = net(xt)
        hs.backward(dt)
        return xt.grad

    return run


def make(impl, params, x, dhs):
    if impl == "lstm":
        return lambda: run_lstm(params, x, dhs)
    if impl == "naive":
        return lambda: run_naive(params, x, dhs)
    if impl == "floor":
        return make_floor(params, x, dhs)
    if impl == "torch":
        return make_torch(params, x, dhs)
    raise ValueError(f"impl is {impl!r}; expected one of {IMPLS}")


def worker(impl, dtype, B, T, D, H, budget=0.5):
    """In this process: warm up, then time ``n`` runs; return the list of times (s)."""
    fn = make(impl, *problem(B, T, D, H, np.dtype(dtype)))
    start = time.perf_counter()
    fn()
    estimate = time.perf_counter() - start
    if estimate < budget:  # a second warm-up, unless one run already fills the budget
        start = time.perf_counter()
        fn()
        estimate = time.perf_counter() - start
    n = int(min(200, max(3, math.ceil(budget / max(estimate, 1e-6)))))
    times = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def measure(impl, dtype, size, budget):
    """One fresh process: the fastest of its timed runs, in seconds."""
    cmd = [sys.executable, "-m", "lstm.bench", "--worker", impl, dtype, *map(str, size), "--budget", str(budget)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return min(json.loads(out.splitlines()[-1]))


def torch_version():
    cmd = [sys.executable, "-c", "import torch; print(torch.__version__, torch.get_num_threads())"]
    done = subprocess.run(cmd, capture_output=True, text=True)
    return done.stdout.split() if done.returncode == 0 else None


def check_naive(dtype, size):
    params, x, dhs = problem(*size, np.dtype(dtype))
    ours, naive = run_lstm(params, x, dhs), run_naive(params, x, dhs)
    tol = 1e-9 if dtype == "float64" else 1e-3
    for k in naive:
        err = lstm.relative_error(naive[k], ours[k])
        assert err < tol, f"naive implementation disagrees on {k}: {err:.1e}"


def spread(values):
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "rounds": list(values)}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="rounds (default 5)")
    parser.add_argument("--budget", type=float, default=0.5, help="seconds of timed runs per process (default 0.5)")
    parser.add_argument("--quick", action="store_true", help="the two smallest sizes only, for a smoke test")
    parser.add_argument("--impls", default=",".join(IMPLS), help="comma-separated implementations to time")
    parser.add_argument("--dtypes", default=",".join(DTYPES), help="comma-separated dtypes")
    parser.add_argument("--output", default=str(RESULTS), help="JSON file for the results ('' for none)")
    parser.add_argument("--note", default="", help="a note stored with the results (e.g. 'machine contended')")
    parser.add_argument("--worker", nargs=6, metavar=("IMPL", "DTYPE", "B", "T", "D", "H"), help=argparse.SUPPRESS)
    parser.add_argument("--lm", action="store_true",
                        help="time the language model's training step instead (writes charlm_step.json)")
    parser.add_argument("--lm-worker", metavar="IMPL", help=argparse.SUPPRESS)
    return parser


def _machine(tv, note, rounds, budget) -> dict:
    """What the results were measured on, and how."""
    return {
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
        "python": platform.python_version(),
        "numpy": np.__version__,
        "torch": tv[0] if tv else None,
        "torch_threads": int(tv[1]) if tv else None,
        "load_average_start": os.getloadavg()[0],
        "note": note,
        "method": METHOD,
        "rounds": rounds,
        "budget_s": budget,
    }


def _time_size(impls, dtype, size, rounds, budget) -> dict:
    """One row of the table: every implementation at one dtype and size, rounds alternating the order."""
    if "naive" in impls:
        check_naive(dtype, size)
    times: dict[str, list[float]] = {name: [] for name in impls}
    for r in range(rounds):
        for name in impls[r % len(impls) :] + impls[: r % len(impls)]:
            times[name].append(measure(name, dtype, size, budget))
    row = {"dtype": dtype, "B": size[0], "T": size[1], "D": size[2], "H": size[3]}
    row["ms"] = {name: spread([1e3 * t for t in ts]) for name, ts in times.items()}
    for other in ("floor", "torch", "naive"):
        if other in times and "lstm" in times:
            row[f"lstm/{other}"] = spread([a / b for a, b in zip(times["lstm"], times[other])])
    return row


def _header(impls) -> str:
    return (
        f"{'dtype':8s} {'B':>3s} {'T':>4s} {'D':>4s} {'H':>4s} |"
        + "".join(f" {name + ' ms':>21s}" for name in impls)
        + f" | {'lstm/floor':>16s} {'lstm/torch':>16s}"
    )


def _line(row, impls) -> str:
    cells = "".join(
        f" {row['ms'][n]['median']:8.2f} [{row['ms'][n]['min']:5.2f}-{row['ms'][n]['max']:5.2f}]" for n in impls
    )
    ratios = ""
    for other in ("floor", "torch"):
        q = row.get(f"lstm/{other}")
        ratios += f" {q['median']:5.2f} [{q['min']:4.2f}-{q['max']:4.2f}]" if q else f" {'-':>16s}"
    return f"{row['dtype']:8s} {row['B']:3d} {row['T']:4d} {row['D']:4d} {row['H']:4d} |{cells} |{ratios}"


def main(argv=None):
    args = _parser().parse_args(argv)
    if args.lm_worker:
        print(json.dumps(lm_worker(args.lm_worker, budget=args.budget)))
        return None
    if args.lm:
        return lm_main(rounds=args.rounds, budget=max(args.budget, 3.0),
                       output=args.output if args.output != str(RESULTS) else LM_RESULTS, note=args.note)
    if args.worker:
        impl, dtype, *size = args.worker
        print(json.dumps(worker(impl, dtype, *map(int, size), budget=args.budget)))
        return None

    impls = [name for name in args.impls.split(",") if name]
    tv = torch_version() if "torch" in impls else None
    if "torch" in impls and tv is None:
        print("# torch not installed: no torch column (make bench installs it)")
        impls.remove("torch")
    sizes = SIZES[:2] if args.quick else SIZES
    info = _machine(tv, args.note, args.rounds, args.budget)
    print(f"# {info['machine']}, python {info['python']}, numpy {info['numpy']}", end="")
    print(f", torch {info['torch']} ({info['torch_threads']} threads by default)" if tv else "")
    print(f"# method: {METHOD}")
    if args.note:
        print(f"# note: {args.note}")
    header = _header(impls)
    print(header)
    print("-" * len(header))
    rows = []
    for dtype in args.dtypes.split(","):
        for size in sizes:
            rows.append(_time_size(impls, dtype, size, args.rounds, args.budget))
            print(_line(rows[-1], impls), flush=True)
    info["load_average_end"] = os.getloadavg()[0]
    result = {**info, "sizes": [list(s) for s in sizes], "rows": rows}
    if args.output:
        pathlib.Path(args.output).write_text(json.dumps(result, indent=1) + "\n")
        print(f"# written to {args.output}")
    return result


# ---------------------------------------------------------------- the language model's training step

#: The committed language model's shape (scripts/train_charlm.py): K characters, L layers of H units,
#: B streams, windows of T characters, the dropout rate.
LM_SHAPE = {"K": 65, "H": 512, "L": 2, "B": 64, "T": 100, "dropout": 0.3}
LM_IMPLS = ("lstm", "floor", "torch")
LM_RESULTS = DATA_DIR / "bench" / "charlm_step.json"


def make_lm(impl, K, H, L, B, T, dropout, seed=0):
    """A function running one float32 training step of the language model.

    * ``lstm``: this package's step (:func:`lstm.lm.charlm.loss_and_grads` with
      dropout, gradient clipping, Adam);
    * ``floor``: only its matrix products (:func:`lstm.lm.charlm.step_flops`
      counts them), each into a preallocated array, on NumPy's BLAS;
    * ``torch``: the same model in PyTorch (``nn.LSTM`` with ``num_layers``
      and ``dropout``, ``nn.Dropout``, ``nn.Linear``, cross-entropy,
      ``clip_grad_norm_``, ``torch.optim.Adam``).
    """
    makers = {"lstm": _lm_step, "floor": _lm_floor, "torch": _lm_torch}
    if impl not in makers:
        raise ValueError(f"unknown implementation {impl!r}; expected one of {LM_IMPLS}")
    rng = np.random.default_rng(seed)
    inputs, targets = rng.integers(0, K, (T, B)), rng.integers(0, K, (T, B))
    return makers[impl](rng, inputs, targets, K, H, L, B, T, dropout)


def _lm_step(rng, inputs, targets, K, H, L, B, T, dropout):
    from lstm.lm import charlm
    from lstm.training.clip import clip_grad_norm
    from lstm.training.optim import Adam

    params = charlm.init_lm_params(K, H, layers=L, rng=rng, dtype=np.float32)
    opt = Adam(params, lr=1e-3)
    state = None

    def step():
        nonlocal state
        _, grads, state = charlm.loss_and_grads(params, inputs, targets, state, dropout=dropout, rng=rng)
        clip_grad_norm(grads, 1.0)
        opt.step(grads)

    return step


def _lm_floor(rng, inputs, targets, K, H, L, B, T, dropout):
    f32, n = np.float32, T * B
    layers = []
    for layer in range(L):
        D = K if layer == 0 else H
        layers.append({
            "X": rng.random((n, D), f32), "W_xT": rng.random((D, 4 * H), f32),
            "W_hT": rng.random((H, 4 * H), f32), "h": rng.random((B, H), f32),
            "A": np.empty((n, 4 * H), f32), "r": np.empty((B, 4 * H), f32), "dh": np.empty((B, H), f32),
            "dW_x": np.empty((4 * H, D), f32), "dW_h": np.empty((4 * H, H), f32),
            "Hp": rng.random((n, H), f32), "dX": np.empty((n, D), f32),
        })
    top, W_yT = rng.random((n, H), f32), rng.random((H, K), f32)
    logits, dtop, dW_y = np.empty((n, K), f32), np.empty((n, H), f32), np.empty((K, H), f32)

    def step():
        for a in layers:  # forward: the input projection, then one recurrent product per step
            np.matmul(a["X"], a["W_xT"], out=a["A"])
            for _ in range(T):
                np.matmul(a["h"], a["W_hT"], out=a["r"])
        np.matmul(top, W_yT, out=logits)  # the output layer and its two gradients
        np.matmul(logits, W_yT.T, out=dtop)
        np.matmul(logits.T, top, out=dW_y)
        for index in reversed(range(L)):  # backward: one product per step, then the gradients
            a = layers[index]
            for _ in range(T):
                np.matmul(a["r"], a["W_hT"].T, out=a["dh"])
            np.matmul(a["A"].T, a["X"], out=a["dW_x"])
            np.matmul(a["A"].T, a["Hp"], out=a["dW_h"])
            if index:
                np.matmul(a["A"], a["W_xT"].T, out=a["dX"])

    return step


def _lm_torch(rng, inputs, targets, K, H, L, B, T, dropout):
    import torch

    torch.manual_seed(0)
    lstm_layers = torch.nn.LSTM(K, H, num_layers=L, dropout=dropout if L > 1 else 0.0)
    drop, out = torch.nn.Dropout(dropout), torch.nn.Linear(H, K)
    params = list(lstm_layers.parameters()) + list(out.parameters())
    opt = torch.optim.Adam(params, lr=1e-3)
    x = torch.nn.functional.one_hot(torch.from_numpy(inputs), K).float()
    y = torch.from_numpy(targets).reshape(-1)

    def step():
        opt.zero_grad()
        hs, _ = lstm_layers(x)
        loss = torch.nn.functional.cross_entropy(out(drop(hs)).reshape(T * B, K), y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()

    return step


def lm_worker(impl, budget=3.0):
    """In this process: two untimed steps, then at least 5 timed ones; the list of times (s)."""
    fn = make_lm(impl, **LM_SHAPE)
    fn()
    fn()
    times = []
    start = time.perf_counter()
    while len(times) < 5 or time.perf_counter() - start < budget:
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return times


def lm_main(rounds=3, budget=3.0, output=LM_RESULTS, note=""):
    """Time the language model's training step: this package, the floor and PyTorch, each in its
    own process with its default settings; rounds alternate the order.  Writes ``output`` (JSON)."""
    from lstm.lm.charlm import step_flops

    impls = list(LM_IMPLS)
    tv = torch_version()
    if tv is None:
        impls.remove("torch")
    flops = step_flops(LM_SHAPE["K"], LM_SHAPE["H"], LM_SHAPE["L"], LM_SHAPE["B"], LM_SHAPE["T"])
    times = {name: [] for name in impls}
    load_start = os.getloadavg()[0]
    for r in range(rounds):
        for name in impls[r % len(impls):] + impls[: r % len(impls)]:
            cmd = [sys.executable, "-m", "lstm.bench", "--lm-worker", name, "--budget", str(budget)]
            out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
            times[name].append(statistics.median(json.loads(out.splitlines()[-1])))
    result = {
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
        "python": platform.python_version(), "numpy": np.__version__,
        "torch": tv[0] if tv else None, "torch_threads": int(tv[1]) if tv else None,
        "load_average_start": load_start, "load_average_end": os.getloadavg()[0], "note": note,
        "method": ("each implementation in its own process, default settings (no thread count set); "
                   "per process 2 untimed steps, then timed steps for about --budget s (at least 5), "
                   "their median; rounds alternate the order; the figures are medians over rounds"),
        "shape": LM_SHAPE, "flops_per_step": flops, "rounds": rounds,
        "seconds": {name: spread(ts) for name, ts in times.items()},
    }
    med = {name: result["seconds"][name]["median"] for name in impls}
    result["gflops"] = {name: flops / t / 1e9 for name, t in med.items()}
    result["lstm/floor_time"] = med["lstm"] / med["floor"]
    if "torch" in med:
        result["lstm/torch_time"] = med["lstm"] / med["torch"]
    for name in impls:
        print(f"{name:6s} {1e3 * med[name]:8.1f} ms per step  {result['gflops'][name]:6.1f} GFLOP/s")
    print(f"share of the floor's GFLOP/s: {1 / result['lstm/floor_time']:.0%}", end="")
    print(f"; step time / PyTorch's: {result['lstm/torch_time']:.2f}" if "torch" in med else "")
    if output:
        pathlib.Path(output).write_text(json.dumps(result, indent=1) + "\n")
        print(f"# written to {output}")
    return result


if __name__ == "__main__":
    main()
