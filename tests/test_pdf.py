"""The whole-book PDF (make pdf): its LaTeX set-up is in step with the HTML build's.

Building the PDF takes minutes and TeX Live; `make pdf` (run by .ci/run after
`make test`) does that. These checks are the cheap part: the macros that
MathJax gets are the macros LaTeX gets, the stand-in bbm package is shipped
with the build, and the site links the PDF where `make pdf` puts it.
"""
import pathlib
import re

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[1]
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
SPHINX = CONFIG["sphinx"]["config"]


def latex_macros():
    """{name: (arguments, body)} of each \\renewcommand in the LaTeX preamble."""
    found = {}
    for m in re.finditer(
        r"\\renewcommand\{\\(\w+)\}(?:\[(\d)\])?\{(.*)\}\s*$", SPHINX["latex_elements"]["preamble"], re.M
    ):
        found[m.group(1)] = (int(m.group(2) or 0), m.group(3))
    return found


def test_latex_gets_the_macros_mathjax_gets():
    mathjax = {}
    for name, value in SPHINX["mathjax3_config"]["tex"]["macros"].items():
        mathjax[name] = (value[1], value[0]) if isinstance(value, list) else (0, value)
    assert latex_macros() == mathjax
    for name in mathjax:  # defined whether or not LaTeX already has the name
        assert f"\\providecommand{{\\{name}}}{{}}\\renewcommand{{\\{name}}}" in SPHINX["latex_elements"]["preamble"]


def test_the_pdf_build_is_configured():
    assert CONFIG["latex"]["latex_engine"] == "xelatex"  # the text's Unicode
    assert CONFIG["latex"]["latex_documents"]["targetname"] == "book.tex"
    assert "sphinxcontrib.rsvgconverter" in CONFIG["sphinx"]["extra_extensions"]  # the SVG figures
    for extra in SPHINX["latex_additional_files"]:
        assert (ROOT / extra).is_file(), extra
    assert "\\ProvidesPackage{bbm}" in (ROOT / "_ext" / "latex" / "bbm.sty").read_text()


def test_make_pdf_places_the_pdf_where_the_preface_links_it():
    makefile = (ROOT / "Makefile").read_text()
    rule = makefile[makefile.index("\npdf:") :].split("\n\n")[0]
    assert "--builder pdflatex" in rule
    assert "_build/latex/book.pdf $(PDF_OUTPUT)/_build/html/_static/book.pdf" in rule
    # The root page book/preface.md is built as book/preface.html: one level below the site's root.
    assert CONFIG and yaml.safe_load((ROOT / "_toc.yml").read_text())["root"] == "book/preface"
    assert 'href="../_static/book.pdf"' in (ROOT / "book" / "preface.md").read_text()
    assert "make pdf" in (ROOT / ".ci" / "run").read_text()
