"""The Greff-variant log (lstm.data_path("greff_T50.jsonl")) is complete, and its script's runs are deterministic."""
import importlib.util
import json
import math
from pathlib import Path

import lstm

ROOT = Path(__file__).resolve().parents[1]
LOG = lstm.data_path("greff_T50.jsonl")
FIELDS = {"variant", "seed", "steps_to_target", "best_mse", "best_step", "steps", "wall_seconds", "T", "budget"}


def _script():
    spec = importlib.util.spec_from_file_location("greff_variants", ROOT / "scripts" / "greff_variants.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_log_complete():
    records = [json.loads(line) for line in LOG.read_text().splitlines() if line.strip()]
    assert all(FIELDS <= r.keys() for r in records), [FIELDS - r.keys() for r in records]
    pairs = sorted((r["variant"], r["seed"]) for r in records)
    assert pairs == sorted((v, s) for v in lstm.VARIANTS for s in (0, 1, 2))
    for r in records:
        assert r["T"] == 50 and r["budget"] == records[0]["budget"]
        assert math.isfinite(r["best_mse"]) and r["best_mse"] > 0 and r["wall_seconds"] > 0
        assert 0 < r["steps"] <= r["budget"]
        s = r["steps_to_target"]
        assert (s is None) == (r["best_mse"] > r["target"]), r
        assert s is None or s <= r["steps"]


def test_run_deterministic():
    run = _script().run
    a, b = run("CIFG", 0, 20), run("CIFG", 0, 20)
    a.pop("wall_seconds"), b.pop("wall_seconds")
    assert a == b
    assert a["steps"] == 20 and a["variant"] == "CIFG" and a["steps_to_target"] is None
    c = run("CIFG", 1, 20)
    assert c["best_mse"] != a["best_mse"]  # the seed matters
