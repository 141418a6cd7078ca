"""Every module of the package has a test file named after it, so its tests are found by its name.

The rule:

* module ``src/lstm/<sub>/<name>.py`` (or ``src/lstm/<name>.py``) is tested in
  ``tests/test_<name>.py``, a private module's leading underscore dropped
  (``_validate.py``: ``tests/test_validate.py``);
* when two modules share a name, each is tested in ``tests/test_<sub>_<name>.py``
  (``cells/loop.py``: ``tests/test_cells_loop.py``; ``training/loop.py``:
  ``tests/test_training_loop.py``);
* more files on one module add a topic: ``tests/test_<name>_<topic>.py``
  (``tests/test_layernorm_ba.py``, ``tests/test_grader_train.py``).

Every other test file is named after a subpackage (``tests/test_cells.py``:
every cell through one harness), is a PyTorch cross-check
(``tests/test_torch*.py``, skipped without PyTorch), or is listed below with
what it checks.
"""
import collections
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "lstm"
TESTS = ROOT / "tests"

#: Test files about the book, the repository or several modules at once, not about one module.
ACROSS = {
    "test_book.py": "the book's hygiene: labels, references, the table of contents",
    "test_busy_machine.py": "the timed chapters on a loaded machine",
    "test_code_width.py": "code cells fit the page",
    "test_edge_cases.py": "empty sequences and error messages across the API",
    "test_greff_log.py": "the committed log of scripts/greff_variants.py",
    "test_layout_of_tests.py": "this rule",
    "test_packaging.py": "the installed distribution's metadata",
    "test_pdf.py": "the PDF build's settings",
    "test_properties.py": "property-based tests (hypothesis) of the blocks",
    "test_standalone.py": "every chapter runs alone, outside the repository",
    "test_train_adding.py": "scripts/train_adding.py and its committed results",
}
#: Families of test files named by a prefix.
FAMILIES = {"test_torch": "cross-checks against PyTorch"}


def modules() -> dict[str, pathlib.Path]:
    """``{test file name: module path}`` by the rule above."""
    paths = sorted(
        p for p in PACKAGE.rglob("*.py") if p.name != "__init__.py" and "data" not in p.relative_to(PACKAGE).parts
    )
    names = collections.Counter(p.stem.lstrip("_") for p in paths)
    out = {}
    for p in paths:
        name = p.stem.lstrip("_")
        sub = p.parent.relative_to(PACKAGE).as_posix()
        if names[name] > 1:
            assert sub != ".", f"{p} shares its name with a module of a subpackage; rename one of them"
            name = f"{sub.replace('/', '_')}_{name}"
        out[f"test_{name}.py"] = p
    return out


def test_the_rule_sees_the_package():
    found = modules()
    assert len(found) >= 30  # the package's modules, not an empty glob
    assert found["test_validate.py"].name == "_validate.py"
    assert found["test_cells_loop.py"] == PACKAGE / "cells" / "loop.py"
    assert found["test_training_loop.py"] == PACKAGE / "training" / "loop.py"
    assert "test_loop.py" not in found


def test_every_module_has_its_test_file():
    missing = [f"{p.relative_to(ROOT)}: tests/{name}" for name, p in modules().items() if not (TESTS / name).is_file()]
    assert not missing, "modules without their test file:\n  " + "\n  ".join(missing)


def test_every_test_file_is_named_by_the_rule():
    stems = {name[: -len(".py")] for name in modules()}
    subpackages = {f"test_{p.name}" for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    stray = []
    for path in sorted(TESTS.glob("test_*.py")):
        stem = path.stem
        if stem in stems or stem in subpackages or path.name in ACROSS:
            continue
        if any(stem.startswith(s + "_") for s in stems) or any(stem.startswith(f) for f in FAMILIES):
            continue
        stray.append(path.name)
    assert not stray, (
        "test files named after no module (rename to tests/test_<module>[_<topic>].py, or list in ACROSS):\n  "
        + "\n  ".join(stray)
    )


def test_the_listed_files_exist():
    assert not [name for name in ACROSS if not (TESTS / name).is_file()]
