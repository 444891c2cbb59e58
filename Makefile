# `make run` serves the demo on http://127.0.0.1:8000; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test fuzz bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

run: $(VENV)/.installed
	$(BIN)/citypact db upgrade
	$(BIN)/citypact demo --scale small
	$(BIN)/citypact serve --host 127.0.0.1 --port 8000

test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest

bench: $(VENV)/.installed-dev
	command -v wrk >/dev/null || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y wrk)
	$(BIN)/python bench/run.py

fuzz: $(VENV)/.installed-dev
	CITYPACT_FUZZ_EXAMPLES=200 $(BIN)/python -m pytest tests/test_fuzz.py

clean:
	rm -rf $(VENV) citypact.db citypact.db-wal citypact.db-shm test-artifacts .pytest_cache
