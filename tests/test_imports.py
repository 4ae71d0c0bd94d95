"""Importing the library stays light: no query builder, migration tool or driver until used."""

from __future__ import annotations

import json
import subprocess
import sys

# Loaded only when first needed: pypika by the first query built at run time, yoyo by the
# first migration command, a driver by the first connection to its dialect; FastAPI only by
# pictallion_sql.fastapi, an optional extra.
DEFERRED = ("pypika", "yoyo", "asyncpg", "aiosqlite", "psycopg", "fastapi", "starlette")


def loaded_after(statement: str) -> list[str]:
    """The deferred modules present in a fresh interpreter after running ``statement``."""
    report = (
        "import json, sys\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {set(DEFERRED)!r})))"
    )
    done = subprocess.run(
        [sys.executable, "-c", f"{statement}\n{report}"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return list(json.loads(done.stdout))


def test_importing_the_library_loads_no_builder_migrator_or_driver() -> None:
    statement = (
        "import pictallion_sql, pictallion_sql.crud, pictallion_sql.database, pictallion_sql.models"
    )
    assert loaded_after(statement) == []


def test_a_run_time_query_loads_pypika_only_when_built() -> None:
    statement = (
        "import pictallion_sql.crud\n"
        "from pictallion_sql.query.dynamic import insert_query\n"
        "from pictallion_sql.models import MediaAsset\n"
        "insert_query('media_assets', MediaAsset, ('original_filename',))"
    )
    assert {m.split(".")[0] for m in loaded_after(statement)} == {"pypika"}
