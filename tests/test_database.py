"""Connections, transactions, values and errors: the same behaviour on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import shutil
import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import msgspec
import pytest

import pictallion_sql.database as database_module
from pictallion_sql import crud
from pictallion_sql.config import Settings
from pictallion_sql.database import Database, connect, get_db, get_db_transaction
from pictallion_sql.errors import (
    DatabaseError,
    DuplicateKeyError,
    ForeignKeyError,
    PoolTimeoutError,
    ValidationError,
)
from pictallion_sql.models import (
    AIMetadata,
    CombinedMetadata,
    ExifMetadata,
    FileVersion,
    InsertFileVersion,
    MediaAsset,
)
from pictallion_sql.query.named import queries
from pictallion_sql.query.registry import make_query
from tests import pgcluster
from tests.conftest import statement

# Every test here asserts the results of the statements it runs by value.
pytestmark = pytest.mark.pins

COUNT_ASSETS = make_query("test.count_assets", "scalar", int, "SELECT count(*) FROM media_assets")
RAW_INSERT = statement(
    "test.raw_insert", "INSERT INTO media_assets (id, original_filename) VALUES (:id, :name)"
)


async def new_asset(db: Any, name: str = "a.jpg") -> MediaAsset:
    return await crud.media_asset.create(db, obj_in={"original_filename": name})


def version_input(asset_id: str, **extra: Any) -> InsertFileVersion:
    return InsertFileVersion(
        media_asset_id=asset_id,
        tier="silver",
        file_path="media/x.jpg",
        file_hash="abc",
        file_size=10,
        mime_type="image/jpeg",
        **extra,
    )


async def test_transaction_commits_on_success(db: Database) -> None:
    async with db.transaction() as conn:
        await new_asset(conn)
        await new_asset(conn, "b.jpg")
    assert await crud.media_asset.count(db) == 2


async def test_transaction_rolls_back_on_error(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with db.transaction() as conn:
            await new_asset(conn)
            raise RuntimeError("boom")
    assert await crud.media_asset.count(db) == 0


async def test_nested_transactions_are_savepoints(db: Database) -> None:
    async with db.transaction() as conn:
        outer = await new_asset(conn, "outer.jpg")
        with pytest.raises(RuntimeError):
            async with conn.transaction() as inner:
                await new_asset(inner, "inner.jpg")
                raise RuntimeError("undo the inner block only")
        async with conn.transaction() as inner:
            kept = await new_asset(inner, "kept.jpg")
    names = {a.original_filename for a in await crud.media_asset.get_multi(db)}
    assert names == {"outer.jpg", "kept.jpg"}
    assert outer.id != kept.id


async def test_a_failed_statement_spoils_the_transaction_on_both_dialects(db: Database) -> None:
    first = await new_asset(db)
    with pytest.raises(DatabaseError, match="rolled back because a statement in it failed"):
        async with db.transaction() as conn:
            await new_asset(conn, "lost.jpg")
            with pytest.raises(DuplicateKeyError):
                await conn.run(RAW_INSERT, id=first.id, name="dup.jpg")
            with pytest.raises(DatabaseError, match="current transaction is aborted"):
                await conn.run(COUNT_ASSETS)
    assert await crud.media_asset.count(db) == 1


async def test_a_failed_savepoint_can_be_recovered(db: Database) -> None:
    first = await new_asset(db)
    async with db.transaction() as conn:
        with pytest.raises(DuplicateKeyError):
            async with conn.transaction() as inner:
                await inner.run(RAW_INSERT, id=first.id, name="dup.jpg")
        await new_asset(conn, "after.jpg")
    assert await crud.media_asset.count(db) == 2


async def test_connection_outside_a_transaction_autocommits(db: Database) -> None:
    async with db.connection() as conn:
        assert not conn.in_transaction
        await new_asset(conn)
        async with conn.transaction() as tx:
            assert tx.in_transaction
    assert await crud.media_asset.count(db) == 1


async def test_values_round_trip_identically(db: Database) -> None:
    asset = await new_asset(db, "Élodie 😀 'quote' \"dq\".jpg")
    metadata = CombinedMetadata(
        exif=ExifMetadata(camera="Canon", gps_latitude=48.85, date_time_original="2026:01:02"),
        ai=AIMetadata(ai_tags=["é", "b"], short_description="x", ai_confidence_scores={"tags": 1}),
    )
    created = await crud.file_version.create(
        db,
        obj_in=version_input(
            asset.id, metadata=metadata, keywords=["a", "ü"], is_reviewed=None, rating=None
        ),
    )
    fetched = await crud.file_version.get(db, id=created.id)
    assert fetched == created
    assert fetched is not None
    assert fetched.metadata == metadata
    assert (fetched.keywords, fetched.is_reviewed, fetched.rating) == (["a", "ü"], None, None)
    assert fetched.processing_state == "processed"
    assert isinstance(fetched.created_at, datetime) and fetched.created_at.tzinfo is None
    assert abs(fetched.created_at - datetime.now(UTC).replace(tzinfo=None)) < timedelta(minutes=1)
    assert asset.original_filename == "Élodie 😀 'quote' \"dq\".jpg"
    assert len(asset.id) == 36 and asset.id == asset.id.lower()


async def test_defaults_apply_and_empty_lists_stay_lists(db: Database) -> None:
    asset = await new_asset(db)
    row = await crud.file_version.create(db, obj_in=version_input(asset.id))
    assert (row.is_reviewed, row.rating, row.keywords, row.metadata) == (False, 0, [], None)
    empty = await crud.file_version.update(db, db_obj=row, obj_in={"keywords": []})
    assert empty is not None and empty.keywords == []
    nulled = await crud.file_version.update(db, db_obj=row, obj_in={"keywords": None})
    assert nulled is not None and nulled.keywords is None


async def test_aware_datetimes_are_stored_as_naive_utc(db: Database) -> None:
    paris = timezone(timedelta(hours=2))
    person = await crud.person.create(
        db, obj_in={"name": "P", "birthdate": datetime(2000, 1, 1, 12, 0, 0, 5, tzinfo=paris)}
    )
    assert person.birthdate == datetime(2000, 1, 1, 10, 0, 0, 5)


async def test_timestamps_order_as_time_on_both_dialects(db: Database) -> None:
    # Microsecond precision survives, so text order (SQLite) equals time order.
    base = datetime(2026, 1, 1, 0, 0, 0)
    for micro in (999999, 1, 100000):
        await crud.person.create(
            db, obj_in={"name": f"p{micro}", "birthdate": base + timedelta(microseconds=micro)}
        )
    by_birth = make_query(
        "test.people_by_birth", "scalar", None, "SELECT count(*) FROM people WHERE birthdate > :t"
    )
    assert await db.run(by_birth, t=base + timedelta(microseconds=50)) == 2
    assert await db.run(by_birth, t=base + timedelta(microseconds=100000)) == 1


async def test_duplicate_key_error_is_the_same_on_both(db: Database) -> None:
    await crud.user.create(db, obj_in={"username": "ann", "password": "x"})
    with pytest.raises(DuplicateKeyError) as caught:
        await crud.user.create(db, obj_in={"username": "ann", "password": "y"})
    err = caught.value
    assert (err.table, err.column, err.constraint) == ("users", "username", "users_username_unique")
    assert str(err).startswith("duplicate key: users.username already exists")
    assert await crud.user.count(db) == 1


async def test_foreign_key_errors_name_child_and_parent(db: Database) -> None:
    missing = "00000000-0000-4000-8000-000000000000"
    with pytest.raises(ForeignKeyError) as caught:
        await crud.file_version.create(db, obj_in=version_input(missing))
    err = caught.value
    assert (err.table, err.column, err.referenced_table) == (
        "file_versions",
        "media_asset_id",
        "media_assets",
    )
    assert err.constraint == "file_versions_media_asset_id_media_assets_id_fk"
    assert str(err).startswith(
        "foreign key violation: file_versions.media_asset_id refers to "
        "a media_assets row that does not exist"
    )

    asset = await new_asset(db)
    await crud.file_version.create(db, obj_in=version_input(asset.id))
    with pytest.raises(ForeignKeyError) as caught:
        await crud.media_asset.remove(db, id=asset.id)
    assert str(caught.value).startswith(
        "foreign key violation: media_assets row is still referenced by "
        "file_versions.media_asset_id"
    )
    assert await crud.media_asset.exists(db, id=asset.id)


async def test_foreign_key_error_from_an_update(db: Database) -> None:
    asset = await new_asset(db)
    version = await crud.file_version.create(db, obj_in=version_input(asset.id))
    face = await crud.face.create(
        db, obj_in={"photo_id": version.id, "bounding_box": [1, 2, 3, 4], "confidence": 50}
    )
    with pytest.raises(ForeignKeyError) as caught:
        await crud.face.update(
            db, db_obj=face, obj_in={"person_id": "11111111-1111-4111-8111-111111111111"}
        )
    assert (caught.value.table, caught.value.column) == ("faces", "person_id")
    assert (await crud.face.get(db, id=face.id)) == face


async def test_validation_errors_name_the_field_and_write_nothing(db: Database) -> None:
    asset = await new_asset(db)
    with pytest.raises(ValidationError) as caught:
        await crud.file_version.create(
            db,
            obj_in={
                "media_asset_id": asset.id,
                "tier": "platinum",
                "file_path": "p",
                "file_hash": "h",
                "file_size": 1,
                "mime_type": "m",
            },
        )
    assert caught.value.field == "tier" and "file_versions.tier" in str(caught.value)
    with pytest.raises(ValidationError, match=r"file_versions\.file_size"):
        await crud.file_version.create(
            db,
            obj_in=version_input(asset.id).__class__(
                media_asset_id=asset.id,
                tier="gold",
                file_path="p",
                file_hash="h",
                file_size=2**40,
                mime_type="m",
            ),
        )
    with pytest.raises(ValidationError, match="at least one field"):
        await crud.media_asset.update(db, db_obj=asset, obj_in={})
    with pytest.raises(ValidationError, match="unknown field"):
        await crud.media_asset.update(db, db_obj=asset, obj_in={"tags": ["x"]})
    assert await crud.file_version.count(db) == 0


async def test_wrong_parameter_types_are_validation_errors(db: Database) -> None:
    asset = await new_asset(db)
    by_size = make_query(
        "test.by_size",
        "scalar",
        int,
        "SELECT count(*) FROM file_versions WHERE file_size = CAST(:size AS integer)",
    )
    assert await db.run(by_size, size=5) == 0
    with pytest.raises(ValidationError, match=r"^parameters: missing id$") as missing:
        await db.run(
            make_query(
                "test.missing", "scalar", int, "SELECT count(*) FROM media_assets WHERE id = :id"
            )
        )
    assert missing.value.query == "test.missing"
    with pytest.raises(ValidationError, match="unexpected extra"):
        await db.run(
            make_query(
                "test.extra", "scalar", int, "SELECT count(*) FROM media_assets WHERE id = :id"
            ),
            id=asset.id,
            extra=1,
        )


async def test_update_of_a_missing_row_returns_none(db: Database) -> None:
    gone = await crud.media_asset.update(
        db, db_obj="00000000-0000-4000-8000-000000000000", obj_in={"original_filename": "x"}
    )
    assert gone is None
    assert await crud.media_asset.remove(db, id="00000000-0000-4000-8000-000000000000") is None


async def test_concurrent_writers_all_succeed(db: Database) -> None:
    async def writer(n: int) -> None:
        for i in range(5):
            async with db.transaction() as conn:
                await new_asset(conn, f"w{n}-{i}.jpg")
                await asyncio.sleep(0)
                await new_asset(conn, f"w{n}-{i}b.jpg")

    await asyncio.gather(*(writer(n) for n in range(8)))
    assert await crud.media_asset.count(db) == 80


async def test_pool_exhaustion_times_out_with_a_clear_error(migrated_url: str) -> None:
    db = await connect(migrated_url, config=Settings(pool_size=1, max_overflow=0, pool_timeout=1))
    try:
        async with db.connection() as held:
            with pytest.raises(
                PoolTimeoutError,
                match=r"^pool exhausted: no (SQLite|PostgreSQL) connection free after 1 s "
                r"\(all 1 in use: pool_size 1 \+ max_overflow 0\)",
            ):
                await db.run(COUNT_ASSETS)
            assert await held.run(COUNT_ASSETS) == 0  # the held connection still works
        assert await db.run(COUNT_ASSETS) == 0  # and is free again once released
    finally:
        await db.close()


async def test_closed_database_refuses_work(migrated_url: str) -> None:
    db = await connect(migrated_url)
    await db.close()
    with pytest.raises(DatabaseError, match=r"^the database has been closed$"):
        await db.run(COUNT_ASSETS)
    with pytest.raises(DatabaseError, match=r"^the database has been closed$"):
        async with db.transaction():
            pass


async def test_get_db_and_get_db_transaction_use_the_configured_database(
    migrated_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pictallion_sql import config

    monkeypatch.setattr(config.settings, "database_url", migrated_url)
    monkeypatch.setattr(config.settings, "db_type", None)
    await database_module.close_db()
    try:
        async with get_db_transaction() as conn:
            await new_asset(conn, "tx.jpg")
        with pytest.raises(RuntimeError):
            async with get_db_transaction() as conn:
                await new_asset(conn, "rolled-back.jpg")
                raise RuntimeError
        dependency = get_db()
        conn = await anext(dependency)
        names = [a.original_filename for a in await crud.media_asset.get_multi(conn)]
        await dependency.aclose()
        assert names == ["tx.jpg"]
    finally:
        await database_module.close_db()


async def test_sqlite_connections_enforce_foreign_keys_and_use_wal(new_sqlite_url: str) -> None:
    db = await connect(new_sqlite_url)
    pragma = make_query("test.pragma_fk", "scalar", int, "PRAGMA foreign_keys")
    journal = make_query("test.pragma_journal", "scalar", str, "PRAGMA journal_mode")
    try:
        async with db.connection() as first, db.connection() as second:
            assert await first.run(pragma) == 1 and await second.run(pragma) == 1
            assert await first.run(journal) == "wal"
    finally:
        await db.close()


@pytest.mark.parametrize("mib", [1024, 3, 0])
async def test_sqlite_connections_read_through_a_memory_map_of_the_set_size(
    new_sqlite_url: str, mib: int
) -> None:
    settings = Settings.from_env({"DATABASE_URL": new_sqlite_url})
    settings.sqlite_mmap_mb = mib
    db = await connect(new_sqlite_url, config=settings)
    mmap = make_query("test.pragma_mmap", "scalar", int, "PRAGMA mmap_size")
    try:
        async with db.connection() as first, db.connection() as second:
            assert await first.run(mmap) == await second.run(mmap) == mib * 1024 * 1024
    finally:
        await db.close()


async def test_records_decode_equal_to_msgspec_validation(db: Database) -> None:
    # A decoded row must also pass msgspec's own type validation for its record.
    asset = await new_asset(db)
    row = await crud.file_version.create(db, obj_in=version_input(asset.id, keywords=["k"]))
    assert msgspec.convert(msgspec.to_builtins(row), FileVersion) == row


async def test_a_connection_dropped_by_the_server_is_replaced(
    new_pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pictallion_sql.drivers.postgres as pg_adapter
    from tests.conftest import pg_execute

    ping = make_query("test.ping", "scalar", int, "SELECT 1")
    db = await connect(new_pg_url, config=Settings(pool_size=1, max_overflow=0))
    try:
        assert await db.run(ping) == 1
        name = new_pg_url.rsplit("/", 1)[1]
        killed = pg_execute(
            new_pg_url.rsplit("/", 1)[0] + "/postgres",
            f"SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            f"WHERE datname = '{name}' AND pid <> pg_backend_pid()",
        )
        assert killed[0][0] >= 1
        # Pinging every idle connection before use finds the dead one at once.
        monkeypatch.setattr(pg_adapter, "_IDLE_PING_SECONDS", -1.0)
        assert await db.run(ping) == 1
        assert await db.run(ping) == 1
    finally:
        await db.close()


def test_a_program_that_never_closes_its_database_still_exits(tmp_path: Any) -> None:
    import subprocess
    import sys

    from pictallion_sql.admin.migrations import apply_migrations

    url = f"sqlite:///{tmp_path / 'open.db'}"
    apply_migrations(url)
    script = (
        "import asyncio\n"
        "from pictallion_sql import connect, crud\n"
        "async def main():\n"
        f"    db = await connect({url!r})\n"
        "    await crud.media_asset.create(db, obj_in={'original_filename': 'kept.jpg'})\n"
        "asyncio.run(main())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    import sqlite3

    with sqlite3.connect(tmp_path / "open.db") as check:
        assert check.execute("SELECT original_filename FROM media_assets").fetchall() == [
            ("kept.jpg",)
        ]


async def test_a_loosely_typed_stored_document_reads_as_stored(db: Database) -> None:
    asset = await new_asset(db)
    row = await crud.file_version.create(db, obj_in=version_input(asset.id))
    spoil = make_query(
        "test.spoil_metadata",
        "none",
        None,
        "UPDATE file_versions SET metadata = CAST(CAST(:doc AS text) AS jsonb) WHERE id = :id",
        "UPDATE file_versions SET metadata = :doc WHERE id = :id",
    )
    await db.run(spoil, doc='{"exif": 5}', id=row.id)
    # The value of an unexpected type is kept and reachable; the typed attribute is UNSET.
    read = await crud.file_version.get(db, id=row.id)
    assert read is not None and read.metadata is not None
    assert read.metadata == {"exif": 5}
    assert read.metadata.exif is msgspec.UNSET


# --- rows decode by position: the result columns must be the record's fields in order ---

SWAPPED = make_query(
    "test.swapped_columns",
    "rows",
    MediaAsset,
    "SELECT original_filename, id, created_at FROM media_assets ORDER BY id",
)
EVERY_COLUMN = make_query(
    "test.every_column", "rows", MediaAsset, "SELECT * FROM media_assets ORDER BY id"
)
ONE_WITH_EVERY_COLUMN = make_query(
    "test.one_with_every_column", "one", MediaAsset, "SELECT * FROM media_assets WHERE id = :id"
)
ADD_COLUMN = make_query(
    "test.add_column", "none", None, "ALTER TABLE media_assets ADD COLUMN note text"
)


async def test_columns_in_another_order_are_refused_not_swapped(db: Database) -> None:
    await new_asset(db)
    # Both columns are text: decoding by position would swap id and filename silently.
    with pytest.raises(DatabaseError, match=r"test\.swapped_columns.*'original_filename'.*'id'"):
        await db.run(SWAPPED)
    with pytest.raises(DatabaseError, match=r"test\.swapped_columns.*'original_filename'"):
        async with db.stream(SWAPPED) as rows:
            [row async for row in rows]


async def test_a_column_added_by_a_migration_does_not_shift_values(db: Database) -> None:
    asset = await new_asset(db)
    assert await db.run(EVERY_COLUMN) == [asset]  # SELECT * matches while the table does
    assert await crud.media_asset.get_multi(db) == [asset]
    await db.run(ADD_COLUMN)
    fresh = await connect(db.settings.database_url)  # a database opened after the migration
    try:
        for database in (db, fresh):
            with pytest.raises(DatabaseError, match=r"test\.one_with_every_column.*'note'"):
                await database.run(ONE_WITH_EVERY_COLUMN, id=asset.id)
        with pytest.raises(DatabaseError, match=r"test\.every_column.*'note'"):
            await fresh.run(EVERY_COLUMN)
        # On the database that ran the query before the column came, the row is too wide.
        with pytest.raises(DatabaseError, match=r"test\.every_column.*(4 columns|'note')"):
            await db.run(EVERY_COLUMN)
        with pytest.raises(DatabaseError, match=r"test\.every_column.*(4 columns|'note')"):
            async with db.stream(EVERY_COLUMN) as rows:
                [row async for row in rows]
        # The named queries list their columns, so they keep working, also where they
        # were prepared before the column came.
        for database in (db, fresh):
            assert await crud.media_asset.get(database, id=asset.id) == asset
            assert await crud.media_asset.get_multi(database) == [asset]
    finally:
        await fresh.close()


class CountingQueue:
    """Stands in for an aiosqlite connection's work queue and counts what is put on it."""

    def __init__(self, queue: Any) -> None:
        self.queue = queue
        self.count = 0

    def put_nowait(self, item: Any) -> None:
        self.count += 1
        self.queue.put_nowait(item)


async def test_sqlite_runs_each_call_in_one_thread_hop(sqlite_template: Any, tmp_path: Any) -> None:
    # Every awaited aiosqlite call is one trip to the connection's worker thread; count the
    # trips by wrapping the queue the worker reads (the library itself is left alone).
    shutil.copyfile(sqlite_template, tmp_path / "hops.db")
    db = await connect(
        f"sqlite:///{tmp_path / 'hops.db'}", config=Settings(pool_size=1, max_overflow=0)
    )
    try:
        async with db.connection() as conn:
            raw = conn._raw  # type: ignore[attr-defined]
        assert hasattr(raw, "_tx"), "aiosqlite no longer has the work queue this test counts"
        queue = raw._tx = CountingQueue(raw._tx)
        asset = await new_asset(db)
        calls: dict[str, Any] = {
            "get": lambda: crud.media_asset.get(db, id=asset.id),
            "get_multi": lambda: crud.media_asset.get_multi(db),
            "count": lambda: crud.media_asset.count(db),
            "exists": lambda: crud.media_asset.exists(db, id=asset.id),
            "create": lambda: new_asset(db, "b.jpg"),
            "update": lambda: crud.media_asset.update(
                db, db_obj=asset.id, obj_in={"original_filename": "c.jpg"}
            ),
            "raw insert": lambda: db.run(RAW_INSERT, id=str(uuid.uuid4()), name="d.jpg"),
        }
        hops: dict[str, int] = {}
        for name, call in calls.items():
            await call()  # the first run of a query on a database also checks its columns
            queue.count = 0
            await call()
            hops[name] = queue.count
        # A single write runs with the decoding of its RETURNING row in a transaction of its
        # own (BEGIN, the statement, COMMIT), so that a row that cannot be read back leaves
        # nothing written; reads and plain statements take one trip.
        assert hops == {**dict.fromkeys(calls, 1), "create": 3, "update": 3}

        queue.count = 0
        async with db.transaction() as tx:
            await new_asset(tx, "e.jpg")
        assert queue.count == 3  # BEGIN, the insert, COMMIT

        total = await crud.media_asset.count(db)
        queue.count = 0
        async with crud.media_asset.stream_all(db, batch_size=2) as rows:
            assert len([row async for row in rows]) == total
        # Start the statement, one fetch per batch (the last one short), close it.
        assert queue.count == 1 + (total // 2 + 1) + 1
    finally:
        await db.close()


PREPARED = make_query(
    "test.prepared_statements",
    "scalar",
    int,
    "SELECT count(*) FROM pg_prepared_statements WHERE statement = :text",
)


async def test_postgres_prepares_each_statement_once_per_connection(
    pg_admin_url: str, pg_template: str
) -> None:
    url = pgcluster.create_database(pg_admin_url, template=pg_template)
    db = await connect(url)
    try:
        asset = await new_asset(db)
        text = queries["media_assets.get"].postgres.text
        async with db.connection() as conn:
            for _ in range(5):
                assert await crud.media_asset.get(conn, id=asset.id) == asset
            assert await conn.run(PREPARED, text=text) == 1
            async with conn.transaction() as tx:
                assert await crud.media_asset.get(tx, id=asset.id) == asset
            assert await conn.run(PREPARED, text=text) == 1
    finally:
        await db.close()
        pgcluster.drop_database(pg_admin_url, url)


async def test_postgres_statement_cache_settings_bound_or_skip_preparing(
    pg_admin_url: str, pg_template: str
) -> None:
    url = pgcluster.create_database(pg_admin_url, template=pg_template)
    bounded = await connect(url, config=Settings(statement_cache_size=2))
    by_text = await connect(url, config=Settings(statement_cache_size=0))
    try:
        asset = await new_asset(bounded)
        async with bounded.connection() as conn:
            for _ in range(2):
                assert await crud.media_asset.get(conn, id=asset.id) == asset
                assert await crud.media_asset.get_multi(conn) == [asset]
                assert await crud.media_asset.exists(conn, id=asset.id)
            assert len(conn._raw.statements) == 2  # type: ignore[attr-defined]
        async with by_text.connection() as conn:
            assert await crud.media_asset.get(conn, id=asset.id) == asset
            assert await crud.media_asset.get_multi(conn) == [asset]
            text = queries["media_assets.get"].postgres.text
            assert await conn.run(PREPARED, text=text) == 0
            # Without prepared statements the columns are checked on the rows.
            with pytest.raises(DatabaseError, match=r"test\.swapped_columns.*'original_filename'"):
                await conn.run(SWAPPED)
    finally:
        await bounded.close()
        await by_text.close()
        pgcluster.drop_database(pg_admin_url, url)
