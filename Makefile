# The LSTM, derived and verified.
#   make book   build the website into _build/html
#   make test   run every test: lint, the package, every notebook, the book build
#   make test-fast  lint and the package's tests without those marked @pytest.mark.slow
#   make lint   ruff check (style, unused names, import order) and mypy (types) on the package
#   make pdf    the whole book as one PDF (_build/latex/book.pdf; the site links it)
#   make test-browser  the built site and JupyterLab in headless Chromium (after make test)
#   make lab    JupyterLab on the book, to run the chapters interactively
#   make bench  time forward+backward against the matrix-product floor and PyTorch
#   make bench-lm  time the language model's training step against the floor and PyTorch
#   make train  train the book's character-level language model (two cores, resumable; see below)
#   make train-adding  train the adding-problem LSTMs and RNNs of Part V (about five minutes)
#   make train-1997  the adding problem under the 1997 protocol, 30 runs and a 12-run control (about 30 minutes)
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
# make test and make book use both cores: pytest-xdist runs the tests in JOBS
# processes (pytest -n; --dist loadfile keeps each file, so each notebook, in one
# process, its cells in order), and scripts/build_book.py has Sphinx read, and so
# execute, JOBS chapters at once (jupyter-book build, whose command line has no
# option for it).  Every check runs as before, only at the same time as another.
# JOBS=1 runs them one at a time again.
JOBS ?= 2
BUILD_BOOK := $(BIN)/python scripts/build_book.py --jobs $(JOBS)
# PyTorch is optional (tests that need it skip with a reason).  The CPU build;
# pin it so that pip does not fetch a CUDA build of a newer release.
TORCH_SPEC ?= torch==2.13.0
TORCH_STAMP := $(VENV)/.torch-installed
# The assignments' reference solutions (kept out of the student notebooks):
# the notebook tests and the build plug them in and grade them.
export LSTM_REFERENCE_SOLUTIONS := $(CURDIR)/book/assignments/solutions

.PHONY: book pdf lint test test-fast test-package test-notebooks test-book test-browser test-torch bench bench-lm train train-adding train-1997 lab clean distclean

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

book: $(STAMP)
	$(BUILD_BOOK) . --path-output . $(BOOK_FLAGS)
	@echo "Built $(CURDIR)/_build/html/index.html"

# The whole book as one PDF: Sphinx's LaTeX builder, XeLaTeX from Debian's TeX Live
# (.ci/run lists the packages), offline.  After make book or make test it reuses
# their executed notebooks (_build/.doctrees) instead of running them again (the
# LaTeX build changes one setting of that environment, numfig_secnum_depth, so a
# make book after it runs them all again); it then copies the PDF into the site
# as _static/book.pdf, which the preface links.
# PDF_OUTPUT: the folder that holds _build (the repository's by default).
PDF_OUTPUT ?= .
pdf: $(STAMP)
	LATEXOPTS="-interaction=nonstopmode -halt-on-error" \
	    $(BIN)/jupyter-book build . --path-output $(PDF_OUTPUT) --builder pdflatex $(BOOK_FLAGS)
	mkdir -p $(PDF_OUTPUT)/_build/html/_static
	cp $(PDF_OUTPUT)/_build/latex/book.pdf $(PDF_OUTPUT)/_build/html/_static/book.pdf
	@echo "Built $(PDF_OUTPUT)/_build/latex/book.pdf, linked from the site as _static/book.pdf"

test: lint test-package test-notebooks test-book

# ruff and mypy read their settings from pyproject.toml ([tool.ruff], [tool.mypy]: files = src/lstm).
lint: $(STAMP)
	$(BIN)/ruff check src tests scripts
	$(BIN)/mypy

test-package: $(STAMP)
	$(BIN)/python -m pytest tests/ -n $(JOBS) --dist loadfile

# The tests marked @pytest.mark.slow (pyproject.toml registers the marker) are left to make test.
test-fast: lint
	$(BIN)/python -m pytest tests/ -m "not slow" -n $(JOBS) --dist loadfile

# Every notebook runs alone, as Colab opens it: each is copied into an empty
# folder of its own outside the repository and run there (nbval starts the
# kernel in the notebook's folder), with nothing but the installed package.
# The chapters in SLOW_NOTEBOOKS (those that train for minutes) are handed out
# first, so that the JOBS processes finish at about the same time; the rest
# follow in alphabetical order.  --rootdir is that folder, so that each cell's
# test id names its notebook's folder (book_bptt/bptt.ipynb::Cell 5): the
# chapter and the assignment both called bptt.ipynb stay two files to
# pytest-xdist, which hands out each file whole, to one process.
SLOW_NOTEBOOKS := book/charlm.ipynb book/training.ipynb book/reber.ipynb
test-notebooks: $(STAMP)
	alone=$$(mktemp -d) && trap 'rm -rf "$$alone"' EXIT && dirs="" && \
	for nb in $(SLOW_NOTEBOOKS) $$(find book -name '*.ipynb' -not -path '*/.ipynb_checkpoints/*' | sort); do \
	    dir="$$alone/$$(dirname $$nb | tr / _)_$$(basename $$nb .ipynb)"; \
	    test -d "$$dir" && continue; \
	    mkdir -p "$$dir" && cp "$$nb" "$$dir/" && dirs="$$dirs $$dir"; \
	done && \
	$(BIN)/python -m pytest -c pyproject.toml --rootdir="$$alone" --nbval-lax --nbval-current-env \
	    -n $(JOBS) --dist loadfile $$dirs

# A fresh build (not an incremental one) so that every warning shows up.
test-book: $(STAMP)
	rm -rf _build
	$(BUILD_BOOK) . --path-output . $(BOOK_FLAGS)

# The built site (SITE, default _build/html: run after make book or make test)
# in headless Chromium with the network blocked: every page free of console
# errors, its math typeset, its images loading, no request leaving the machine;
# and a chapter opened in JupyterLab rendering its MyST.  Needs Debian's
# chromium (apt-get install chromium; or set CHROMIUM=/path/to/chromium).
SITE ?= _build/html
test-browser: $(STAMP)
	LSTM_BROWSER_TESTS=1 LSTM_SITE_DIR=$(SITE) $(BIN)/python -m pytest tests/browser -q

$(TORCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet "$(TORCH_SPEC)" threadpoolctl
	touch $(TORCH_STAMP)

test-torch: $(TORCH_STAMP)
	$(BIN)/python -m pytest tests/test_torch.py -rs

bench: $(TORCH_STAMP)
	$(BIN)/python -m lstm.bench

# The language model's training step (float32, two layers of 512): this package, the floor of its
# matrix products and PyTorch, each in its own process; writes src/lstm/data/bench/charlm_step.json.
bench-lm: $(TORCH_STAMP)
	$(BIN)/python -m lstm.bench --lm

# The chapter's flagship character-level LSTM (two layers of 512, dropout) on both cores; resumes
# from _build/charlm/checkpoint.npz if interrupted; writes src/lstm/data/charlm.npz and
# charlm_log.jsonl (committed package data: lstm.data_path).
train: $(STAMP)
	$(BIN)/python scripts/train_charlm.py

# The adding-problem runs of the chapter on gradients through time (about five minutes on one
# core); writes src/lstm/data/adding/weights.npz and log.json (committed package data).
train-adding: $(STAMP)
	$(BIN)/python scripts/train_adding.py

# The runs of the chapter Training's section on the 1997 protocol: 25 as two processes (one per
# core) and 5 more, then the 12 runs of its first-half control; writes src/lstm/data/adding_1997_T100.jsonl and
# adding_first_half_T100.jsonl (committed) in the order the chapter expects.
RUN_1997 := $(BIN)/python scripts/adding_problem.py --protocol 1997 --T 100 --seeds 0 1 2 3 4 --steps 6000
train-1997: $(STAMP)
	mkdir -p _build
	$(RUN_1997) --cells lstm --forget-bias 1 3 --out _build/adding_1997_a.jsonl & pid=$$!; \
	$(RUN_1997) --cells lstm nfg rnn --forget-bias 5 --out _build/adding_1997_b.jsonl; \
	wait $$pid
	$(RUN_1997) --cells nfg_np --out _build/adding_1997_c.jsonl
	cat _build/adding_1997_a.jsonl _build/adding_1997_b.jsonl _build/adding_1997_c.jsonl \
	    > src/lstm/data/adding_1997_T100.jsonl
	$(BIN)/python scripts/adding_problem.py --T 100 --markers first_half --cells lstm nfg nfg_np \
	    --forget-bias 1 5 --seeds 0 1 2 --steps 4000 --out src/lstm/data/adding_first_half_T100.jsonl

# Jupyter refuses to run as root unless told to (containers often are root).
LAB_FLAGS ?= $(if $(filter 0,$(shell id -u)),--allow-root,)

lab: $(STAMP)
	$(BIN)/jupyter lab $(LAB_FLAGS) book/

clean:
	rm -rf _build .pytest_cache .hypothesis .ruff_cache .mypy_cache
	find . -name __pycache__ -not -path './$(VENV)/*' -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
