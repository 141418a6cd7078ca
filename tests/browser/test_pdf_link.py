"""The built site's link to the whole-book PDF leads to the PDF (after make pdf).

`make pdf` copies _build/latex/book.pdf into the site as _static/book.pdf,
which the preface links; .ci/run runs it before make test-browser. A site
built without it (make book alone) has no PDF to link to, and the test says so.
"""
import os
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SITE = pathlib.Path(os.environ.get("LSTM_SITE_DIR", ROOT / "_build" / "html")).resolve()


def test_the_preface_links_the_pdf_that_make_pdf_placed():
    preface = SITE / "book" / "preface.html"
    assert preface.is_file(), f"no {preface}: build the site first (make book)"
    links = re.findall(r'href="([^"]*book\.pdf)"', preface.read_text(encoding="utf-8"))
    assert links, "the preface has no link to book.pdf"
    target = (preface.parent / links[0]).resolve()
    if not (SITE / "_static" / "book.pdf").exists():
        pytest.skip("no _static/book.pdf in this site: make pdf builds it and copies it there")
    assert target == SITE / "_static" / "book.pdf"
    with open(target, "rb") as f:
        assert f.read(5) == b"%PDF-"
