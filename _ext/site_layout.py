"""Sphinx hooks for the layout of the site (sphinx-book-theme 1.3 on pydata-sphinx-theme 0.17).

No top navigation bar.  pydata-sphinx-theme 0.17 fills the theme option
``navbar_persistent`` with a search field when a theme leaves it unset, and
then draws a header bar above every page: on a wide screen an empty bar with
a second search field (the first is in the sidebar), and, hidden, a second
button of class ``primary-toggle``.  Both themes' scripts bind the sidebar
toggle to the *first* ``.primary-toggle`` of the page, which was that hidden
button, so the visible three-bar button of the article header did nothing.
An empty ``navbar_persistent`` (with sphinx-book-theme's empty navbar_start,
navbar_center and navbar_end) drops the header bar, and with it the hidden
button: the visible button is then the first and works (a dialog with the
table of contents on a narrow screen, a collapsing sidebar on a wide one).
Set here rather than in _config.yml because Jupyter Book replaces the whole
``html_theme_options`` (the repository and launch buttons) when
``sphinx.config`` names it.
"""
from __future__ import annotations


def _no_navbar(app, config):
    options = dict(config.html_theme_options or {})
    options.setdefault("navbar_persistent", [])
    config.html_theme_options = options


def setup(app):
    app.connect("config-inited", _no_navbar)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
