# The LSTM, derived and verified.
#   make book   build the website into _build/html
#   make test   run every test: the package, every notebook, the book build
#   make lab    JupyterLab on the book, to run the chapters interactively
#   make bench  time forward+backward against the matrix-product floor and PyTorch
#   make test-torch  install the CPU build of PyTorch and cross-check against it
#   make clean  remove build outputs (keeps .venv; `make distclean` removes it)
# Every target creates .venv on first use and reinstalls when
# requirements.txt or pyproject.toml changes.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Sphinx: -n nitpicky, -W warnings are errors, --keep-going reports them all.
BOOK_FLAGS := -n -W --keep-going
# PyTorch is optional (tests that need it skip with a reason).  The CPU build;
# pin it so that pip does not fetch a CUDA build of a newer release.
TORCH_SPEC ?= torch==2.13.0
TORCH_STAMP := $(VENV)/.torch-installed

.PHONY: book test test-package test-notebooks test-book test-torch bench lab clean distclean

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

book: $(STAMP)
	$(BIN)/jupyter-book build . --path-output . $(BOOK_FLAGS)
	@echo "Built $(CURDIR)/_build/html/index.html"

test: test-package test-notebooks test-book

test-package: $(STAMP)
	$(BIN)/python -m pytest tests/

test-notebooks: $(STAMP)
	$(BIN)/python -m pytest --nbval-lax --nbval-current-env book/

# A fresh build (not an incremental one) so that every warning shows up.
test-book: $(STAMP)
	rm -rf _build
	$(BIN)/jupyter-book build . --path-output . $(BOOK_FLAGS)

$(TORCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet "$(TORCH_SPEC)" threadpoolctl
	touch $(TORCH_STAMP)

test-torch: $(TORCH_STAMP)
	$(BIN)/python -m pytest tests/test_torch.py -rs

bench: $(TORCH_STAMP)
	$(BIN)/python bench/benchmark.py

# Jupyter refuses to run as root unless told to (containers often are root).
LAB_FLAGS ?= $(if $(filter 0,$(shell id -u)),--allow-root,)

lab: $(STAMP)
	$(BIN)/jupyter lab $(LAB_FLAGS) book/

clean:
	rm -rf _build .pytest_cache .hypothesis
	find . -name __pycache__ -not -path './$(VENV)/*' -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
