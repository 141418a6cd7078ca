"""The benchmark runs, and its naive baseline computes the same gradients as the package."""
import importlib.util
import pathlib

import numpy as np

SPEC = importlib.util.spec_from_file_location("benchmark", pathlib.Path(__file__).resolve().parents[1] / "bench" / "benchmark.py")
benchmark = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(benchmark)


def test_naive_baseline_is_correct():
    params, x, dhs = benchmark.problem(3, 4, 2, 3, np.float64)
    ours, naive = benchmark.run_lstm(params, x, dhs), benchmark.run_naive(params, x, dhs)
    for k in naive:
        np.testing.assert_allclose(naive[k], ours[k], rtol=1e-12, atol=1e-14)


def test_benchmark_smoke(capsys):
    rows = benchmark.main(["--quick", "--rounds", "1", "--block", "1"])
    assert len(rows) == 4 and all(r[5] > 0 for r in rows)
    assert "lstm/floor" in capsys.readouterr().out
