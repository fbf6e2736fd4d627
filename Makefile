# The compendium's pipeline. `make all` sets up the environment, fetches the raw data
# and executes every notebook in order; `make test` checks everything.
# Each notebook is its own target with its real inputs as prerequisites, so an
# unchanged tree rebuilds nothing and independent chapters run side by side (make -j2).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DELETE_ON_ERROR:
MAKEFLAGS += --no-builtin-rules

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
ENV_STAMP := $(VENV)/.installed
STAMPS := build/stamps
RAW_STAMP := data/raw/.fetch-state.json
RUN := $(PY) -m carerates.run
# The environment every kernel gets, so outputs repeat byte for byte.
export PYTHONHASHSEED := 0
export TZ := UTC
export OMP_NUM_THREADS := 1
export OPENBLAS_NUM_THREADS := 1

CORE := $(filter-out lib/carerates/sources/%,$(wildcard lib/carerates/*.py))
SOURCES := $(wildcard lib/carerates/sources/*.py)
CHAPTERS := 02_describe 03_poverty 04_workforce 05_innovation 06_finance 07_ofsted
NOTEBOOKS := 01_ingest $(CHAPTERS) 08_conclusions 09_multivariate

.PHONY: all env data verify-data data-download test unit nbval clean clean-all notebook benchmark help

all: $(NOTEBOOKS:%=$(STAMPS)/%.done)  ## set up, fetch the data, execute every notebook

help:
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/'

# --- environment -------------------------------------------------------------------
env: $(ENV_STAMP)  ## create .venv with the pinned packages

$(ENV_STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip==26.3"
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

# --- data --------------------------------------------------------------------------
data: $(ENV_STAMP)  ## copy the raw files from the mirror (CARERATES_DATA_MIRROR) and verify them
	$(PY) -m carerates.fetch

$(RAW_STAMP): | $(ENV_STAMP)
	$(PY) -m carerates.fetch

verify-data: $(ENV_STAMP)  ## re-hash every file in data/raw against the checksums
	$(PY) -m carerates.fetch --verify

data-download: $(ENV_STAMP)  ## without the mirror: download the public copies listed in data/sources.csv
	$(PY) -m carerates.fetch --download

# --- notebooks ---------------------------------------------------------------------
$(STAMPS)/01_ingest.done: notebooks/01_ingest.ipynb $(CORE) $(SOURCES) $(RAW_STAMP) | $(ENV_STAMP)
	$(RUN) $<
	@mkdir -p $(@D) && touch $@

$(CHAPTERS:%=$(STAMPS)/%.done): $(STAMPS)/%.done: notebooks/%.ipynb $(STAMPS)/01_ingest.done $(CORE)
	$(RUN) $<
	@mkdir -p $(@D) && touch $@

$(STAMPS)/08_conclusions.done: notebooks/08_conclusions.ipynb $(CHAPTERS:%=$(STAMPS)/%.done) $(CORE)
	$(RUN) $<
	@mkdir -p $(@D) && touch $@

$(STAMPS)/09_multivariate.done: notebooks/09_multivariate.ipynb $(CHAPTERS:%=$(STAMPS)/%.done) $(CORE)
	$(RUN) $<
	@mkdir -p $(@D) && touch $@

# NAME reaches the command through the environment (make exports command-line variables),
# never pasted into the shell line, so no value of it can run a command.
notebook: $(ENV_STAMP)  ## start a new chapter from the template: make notebook NAME=my_model
	@test -n "$${NAME:-}" || { echo "usage: make notebook NAME=short_name" >&2; exit 2; }
	@$(PY) -m carerates.new_notebook "$$NAME"

# --- tests -------------------------------------------------------------------------
# 1. unit tests of the library and checks of the key findings in figures/;
# 2. nbval re-executes every notebook and compares its outputs with the stored ones,
#    writing figures and tables to build/test-figures instead of figures/;
# 3. the rebuilt figures and tables must equal the committed ones byte for byte.
test: unit nbval  ## run every test (unit, findings, notebooks, figure bytes)
	CARERATES_REBUILT_FIGURES=build/test-figures $(PY) -m pytest -q tests/test_rebuilt_figures.py

# The data first: tests that need data/raw must run, not skip (in CI a skip fails).
unit: $(RAW_STAMP) | $(ENV_STAMP)
	$(PY) -m pytest -q tests

nbval: $(ENV_STAMP) $(RAW_STAMP)
	rm -rf build/test-figures && mkdir -p build/test-figures
	CARERATES_FIGURES="$(CURDIR)/build/test-figures" $(PY) -m pytest -q --nbval \
	  --nbval-sanitize-with tests/nbval_sanitize.cfg --nbval-current-env \
	  notebooks/[0-9][0-9]_*.ipynb

benchmark: $(ENV_STAMP)  ## time and measure make all (clean and no-op) and make test
	$(PY) scripts/benchmark.py

clean:  ## remove derived data and build stamps (keeps the environment and raw data)
	rm -rf data/processed build

clean-all: clean  ## also remove the environment and the raw data
	rm -rf $(VENV) data/raw
