# pictallion-sql: every target installs what it needs into .venv first.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
NAME   ?=

.PHONY: install test test-fast lint lint-sql docs docs-serve generate demo migrate new-migration db-init db-status db-check db-stats \
        db-integrity db-maintenance db-rollback backup restore copy bench bench-scale bench-cache fuzz mutate clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,prometheus,opentelemetry]"
	@touch $(STAMP)

## Run the whole suite on SQLite and PostgreSQL (a throwaway PostgreSQL cluster is
## started unless PICTALLION_TEST_POSTGRES_URL names a server).
test: install
	$(BIN)/python -m pytest

## The suite without the tests marked slow (about half the time); CI runs `make test`.
test-fast: install
	$(BIN)/python -m pytest -m "not slow"

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy --strict

## make lint-sql: sqlfluff on the query and schema files in both dialects (.sqlfluff, and
## sql/sqlite.sqlfluff on top for SQLite), squawk on the PostgreSQL migrations
## (.squawk.toml, .ci/squawk-migrations); each excluded rule's reason is written there.
lint-sql: install
	@$(BIN)/python -c "import sqlfluff" 2>/dev/null && test -x $(BIN)/squawk || \
		$(BIN)/python -m pip install --quiet -e ".[dev,sqllint]"
	$(BIN)/sqlfluff lint --processes 2 sql/queries/*.sql sql/queries/templates sql/queries/postgres \
		sql/schema/postgres.sql
	$(BIN)/sqlfluff lint --processes 2 --config sql/sqlite.sqlfluff \
		sql/queries/*.sql sql/queries/templates sql/queries/sqlite sql/schema/sqlite.sql
	.ci/squawk-migrations $(BIN)/squawk

## make docs: the API reference and the guides (mkdocs.yml), built into site/ with every
## warning an error (a broken link, a docstring that does not match its signature).
docs: install
	@$(BIN)/python -c "import mkdocs, mkdocstrings_handlers.python" 2>/dev/null || \
		$(BIN)/python -m pip install --quiet -e ".[dev,docs]"
	$(BIN)/mkdocs build --strict --site-dir site

docs-serve: docs
	$(BIN)/mkdocs serve

## Regenerate pictallion_sql/records/inputs.py (insert and update types) from records/tables.py.
generate: install
	$(BIN)/python -m pictallion_sql.records.generate_inputs
	$(BIN)/ruff format pictallion_sql/records/inputs.py

## Migrate ./data/pictallion.db, write a small sample library and print it.
demo: install
	$(BIN)/python -m pictallion_sql.admin.demo

migrate: install
	$(BIN)/pictallion-db migrate

new-migration: install
	@test -n "$(NAME)" || { echo 'usage: make new-migration NAME="Add new feature"' >&2; exit 2; }
	$(BIN)/pictallion-db create-migration "$(NAME)"

db-init: install
	$(BIN)/pictallion-db init

db-status: install
	$(BIN)/pictallion-db status

db-check: install
	$(BIN)/pictallion-db check

db-stats: install
	$(BIN)/pictallion-db stats

db-integrity: install
	$(BIN)/pictallion-db integrity

db-maintenance: install
	$(BIN)/pictallion-db maintenance

db-rollback: install
	$(BIN)/pictallion-db rollback

## make backup [TO=backups/]   /   make restore FROM=backups/<file>
backup: install
	$(BIN)/pictallion-db backup $(if $(TO),$(TO),backups/)

restore: install
	@test -n "$(FROM)" || { echo 'usage: make restore FROM=backups/<file>' >&2; exit 2; }
	$(BIN)/pictallion-db restore "$(FROM)"

## make copy FROM=sqlite:///./data/pictallion.db TO=postgresql://user@host/pictallion: the whole
## library into an empty database, verified by checksums before it commits (docs/copy.md).
copy: install
	@test -n "$(FROM)" && test -n "$(TO)" || { echo 'usage: make copy FROM=URL TO=URL' >&2; exit 2; }
	$(BIN)/pictallion-db copy --from "$(FROM)" --to "$(TO)"

## make bench-cache [CACHE_BENCH_ARGS="--reads 5000 --repeats 5"]: reads by id with and
## without the Redis cache, side by side, on both dialects (a throwaway redis-server).
CACHE_BENCH_ARGS ?= --reads 5000 --repeats 5

bench-cache: install
	$(BIN)/python bench/cache.py $(CACHE_BENCH_ARGS)

## make fuzz: what CI runs in a fixed, small form, at a larger scale: the property tests
## with many random examples (hypothesis profile "fuzz" instead of the derandomized "ci"),
## 5,500 generated bad inputs against every repository call on both dialects, and 1,500
## random cancellations per dialect. Each prints its tally and fails listing violations.
fuzz: install
	HYPOTHESIS_PROFILE=fuzz $(BIN)/python -m pytest -p no:cacheprovider -m hypothesis \
		--deselect tests/test_bad_inputs.py
	PICTALLION_FUZZ=1 $(BIN)/python -m pytest -q -s -p no:cacheprovider \
		tests/test_bad_inputs.py tests/test_cancellation.py

## make bench [BENCH_ARGS="--versions 100000 --repeats 5"]: the library against the raw
## drivers and the SQLAlchemy ORM (the optional bench extra, installed here if missing).
BENCH_ARGS ?= --versions 2000 --repeats 5

bench: install
	@$(BIN)/python -c "import sqlalchemy, greenlet" 2>/dev/null || \
		$(BIN)/python -m pip install --quiet -e ".[dev,prometheus,opentelemetry,bench]"
	$(BIN)/python bench/run.py --ingest-compare $(BENCH_ARGS)

## make bench-scale [N=1000000] [SCALE_ARGS="--dialects sqlite --runs 25"]: every page
## call at 10,000 versions against N versions on each dialect (p50/p95, ratio, and the plan
## of any call over 2x); results in bench/results/. Loads N versions per dialect through
## create_many: about 200-320 s per dialect at a million on two cores.
N ?= 1000000
SCALE_ARGS ?=

bench-scale: install
	$(BIN)/python bench/scale.py --versions $(N) $(SCALE_ARGS)

## make mutate [MUTATE_PATHS="pictallion_sql/*"] [MUTATE_BUDGET=3600]: mutation testing, out
## of CI. The project's SQL mutator over sql/queries/, then mutmut (the optional mutate extra,
## installed here if missing) over crud/, search and smart rules; reports in bench/results/.
mutate: install
	@$(BIN)/python -c "import mutmut" 2>/dev/null || \
		$(BIN)/python -m pip install --quiet -e ".[dev,prometheus,opentelemetry,mutate]"
	$(BIN)/python -m tests.mutation.sql_mutants
	$(BIN)/python -m tests.mutation.python_mutants

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build dist mutants site
