# kansenkaart — the two quick-start commands and a few helpers.
#   make kaart   set up .venv, build the demo workspace (first time) and start the web map
#   make test    install system packages (if missing), set up .venv, run lint, types and all tests

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
WORKSPACE ?= demo-werkruimte
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
CONSTRAINTS ?= constraints.txt

.PHONY: kaart test lint typecheck bench demo clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

kaart: $(BIN)/python
	$(BIN)/python -m pip install --quiet -c $(CONSTRAINTS) -e .
	@test -f $(WORKSPACE)/kansenkaart.gpkg || $(BIN)/kansenkaart demo --workspace $(WORKSPACE)
	$(BIN)/kansenkaart serve --workspace $(WORKSPACE) --host $(HOST) --port $(PORT)

demo: $(BIN)/python
	$(BIN)/python -m pip install --quiet -c $(CONSTRAINTS) -e .
	$(BIN)/kansenkaart demo --workspace $(WORKSPACE)

test: $(BIN)/python
	sh scripts/systeempakketten.sh
	$(BIN)/python -m pip install --quiet -c $(CONSTRAINTS) -e '.[dev]'
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(BIN)/python
	$(BIN)/ruff check .

typecheck: $(BIN)/python
	$(BIN)/mypy

bench: $(BIN)/python
	$(BIN)/python -m pip install --quiet -c $(CONSTRAINTS) -e '.[dev]'
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build *.egg-info
