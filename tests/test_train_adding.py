"""The committed adding-problem runs (lstm.data_path("adding")) are reproducible from scripts/train_adding.py.

The script's first steps for one seed of each cell, run afresh in a separate
process (so that its one-BLAS-thread setting applies), must give the first
training losses stored in the committed log; and the committed weights must
match the log (their shapes, and the test MSE the log records for them).
"""
import json
import pathlib
import subprocess
import sys

import numpy as np
import pytest

import lstm
from lstm.training.experiments import adding_test_set
from lstm.training.models import LastStepMSE

ROOT = pathlib.Path(__file__).resolve().parent.parent
DATA = lstm.data_path("adding")
SCRIPT = ROOT / "scripts" / "train_adding.py"
STEPS = 8

SCRIPT_STEPS = r"""
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("train_adding", sys.argv[1])
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)   # sets one BLAS thread before NumPy loads
conf = json.loads(sys.argv[2])
record, _ = mod.run(sys.argv[3], int(sys.argv[4]), T=conf["T"], steps=int(sys.argv[5]), H=conf["H"],
                    B=conf["B"], lr=conf["lr"], clip=conf["clip"], eval_every=conf["eval_every"])
print(json.dumps(record))
"""


@pytest.fixture(scope="module")
def log():
    return json.loads((DATA / "log.json").read_text())


@pytest.fixture(scope="module")
def weights():
    with np.load(DATA / "weights.npz") as npz:
        return dict(npz)


def test_log_lists_every_run(log):
    conf = log["settings"]
    assert len(conf["seeds"]) >= 3
    assert [(r["cell"], r["seed"]) for r in log["runs"]] == [(c, s) for c in conf["cells"] for s in conf["seeds"]]
    for r in log["runs"]:
        assert r["steps"] == conf["steps"] and r["stop_reason"] == f"step budget {conf['steps']}"
        assert len(r["first_losses"]) >= STEPS and r["test_mse"] == r["eval_loss"][-1]


def test_weights_are_small_and_match_the_cells(log, weights):
    assert (DATA / "weights.npz").stat().st_size < 400_000
    conf = log["settings"]
    cells = {"lstm": lstm.LSTM(), "rnn": lstm.RNN()}
    for r in log["runs"]:
        pre = f"{r['cell']}_seed{r['seed']}_"
        params = {k[len(pre):]: v for k, v in weights.items() if k.startswith(pre)}
        shapes = cells[r["cell"]].param_shapes(2, conf["H"])
        assert {k: v.shape for k, v in params.items()} == {**shapes, "W_y": (1, conf["H"]), "b_y": (1,)}
        assert all(v.dtype == np.float64 and np.all(np.isfinite(v)) for v in params.values())


def test_first_lstm_run_test_mse(log, weights):
    r = log["runs"][0]
    pre = f"{r['cell']}_seed{r['seed']}_"
    params = {k[len(pre):]: v for k, v in weights.items() if k.startswith(pre)}
    test = adding_test_set(log["settings"]["T"], log["settings"]["n_test"])
    mse = LastStepMSE(lstm.LSTM()).loss(params, test)
    assert abs(mse / r["test_mse"] - 1) < 1e-9


@pytest.mark.parametrize("cell", ["lstm", "rnn"])
def test_script_reproduces_the_first_losses(log, cell):
    conf = log["settings"]
    seed = conf["seeds"][0]
    logged = next(r for r in log["runs"] if r["cell"] == cell and r["seed"] == seed)
    out = subprocess.run([sys.executable, "-c", SCRIPT_STEPS, str(SCRIPT), json.dumps(conf), cell, str(seed),
                          str(STEPS)], capture_output=True, text=True, check=True, cwd=ROOT)
    record = json.loads(out.stdout.strip().splitlines()[-1])
    assert record["steps"] == STEPS
    np.testing.assert_allclose(record["first_losses"], logged["first_losses"][:STEPS], rtol=1e-12, atol=0)
    assert abs(record["eval_loss"][0] / logged["eval_loss"][0] - 1) < 1e-12  # the same test set and start
