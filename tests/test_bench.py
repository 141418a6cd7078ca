"""The benchmark runs, its naive baseline computes the same gradients, and its results are well formed."""
import importlib.util
import json
import pathlib

import numpy as np
import pytest

SPEC = importlib.util.spec_from_file_location("benchmark", pathlib.Path(__file__).resolve().parents[1] / "bench" / "benchmark.py")
benchmark = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(benchmark)


def test_naive_baseline_is_correct():
    params, x, dhs = benchmark.problem(3, 4, 2, 3, np.float64)
    ours, naive = benchmark.run_lstm(params, x, dhs), benchmark.run_naive(params, x, dhs)
    for k in naive:
        np.testing.assert_allclose(naive[k], ours[k], rtol=1e-12, atol=1e-14)


def test_the_benchmark_sets_no_environment_variable_for_any_library():
    source = SPEC.origin and pathlib.Path(SPEC.origin).read_text()
    for forbidden in ("os.environ[", "environ.setdefault", "OMP_WAIT_POLICY", "set_num_threads", "NUM_THREADS"):
        assert forbidden not in source, forbidden


def test_benchmark_smoke(tmp_path, capsys):
    out = tmp_path / "results.json"
    result = benchmark.main(["--quick", "--rounds", "2", "--budget", "0.01", "--impls", "lstm,floor",
                             "--dtypes", "float64", "--output", str(out)])
    printed = capsys.readouterr().out
    assert "method:" in printed and "lstm/floor" in printed and "own process" in printed
    stored = json.loads(out.read_text())
    assert stored == json.loads(json.dumps(result))
    assert len(stored["rows"]) == 2 and stored["method"] == benchmark.METHOD
    for row in stored["rows"]:
        assert set(row["ms"]) == {"lstm", "floor"}
        for name, s in row["ms"].items():
            assert len(s["rounds"]) == 2 and 0 < s["min"] <= s["median"] <= s["max"], name
        assert row["lstm/floor"]["median"] > 0


def test_a_torch_worker_runs_in_its_own_process():
    pytest.importorskip("torch")
    t = benchmark.measure("torch", "float32", (1, 5, 2, 3), budget=0.01)
    assert 0 < t < 10
