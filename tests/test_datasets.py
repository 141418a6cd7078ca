"""The shipped data files (lstm.datasets): data_path finds each one, refuses the rest, and all are package data."""
import pathlib

import pytest

import lstm
from lstm import datasets

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_data_path_finds_every_shipped_file_and_refuses_others():
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


def test_data_path_joins_parts_and_without_parts_is_the_folder():
    assert lstm.data_path() == datasets.DATA_DIR and datasets.DATA_DIR.is_dir()
    joined = lstm.data_path("adding", "log.json")
    assert joined == lstm.data_path("adding/log.json") == datasets.DATA_DIR / "adding" / "log.json"
    assert lstm.data_path("adding").is_dir()  # a folder of the data is found too
    assert datasets.DATA_DIR == pathlib.Path(lstm.__file__).resolve().parent / "data"  # beside the package, wherever
    with pytest.raises(ValueError, match="inside the data folder"):
        lstm.data_path("adding/../../datasets.py")
    with pytest.raises(ValueError, match="inside the data folder"):
        lstm.data_path(str(datasets.DATA_DIR / "charlm.npz"))  # an absolute path is not a name in the folder


def test_available_lists_files_only_relative_and_sorted():
    files = datasets.available()
    assert files == sorted(files) and "adding" not in files and "bench" not in files
    assert all("\\" not in f and not f.startswith("/") for f in files)
    on_disk = {p.relative_to(datasets.DATA_DIR).as_posix() for p in datasets.DATA_DIR.rglob("*") if p.is_file()}
    assert set(files) == on_disk


def test_the_package_data_is_declared_and_small():
    """pyproject.toml's package-data patterns cover every data file (or pip would not install it)."""
    import fnmatch

    tomllib = pytest.importorskip("tomllib")  # Python >= 3.11

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
