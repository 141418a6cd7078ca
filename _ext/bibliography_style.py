"""The bibliography labels each entry the way the text cites it.

The chapters cite author and year ("Hochreiter and Schmidhuber, 1997",
sphinxcontrib-bibtex's ``author_year`` reference style), but the default
formatting style, ``alpha``, labels the bibliography's entries with codes such
as "[HS97]", which a reader cannot match to the citation.  The style
``authoryear`` registered here is pybtex's ``alpha`` (the same entries, sorted
by author, year and title) with labels built as the citations are: one
author's surname, two joined by "and", or the first followed by "et al.", then
the year; labels that coincide get a, b, ... after the year.
``bibtex_default_style: authoryear`` in _config.yml selects it.
"""
from __future__ import annotations

from collections import Counter

from pybtex.plugin import register_plugin
from pybtex.richtext import Text
from pybtex.style.formatting.alpha import Style as AlphaStyle
from pybtex.style.labels import BaseLabelStyle


def _surname(person) -> str:
    return Text.from_latex(" ".join(person.prelast_names + person.last_names)).render_as("text")


def _label(entry) -> str:
    persons = entry.persons.get("author") or entry.persons.get("editor") or []
    if not persons:
        names = entry.fields.get("key") or entry.fields.get("title", "Anonymous")
    elif len(persons) == 1:
        names = _surname(persons[0])
    elif len(persons) == 2:
        names = f"{_surname(persons[0])} and {_surname(persons[1])}"
    else:
        names = f"{_surname(persons[0])} et al."
    return f"{names}, {entry.fields.get('year', 'n.d.')}"


class AuthorYearLabels(BaseLabelStyle):
    def format_labels(self, sorted_entries):
        labels = [_label(entry) for entry in sorted_entries]
        count, seen = Counter(labels), Counter()
        for label in labels:
            if count[label] > 1:
                seen[label] += 1
                label += "abcdefghijklmnopqrstuvwxyz"[seen[label] - 1]
            yield label


class AuthorYearStyle(AlphaStyle):
    default_label_style = "authoryear"


def setup(app):
    register_plugin("pybtex.style.labels", "authoryear", AuthorYearLabels)
    register_plugin("pybtex.style.formatting", "authoryear", AuthorYearStyle)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
