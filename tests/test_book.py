"""The book's hygiene: clean notebooks, a complete table of contents, one set of macros."""
import json
import pathlib
import re

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[1]
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
TOC = yaml.safe_load((ROOT / "_toc.yml").read_text())
NOTEBOOKS = sorted((ROOT / "book").glob("**/*.ipynb"))
NOTEBOOKS = [p for p in NOTEBOOKS if ".ipynb_checkpoints" not in p.parts]


def toc_files():
    files = [TOC["root"]]
    for part in TOC.get("parts", []):
        for chapter in part.get("chapters", []):
            files.append(chapter["file"])
            files += [s["file"] for s in chapter.get("sections", [])]
    return files


def load(path):
    return json.loads(path.read_text())


def source(cell):
    return "".join(cell["source"])


def test_there_are_chapters():
    assert len(NOTEBOOKS) >= 3


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_stored_without_outputs(path):
    for k, cell in enumerate(load(path)["cells"]):
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [], f"{path.name} cell {k} stores outputs"
            assert cell["execution_count"] is None, f"{path.name} cell {k} stores an execution count"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_uses_the_python3_kernel(path):
    assert load(path)["metadata"]["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_in_the_table_of_contents(path):
    assert str(path.relative_to(ROOT).with_suffix("")) in toc_files()


def test_every_toc_entry_exists():
    for entry in toc_files():
        matches = [p for p in (ROOT / f"{entry}{ext}" for ext in (".ipynb", ".md")) if p.exists()]
        assert len(matches) == 1, f"_toc.yml entry {entry} has {len(matches)} source files"


def config_macros():
    lines = []
    for name, value in CONFIG["sphinx"]["config"]["mathjax3_config"]["tex"]["macros"].items():
        if isinstance(value, list):
            lines.append(f"\\newcommand{{\\{name}}}[{value[1]}]{{{value[0]}}}")
        else:
            lines.append(f"\\newcommand{{\\{name}}}{{{value}}}")
    return lines


# Every chapter has been converted (python tests/test_book.py book/*.ipynb book/*/*.ipynb), so the
# old macro cell (\\newcommand only, anywhere), which jupyterlab-myst shows as errors, is refused.
ALLOW_OLD_MACRO_CELLS = False


def macro_cell_source():
    """The hidden first cell: the configured macros for every Jupyter front end.

    JupyterLab with jupyterlab-myst (``make lab``, Binder) renders math with
    KaTeX and takes macros only from a YAML front matter block in the first
    markdown cell; classic Jupyter and Colab (MathJax) take them from
    ``\\renewcommand`` in a math block, which KaTeX then accepts because the
    front matter has defined them (MathJax's renewcommand defines them anew).
    Sphinx removes the cell (tag ``remove-cell``) and reads _config.yml.
    """
    macros = CONFIG["sphinx"]["config"]["mathjax3_config"]["tex"]["macros"]
    front = ["---", "math:"]
    for name, value in macros.items():
        body = value[0] if isinstance(value, list) else value
        front.append(f"  '\\{name}': '{body}'")
    tex = [line.replace("\\newcommand", "\\renewcommand", 1) for line in config_macros()]
    return "\n".join(front + ["---", "$$"] + tex + ["$$"])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_defines_the_configured_macros_for_jupyter(path):
    """Jupyter does not read _config.yml: a hidden first cell repeats the macros."""
    cells = load(path)["cells"]
    macro_cells = [c for c in cells if c["cell_type"] == "markdown" and "newcommand{" in source(c)]
    assert len(macro_cells) == 1, "expected one hidden macro cell"
    cell = macro_cells[0]
    assert "remove-cell" in cell["metadata"].get("tags", [])
    if ALLOW_OLD_MACRO_CELLS and re.findall(r"\\newcommand.*", source(cell)) == config_macros():
        return  # the old form: MathJax only, so jupyterlab-myst shows the macros as errors
    assert cells[0] is cell, f"the macro cell must come first (run: python tests/test_book.py {path.name})"
    assert source(cell) == macro_cell_source(), f"macros out of step (run: python tests/test_book.py {path.name})"


def fix_macro_cell(path):
    """Rewrite a notebook's hidden macro cell as macro_cell_source() and move it to the top."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    found = [c for c in nb.cells if c.cell_type == "markdown" and "newcommand{" in c.source]
    assert len(found) == 1, f"{path}: expected one macro cell, found {len(found)}"
    cell = found[0]
    nb.cells.remove(cell)
    cell.source = macro_cell_source()
    cell.metadata.setdefault("tags", [])
    if "remove-cell" not in cell.metadata["tags"]:
        cell.metadata["tags"].append("remove-cell")
    nb.cells.insert(0, cell)
    nbformat.write(nb, path)


FIGURES = ROOT / "book" / "figures"


def test_diagrams_are_up_to_date():
    """The committed SVG files are what book/figures/draw.py draws (same matplotlib version)."""
    import importlib.util

    import matplotlib

    spec = importlib.util.spec_from_file_location("draw", FIGURES / "draw.py")
    draw = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(draw)
    for name, figure in draw.FIGURES.items():
        committed = (FIGURES / name).read_bytes()
        if f"Matplotlib v{matplotlib.__version__}".encode() not in committed:
            pytest.skip(f"{name} was drawn by another matplotlib version; run book/figures/draw.py")
        assert committed == draw.render(figure), f"{name} is out of date: run book/figures/draw.py"


def test_every_diagram_is_used_with_alt_text():
    text = "\n".join(source(c) for p in NOTEBOOKS for c in load(p)["cells"] if c["cell_type"] == "markdown")
    for svg in FIGURES.glob("*.svg"):
        uses = re.findall(r"```\{figure\} (?:\.\./)?figures/" + re.escape(svg.name) + r"\n((?::\w+:.*\n)+)", text)
        assert uses, f"{svg.name} is not used by any page"
        assert all(re.search(r"^:alt: \S.{40,}", u, re.M) for u in uses), f"{svg.name} needs alt text"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_installs_the_package_from_the_configured_repository(path):
    code = [source(c) for c in load(path)["cells"] if c["cell_type"] == "code"]
    setup = [s for s in code if "%pip install" in s]
    assert len(setup) == 1
    assert f"git+{CONFIG['repository']['url']}" in setup[0]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_never_edits_sys_path(path):
    for cell in load(path)["cells"]:
        assert "sys.path" not in source(cell), f"{path.name}: install the package instead (pip install -e .)"


AUDITS = [p for p in NOTEBOOKS if p.parent.name == "audit"]
ASSIGNMENTS = [p for p in NOTEBOOKS if p.parent.name == "assignments"]
# An assignment is an exercise in itself: it ends with grading cells, not with solved exercises.
CHAPTERS = [p for p in NOTEBOOKS if p not in AUDITS and p not in ASSIGNMENTS]


def test_every_source_has_an_audit_page():
    assert [p.stem for p in AUDITS] == [f"source00{k}" for k in range(5)]


@pytest.mark.parametrize("path", AUDITS, ids=lambda p: p.name)
def test_audit_page_ends_with_its_verdict_table(path):
    cells = [c for c in load(path)["cells"] if c["cell_type"] == "code"]
    code = "\n".join(source(c) for c in cells)
    assert f'Audit("{path.stem[-3:]}")' in code, "the ledger must be named after the page's source"
    assert source(cells[-1]).strip() == "audit", "the last cell renders the table"
    assert code.count("audit.item(") >= 5


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_chapter_ends_with_two_to_four_solved_exercises(path):
    text = "\n".join(source(c) for c in load(path)["cells"] if c["cell_type"] == "markdown")
    exercises = re.findall(r"```\{exercise\}\n:label: (\S+)", text)
    solutions = re.findall(r"```\{solution-start\} (\S+)", text)
    assert 2 <= len(exercises) <= 4, f"{path.name} has {len(exercises)} exercises"
    assert solutions == exercises, "every exercise needs its solution, in order"


if __name__ == "__main__":  # python tests/test_book.py book/x.ipynb ...: bring the macro cells in step
    import sys

    for arg in sys.argv[1:]:
        target = pathlib.Path(arg)
        fix_macro_cell(target if target.exists() else next((ROOT / "book").glob(f"**/{arg}")))


def test_every_label_is_defined_once():
    """A label defined on two pages: a parallel Sphinx build (make test) does not report it, so this test does."""
    texts = [path.read_text() if path.suffix == ".md" else "\n".join(source(c) for c in load(path)["cells"])
             for path in NOTEBOOKS + sorted((ROOT / "book").glob("**/*.md"))]
    everything = "\n".join(texts)
    labels = (re.findall(r"^\(([\w-]+)\)=\s*$", everything, re.M)
              + re.findall(r"^:label: ([\w-]+)", everything, re.M)
              + re.findall(r"\$\$ *\(([\w-]+)\)", everything))
    twice = sorted({label for label in labels if labels.count(label) > 1})
    assert len(labels) > 100 and not twice, f"defined more than once: {twice}"


def test_every_labelled_equation_is_referenced():
    """A label nobody cites is a promise the text never uses: cite it where it is checked, or drop it."""
    texts = [path.read_text() if path.suffix == ".md" else "\n".join(source(c) for c in load(path)["cells"])
             for path in NOTEBOOKS + sorted((ROOT / "book").glob("**/*.md"))]
    everything = "\n".join(texts)
    labels = set(re.findall(r":label: (eq-[\w-]+)", everything)) | set(re.findall(r"\$\$ *\((eq-[\w-]+)\)", everything))
    unreferenced = sorted(label for label in labels if f"`{label}`" not in everything)
    assert not unreferenced, f"labelled but never referenced: {unreferenced}"


API = ROOT / "book" / "api"


def test_every_module_is_in_the_api_reference():
    """Each public module of src/lstm is described once on a page of book/api/ and listed once in its index."""
    package = ROOT / "src" / "lstm"
    modules = sorted(
        ".".join(p.relative_to(package).with_suffix("").parts)
        for p in package.glob("**/*.py")
        if not p.stem.startswith("_")
    )
    pages = [p for p in sorted(API.glob("*.md")) if p.name != "index.md"]
    described = re.findall(r"^\.\. automodule:: lstm\.([\w.]+)$", "\n".join(p.read_text() for p in pages), re.M)
    listed = re.findall(r"^   lstm\.([\w.]+)$", (API / "index.md").read_text(), re.M)
    assert sorted(described) == modules, f"book/api/ pages describe {sorted(described)}; the package has {modules}"
    assert sorted(listed) == modules, f"book/api/index.md lists {sorted(listed)}; the package has {modules}"
    assert {f"book/api/{p.stem}" for p in pages + [API / "index.md"]} <= set(toc_files())
