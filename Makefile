# The two commands of the README. Each installs what it needs into .venv first.
VENV   ?= .venv
PYTHON ?= python3
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: serve test build lint demo bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## serve: build the demo ledger's site and serve it at http://127.0.0.1:8000
serve: $(STAMP)
	$(BIN)/mkdocs serve --dev-addr 127.0.0.1:8000

## build: build the site into site/
build: $(STAMP)
	$(BIN)/mkdocs build --strict

## test: lint, type-check and run the whole test suite
test: $(STAMP) lint
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check tools tests bench
	$(BIN)/ruff format --check tools tests bench
	$(BIN)/mypy

## demo: regenerate the demo ledger (byte-identical)
demo: $(STAMP)
	$(BIN)/python -m imageledger.demo.generate .

bench: $(STAMP)
	$(BIN)/python bench/validate_bench.py

clean:
	rm -rf $(VENV) site .pytest_cache .mypy_cache .ruff_cache
