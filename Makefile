# twin: `make run` starts the twin on http://127.0.0.1:8000, `make test` runs every check.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

WEB_BUILT := web/dist/widget.js

.PHONY: install web run test lint typecheck pytest eval clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The chat page and widget: web/src -> web/dist (needs Node.js 18+ and npm).
web: $(WEB_BUILT)

$(WEB_BUILT): web/package.json web/package-lock.json web/build.mjs $(wildcard web/src/*) $(wildcard web/src/owner/*) $(wildcard web/src/owner/pages/*)
	cd web && npm ci --no-audit --no-fund --loglevel=error && npm run --silent build

run: install web
	$(BIN)/twin serve --host $(HOST) --port $(PORT)

test: lint typecheck pytest eval

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

pytest: install web
	$(BIN)/python -m pytest

# The eval pack on the example persona, then on generated LinkedIn exports in other languages and looks.
eval: install
	$(BIN)/twin eval --output dist/eval/results.json
	for persona in $$($(BIN)/python -m tests.support.export_variants dist/eval/variants); do \
		PERSONA_DIR=$$persona $(BIN)/twin eval --output dist/eval/$$(basename $$persona).json || exit 1; \
	done

clean:
	rm -rf $(VENV) dist build *.egg-info web/dist web/node_modules
