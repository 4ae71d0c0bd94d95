# pictallion-sql: every target installs what it needs into .venv first.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
NAME   ?=

.PHONY: install test lint demo migrate new-migration db-status bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

## Run the whole suite on SQLite and PostgreSQL (a throwaway PostgreSQL cluster is
## started unless PICTALLION_TEST_POSTGRES_URL names a server).
test: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy --strict

## Migrate ./data/pictallion.db, write a small sample library and print it.
demo: install
	$(BIN)/python -m pictallion_sql.demo

migrate: install
	$(BIN)/pictallion-db migrate

new-migration: install
	@test -n "$(NAME)" || { echo 'usage: make new-migration NAME="Add new feature"' >&2; exit 2; }
	$(BIN)/pictallion-db create-migration "$(NAME)"

db-status: install
	$(BIN)/pictallion-db status

bench: install
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build dist
