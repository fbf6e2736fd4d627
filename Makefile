# The compendium's pipeline. `make all` sets up the environment, fetches the raw data
# and executes every notebook that is out of date; `make test` checks everything.
# `make help` lists the targets.
#
# The chapters are every notebooks/NN_*.ipynb: a new one joins `make all` and `make test`
# with no edit here. What a chapter depends on is declared in its notebook metadata
# ("carerates": {"depends": [...]}, default 01_ingest; see docs/DEVELOPING.md). One driver
# process (lib/carerates/build/run.py) runs the out-of-date chapters, independent ones side by
# side on every core (JOBS=1 for one at a time), each after those it depends on; its
# stamps in build/stamps/ follow Make's rule (a chapter reruns when its notebook, the
# library, the raw data or a chapter it depends on changed).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DELETE_ON_ERROR:
MAKEFLAGS += --no-builtin-rules --no-print-directory

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
ENV_STAMP := $(VENV)/.installed
STAMPS := build/stamps
PYC_STAMP := $(STAMPS)/.library-compiled
RAW_STAMP := data/raw/.fetch-state.json
RUN := $(PY) -m carerates.build.run
# Notebooks (and test processes) side by side: every core unless told otherwise. (nproc
# obeys OMP_NUM_THREADS, which is 1 for the kernels below: ignore it here.)
JOBS ?= $(shell env -u OMP_NUM_THREADS -u OMP_THREAD_LIMIT nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
# The environment every kernel gets, so outputs repeat byte for byte.
export PYTHONHASHSEED := 0
export TZ := UTC
export OMP_NUM_THREADS := 1
export OPENBLAS_NUM_THREADS := 1

NOTEBOOKS := $(sort $(wildcard notebooks/[0-9][0-9]_*.ipynb))
INGEST := notebooks/01_ingest.ipynb
TEST_FIGURES := build/test-figures
NBVAL := $(PY) -m pytest -q --nbval --nbval-sanitize-with tests/nbval_sanitize.cfg --nbval-current-env
# Tests of the pipeline itself: they need no data, so they run while 01_ingest is checked.
PIPELINE_TESTS := tests/test_run.py tests/test_pipeline.py tests/test_makefile.py tests/test_new_notebook.py \
                  tests/test_testing_plugin.py

.PHONY: all env kernel lab data verify-data data-download test unit nbval clean clean-all notebook \
        benchmark help check-python test-pipeline test-data test-rebuilt nbval-ingest nbval-chapters

# The committed exemplar profile (notebooks/profile.ipynb, Leeds) reads the chapters' results, so
# it is re-executed with them; `make profiles` renders every LA from it.
all: $(RAW_STAMP) | $(ENV_STAMP) $(PYC_STAMP)  ## set up, fetch the data, execute every notebook that is out of date
	@$(RUN) --make --jobs $(JOBS) --data-stamp $(RAW_STAMP) $(NOTEBOOKS) $(wildcard notebooks/profile.ipynb)

# The library compiled to bytecode when it changed: with PYTHONDONTWRITEBYTECODE set (some shells
# and containers) every kernel would otherwise compile the modules it imports from source again.
$(PYC_STAMP): $(wildcard lib/carerates/*.py lib/carerates/*/*.py) | $(ENV_STAMP)
	@$(PY) -m compileall -q lib/carerates >/dev/null || true
	@mkdir -p $(@D) && touch $@

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 16

# --- environment -------------------------------------------------------------------
env: $(ENV_STAMP)  ## create .venv with the pinned packages

check-python:  ## stop with a clear message if Python is older than 3.11
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || { \
	  echo "The compendium needs Python 3.11 or newer (its pinned packages do not install on older ones);" >&2; \
	  echo "'$(PYTHON)' is: $$($(PYTHON) --version 2>&1 || echo 'not found')." >&2; \
	  echo "Install Python 3.11+ and run e.g.: make PYTHON=python3.11 all" >&2; exit 1; }

$(ENV_STAMP): requirements.txt pyproject.toml
	@$(MAKE) check-python
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip==26.3"
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	$(PY) -m ipykernel install --sys-prefix --name carerates --display-name "Python (carerates)" >/dev/null
	touch $@

# Registered afresh each time (a second): the spec names the python it was installed from, and a
# copy of the compendium sharing this .venv (as the Makefile tests make) may have re-pointed it.
kernel: | $(ENV_STAMP)  ## register the environment as the Jupyter kernel "carerates" (in .venv)
	$(PY) -m ipykernel install --sys-prefix --name carerates --display-name "Python (carerates)" >/dev/null

# PORT= another port (default 8888, or the next free one); BROWSER=no to open none (e.g. over ssh);
# as root (a container) JupyterLab needs --allow-root, given automatically.
PORT ?= 8888
lab: kernel $(RAW_STAMP)  ## open JupyterLab on the notebooks, with the "carerates" kernel (PORT=8890 BROWSER=no)
	$(PY) -m jupyterlab --notebook-dir=notebooks --port=$(PORT) $(if $(filter no false 0,$(BROWSER)),--no-browser) \
	  $$(test "$$(id -u)" = 0 && echo --allow-root)

# --- data --------------------------------------------------------------------------
data: $(ENV_STAMP)  ## copy the raw files from the mirror (CARERATES_DATA_MIRROR), verified against data/sources.csv
	$(PY) -m carerates.build.fetch

# The stamp is the fetch state. A quick check runs before every build (FORCE): it compares
# the mirror (CARERATES_DATA_MIRROR), its SHA256SUMS and data/sources.csv with those of
# the last fetch, and each raw file's size and time with the state (hashing only a file
# that differs). It re-fetches, and so rewrites the stamp, only when something changed:
# an edited raw file is re-copied (named), a new mirror is fetched from; a no-op build
# leaves the stamp alone and re-runs nothing.
$(RAW_STAMP): FORCE | $(ENV_STAMP)
	@$(PY) -m carerates.build.fetch --if-changed

FORCE:

verify-data: $(ENV_STAMP)  ## re-hash every file in data/raw against the checksums
	$(PY) -m carerates.build.fetch --verify

data-download: $(ENV_STAMP)  ## without the mirror: download the public copies listed in data/sources.csv
	$(PY) -m carerates.build.fetch --download

# --- a new chapter -----------------------------------------------------------------
# NAME reaches the command through the environment (make exports command-line variables),
# never pasted into the shell line, so no value of it can run a command.
notebook: $(ENV_STAMP)  ## start a new chapter from the template: make notebook NAME=my_model
	@test -n "$${NAME:-}" || { echo "usage: make notebook NAME=short_name" >&2; exit 2; }
	@$(PY) -m carerates.build.new_notebook "$$NAME"

# --- tests -------------------------------------------------------------------------
# 1. the unit tests of the library and the checks of the key findings in figures/;
# 2. nbval re-executes every notebook and compares its outputs with the stored ones,
#    writing figures and tables to build/test-figures instead of figures/ (01_ingest
#    first: the others read data/processed; then the rest side by side, each after the
#    chapters it depends on); the unit tests run beside it;
# 3. the rebuilt figures and tables must equal the committed ones (once nbval is done).
# Everything runs at once (the sub-make has no job limit; each pytest spreads over
# JOBS workers), so the cores stay busy until the end. Nothing is executed twice: `make test`
# does not need `make all` first, and the site's browser tests render six sample profiles, not
# all 152 (`make site` does that; tests/test_site.py checks every LA's profile without a kernel).
test: $(RAW_STAMP) | $(ENV_STAMP)  ## run every test (unit, findings, notebooks, rebuilt figures)
	@rm -rf $(TEST_FIGURES) build/nbval-done && mkdir -p $(TEST_FIGURES)
	@$(MAKE) -j JOBS=$(JOBS) test-pipeline test-data test-rebuilt nbval-profile-after-ingest

unit: $(RAW_STAMP) | $(ENV_STAMP)  ## run the unit and findings tests only (on the data and figures/ as they are)
	$(PY) -m pytest -q -n $(JOBS) --dist loadgroup tests

nbval: $(RAW_STAMP) | $(ENV_STAMP)  ## re-execute every notebook under nbval (figures to build/test-figures)
	@rm -rf $(TEST_FIGURES) build/nbval-done && mkdir -p $(TEST_FIGURES)
	@$(MAKE) nbval-chapters

test-pipeline:  ## (part of test) the linter and the pipeline's own tests
	$(PY) -m ruff check --quiet lib tests scripts
	$(PY) -m pytest -q $(PIPELINE_TESTS)

test-data: nbval-ingest  ## (part of test) the other unit and findings tests, once data/processed exists
	$(PY) -m pytest -q -n $(JOBS) --dist loadgroup tests $(PIPELINE_TESTS:%=--ignore=%) --ignore=tests/test_rebuilt_figures.py

test-rebuilt: nbval-chapters  ## (part of test) the figures and tables nbval rebuilt equal the committed ones
	CARERATES_REBUILT_FIGURES=$(TEST_FIGURES) $(PY) -m pytest -q tests/test_rebuilt_figures.py

nbval-ingest:  ## (part of test) 01_ingest under nbval: rebuilds data/processed
	$(if $(filter $(INGEST),$(NOTEBOOKS)),CARERATES_FIGURES="$(CURDIR)/$(TEST_FIGURES)" $(NBVAL) $(INGEST),@true)

nbval-chapters: nbval-ingest  ## (part of test) the other chapters under nbval, side by side
	$(if $(filter-out $(INGEST),$(NOTEBOOKS)),CARERATES_FIGURES="$(CURDIR)/$(TEST_FIGURES)" $(NBVAL) \
	  -n $(JOBS) --dist loadfile --no-loadscope-reorder $(filter-out $(INGEST),$(NOTEBOOKS)),@true)

benchmark: $(RAW_STAMP) | $(ENV_STAMP)  ## time make all (serial, parallel, no-op) and make test against the kernel floor
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
# the notebook, carerates.profile, carerates.build.site or the templates change.
PROFILE_DATA := data/processed/las.parquet
PROFILES_DONE := $(STAMPS)/profiles.done
PROFILE_INPUTS := notebooks/profile.ipynb $(wildcard lib/carerates/profile/*.py) lib/carerates/build/site.py \
	$(wildcard site/templates/*.j2 site/templates/*/*) $(wildcard data/processed/*.parquet) \
	figures/table_02d_la_averages.csv $(wildcard figures/tests_*.csv) \
	$(wildcard figures/table_09d_cross_sectional_coefficients.csv) \
	$(wildcard figures/table_12a_backtest.csv figures/table_12c_forecast.csv figures/table_12g_la_backtest.csv)

.PHONY: profiles site nbval-profile nbval-profile-after-ingest

$(PROFILE_DATA): | $(RAW_STAMP) $(ENV_STAMP)
	$(RUN) notebooks/01_ingest.ipynb

profiles: $(PROFILE_DATA) | $(ENV_STAMP)  ## render every LA's profile to build/profiles/ (one: make profiles LA="Leeds")
	$(PY) -m carerates.build.site profiles $(if $(LA),--la "$$LA")
	$(if $(LA),,@mkdir -p $(STAMPS) && touch $(PROFILES_DONE))

$(PROFILES_DONE): $(PROFILE_INPUTS) | $(PROFILE_DATA) $(ENV_STAMP)
	$(PY) -m carerates.build.site profiles
	@mkdir -p $(@D) && touch $@

site: $(PROFILES_DONE) | $(ENV_STAMP)  ## build the static site in build/site/ (open build/site/index.html)
	$(PY) -m carerates.build.site site

# The executed exemplar profile is checked like the chapters (it reads the committed
# figures/ and writes only its cache under build/).
nbval-profile: $(PROFILE_DATA) | $(ENV_STAMP)  ## (part of test) the exemplar profile under nbval
	$(PY) -m pytest -q --nbval --nbval-sanitize-with tests/nbval_sanitize.cfg --nbval-current-env \
	  notebooks/profile.ipynb

# Within `make test`, the exemplar waits for 01_ingest under nbval (which rebuilds data/processed)
# and runs beside the other chapters.
nbval-profile-after-ingest: nbval-ingest  ## (part of test) the exemplar profile under nbval, once data/processed is rebuilt
	@$(MAKE) nbval-profile
# === end of LA profiles and site =====================================================
