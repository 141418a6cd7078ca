"""Benchmark: forward + backward through time, against the matrix-product floor and PyTorch.

Run with ``make bench``.  For each size (B, T, D, H) and dtype it times one
forward and one backward pass (with a gradient on every h_t) of

* ``lstm``:   this package (``lstm.forward`` / ``lstm.backward``);
* ``naive``:  a per-gate implementation like the source articles': four
              gate matrices, the input concatenated to [h; x] at every step,
              and weight gradients accumulated step by step;
* ``floor``:  only the matrix products the algorithm needs (input
              projection, one recurrent product per step forward and one
              backward, the three gradient products), on the same BLAS: a
              lower bound for any implementation of this algorithm;
* ``torch``:  ``torch.nn.LSTM`` on the CPU with the same number of threads
              as NumPy's BLAS, when PyTorch is installed.

The timing is built to survive a noisy machine.  It runs in ``--rounds``
rounds; in each round every implementation runs three times in a row (as
in a training loop, where the C allocator hands the same memory back) and
its best of the three counts.  The table shows each implementation's median
over the rounds, and each ratio is the median over the rounds of that
round's ratio, so a slow period of the machine, which slows everything in
its round alike, cancels out.  With ``--block 1`` every run touches fresh
memory instead; where page faults are expensive (about 0.7 ms per MB on the
virtual machines this book is tested on) that raises the lstm/floor ratio
at the largest sizes by 10 to 20 percent, because the LSTM must store its
gates and gradients (about 85 MB at the largest size) while the products
alone write about a third of that.  The naive implementation's gradients
are checked against the package's before it is timed, so the table compares correct code only.
"""
from __future__ import annotations

import argparse
import os

# torch's OpenMP threads otherwise spin after each call and slow the next NumPy timing.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import platform  # noqa: E402
import statistics
import time

import numpy as np

import lstm

SIZES = [(1, 100, 10, 32), (32, 50, 64, 128), (64, 50, 256, 256), (16, 200, 128, 512)]


def blas_threads() -> int:
    try:
        from threadpoolctl import threadpool_info

        return max(i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas")
    except Exception:  # threadpoolctl is optional
        return int(os.environ.get("OPENBLAS_NUM_THREADS", os.cpu_count() or 1))


def problem(B, T, D, H, dtype, seed=0):
    rng = np.random.default_rng(seed)
    params = lstm.init_params(D, H, rng=rng, dtype=dtype)
    params["b"] = rng.standard_normal(4 * H).astype(dtype)
    x = rng.standard_normal((T, B, D)).astype(dtype)
    dhs = rng.standard_normal((T, B, H)).astype(dtype)
    return params, x, dhs


def run_lstm(params, x, dhs):
    hs, _, cache = lstm.forward(x, params)
    return lstm.backward(dhs, cache)


def run_naive(params, x, dhs):
    """Per-gate matrices, [h; x] built at every step, per-step gradient products."""
    T, B, D = x.shape
    H = params["W_h"].shape[1]
    sig = lambda z: 1 / (1 + np.exp(-z))
    W = {k: np.hstack([params["W_h"][n * H : (n + 1) * H], params["W_x"][n * H : (n + 1) * H]]) for n, k in enumerate("ifgo")}
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
        da = {"i": dc * g * i * (1 - i), "f": dc * c_prev * f * (1 - f), "g": dc * i * (1 - g**2), "o": do * o * (1 - o)}
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
    """Only the products, with the shapes and count of lstm.forward/backward."""
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


def make_torch(params, x, dhs, threads):
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(threads)
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


def timed(fns: dict, rounds: int, block: int) -> dict:
    """Per implementation, the best of ``block`` consecutive runs in each of ``rounds`` rounds."""
    for fn in fns.values():
        fn()  # warm-up
    times = {name: [] for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            best = float("inf")
            for _ in range(block):
                start = time.perf_counter()
                fn()
                best = min(best, time.perf_counter() - start)
            times[name].append(best)
    return times


def median_ratio(a, b):
    return statistics.median(x / y for x, y in zip(a, b))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7, help="rounds (default 7)")
    parser.add_argument("--block", type=int, default=3, help="consecutive runs per implementation and round (default 3)")
    parser.add_argument("--quick", action="store_true", help="the two smallest sizes only, for a smoke test")
    args = parser.parse_args(argv)
    threads = blas_threads()
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, BLAS threads {threads}, numpy {np.__version__}")
    print(f"# {args.rounds} rounds, best of {args.block} consecutive runs per round; medians over rounds")
    try:
        import torch

        print(f"# torch {torch.__version__}, {threads} threads")
    except ImportError:
        print("# torch not installed: no torch column (make bench installs it)")
    header = f"{'dtype':8s} {'B':>3s} {'T':>4s} {'D':>4s} {'H':>4s} | {'lstm ms':>8s} {'naive ms':>9s} {'floor ms':>9s} {'torch ms':>9s} | {'lstm/floor':>10s} {'lstm/torch':>10s} {'naive/lstm':>10s}"
    print(header)
    print("-" * len(header))
    rows = []
    for dtype in (np.float64, np.float32):
        for B, T, D, H in SIZES[:2] if args.quick else SIZES:
            params, x, dhs = problem(B, T, D, H, dtype)
            ours, naive = run_lstm(params, x, dhs), run_naive(params, x, dhs)
            tol = 1e-9 if dtype == np.float64 else 1e-3
            for k in naive:
                err = lstm.relative_error(naive[k], ours[k])
                assert err < tol, f"naive implementation disagrees on {k}: {err:.1e}"
            fns = {
                "lstm": lambda: run_lstm(params, x, dhs),
                "naive": lambda: run_naive(params, x, dhs),
                "floor": make_floor(params, x, dhs),
            }
            torch_run = make_torch(params, x, dhs, threads)
            if torch_run:
                fns["torch"] = torch_run
            times = timed(fns, args.rounds, args.block)
            med = {name: statistics.median(ts) for name, ts in times.items()}
            t_torch = med.get("torch", float("nan"))
            r_floor = median_ratio(times["lstm"], times["floor"])
            r_torch = median_ratio(times["lstm"], times["torch"]) if torch_run else float("nan")
            r_naive = median_ratio(times["naive"], times["lstm"])
            rows.append((np.dtype(dtype).name, B, T, D, H, med["lstm"], med["naive"], med["floor"], t_torch, r_floor, r_torch))
            print(
                f"{np.dtype(dtype).name:8s} {B:3d} {T:4d} {D:4d} {H:4d} | {1e3 * med['lstm']:8.2f} {1e3 * med['naive']:9.2f} {1e3 * med['floor']:9.2f} {1e3 * t_torch:9.2f} |"
                f" {r_floor:10.2f} {r_torch:10.2f} {r_naive:10.2f}",
                flush=True,
            )
    return rows


if __name__ == "__main__":
    main()
