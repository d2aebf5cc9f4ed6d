# Scale from Zero to Millions: the verbs people expect. `make help` lists them.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
# nbgrader runs `alembic` for its gradebook: the environment's bin/ must be on PATH.
export PATH := $(BIN):$(PATH)
NB ?=

.DEFAULT_GOAL := help
.PHONY: progress help lab test test-lib test-notebooks test-grading test-browser quick chapter release sync grade formgrader check bench lint format lock python-check clean

help: ## List the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-15s %s\n", $$1, $$2}'

python-check:
	@$(PYTHON) -c 'import sys; ok = (3, 11) <= sys.version_info[:2] < (3, 14); sys.exit(0 if ok else 1)' 2>/dev/null || { \
	  echo "This course needs Python 3.11, 3.12 or 3.13 (found: $$($(PYTHON) --version 2>&1 || echo none))."; \
	  echo "Install one (python.org, your package manager, or conda: conda env create -f environment.yml)"; \
	  echo "and run again, e.g. make lab PYTHON=python3.11"; exit 1; }

$(VENV)/.runtime: requirements/runtime.txt pyproject.toml | python-check
	@echo "Setting up the course's Python environment in $(VENV) (the first time takes a few minutes)."
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "[1/3] pip itself"
	@$(BIN)/python -m pip install --quiet --upgrade pip
	@echo "[2/3] JupyterLab, nbgrader, numpy, plotly and the rest (requirements/runtime.txt)"
	@set -o pipefail; $(BIN)/python -m pip install -r requirements/runtime.txt | awk '/^Collecting/ {printf "%s ", $$2; fflush()} /^Successfully installed/ {print "\n      " NF - 2 " packages installed"}'
	@echo "[3/3] the course library (lib/)"
	@$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $@

$(VENV)/.dev: requirements/dev.txt $(VENV)/.runtime
	$(BIN)/python -m pip install --quiet -r requirements/dev.txt
	@touch $@

$(VENV)/.bench: requirements/bench.txt $(VENV)/.dev
	$(BIN)/python -m pip install --quiet -r requirements/bench.txt
	@touch $@

lab: $(VENV)/.runtime ## Open the course in JupyterLab (makes the environment and your copy in work/)
	@$(BIN)/python tools/workcopy.py
	@# The learner's lab (tools/learner-jupyter): opens on 00-welcome, the Validate button without
	@# nbgrader's instructor tools, no news pop-up. The instructor's is `make formgrader`.
	cd work && JUPYTER_CONFIG_PATH=$(CURDIR)/tools/learner-jupyter $(BIN)/python -m jupyterlab $(if $(filter 0,$(shell id -u)),--allow-root,)

test: $(VENV)/.dev ## Run every test tier (lint+library, notebooks, grading, browser)
	$(BIN)/python tools/run_tiers.py

test-lib test-notebooks test-grading test-browser: test-%: $(VENV)/.dev ## Run one tier
	$(BIN)/python tools/run_tiers.py $*

quick: $(VENV)/.dev ## The inner loop (~2 min): lint, library tests, one chapter end to end (NB=00-welcome)
	$(BIN)/python tools/run_tiers.py --quick $(or $(NB),00-welcome)

chapter: $(VENV)/.dev ## One chapter's edit loop: make chapter NB=07-caching (sync, release, run, grade, browser)
	@test -n "$(NB)" || { echo "Say which chapter: make chapter NB=07-caching"; exit 2; }
	$(BIN)/jupytext --sync solutions/$(NB)/$(NB).ipynb
	$(BIN)/python -m coursekit.release $(NB)
	$(BIN)/python tools/run_tiers.py --chapter $(NB)

sync: $(VENV)/.dev ## Sync each solutions/ notebook with its py:percent pair
	$(BIN)/jupytext --sync solutions/*/*.ipynb

release: $(VENV)/.runtime ## Regenerate course/ from solutions/ with nbgrader
	$(BIN)/python -m coursekit.release

grade: $(VENV)/.dev ## Autograde every submission in grading/submitted (see grading/README.md)
	@command -v bwrap >/dev/null || { test "$$(id -u)" = 0 && command -v apt-get >/dev/null && \
	  echo "installing bubblewrap, the grading sandbox (apt-get install bubblewrap) ..." && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null; } || \
	  echo "bubblewrap is missing: submissions will be graded WITHOUT isolation (apt-get install bubblewrap)"
	$(BIN)/python -m coursekit.grade $(ARGS)

# nbgrader reads nbgrader_config.py from the server's working folder (grading/), and the
# formgrader needs the course root inside the server's root_dir (the repository).
PORT ?= 8888
formgrader: $(VENV)/.runtime ## Grade written answers: JupyterLab with nbgrader's formgrader (127.0.0.1)
	@echo "Formgrader: open the http://127.0.0.1:...?token=... URL printed below, then Nbgrader > Formgrader"
	@echo "(or that URL with /lab replaced by /formgrader). Ctrl-C stops the server."
	cd grading && $(BIN)/python -m jupyterlab --no-browser --ip=127.0.0.1 --port=$(PORT) \
	  --ServerApp.root_dir=$(CURDIR) $(if $(filter 0,$(shell id -u)),--allow-root,) $(ARGS)

check: $(VENV)/.runtime ## Self-check your copy: make check NB=07-caching
	@test -n "$(NB)" || { echo "Say which notebook: make check NB=00-welcome"; exit 2; }
	$(BIN)/python -m coursekit.selfcheck $(NB)

progress: $(VENV)/.runtime ## Your progress: visible checks passed and predictions, per chapter of work/
	@$(BIN)/python -m coursekit.progress

bench: $(VENV)/.bench ## Run the benchmarks and print the report (BENCH_ONLY=cache,queueing: a part)
	BENCH_ONLY="$(BENCH_ONLY)" $(BIN)/python benchmarks/run.py

lint: $(VENV)/.dev ## ruff on the library, tests and benchmarks
	$(BIN)/ruff check lib tests benchmarks tools
	$(BIN)/ruff format --check lib tests benchmarks tools

format: $(VENV)/.dev ## Apply ruff's formatting
	$(BIN)/ruff format lib tests benchmarks tools
	$(BIN)/ruff check --fix lib tests benchmarks tools

lock: $(VENV)/.runtime ## Re-resolve and pin every requirement set (requirements/*.txt)
	$(BIN)/python tools/lock.py

clean: ## Remove build output (keeps work/ and the environment)
	rm -rf build screenshots .pytest_cache
