"""Build the book as `jupyter-book build`, on several cores: ``--jobs N`` first, then its arguments.

    python scripts/build_book.py --jobs 2 . --path-output . -n -W --keep-going

Jupyter Book 1's command line has no option for Sphinx's parallel build, which
its Python function ``jupyter_book.sphinx.build_sphinx`` takes as ``jobs``.
With ``jobs=2`` Sphinx reads the pages in two processes, so that two chapters
execute at once (myst-nb executes a notebook while reading it), and writes the
HTML in two.  Everything else is ``jupyter-book build``'s own code, with the
arguments given: the same configuration (_config.yml), the same warnings (each
process's warnings are replayed in the main one, where -W counts them), the same
environment (make pdf reuses it).

Sphinx builds in parallel only if every extension declares itself safe for it;
otherwise it warns ("does not declare if it is safe for parallel reading"),
which -W makes an error.  Three extensions that Jupyter Book loads say nothing:
they are declared here, having been read for it.

- ``sphinx_jupyterbook_latex``: config values, nodes, and transforms that change
  one document's tree; the environment values it sets are set once, at
  builder-inited, before the processes start.  Nothing collected across pages.
- ``sphinx_multitoc_numbering``: replaces the section numbering that Sphinx
  runs in the main process after it has merged what the processes read.
- ``sphinx-mathjax-offline``: copies MathJax into the site at build-finished,
  in the main process.

And sphinx-proof declares itself safe but its domain lacks ``merge_domaindata``,
without which Sphinx stops the parallel build ("merge_domaindata must be
implemented"): the domain keeps nothing of its own (sphinx-proof keeps its
register in ``env.proof_list``, which its env-merge-info handler merges), so
there is nothing to merge.
"""
import functools
import importlib
import sys

UNDECLARED = ("sphinx_jupyterbook_latex", "sphinx_multitoc_numbering", "sphinx-mathjax-offline")


def declare_parallel_safe(name):
    module = importlib.import_module(name)
    setup = module.setup

    @functools.wraps(setup)
    def declared(app):
        metadata = setup(app) or {}
        return {**metadata, "parallel_read_safe": True, "parallel_write_safe": True}

    module.setup = declared


def merge_nothing(self, docnames, otherdata):
    """The proof domain's data is empty: sphinx_proof merges its register itself."""


def main(argv):
    if len(argv) < 2 or argv[0] != "--jobs" or not argv[1].isdigit() or int(argv[1]) < 1:
        sys.exit("usage: python scripts/build_book.py --jobs N [jupyter-book build arguments]")
    jobs = int(argv[1])
    import jupyter_book.sphinx
    from jupyter_book.cli.main import main as jupyter_book_main

    if jobs > 1:
        for name in UNDECLARED:
            declare_parallel_safe(name)
        from sphinx_proof.domain import ProofDomain

        ProofDomain.merge_domaindata = merge_nothing
    # jupyter-book build imports build_sphinx from this module when it runs
    jupyter_book.sphinx.build_sphinx = functools.partial(jupyter_book.sphinx.build_sphinx, jobs=jobs)
    jupyter_book_main(["build", *argv[2:]], prog_name="jupyter-book")


if __name__ == "__main__":
    main(sys.argv[1:])
