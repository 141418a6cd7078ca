"""Every chapter runs on its own: copied alone into an empty folder, with only the package installed.

That is how Colab opens a chapter (the notebook alone; its first cell installs
the package), so a chapter may read no file beside it: the data it loads is
package data (``lstm.data_path``). The checks here are cheap:

* cheap, every notebook: no code cell names a file or folder of the
  repository by a relative path (``"data/x.txt"``, ``"../bench"``);
* the package data: ``data_path`` finds every shipped file, and the files
  are declared as package data and small.

Running every chapter alone is not repeated here: ``make test-notebooks``
copies each notebook into an empty folder of its own, outside the
repository, and runs it there, so the notebook run itself is the proof.
"""
import ast
import json
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
NOTEBOOKS = sorted(p for p in BOOK.glob("**/*.ipynb") if ".ipynb_checkpoints" not in p.parts)

def code_cells(path):
    cells = json.loads(path.read_text())["cells"]
    return [(c.get("id"), "".join(c["source"])) for c in cells if c["cell_type"] == "code"]


def python_source(cell_source):
    """The cell as Python: IPython's magics (%pip, !cmd) become get_ipython() calls."""
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(cell_source)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.relative_to(BOOK).as_posix())
def test_no_code_cell_names_a_repository_file_by_a_relative_path(path):
    """A string literal that is a path to something in book/ or the repository works only there."""
    bases = {path.parent, BOOK, ROOT}
    found = []
    for cid, src in code_cells(path):
        for node in ast.walk(ast.parse(python_source(src))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = node.value.strip()
                if "\n" in text or len(text) > 200 or text in ("", ".", ".."):
                    continue
                # A path-like literal ("data/x.txt", "results.json") found anywhere in the repository,
                # or a bare word naming something beside the notebook ("data"); other bare words
                # ("book", a layout's name) are names, not paths.
                pathlike = re.search(r"[/\\]|\.\w{1,5}$", text)
                if any((base / text).exists() for base in (bases if pathlike else {path.parent})):
                    found.append((cid, text))
    assert not found, f"{path.name} reads files beside it (use lstm.data_path): {found}"


def test_data_path_finds_every_shipped_file_and_refuses_others():
    import lstm
    from lstm import datasets

    files = datasets.available()
    assert {"tinyshakespeare.txt", "charlm.npz", "adding/weights.npz", "bench/results.json"} <= set(files)
    for name in files:
        assert lstm.data_path(*name.split("/")).is_file() and lstm.data_path(name).is_file()
    with pytest.raises(FileNotFoundError, match="tinyshakespeare.txt"):  # the message lists what there is
        lstm.data_path("tinyshakespear.txt")
    with pytest.raises(ValueError, match="inside the data folder"):
        lstm.data_path("..", "datasets.py")
    with pytest.raises(TypeError, match="str"):
        lstm.data_path(pathlib.Path("charlm.npz"))


def test_the_package_data_is_declared_and_small():
    """pyproject.toml's package-data patterns cover every data file (or pip would not install it)."""
    import fnmatch

    tomllib = pytest.importorskip("tomllib")  # Python >= 3.11

    from lstm import datasets

    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["lstm"]
    package = datasets.DATA_DIR.parent
    for p in datasets.DATA_DIR.rglob("*"):
        if p.is_file():
            rel = p.relative_to(package).as_posix()
            assert any(fnmatch.fnmatch(rel, pat) and rel.count("/") == pat.count("/") for pat in patterns), rel
    total = sum(p.stat().st_size for p in datasets.DATA_DIR.rglob("*") if p.is_file())
    # The language model's float32 weights (at most 20 MB by design; 12.3 MB) and the text (1.1 MB)
    # are most of it; everything else is under 1 MB.
    assert total < 16_000_000, f"{total / 1e6:.1f} MB of package data"
