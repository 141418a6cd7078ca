"""Sphinx hooks that keep the browser console of every page free of errors.

1. Each <script> of a page is emitted once.  sphinx-thebe 0.3.1 registers its
   inline configuration (``const THEBE_JS_URL = ...``) from the
   ``env-before-read-docs`` event through ``app.add_js_file(None, body=...)``,
   which Sphinx 7 records twice: in the registry, from which the HTML
   builder's script list is built, and directly in that list.  The copies
   differ only in a filename of ``None`` against ``''``, so Sphinx's own
   de-duplication misses them, and the second ``const`` makes every page log
   "Identifier 'THEBE_JS_URL' has already been declared".
2. The theme's colour mode has a default.  pydata-sphinx-theme (under
   sphinx-book-theme) starts from ``localStorage`` or the ``default_mode``
   of ``html_context``, which Jupyter Book leaves unset, so a first visit
   logs "Got invalid theme mode: . Resetting to auto."; ``auto`` is what it
   then uses, so setting it changes nothing else.
"""
from __future__ import annotations


def _key(script):
    attributes = getattr(script, "attributes", {}) or {}
    return (getattr(script, "filename", None) or "", tuple(sorted(attributes.items())))


def _drop_repeated_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        key = _key(script)
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique  # a new list: the builder's own is reused for every page


def _default_mode(app, config):
    context = dict(config.html_context or {})
    context.setdefault("default_mode", "auto")
    config.html_context = context


def setup(app):
    app.connect("config-inited", _default_mode)
    app.connect("html-page-context", _drop_repeated_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
