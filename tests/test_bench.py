"""The benchmark runs, its naive baseline computes the same gradients, and its results are well formed."""
import inspect
import json

import numpy as np
import pytest

import lstm
from lstm import bench as benchmark


def test_naive_baseline_is_correct():
    params, x, dhs = benchmark.problem(3, 4, 2, 3, np.float64)
    ours, naive = benchmark.run_lstm(params, x, dhs), benchmark.run_naive(params, x, dhs)
    for k in naive:
        np.testing.assert_allclose(naive[k], ours[k], rtol=1e-12, atol=1e-14)


def test_the_benchmark_sets_no_environment_variable_for_any_library():
    source = inspect.getsource(benchmark)
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
    assert isinstance(t, float) and t > 0  # a time in seconds; how long is not asserted (busy machines)


def test_the_committed_results_are_where_the_benchmark_writes_them():
    assert benchmark.RESULTS == lstm.data_path("bench", "results.json")
    stored = json.loads(benchmark.RESULTS.read_text())
    assert stored["method"] == benchmark.METHOD and stored["sizes"] == [list(s) for s in benchmark.SIZES]


def test_lm_floor_does_exactly_the_counted_products(monkeypatch):
    """The language model's floor runs the products that charlm.step_flops counts, no more, no less."""
    from lstm import bench as lm_bench
    from lstm.lm import charlm

    shape = {"K": 7, "H": 4, "L": 2, "B": 3, "T": 5, "dropout": 0.25}
    step = lm_bench.make_lm("floor", **shape)
    flops = []
    real = np.matmul

    def counting(a, b, *args, **kwargs):
        flops.append(2 * a.shape[0] * a.shape[1] * b.shape[1])
        return real(a, b, *args, **kwargs)

    monkeypatch.setattr(np, "matmul", counting)
    step()
    assert sum(flops) == charlm.step_flops(7, 4, 2, 3, 5)


@pytest.mark.parametrize("impl", ["lstm", "floor"])
def test_lm_steps_run(impl):
    from lstm import bench as lm_bench

    step = lm_bench.make_lm(impl, K=7, H=4, L=2, B=3, T=5, dropout=0.25)
    step()
    with pytest.raises(ValueError, match="unknown"):
        lm_bench.make_lm("jax", K=7, H=4, L=2, B=3, T=5, dropout=0.25)
