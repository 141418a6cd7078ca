"""The package's metadata: one version, and the type marker shipped.

The version is written once, in pyproject.toml; ``lstm.__version__`` reads it
from the installed distribution's metadata (``importlib.metadata``), so the two
cannot drift apart as long as the package is reinstalled after a change (the
Makefile reinstalls whenever pyproject.toml changes).
"""

import importlib.metadata
import pathlib
import re
import subprocess
import sys

import lstm

ROOT = pathlib.Path(__file__).resolve().parents[1]
PYPROJECT = (ROOT / "pyproject.toml").read_text()


def project_table(text: str) -> str:
    """The text of pyproject.toml's [project] table (tomllib is Python >= 3.11 only)."""
    match = re.search(r"^\[project\]\n(.*?)(?=^\[)", text, re.S | re.M)
    assert match, "pyproject.toml has no [project] table"
    return match.group(1)


def test_the_version_is_pyprojects():
    found = re.findall(r'^version\s*=\s*"([^"]+)"', project_table(PYPROJECT), re.M)
    assert len(found) == 1, f"pyproject.toml's [project] should set one version; found {found}"
    assert lstm.__version__ == found[0] == importlib.metadata.version("lstm-derived")
    # __init__.py writes no version of its own: only the fallback for a tree that is not installed.
    literals = re.findall(r'__version__\s*=\s*"([^"]*)"', (ROOT / "src" / "lstm" / "__init__.py").read_text())
    assert literals == ["0+unknown"], literals


def test_the_version_falls_back_when_the_package_is_not_installed():
    """A source tree on sys.path without metadata gets "0+unknown" (PEP 440's local label), not an error."""
    code = (
        "import importlib.metadata as m\n"
        "def missing(name):\n"
        "    raise m.PackageNotFoundError(name)\n"
        "m.version = missing\n"
        "import lstm\n"
        "print(lstm.__version__)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "0+unknown"


def test_the_version_parser_reads_only_the_project_table():
    text = '[build-system]\nversion = "9"\n[project]\nname = "x"\nversion = "1.2.3"\n[tool.x]\nversion = "8"\n'
    assert re.findall(r'^version\s*=\s*"([^"]+)"', project_table(text), re.M) == ["1.2.3"]


def test_the_type_marker_is_shipped():
    """py.typed (PEP 561) tells type checkers to read the package's annotations; package-data installs it."""
    assert (ROOT / "src" / "lstm" / "py.typed").is_file()
    package_data = re.search(r"^\[tool\.setuptools\.package-data\]\nlstm = \[(.*?)\]", PYPROJECT, re.M)
    assert package_data and '"py.typed"' in package_data.group(1)
