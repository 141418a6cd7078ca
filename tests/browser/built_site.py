"""The built site the browser tests open: where it is and which pages it has.

LSTM_SITE_DIR (the Makefile's SITE) names the build; by default the
repository's _build/html. PAGES are its pages of content: every HTML file
outside the build's asset folders, less the pages that only redirect.
"""
import os
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[2]
SITE = pathlib.Path(os.environ.get("LSTM_SITE_DIR", ROOT / "_build" / "html")).resolve()
SKIP_DIRS = {"_static", "_sources", "_images", "_sphinx_design_static", "_panels_static"}
REDIRECT = re.compile(r'<meta http-equiv="refresh"', re.I)
ALL_PAGES = sorted(p for p in SITE.rglob("*.html") if not SKIP_DIRS & set(p.relative_to(SITE).parts))
PAGES = [p for p in ALL_PAGES if not REDIRECT.search(p.read_text(errors="replace"))]
