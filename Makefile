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
NOTEBOOKS := 01_ingest $(CHAPTERS) 08_conclusions 09_multivariate 10_later_years

.PHONY: all env data verify-data data-download test unit nbval clean clean-all notebook benchmark help FORCE

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
data: $(ENV_STAMP)  ## copy the raw files from the mirror (CARERATES_DATA_MIRROR), verified against data/sources.csv
	$(PY) -m carerates.fetch

# The stamp is the fetch state. A quick check runs before every build (FORCE): it compares
# the mirror (CARERATES_DATA_MIRROR), its SHA256SUMS and data/sources.csv with those of
# the last fetch, and each raw file's size and time with the state (hashing only a file
# that differs). It re-fetches, and so rewrites the stamp, only when something changed:
# an edited raw file is re-copied (named), a new mirror is fetched from; a no-op build
# leaves the stamp alone and re-runs nothing.
$(RAW_STAMP): FORCE | $(ENV_STAMP)
	@$(PY) -m carerates.fetch --if-changed

FORCE:

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

$(STAMPS)/08_conclusions.done: notebooks/08_conclusions.ipynb $(CHAPTERS:%=$(STAMPS)/%.done) $(STAMPS)/09_multivariate.done $(CORE)
	$(RUN) $<
	@mkdir -p $(@D) && touch $@

$(STAMPS)/09_multivariate.done: notebooks/09_multivariate.ipynb $(CHAPTERS:%=$(STAMPS)/%.done) $(CORE)
	$(RUN) $<
	@mkdir -p $(@D) && touch $@

# 10 reads the study's records from 08 (associations.csv) and 05 (test directions).
$(STAMPS)/10_later_years.done: notebooks/10_later_years.ipynb $(STAMPS)/08_conclusions.done $(CORE)
	$(RUN) $<
	@mkdir -p $(@D) && touch $@

notebook: $(ENV_STAMP)  ## start a new chapter from the template: make notebook NAME=my_model
	@test -n "$(NAME)" || { echo "usage: make notebook NAME=short_name" >&2; exit 2; }
	$(PY) -m carerates.new_notebook "$(NAME)"

# --- tests -------------------------------------------------------------------------
# 1. unit tests of the library and checks of the key findings in figures/;
# 2. nbval re-executes every notebook and compares its outputs with the stored ones,
#    writing figures and tables to build/test-figures instead of figures/;
# 3. the rebuilt figures and tables must equal the committed ones byte for byte.
test: unit nbval  ## run every test (unit, findings, notebooks, figure bytes)
	CARERATES_REBUILT_FIGURES=build/test-figures $(PY) -m pytest -q tests/test_rebuilt_figures.py

unit: $(ENV_STAMP)
	$(PY) -m pytest -q tests

nbval: $(ENV_STAMP) $(RAW_STAMP)
	rm -rf build/test-figures && mkdir -p build/test-figures
	CARERATES_FIGURES=$(CURDIR)/build/test-figures $(PY) -m pytest -q --nbval \
	  --nbval-sanitize-with tests/nbval_sanitize.cfg --nbval-current-env \
	  notebooks/[0-9][0-9]_*.ipynb

benchmark: $(ENV_STAMP)  ## time and measure make all (clean and no-op) and make test
	$(PY) scripts/benchmark.py

clean:  ## remove derived data and build stamps (keeps the environment and raw data)
	rm -rf data/processed build

clean-all: clean  ## also remove the environment and the raw data
	rm -rf $(VENV) data/raw

# === LA profiles and the static site (issue 14) ======================================
# `make profiles` renders notebooks/profile.ipynb for every LA (or one: LA="Leeds") to
# build/profiles/<slug>.html, code hidden; `make site` builds build/site/ (front page,
# chapters as committed, profiles). They read data/processed (01_ingest runs if it is
# missing) and the committed figures/; the profiles are re-rendered when any of those,
# the notebook, carerates.profile/site or the templates change.
PROFILE_DATA := data/processed/las.parquet
PROFILES_DONE := $(STAMPS)/profiles.done
PROFILE_INPUTS := notebooks/profile.ipynb lib/carerates/profile.py lib/carerates/site.py \
	$(wildcard site/templates/*.j2 site/templates/*/*) $(wildcard data/processed/*.parquet) \
	figures/table_02a_la_averages.csv figures/associations.csv \
	$(wildcard figures/table_09d_cross_sectional_coefficients.csv)

.PHONY: profiles site nbval-profile

$(PROFILE_DATA): | $(RAW_STAMP) $(ENV_STAMP)
	$(RUN) notebooks/01_ingest.ipynb

profiles: $(PROFILE_DATA) | $(ENV_STAMP)  ## render every LA's profile to build/profiles/ (one: make profiles LA="Leeds")
	$(PY) -m carerates.site profiles $(if $(LA),--la "$(LA)")
	$(if $(LA),,@mkdir -p $(STAMPS) && touch $(PROFILES_DONE))

$(PROFILES_DONE): $(PROFILE_INPUTS) | $(PROFILE_DATA) $(ENV_STAMP)
	$(PY) -m carerates.site profiles
	@mkdir -p $(@D) && touch $@

site: $(PROFILES_DONE) | $(ENV_STAMP)  ## build the static site in build/site/ (open build/site/index.html)
	$(PY) -m carerates.site site

# The executed exemplar profile is checked like the chapters (it reads the committed
# figures/ and writes only its cache under build/).
nbval-profile: $(PROFILE_DATA) | $(ENV_STAMP)
	$(PY) -m pytest -q --nbval --nbval-sanitize-with tests/nbval_sanitize.cfg --nbval-current-env \
	  notebooks/profile.ipynb

test: nbval-profile
# === end of LA profiles and site =====================================================
