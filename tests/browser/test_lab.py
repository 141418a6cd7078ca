"""`make lab` renders MyST: a chapter opened in JupyterLab shows its theorems,
exercises and cross-references rendered (jupyterlab-myst), with its macros.

JupyterLab runs on a copy of the chapter, so that nothing it writes (it may
mark the notebook as changed) touches the book.
"""
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CHAPTER = "bptt.ipynb"  # theorems, proofs, exercises, {eq}, {doc}, {cite} and a figure


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    root = tmp_path_factory.mktemp("lab")
    shutil.copy(os.path.join(ROOT, "book", CHAPTER), root)
    shutil.copytree(os.path.join(ROOT, "book", "figures"), root / "figures")
    port, token = free_port(), "browser-test"
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1",
           f"--ServerApp.token={token}", f"--ServerApp.root_dir={root}", "--allow-root"]
    server = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            urllib.request.urlopen(f"{url}/api?token={token}", timeout=1)
            break
        except OSError:
            time.sleep(0.5)
    else:
        server.terminate()
        pytest.fail("JupyterLab did not start")
    yield f"{url}/lab/tree/{CHAPTER}?reset&token={token}"
    server.terminate()
    server.wait(timeout=30)


RENDERED_TEXT = """() => [...document.querySelectorAll('.jp-MarkdownCell')]
    .map(c => [c.getAttribute('data-windowed-list-index'), c.querySelector('.myst') ? c.querySelector('.myst').innerText : null])"""
SCROLL = """() => { const o = [...document.querySelectorAll('.jp-WindowedPanel-outer')].find(e => e.offsetParent !== null);
    const before = o.scrollTop; o.scrollTop += 600; return o.scrollTop === before; }"""


def test_lab_renders_myst(browser, lab):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    console = []
    page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    page.goto(lab)
    page.wait_for_selector(".jp-Notebook >> visible=true", timeout=120_000)
    page.wait_for_selector(".jp-MarkdownCell .myst >> visible=true", timeout=120_000)
    cells, stuck = {}, 0
    for _ in range(400):  # JupyterLab renders only the cells in view: scroll through them all
        page.wait_for_timeout(500)
        cells.update({i: t for i, t in page.evaluate(RENDERED_TEXT) if t is not None})
        stuck = stuck + 1 if page.evaluate(SCROLL) else 0
        if stuck == 4:  # at the bottom, and nothing more was laid out below
            break
    page.wait_for_timeout(400)
    cells.update({i: t for i, t in page.evaluate(RENDERED_TEXT) if t is not None})
    page.close()
    text = "\n".join(cells.values())
    assert len(cells) >= 15, f"only {len(cells)} markdown cells were rendered by jupyterlab-myst"
    raw = re.findall(r"\{(?:prf:\w+|exercise|solution-start|solution-end|eq|doc|cite|ref)\}", text)
    assert not raw, f"raw MyST left in the rendered cells: {sorted(set(raw))}"
    assert text.count("Theorem") >= 3 and "Exercise" in text, "theorems and exercises are not rendered"
    macro_errors = [m for m in console if "Undefined control sequence" in m or "redefine" in m]
    assert not macro_errors, f"macros not defined for KaTeX: {macro_errors[:3]}"
