# Two commands do everything: `make lab` and `make test`. Both build .venv on first use.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# The stamp is newer than pyproject.toml once its dependencies are installed, so a second
# run installs nothing and takes seconds.
STAMP := $(VENV)/.installed
export PYTHONHASHSEED := 0
export MPLBACKEND := Agg

.PHONY: lab test check lint unit nbval test-portable notebooks datasets report site baselines test-oldest test-matrix test-mutation test-spark test-browser benchmarks constraints clean

# constraints.txt pins the exact versions the stored notebook outputs were computed with:
# strict nbval compares every digit, and a new numpy or scipy release can move the last one.
# Regenerate it (make constraints) together with `make notebooks` when upgrading.
$(STAMP): pyproject.toml constraints.txt
	@if [ ! -x $(BIN)/python ]; then \
		echo ">> creating $(VENV) with $(PYTHON)"; \
		$(PYTHON) -m venv $(VENV); \
	fi
	@echo ">> installing loyaltylab (editable) with the lab and test extras into $(VENV)"
	$(BIN)/python -m pip install --progress-bar on -c constraints.txt -e ".[lab,test]"
	@touch $(STAMP)
	@echo ">> $(VENV) is ready"

# Jupyter refuses to run as root unless told; containers and CI machines often are root.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)

# JupyterLab is rooted at the repository (notebooks, datasets and the README all browsable)
# and opens the start notebook: its URL is the default one, so the link printed with
# --no-browser opens it too (a file argument only steers the browser it launches). Pass
# options with LAB_ARGS, e.g.
#   make lab LAB_ARGS="--no-browser --port=8890 --ip=0.0.0.0"
LAB_ARGS ?=
lab: $(STAMP)
	MPLBACKEND= $(BIN)/jupyter lab $(ROOT_FLAG) --ServerApp.root_dir="$(CURDIR)" \
		--LabApp.default_url=/lab/tree/notebooks/00_start_here.ipynb $(LAB_ARGS)

test: lint check

lint: $(STAMP)
	@echo ">> ruff"
	$(BIN)/ruff check .

# Every core works (pytest-xdist, JOBS workers); each notebook stays in one worker and one
# kernel (--dist loadfile), as strict nbval needs.
JOBS ?= auto
PARALLEL := -n $(JOBS) --dist loadfile
# (the report template is a notebook inside the package, executed by the report, not by nbval)
UNIT_ARGS := tests --doctest-modules loyaltylab --ignore-glob="loyaltylab/*.ipynb"
NBVAL_ARGS := --nbval notebooks --nbval-sanitize-with notebooks/sanitize.cfg --nbval-cell-timeout=300

# The unit tests and strict nbval in one parallel run.
check: $(STAMP)
	@echo ">> unit, reference, property and hygiene tests and strict nbval on every notebook"
	$(BIN)/python -m pytest $(UNIT_ARGS) $(NBVAL_ARGS) $(PARALLEL)

unit: $(STAMP)
	@echo ">> unit, reference, property and hygiene tests"
	$(BIN)/python -m pytest $(UNIT_ARGS) $(PARALLEL)

# The unit tests and strict nbval again under other BLAS and SIMD code paths (OpenBLAS
# Haswell, Sandybridge, Nehalem with numpy's SSE4.2 loops): no stored digit may move. Run it
# after a numerical change and before a release; make test leaves the machine's choice alone.
test-portable: $(STAMP)
	$(BIN)/python tests/run_portable.py $(UNIT_ARGS) $(NBVAL_ARGS) $(PARALLEL)

# Regenerate the stored images of the figure tests (tests/baseline) after an intended change
# to a figure; look at the new images before committing them.
baselines: $(STAMP)
	$(BIN)/python -m pytest tests/test_figures.py --mpl-generate-path=tests/baseline

nbval: $(STAMP)
	@echo ">> strict nbval on every notebook (stored outputs are re-computed and compared)"
	$(BIN)/python -m pytest $(NBVAL_ARGS) $(PARALLEL)

# Re-execute every notebook in place, top to bottom in a fresh kernel, after changing the library.
notebooks: $(STAMP)
	$(BIN)/python -m loyaltylab._notebooks notebooks

# Regenerate the shipped simulated library data set (datasets/library).
datasets: $(STAMP)
	$(BIN)/python -m loyaltylab._make_datasets datasets

# The course site: a static HTML book of every notebook from its stored outputs (no
# re-execution), README as landing page; open build/site/_build/html/index.html.
site: $(STAMP)
	$(BIN)/python -m loyaltylab._site build/site

# The one-command report on the shipped example export (writes report.html).
report: $(STAMP)
	$(BIN)/python -m loyaltylab report datasets/koha_example/spec.toml --out report.html

# The example reports and three course-site pages in headless Chromium (Debian's package,
# installed with apt when missing): no console error, no request leaving the page, every
# figure loaded with alt text, formulas typeset; screenshots in build/browser. Not part of
# `make test` (it needs a browser).
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
test-browser: $(STAMP)
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null || { \
		echo ">> installing Debian's chromium"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium; }
	$(BIN)/python tests/browser.py build/browser

# The oldest allowed versions of every dependency (uv --resolution lowest-direct) in a venv of
# their own, and the unit tests on them. Stored notebook outputs and figure baselines belong
# to the pinned versions of constraints.txt, so nbval and image comparison are not run here.
test-oldest:
	@if [ ! -x .venv-tools/bin/uv ]; then $(PYTHON) -m venv .venv-tools && \
		.venv-tools/bin/python -m pip install -q uv; fi
	rm -rf .venv-oldest
	.venv-tools/bin/uv venv -q -p $(PYTHON) .venv-oldest
	VIRTUAL_ENV=.venv-oldest .venv-tools/bin/uv pip install --resolution lowest-direct -e ".[test]"
	.venv-oldest/bin/python -m pytest tests --doctest-modules loyaltylab -m "not slow" -o addopts="-ra"

# The unit tests on Python 3.11, 3.12 and 3.13 x pandas 2.2 and 3.1, each in a fresh venv
# (.venv-matrix, removed afterwards; the pythons from PATH or pyenv); the pandas 3.1 cells
# run without lifelines, which caps pandas below 3, and check that installing loyaltylab
# keeps the pandas and numpy already there. About 25 minutes; not part of `make test`.
test-matrix:
	$(PYTHON) tests/run_matrix.py $(MATRIX_ARGS)

# Mutation testing (issue 24) of the core modules named in pyproject.toml [tool.mutmut]
# (schema, metrics, lapse/curves, lapse/_cox): mutmut plants one bug at a time and runs the
# tests that reach it. Run by hand; MUTANTS narrows it (e.g. MUTANTS="loyaltylab.schema*").
# The survivors are listed at the end; `.venv-mutation/bin/mutmut show NAME` shows one.
MUTANTS ?=
test-mutation:
	@if [ ! -x .venv-mutation/bin/mutmut ]; then $(PYTHON) -m venv .venv-mutation && \
		.venv-mutation/bin/python -m pip install -q --upgrade pip && \
		.venv-mutation/bin/python -m pip install -q -c constraints.txt -e ".[test]" && \
		.venv-mutation/bin/python -m pip install -q "mutmut==3.8.1"; fi
	rm -rf mutants
	.venv-mutation/bin/mutmut run $(MUTANTS) || true
	.venv-mutation/bin/mutmut results --all false

# The event-log summaries on a local Apache Spark session, compared with DuckDB. Installs the
# spark extra (pyspark, sqlglot, pyarrow); needs Java (Debian:
# apt-get install openjdk-17-jre-headless).
# A venv of its own (.venv-spark), so that pyspark and pyarrow do not slow down `make test`.
test-spark:
	@command -v java >/dev/null || { echo "test-spark needs Java: apt-get install openjdk-17-jre-headless"; exit 1; }
	@if [ ! -x .venv-spark/bin/python ]; then $(PYTHON) -m venv .venv-spark; fi
	.venv-spark/bin/python -m pip install -q -c constraints.txt -e ".[spark,test]"
	LOYALTYLAB_TEST_SPARK=1 .venv-spark/bin/python -m pytest tests/test_spark.py -v

benchmarks: $(STAMP)
	$(BIN)/python benchmarks/run.py

constraints: $(STAMP)
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^loyaltylab' > constraints.txt

clean:
	rm -rf $(VENV) .venv-oldest .venv-tools .venv-spark .pytest_cache .ruff_cache dist build
