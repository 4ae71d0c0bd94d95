"""Shared fixtures: real SQLite files and a real PostgreSQL 15 server for every test.

PostgreSQL comes from ``PICTALLION_TEST_POSTGRES_URL`` (a server where the user may
CREATE DATABASE), or else from a throwaway cluster started here and removed afterwards.
PostgreSQL tests are never skipped: if no server can be had, they error.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, settings

from tests import pgcluster

DIALECTS = ("sqlite", "postgres")

# Property tests: the "ci" profile (the default) draws the same examples on every run, so a
# run fails or passes whatever the machine or its history; "fuzz" (HYPOTHESIS_PROFILE=fuzz,
# or `make fuzz`) draws many more, at random, to find new failing examples. A failing
# example found that way becomes an @example of its test. The tests share one database
# per module between examples (function-scoped fixtures are on purpose).
_PROPERTY_CHECKS = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
settings.register_profile(
    "ci",
    derandomize=True,
    database=None,
    max_examples=100,
    deadline=None,
    suppress_health_check=_PROPERTY_CHECKS,
)
settings.register_profile(
    "fuzz",
    max_examples=2000,
    deadline=None,
    print_blob=True,
    suppress_health_check=_PROPERTY_CHECKS,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def pg_admin_url() -> Iterator[str]:
    """URL of a PostgreSQL server on which the tests may create databases."""
    given = os.environ.get("PICTALLION_TEST_POSTGRES_URL")
    if given:
        pgcluster.wait_until_ready(given)
        yield given
        return
    with pgcluster.throwaway_cluster() as url:
        pgcluster.wait_until_ready(url)
        yield url


@pytest.fixture
def new_pg_url(pg_admin_url: str) -> Iterator[str]:
    """A new, empty PostgreSQL database, dropped after the test."""
    url = pgcluster.create_database(pg_admin_url)
    yield url
    pgcluster.drop_database(pg_admin_url, url)


@pytest.fixture
def new_sqlite_url(tmp_path: Path) -> str:
    """A new, empty SQLite file in the test's temporary folder."""
    return f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture(params=DIALECTS)
def dialect(request: pytest.FixtureRequest) -> str:
    """Runs the test once per dialect."""
    return str(request.param)


@pytest.fixture
def empty_url(dialect: str, request: pytest.FixtureRequest) -> str:
    """A new, empty database of the test's dialect."""
    fixture = "new_sqlite_url" if dialect == "sqlite" else "new_pg_url"
    return str(request.getfixturevalue(fixture))


@pytest.fixture(scope="session")
def pg_template(pg_admin_url: str) -> Iterator[str]:
    """Name of a migrated PostgreSQL database that tests clone."""
    from pictallion_sql.migrations import apply_migrations

    url = pgcluster.create_database(pg_admin_url)
    apply_migrations(url)
    name = url.rsplit("/", 1)[1]
    yield name
    pgcluster.drop_database(pg_admin_url, url)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file that tests copy."""
    from pictallion_sql.migrations import apply_migrations

    path = tmp_path_factory.mktemp("template") / "template.db"
    apply_migrations(f"sqlite:///{path}")
    return path


@pytest.fixture
def migrated_url(dialect: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new database of the test's dialect with every migration applied."""
    if dialect == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        target = tmp_path / "migrated.db"
        shutil.copyfile(template, target)
        yield f"sqlite:///{target}"
        return
    admin: str = request.getfixturevalue("pg_admin_url")
    url = pgcluster.create_database(admin, template=request.getfixturevalue("pg_template"))
    yield url
    pgcluster.drop_database(admin, url)


@pytest.fixture
async def db(migrated_url: str) -> AsyncIterator[object]:
    """A connected Database on a freshly migrated database of the test's dialect."""
    from pictallion_sql.database import connect

    database = await connect(migrated_url)
    try:
        yield database
    finally:
        await database.close()


def pg_execute(url: str, sql: str) -> list[tuple[object, ...]]:
    """Run one statement through a separate synchronous connection (test set-up and checks)."""
    with psycopg.connect(url, autocommit=True) as conn:
        cur = conn.execute(sql)
        return list(cur.fetchall()) if cur.description else []


@pytest.fixture(scope="session")
async def library_pair(
    pg_admin_url: str,
    pg_template: str,
    sqlite_template: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[tuple[Any, Any]]:
    """The fixed test library loaded into SQLite and PostgreSQL: (sqlite_db, postgres_db).

    Shared by the whole session: tests using it must only read.
    """
    from pictallion_sql.database import connect
    from tests.library import load_library

    path = tmp_path_factory.mktemp("library") / "library.db"
    shutil.copyfile(sqlite_template, path)
    pg_url = pgcluster.create_database(pg_admin_url, template=pg_template)
    sqlite_db = await connect(f"sqlite:///{path}")
    pg_db = await connect(pg_url)
    try:
        await load_library(sqlite_db)
        await load_library(pg_db)
        yield sqlite_db, pg_db
    finally:
        await sqlite_db.close()
        await pg_db.close()
        pgcluster.drop_database(pg_admin_url, pg_url)


@pytest.fixture(scope="module")
async def writable_pair(
    pg_admin_url: str,
    pg_template: str,
    sqlite_template: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[tuple[Any, Any]]:
    """One writable migrated database per dialect for a test module: (sqlite_db, postgres_db).

    For property tests that reload the same pair of databases with each generated example.
    """
    from pictallion_sql.database import connect

    path = tmp_path_factory.mktemp("pair") / "pair.db"
    shutil.copyfile(sqlite_template, path)
    pg_url = pgcluster.create_database(pg_admin_url, template=pg_template)
    sqlite_db = await connect(f"sqlite:///{path}")
    pg_db = await connect(pg_url)
    try:
        yield sqlite_db, pg_db
    finally:
        await sqlite_db.close()
        await pg_db.close()
        pgcluster.drop_database(pg_admin_url, pg_url)


# ---------------------------------------------------------------------------------------
# Every named query must run on both dialects somewhere in the suite. The adapters bind
# arguments for every statement they run; recording those calls tells which queries ran.
# The check applies when the whole suite runs (no file or -k selection).
# ---------------------------------------------------------------------------------------

EXECUTED: set[tuple[str, str]] = set()


@pytest.fixture(scope="session", autouse=True)
def record_executed_queries() -> Iterator[None]:
    """Record (dialect, query name) for every statement the adapters run."""
    import pictallion_sql._postgres as postgres_adapter
    import pictallion_sql._sqlite as sqlite_adapter

    originals = {}
    for module, dialect in ((postgres_adapter, "postgres"), (sqlite_adapter, "sqlite")):
        original = module.bind_args
        originals[module] = original

        def recording(
            query: Any, compiled: Any, params: Any, *, _d: str = dialect, _f: Any = original
        ) -> Any:
            EXECUTED.add((_d, query.name))
            return _f(query, compiled, params)

        module.bind_args = recording  # type: ignore[assignment]
    yield
    for module, original in originals.items():
        module.bind_args = original  # type: ignore[assignment]


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail a full run in which some named query never ran on one of the dialects."""
    whole_suite = not session.config.option.keyword and all(
        Path(arg).resolve() == Path(__file__).resolve().parent for arg in session.config.args
    )
    if not whole_suite or exitstatus != 0:
        return
    from pictallion_sql._queries import queries

    missing = sorted(
        f"{name} ({dialect})"
        for name in queries
        for dialect in DIALECTS
        if (dialect, name) not in EXECUTED
    )
    if missing:
        session.exitstatus = 1
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(
                "named queries never run by the suite: " + ", ".join(missing), red=True
            )
