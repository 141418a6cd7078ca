"""The files the book's chapters read, shipped with the package.

Tiny Shakespeare, the trained character-level model and its log, the logs and
weights of Part V's training runs, and the benchmark results of the chapter
*Making it fast* live in the package's ``data`` folder (``src/lstm/data`` in
the repository; its ``README.md`` gives each file's provenance and the command
that writes it).  A chapter opened on its own (Colab, a fresh folder) finds
them wherever the package is installed::

    text = lstm.data_path("tinyshakespeare.txt").read_text(encoding="utf-8")
    results = json.loads(lstm.data_path("bench", "results.json").read_text())
"""
from __future__ import annotations

import pathlib

#: The folder that holds the data files (``src/lstm/data`` in the repository).
#:
#: :meta hide-value:
DATA_DIR = pathlib.Path(__file__).resolve().parent / "data"


def available() -> list[str]:
    """Every data file, as a path relative to :data:`DATA_DIR` with ``/`` separators."""
    return sorted(p.relative_to(DATA_DIR).as_posix() for p in DATA_DIR.rglob("*") if p.is_file())


def data_path(*parts: str) -> pathlib.Path:
    """The path of a shipped data file, e.g. ``data_path("adding", "log.json")``.

    ``parts`` are joined as path components (``"adding/log.json"`` works too);
    with no argument the data folder itself is returned.  A name that is not
    there raises :class:`FileNotFoundError` listing the files that are.
    """
    for part in parts:
        if not isinstance(part, str):
            raise TypeError(f"data_path takes file names as str, got {type(part).__name__}: {part!r}")
    path = DATA_DIR.joinpath(*parts)
    relative = pathlib.PurePosixPath(*parts) if parts else pathlib.PurePosixPath()
    if ".." in relative.parts or relative.is_absolute():
        raise ValueError(f"data_path takes a name inside the data folder, got {'/'.join(parts)!r}")
    if not path.exists():
        raise FileNotFoundError(
            f"no data file {relative.as_posix()!r} in {DATA_DIR}; the package ships: {', '.join(available())}"
        )
    return path
