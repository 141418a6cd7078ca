"""No line of a code cell is longer than 100 characters.

At 1280 px the site draws a cell's code in a box that holds a little over
100 characters (_static/layout.css sets its font size for that), so a longer
line would need a sideways scroll to be read. The exception is the `%pip
install` line of each chapter's install cell, which the site does not show.
tests/browser/test_code_fits.py measures the boxes themselves in Chromium.
"""
import json
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(p for p in (ROOT / "book").glob("**/*.ipynb") if ".ipynb_checkpoints" not in p.parts)
LIMIT = 100


def long_lines(cells):
    """The code lines longer than LIMIT, but the %pip line: "cell <id> line <n> (<length> characters): ..."."""
    long = []
    for cell in cells:
        if cell["cell_type"] != "code":
            continue
        for n, line in enumerate("".join(cell["source"]).split("\n"), 1):
            if len(line) > LIMIT and not line.lstrip().startswith("%pip install"):
                long.append(f"cell {cell.get('id')} line {n} ({len(line)} characters): {line.strip()[:60]}…")
    return long


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.relative_to(ROOT / "book").as_posix())
def test_no_code_line_is_longer_than_100_characters(path):
    long = long_lines(json.loads(path.read_text())["cells"])
    assert not long, (f"{path.name}: code lines longer than {LIMIT} characters (break them inside brackets, "
                      "or split a long string into adjacent literals):\n  " + "\n  ".join(long))


def test_the_check_finds_a_line_of_101_characters():
    """A line of 100 characters passes, one of 101 is found; the %pip line and markdown are let be."""
    cells = [{"cell_type": "code", "id": "c1", "source": ["x = 1  # " + "a" * 91 + "\n",
                                                         "y = 2  # " + "a" * 92 + "\n",
                                                         "    %pip install " + "b" * 100]},
             {"cell_type": "markdown", "id": "m1", "source": ["c" * 200]}]
    assert [s.split(" (")[0] for s in long_lines(cells)] == ["cell c1 line 2"]
