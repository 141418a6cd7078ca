"""The API reference (book/api/): links to the names that ``lstm`` re-exports, and its tables of modules.

Each object is documented once, in the module that defines it
(``lstm.cells.lstm_fast.lstm_forward``), but the docstrings name it the way a reader
calls it, by the package's shorter name (``:func:`lstm.lstm_forward```).  When a
Python cross-reference finds no object of its name, this hook looks the name
up by importing it, from the package down (and from the module and class the
reference stands in), and links to the documented object that *is* that
object: the same function, class, module or value, compared by identity, so
a reference never lands on a different object that happens to share a name.
A name that imports to nothing documented stays unresolved, and the
nitpicky build (``-n -W``) reports it.

A NamedTuple's fields (``SequenceCache.x``) carry no documentation of their
own, only the "Alias for field number 0" that ``collections`` writes; they
are left out (the class's signature lists them).  A private base class
gives way to its public bases in "Bases:", and a value's docstring is kept
as written (below).  ``.. module-summary::`` is autosummary's table for
modules (below).
"""
from __future__ import annotations

import importlib
import inspect

from sphinx.ext.autosummary import Autosummary

PACKAGE = "lstm"


def _lookup(dotted):
    """The object a dotted name gives in Python (``lstm.gradcheck`` is the function); a KeyError if none."""
    parts = dotted.split(".")
    if parts[0] != PACKAGE:
        raise KeyError(dotted)
    obj = importlib.import_module(PACKAGE)
    for k, name in enumerate(parts[1:], start=1):
        if hasattr(obj, name):
            obj = getattr(obj, name)
        elif inspect.ismodule(obj):
            try:
                obj = importlib.import_module(".".join(parts[: k + 1]))
            except ImportError:
                raise KeyError(dotted) from None
        else:
            raise KeyError(dotted)
    return obj


def _documented(domain, name):
    """The object a documented name stands for: its module (the longest documented
    module that prefixes it), then attributes (``lstm.checks.gradcheck.gradcheck``)."""
    parts = name.split(".")
    for k in range(len(parts), 0, -1):
        module = ".".join(parts[:k])
        entry = domain.objects.get(module)
        if entry is not None and entry.objtype == "module":
            obj = importlib.import_module(module)
            for attr in parts[k:]:
                obj = getattr(obj, attr)
            return obj
    raise KeyError(name)


def _candidates(node):
    """The names a reference may mean: as written, then in its module and class."""
    target = node.get("reftarget", "").lstrip(".~")
    module, cls = node.get("py:module"), node.get("py:class")
    names = [target]
    if module:
        if cls:
            names.append(f"{module}.{cls}.{target}")
        names.append(f"{module}.{target}")
    names.append(f"{PACKAGE}.{target}")
    return names


def _resolve_alias(app, env, node, contnode):
    if node.get("refdomain") != "py":
        return None
    domain = env.get_domain("py")
    for name in _candidates(node):
        try:
            obj = _lookup(name)
        except KeyError:
            continue
        last = name.rsplit(".", 1)[-1]
        for documented, entry in domain.objects.items():
            if documented == name or documented.rsplit(".", 1)[-1] != last or entry.aliased:
                continue
            try:
                same = _documented(domain, documented) is obj
            except (KeyError, AttributeError, ImportError):
                continue
            if same:
                return domain.resolve_xref(env, node["refdoc"], app.builder, node["reftype"],
                                           documented, node, contnode)
    return None


def _skip_fields(app, what, name, obj, skip, options):
    doc = getattr(obj, "__doc__", None) or ""
    if what == "class" and doc.startswith("Alias for field number"):
        return True
    return None


# Napoleon reads the first line of a value's docstring as "type: description"
# whenever it holds a colon ("The stacked layout (Parts II–III): ..." would
# become a type to link).  The package's values and properties are described
# in prose: their docstrings are kept as written.
_PROSE = ("data", "attribute", "property")
_written = {}


def _before_napoleon(app, what, name, obj, options, lines):
    if what in _PROSE:
        _written[name] = list(lines)


def _after_napoleon(app, what, name, obj, options, lines):
    if what in _PROSE and name in _written:
        lines[:] = _written.pop(name)


def _public_bases(app, name, obj, options, bases):
    """A class's bases as the reference shows them: a private base gives way
    to its own bases, ``abc.ABC`` (a mechanism, not an interface) is left out,
    and a base from another library (SymPy's ``Function``) is named as code,
    since the book has no page to link it to."""
    shown = []
    todo = list(bases)
    while todo:
        base = todo.pop(0)
        module = getattr(base, "__module__", "")
        if base.__name__.startswith("_"):
            todo[:0] = [b for b in base.__bases__ if b is not object]
        elif module == "abc" or base in shown:
            continue
        elif module.split(".")[0] in (PACKAGE, "builtins", "typing"):
            shown.append(base)
        else:
            shown.append(f"``{module.split('.')[0]}.{base.__qualname__}``")
    bases[:] = shown or [object]


class ModuleSummary(Autosummary):
    """``.. module-summary::``, an autosummary table of modules: each name is
    the module of that name, though the package has an attribute of the same
    name (``lstm.train``, the function, hides ``lstm.train``, the module)."""

    def import_by_name(self, name, prefixes):
        try:
            module = importlib.import_module(name)
        except ImportError:
            return super().import_by_name(name, prefixes)
        return name, module, None, name


def _ignore_as_tuples(app, config):
    """``nitpick_ignore`` from _config.yml arrives as lists; Sphinx compares tuples."""
    config.nitpick_ignore = [tuple(entry) for entry in config.nitpick_ignore]


def setup(app):
    app.setup_extension("sphinx.ext.autosummary")
    app.connect("config-inited", _ignore_as_tuples)
    app.add_directive("module-summary", ModuleSummary)
    app.connect("missing-reference", _resolve_alias)
    app.connect("autodoc-skip-member", _skip_fields)
    app.connect("autodoc-process-docstring", _before_napoleon, priority=400)
    app.connect("autodoc-process-docstring", _after_napoleon, priority=600)
    app.connect("autodoc-process-bases", _public_bases)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
