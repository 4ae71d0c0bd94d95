"""Streaming reads: every row in order, batch by batch, with the connection released early.

Each test runs on SQLite and PostgreSQL against one loaded database per dialect (the
tests here only read from it, or write inside a transaction they roll back).
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import msgspec
import pytest

from pictallion_sql import crud
from pictallion_sql.config import Settings
from pictallion_sql.database import Database, connect
from pictallion_sql.errors import DatabaseError, PictallionError, ValidationError
from pictallion_sql.query.registry import make_query
from tests import pgcluster
from tests.conftest import DIALECTS
from tests.crud.test_pinned_reads import ORDERS
from tests.library import LIBRARY, uid

# Every test here asserts the results of the statements it runs by value.
pytestmark = pytest.mark.pins

ROWS = 250


class Numbered(msgspec.Struct, frozen=True):
    """One row of the test series."""

    n: int


class Payload(msgspec.Struct, frozen=True):
    """The document each series row carries."""

    a: int


class Document(msgspec.Struct, frozen=True):
    """A series row with a document that stops fitting half-way."""

    n: int
    doc: Payload


_SERIES_SQLITE = "WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < 100) "

# Rows 1..49 are fine; computing row 50 fails in the database, in the middle of the stream.
# No ORDER BY: a sort would compute every row before the first one is returned; the
# failing value depends on g, so PostgreSQL cannot compute it while planning.
OVERFLOW_AT_50 = make_query(
    "test.overflow_at_50",
    "rows",
    Numbered,
    "SELECT CASE WHEN g < 50 THEN g ELSE abs(g - 51 - 9223372036854775807) END AS n "
    "FROM generate_series(1, 100) AS g",
    _SERIES_SQLITE
    + "SELECT CASE WHEN g < 50 THEN g ELSE abs(g - 51 - 9223372036854775807) END AS n FROM s",
)

# Row 50's document does not fit Payload: a decoding failure in the middle of the stream.
BAD_DOCUMENT_AT_50 = make_query(
    "test.bad_document_at_50",
    "rows",
    Document,
    'SELECT g AS n, CAST(CASE WHEN g < 50 THEN \'{"a": 1}\' ELSE \'{"a": "x"}\' END AS jsonb) '
    "AS doc FROM generate_series(1, 100) AS g",
    _SERIES_SQLITE + 'SELECT g AS n, CASE WHEN g < 50 THEN \'{"a": 1}\' ELSE \'{"a": "x"}\' END '
    "AS doc FROM s",
)

OPEN_CURSORS = make_query(
    "test.open_cursors",
    "scalar",
    int,
    "SELECT count(*) FROM pg_cursors WHERE name <> ''",  # the unnamed portal is this query
    "SELECT 0",  # SQLite has no server-side cursors to leave open
)


@pytest.fixture(scope="module", params=DIALECTS)
async def loaded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[tuple[str, Database]]:
    """(url, database) holding ROWS file versions of one asset; one per dialect."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path_factory.mktemp("streaming") / "stream.db"
        shutil.copyfile(template, path)
        url = f"sqlite:///{path}"
    else:
        admin: str = request.getfixturevalue("pg_admin_url")
        url = pgcluster.create_database(admin, template=request.getfixturevalue("pg_template"))
    db = await connect(url)
    try:
        asset = await crud.media_asset.create(db, obj_in={"original_filename": "a.jpg"})
        await crud.file_version.create_many(
            db,
            objs=[
                {
                    "media_asset_id": asset.id,
                    "tier": "silver",
                    "file_path": f"media/{i}.jpg",
                    "file_hash": f"h{i}",
                    "file_size": i,
                    "mime_type": "image/jpeg",
                    "keywords": ["a", str(i)],
                    "is_reviewed": i % 2 == 0,
                    "metadata": {"exif": {"camera": f"cam {i}"}},
                }
                for i in range(ROWS)
            ],
        )
        yield url, db
    finally:
        await db.close()
        if request.param == "postgres":
            pgcluster.drop_database(request.getfixturevalue("pg_admin_url"), url)


async def single_connection(url: str) -> Database:
    """A second database object on ``url`` whose pool holds exactly one connection."""
    return await connect(url, config=Settings(pool_size=1, max_overflow=0, pool_timeout=5))


def documented_order(rows: list[Any]) -> list[str]:
    """The ids of ``rows`` in the documented order of file versions: created_at, then id."""
    return [r.id for r in sorted(rows, key=lambda r: (r.created_at, r.id))]


@pytest.mark.parametrize("table", sorted(ORDERS))
async def test_every_table_streams_its_rows_in_page_order(
    library_pair: tuple[Any, Any], table: str
) -> None:
    repo, kind, order = ORDERS[table]
    in_library = {row["id"] for row in LIBRARY[table]}
    expected = [uid(kind, n) for n in order if uid(kind, n) in in_library]
    streamed = []
    for database in library_pair:
        async with repo.stream_all(database, batch_size=3) as rows:
            records = [row async for row in rows]
        assert [r.id for r in records] == expected
        assert records == await repo.get_multi(database, limit=10_000)
        streamed.append(records)
    assert streamed[0] == streamed[1]


@pytest.mark.parametrize("batch_size", [1, 7, ROWS, 1000])
async def test_batches_of_any_size_give_every_row_once(
    loaded: tuple[str, Database], batch_size: int
) -> None:
    _, db = loaded
    async with crud.file_version.stream_all(db, batch_size=batch_size) as rows:
        records = [row async for row in rows]
    assert sorted(r.file_path for r in records) == sorted(f"media/{i}.jpg" for i in range(ROWS))
    assert [r.id for r in records] == documented_order(records)
    assert records == await crud.file_version.get_multi(db, limit=1000)


async def test_a_bare_async_for_reads_everything_and_releases(loaded: tuple[str, Database]) -> None:
    url, _ = loaded
    db = await single_connection(url)
    try:
        count = 0
        async for _ in crud.file_version.stream_all(db, batch_size=100):
            count += 1
        assert count == ROWS
        assert await crud.file_version.count(db) == ROWS
    finally:
        await db.close()


async def test_an_early_break_gives_the_connection_back(loaded: tuple[str, Database]) -> None:
    url, _ = loaded
    db = await single_connection(url)
    try:
        async with crud.file_version.stream_all(db, batch_size=10) as rows:
            async for row in rows:
                first = row
                break
        assert first.id == documented_order(await crud.file_version.get_multi(db, limit=1000))[0]
        # The only connection is free again, with no cursor or transaction left open on it.
        assert await db.run(OPEN_CURSORS) == 0
        assert await crud.file_version.count(db) == ROWS
        stream = crud.file_version.stream_all(db, batch_size=10)
        assert (await anext(stream)).id == first.id
        await stream.aclose()
        assert await db.run(OPEN_CURSORS) == 0
    finally:
        await db.close()


async def test_a_database_error_mid_stream_is_the_librarys_own(
    loaded: tuple[str, Database],
) -> None:
    url, _ = loaded
    db = await single_connection(url)
    try:
        seen: list[int] = []
        with pytest.raises(ValidationError, match=r"out of range") as caught:
            async with db.stream(OVERFLOW_AT_50, batch_size=10) as rows:
                async for row in rows:
                    seen.append(row.n)
        assert caught.value.query == "test.overflow_at_50"
        # The batches before the failing one arrived; the error came with the fifth.
        assert seen == list(range(1, 41))
        assert await crud.file_version.count(db) == ROWS  # the connection still works
    finally:
        await db.close()


async def test_a_stored_value_that_does_not_fit_fails_mid_stream(
    loaded: tuple[str, Database],
) -> None:
    _, db = loaded
    seen: list[int] = []
    with pytest.raises(DatabaseError, match=r"test\.bad_document_at_50.*does not fit Document"):
        async with db.stream(BAD_DOCUMENT_AT_50, batch_size=10) as rows:
            async for row in rows:
                seen.append(row.n)
    # Batches decode whole: the rows of the batches before the bad one arrived.
    assert seen == list(range(1, 41))


class Rollback(Exception):
    """Raised to undo the test's transaction."""


async def test_a_stream_inside_a_transaction_sees_its_writes(loaded: tuple[str, Database]) -> None:
    _, db = loaded
    asset = await crud.media_asset.get_multi(db, limit=1)
    with pytest.raises(Rollback):
        async with db.transaction() as conn:
            extra = await crud.file_version.create(
                conn,
                obj_in={
                    "media_asset_id": asset[0].id,
                    "tier": "gold",
                    "file_path": "media/extra.jpg",
                    "file_hash": "extra",
                    "file_size": 1,
                    "mime_type": "image/jpeg",
                },
            )
            async with crud.file_version.stream_all(conn, batch_size=64) as rows:
                ids = [row.id async for row in rows]
            assert len(ids) == ROWS + 1 and extra.id in ids
            assert conn.in_transaction
            raise Rollback
    assert await crud.file_version.count(db) == ROWS


async def test_a_failed_stream_spoils_the_open_transaction(loaded: tuple[str, Database]) -> None:
    _, db = loaded
    with pytest.raises(DatabaseError, match="rolled back"):
        async with db.transaction() as conn:
            with pytest.raises(ValidationError):
                async with conn.stream(OVERFLOW_AT_50, batch_size=10) as rows:
                    async for _ in rows:
                        pass
    assert await crud.file_version.count(db) == ROWS


async def test_bad_stream_arguments_are_validation_errors(loaded: tuple[str, Database]) -> None:
    _, db = loaded
    for bad in (0, -1, 2.5, "10"):
        with pytest.raises(ValidationError) as caught:
            crud.file_version.stream_all(db, batch_size=bad)  # type: ignore[arg-type]
        assert caught.value.field == "batch_size"
    count = make_query("test.count_versions", "scalar", int, "SELECT count(*) FROM file_versions")
    with pytest.raises(ValidationError, match="only row queries stream"):
        db.stream(count)
    with pytest.raises(PictallionError, match="missing limit"):
        async with db.stream(crud.file_version._get_multi, skip=0) as rows:
            [row async for row in rows]


async def test_an_early_break_inside_a_transaction_leaves_it_usable(
    loaded: tuple[str, Database],
) -> None:
    _, db = loaded
    with pytest.raises(Rollback):
        async with db.transaction() as conn:
            async with crud.file_version.stream_all(conn, batch_size=10) as rows:
                async for _ in rows:
                    break
            assert conn.in_transaction
            assert await crud.file_version.count(conn) == ROWS
            async with crud.file_version.stream_all(conn, batch_size=100) as rows:
                assert len([row async for row in rows]) == ROWS
            raise Rollback
    assert await crud.file_version.count(db) == ROWS
