"""Shared fixtures: real SQLite files and a real PostgreSQL 15 server for every test.

PostgreSQL comes from ``PICTALLION_TEST_POSTGRES_URL`` (a server where the user may
CREATE DATABASE), or else from a throwaway cluster started here and removed afterwards.
PostgreSQL tests are never skipped: if no server can be had, they error.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg
import pytest
from hypothesis import HealthCheck, settings

from tests import pgcluster

if TYPE_CHECKING:
    from pictallion_sql.query.registry import Query

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
    with pgcluster.server(os.environ.get("PICTALLION_TEST_POSTGRES_URL")) as url:
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
    from pictallion_sql.admin.migrations import apply_migrations

    url = pgcluster.create_database(pg_admin_url)
    apply_migrations(url)
    name = url.rsplit("/", 1)[1]
    yield name
    pgcluster.drop_database(pg_admin_url, url)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file that tests copy."""
    from pictallion_sql.admin.migrations import apply_migrations

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


class FixedClock:
    """The application clock, fixed: it moves only when a test calls advance()."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float = 1) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now


@pytest.fixture
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> FixedClock:
    """Fix the clock the repositories stamp rows with (updated_at, added_at, ...) at
    2027-01-02 03:04:05, so tests assert exact timestamps instead of comparing clock reads.
    Column defaults (now() in the database) are not affected."""
    import sys

    from pictallion_sql.catalog import base as _base

    clock = FixedClock(datetime(2027, 1, 2, 3, 4, 5))
    original = _base.utc_now
    for name, module in list(sys.modules.items()):
        if name.startswith("pictallion_sql.") and getattr(module, "utc_now", None) is original:
            monkeypatch.setattr(module, "utc_now", clock)
    return clock


def pg_execute(url: str, sql: str) -> list[tuple[object, ...]]:
    """Run one statement through a separate synchronous connection (test set-up and checks)."""
    with psycopg.connect(url, autocommit=True) as conn:
        cur = conn.execute(sql)
        return list(cur.fetchall()) if cur.description else []


@asynccontextmanager
async def database_pair(
    pg_admin_url: str,
    pg_template: str,
    sqlite_template: Path,
    folder: Path,
    *loads: Callable[[Any], Awaitable[None]],
) -> AsyncIterator[tuple[Any, Any]]:
    """A migrated SQLite file in ``folder`` and a migrated PostgreSQL database, each passed
    to every ``loads`` in turn: (sqlite_db, postgres_db), closed and dropped afterwards."""
    from pictallion_sql.database import connect

    path = folder / "pair.db"
    shutil.copyfile(sqlite_template, path)
    pg_url = pgcluster.create_database(pg_admin_url, template=pg_template)
    sqlite_db = await connect(f"sqlite:///{path}")
    pg_db = await connect(pg_url)
    try:
        for database in (sqlite_db, pg_db):
            for load in loads:
                await load(database)
        yield sqlite_db, pg_db
    finally:
        await sqlite_db.close()
        await pg_db.close()
        pgcluster.drop_database(pg_admin_url, pg_url)


PairMaker = Callable[..., AbstractAsyncContextManager[tuple[Any, Any]]]


@pytest.fixture(scope="session")
def make_pair(
    pg_admin_url: str,
    pg_template: str,
    sqlite_template: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> PairMaker:
    """``make_pair(*loads)``: ``database_pair`` in a new temporary folder (an async context)."""

    def make(
        *loads: Callable[[Any], Awaitable[None]],
    ) -> AbstractAsyncContextManager[tuple[Any, Any]]:
        folder = tmp_path_factory.mktemp("pair")
        return database_pair(pg_admin_url, pg_template, sqlite_template, folder, *loads)

    return make


@pytest.fixture(scope="session")
async def library_pair(make_pair: PairMaker) -> AsyncIterator[tuple[Any, Any]]:
    """The fixed test library loaded into SQLite and PostgreSQL: (sqlite_db, postgres_db).

    Shared by the whole session: tests using it must only read.
    """
    from tests.library import load_library

    async with make_pair(load_library) as pair:
        yield pair


@pytest.fixture(scope="module")
async def writable_pair(make_pair: PairMaker) -> AsyncIterator[tuple[Any, Any]]:
    """One writable migrated database per dialect for a test module: (sqlite_db, postgres_db).

    For property tests that reload the same pair of databases with each generated example.
    """
    async with make_pair() as pair:
        yield pair


async def both(library_pair: tuple[Any, Any], method: Any, **kwargs: Any) -> Any:
    """``method(db, **kwargs)`` on both databases of the pair: equal answers, returned once."""
    sqlite_db, pg_db = library_pair
    lite = await method(sqlite_db, **kwargs)
    pg = await method(pg_db, **kwargs)
    assert lite == pg, (method.__name__, kwargs)
    return lite


def statement(name: str, sql: str) -> Query[None]:
    """A statement of a test's own that returns nothing (``name`` as the library names its
    queries, for observers and the coverage check)."""
    from pictallion_sql.query.registry import make_query

    return make_query(name, "none", None, sql)


async def execute(db: Any, name: str, postgres: str, sqlite: str | None = None) -> None:
    """Run a statement of the test's own (``sqlite`` where SQLite's spelling differs)."""
    from pictallion_sql.query.registry import make_query

    await db.run(make_query(f"test.{name}", "none", None, postgres, sqlite))


async def fail_on(db: Any, table: str, event: str, when: str | None = None) -> None:
    """A trigger that makes ``event`` on ``table`` fail (optionally only ``when`` holds)."""
    await execute(
        db,
        "fail_function",
        "CREATE OR REPLACE FUNCTION test_forced_failure() RETURNS trigger LANGUAGE plpgsql "
        "AS $$ BEGIN RAISE EXCEPTION 'forced failure'; END $$",
        "SELECT 1",
    )
    condition = f" WHEN ({when})" if when else ""
    await execute(
        db,
        "fail_trigger",
        f"CREATE TRIGGER test_fail_{table} BEFORE {event} ON {table} FOR EACH ROW{condition} "
        "EXECUTE FUNCTION test_forced_failure()",
        f"CREATE TRIGGER test_fail_{table} BEFORE {event} ON {table} FOR EACH ROW{condition} "
        "BEGIN SELECT RAISE(ABORT, 'forced failure'); END",
    )


# ---------------------------------------------------------------------------------------
# Query coverage. Every named query, and every shape of the SQL built at run time, must run
# on both dialects under a test marked ``pins`` (one that asserts the results of what it
# runs by value). A global query observer (Database.add_global_query_observer) is told of
# every statement any database runs: recording those tells which statements ran, in which
# test. The check applies when the whole suite runs (no file, -k or -m selection).
# ---------------------------------------------------------------------------------------

EXECUTED: set[tuple[str, str]] = set()  # (dialect, query or shape) run by any test
PINNED: set[tuple[str, str]] = set()  # (dialect, query or shape) run by a pinning test
QUERY_TESTS: dict[str, set[str]] = {}  # query name -> node ids of the tests that ran it
_RUNNING: list[tuple[str, bool]] = []  # (node id, pins) of the test being set up or run
QUERY_MAP_ENV = "PICTALLION_QUERY_MAP"

# Generated statements are named "<generator>[<shape details>]" (pictallion_sql/query/dynamic.py,
# _bulk.py, search.py, smart_rules.py); the coverage check counts them by these labels.
_PER_TABLE = (".insert", ".update", ".read_back")


def is_generated(label: str) -> bool:
    """True for the coverage label of SQL built at run time."""
    return label.endswith(_PER_TABLE) or label.startswith(("search.", "smart_rules."))


def shape_labels(name: str) -> list[str]:
    """The coverage labels of one executed statement: the name of a named query itself;
    for generated SQL, its generator per table ("media_assets.insert"), each search filter
    and sort ("search.filter[tiers]", "search.sort[rating asc]"), and each smart-rule form
    and condition kind ("smart_rules.match[OR]", "smart_rules.refresh[weighted:time]")."""
    base, bracket, rest = name.partition("[")
    if not bracket:
        return [name]
    inner = rest[:-1]
    if base.endswith(_PER_TABLE):
        return [base]
    if base in ("file_versions.search_filtered", "file_versions.search_page"):
        # "<filters>|<sort>" and "|after" when it reads after a cursor; search_page is the
        # page alone, for a search whose total and facets are kept.
        filters, sort, *after = inner.split("|")
        labels = [f"search.filter[{f}]" for f in filters.split(",") if f]
        labels.append(f"search.sort[{sort}]")
        if after:
            labels.append("search.after")
        if base == "file_versions.search_page":
            labels.append("search.page")
        return labels
    if base in ("smart_rules.match", "smart_rules.refresh"):
        form, _, kinds = inner.partition(":")
        family = "weighted" if form == "weighted" else "object"
        labels = [f"{base}[{form}]"]
        for kind in filter(None, kinds.split(",")):
            if kind.startswith("time_"):  # one letter per time range: i inside a day, w wraps
                labels += [f"{base}[{family}:time_{letter}]" for letter in sorted(set(kind[5:]))]
            else:
                labels.append(f"{base}[{family}:{kind}]")
        return labels
    return [name]


def required_labels() -> set[str]:
    """Every named query and every generated shape the library can produce."""
    from pictallion_sql.catalog import search, smart_rules
    from pictallion_sql.models import ROW_TYPES
    from pictallion_sql.query.named import queries

    labels = set(queries)
    labels |= {f"{table}{kind}" for table in ROW_TYPES for kind in (".insert", ".update")}
    labels |= {f"search.filter[{field}]" for field in search._FILTER_FIELDS}
    labels |= {"search.after", "search.page"}
    labels |= {
        f"search.sort[{key} {direction}]"
        for key in search._SORT_KEYS
        for direction in ("asc", "desc")
    }
    for family, rules in (
        ("object", smart_rules._OBJECT_RULES),
        ("weighted", smart_rules._WEIGHTED_RULES),
    ):
        kinds = {kind for operators in rules.values() for kind, _ in operators.values()}
        if "time" in kinds:
            kinds = (kinds - {"time"}) | {"time_i", "time_w"}
        for statement in ("match", "refresh"):
            labels |= {f"smart_rules.{statement}[{family}:{kind}]" for kind in kinds}
    forms = ("AND", "OR", "weighted")
    labels |= {f"smart_rules.{s}[{form}]" for s in ("match", "refresh") for form in forms}
    return labels


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    _RUNNING.append((item.nodeid, False))  # fixtures' statements: recorded, not pinned
    try:
        return (yield)
    finally:
        _RUNNING.pop()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    _RUNNING.append((item.nodeid, item.get_closest_marker("pins") is not None))
    try:
        return (yield)
    finally:
        _RUNNING.pop()


@pytest.fixture(scope="session", autouse=True)
def record_executed_queries() -> Iterator[None]:
    """Record every statement the adapters run: its dialect, its test, whether that test pins.

    With ``PICTALLION_QUERY_MAP=<path>`` set, the session writes which tests ran each
    statement to ``<path>`` as JSON, one key per query name (named queries, and generated
    statements under their full generated name), each with the sorted node ids of the
    tests that ran it on either dialect, during set-up (fixtures) or the test itself::

        {"file_versions.get_multi": ["tests/crud/test_generic.py::test_x[sqlite-users]", ...]}
    """
    from pictallion_sql import Database
    from pictallion_sql.monitoring import FinishedQuery

    def recording(event: FinishedQuery) -> None:
        name, dialect = event.name, event.dialect
        if _RUNNING and event.error is None:
            test, pins = _RUNNING[-1]
            QUERY_TESTS.setdefault(name, set()).add(test)
            for label in shape_labels(name):
                EXECUTED.add((dialect, label))
                if pins:
                    PINNED.add((dialect, label))

    Database.add_global_query_observer(recording)
    yield
    Database.remove_global_query_observer(recording)


def _whole_suite(config: pytest.Config) -> bool:
    option = config.option
    here = Path(__file__).resolve().parent
    return (
        not option.keyword
        and not option.markexpr
        and not option.collectonly
        and not getattr(option, "deselect", None)
        and not getattr(option, "lf", False)
        and all(Path(arg).resolve() == here for arg in config.args)
    )


def _library_shape(label: str) -> bool:
    from pictallion_sql.models import ROW_TYPES

    family = label.split(".", 1)[0]
    return family in ROW_TYPES or family in ("search", "smart_rules")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Write the query map when asked; fail a full run in which a named query or a generated
    shape never ran on one of the dialects under a pinning test."""
    target = os.environ.get(QUERY_MAP_ENV)
    if target:
        Path(target).write_text(
            json.dumps(
                {name: sorted(tests) for name, tests in sorted(QUERY_TESTS.items())}, indent=1
            )
            + "\n"
        )
    if not _whole_suite(session.config) or exitstatus != 0:
        return
    # Generated shapes that ran somewhere count too, even if required_labels() misses them.
    # Shapes of tables the tests make up themselves, or of EXPLAIN runs, are not the library's.
    wanted = required_labels() | {
        label for _, label in EXECUTED if is_generated(label) and _library_shape(label)
    }
    missing = sorted(
        f"{label} ({dialect})"
        for label in wanted
        for dialect in DIALECTS
        if (dialect, label) not in PINNED
    )
    if missing:
        session.exitstatus = 1
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(
                "queries and generated SQL shapes never run under a test marked pins "
                f"({len(missing)}): " + ", ".join(missing),
                red=True,
            )
