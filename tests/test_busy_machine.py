"""The chapters that time code pass while other processes keep every core busy.

A page may show timings measured as it runs, but asserts nothing about them:
what the book claims about speed is checked against the committed results of
``make bench`` (``lstm.data_path("bench", ...)``).  A live timing on a loaded
machine can be many times slower than on a quiet one, and in any order, so an
assert on one breaks on a busy CI machine.  This test re-executes the chapters
that time implementations against each other with one busy loop per core
running beside them, so that such an assert fails here first.

It is bounded in time: each chapter must finish within ``CHAPTER_TIMEOUT``
seconds (its kernel is killed otherwise), and the busy loops are killed
whatever happens.  Deselect it with ``-m "not busy"``.
"""
import os
import pathlib
import re
import signal
import subprocess
import sys
import time

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"

# Chapters that time implementations against each other: re-executed under load.
BUSY_CHAPTERS = ["fast.ipynb", "activations.ipynb"]
# Chapters that time only their own work (how long a proof or a training run took) and print
# it, or that train for minutes: not re-executed here (make test-notebooks runs them).
SHOWN_ONLY = {
    "bptt.ipynb": "prints the fast path's live time beside the committed benchmark ratios it asserts",
    "layers.ipynb": "prints how long each proof took",
    "rnn.ipynb": "prints how long the chapter took",
    "gru.ipynb": "prints how long the chapter took",
    "reber.ipynb": "trains for minutes; prints how long each experiment took",
    "training.ipynb": "trains for minutes; prints how long each experiment took",
    "charlm.ipynb": "trains for minutes; shows a table of step times, asserts none",
}
TIMING = re.compile(r"perf_counter|timeit|process_time|time\.time\(|time\.monotonic")
CHAPTER_TIMEOUT = 900  # seconds, per chapter, with every core busy: a bound, not the expected time

pytestmark = pytest.mark.busy


def timing_notebooks():
    found = []
    for path in sorted(BOOK.glob("**/*.ipynb")):
        if ".ipynb_checkpoints" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        if TIMING.search(text):
            found.append(path.relative_to(BOOK).as_posix())
    return found


def test_every_notebook_that_times_code_is_accounted_for():
    timed = set(timing_notebooks())
    assert "fast.ipynb" in timed  # the search finds the chapter that times the most
    unlisted = timed - set(BUSY_CHAPTERS) - set(SHOWN_ONLY)
    assert not unlisted, f"notebooks that time code, in neither BUSY_CHAPTERS nor SHOWN_ONLY: {unlisted}"


@pytest.fixture(scope="module")
def busy_cores():
    """One busy loop per core (at least two), killed at the end whatever happens."""
    loops = []
    try:
        for _ in range(max(2, os.cpu_count() or 2)):
            loops.append(subprocess.Popen([sys.executable, "-c", "while True: pass"]))
        yield len(loops)
    finally:
        for p in loops:
            p.kill()
        for p in loops:
            p.wait(timeout=30)


@pytest.mark.slow
@pytest.mark.parametrize("chapter", BUSY_CHAPTERS)
def test_timing_chapter_passes_on_a_busy_machine(chapter, busy_cores, tmp_path):
    cmd = [sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
           f"--ExecutePreprocessor.timeout={CHAPTER_TIMEOUT}", "--output-dir", str(tmp_path),
           str(BOOK / chapter)]
    # its own process group, so that a timeout kills the kernel too
    proc = subprocess.Popen(cmd, cwd=BOOK, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    start = time.monotonic()
    try:
        out, err = proc.communicate(timeout=CHAPTER_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail(f"{chapter} did not finish within {CHAPTER_TIMEOUT} s beside {busy_cores} busy loops")
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    seconds = time.monotonic() - start
    assert proc.returncode == 0, f"{chapter} failed beside {busy_cores} busy loops:\n{err[-4000:]}"
    print(f"{chapter}: {seconds:.0f} s beside {busy_cores} busy loops")
