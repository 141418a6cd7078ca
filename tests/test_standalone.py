"""Every chapter runs on its own: copied alone into an empty folder, with only the package installed.

That is how Colab opens a chapter (the notebook alone; its first cell installs
the package), so a chapter may read no file beside it: the data it loads is
package data (``lstm.data_path``). The checks here are cheap:

* cheap, every notebook: no code cell names a file or folder of the
  repository by a relative path (``"data/x.txt"``, ``"../bench"``).

The package data itself (``data_path`` finds every shipped file; the files are
declared as package data and small) is tested in tests/test_datasets.py.

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
