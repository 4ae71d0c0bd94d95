"""Server faults and an exhausted pool: typed errors, nothing half-written, the pool recovers."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any
from urllib.parse import urlsplit

import msgspec
import psycopg
import pytest

from pictallion_sql import ConnectionLostError, PoolTimeoutError
from pictallion_sql.admin.migrations import apply_migrations
from pictallion_sql.config import Settings
from pictallion_sql.database import Database, connect
from pictallion_sql.errors import DatabaseError
from pictallion_sql.query.registry import make_query
from tests import pgcluster
from tests.conftest import statement

INSERT = statement(
    "test.fault_insert", "INSERT INTO media_assets (id, original_filename) VALUES (:id, :name)"
)
COUNT = make_query("test.fault_count", "scalar", int, "SELECT count(*) FROM media_assets")
BACKEND_PID = make_query("test.backend_pid", "scalar", int, "SELECT pg_backend_pid()")


class Id(msgspec.Struct):
    id: str


LIST_IDS = make_query("test.fault_ids", "rows", Id, "SELECT id FROM media_assets")


def _terminate(url: str, pid: int) -> None:
    """Terminate backend ``pid``, only if it serves this test's own database."""
    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(url, autocommit=True) as admin:
        killed = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE pid = %s AND datname = %s",
            (pid, name),
        ).fetchall()
    assert killed == [(True,)]


async def _ids(db: Database) -> set[str]:
    return {row.id for row in await db.run(LIST_IDS)}


@pytest.mark.parametrize("dialect", ["postgres"])
async def test_backend_terminated_mid_transaction_raises_connection_lost(
    migrated_url: str,
) -> None:
    db = await connect(migrated_url, config=Settings(pool_size=2, max_overflow=0))
    try:
        with pytest.raises(ConnectionLostError, match="lost the connection to PostgreSQL") as lost:
            async with db.transaction() as conn:
                await conn.run(INSERT, id="t-1", name="first.jpg")
                _terminate(migrated_url, await conn.run(BACKEND_PID))
                await conn.run(INSERT, id="t-2", name="second.jpg")
        assert lost.value.retryable is True
        assert isinstance(lost.value, DatabaseError)
        # Nothing of the transaction was kept, and the pool goes on with a new connection.
        assert await _ids(db) == set()
        await db.run(INSERT, id="t-3", name="after.jpg")
        assert await _ids(db) == {"t-3"}
    finally:
        await db.close()


@pytest.mark.parametrize("dialect", ["postgres"])
async def test_backend_terminated_while_idle_in_the_pool_is_replaced(migrated_url: str) -> None:
    db = await connect(migrated_url, config=Settings(pool_size=1, max_overflow=0))
    try:
        pid = await db.run(BACKEND_PID)
        _terminate(migrated_url, pid)
        await asyncio.sleep(0.2)  # lets the client read the server's goodbye
        # The dead connection is noticed and replaced before use: the call succeeds.
        assert await db.run(BACKEND_PID) != pid
    finally:
        await db.close()


@pytest.mark.parametrize("dialect", ["postgres"])
async def test_backend_terminated_mid_bulk_insert_keeps_nothing(migrated_url: str) -> None:
    db = await connect(migrated_url, config=Settings(pool_size=1, max_overflow=0))
    try:
        with pytest.raises(ConnectionLostError):
            async with db.connection() as conn, conn.transaction():
                await conn.insert_many(
                    "media_assets", None, [{"id": "b-1", "original_filename": "b.jpg"}]
                )
                _terminate(migrated_url, await conn.run(BACKEND_PID))
                await conn.insert_many(
                    "media_assets", None, [{"id": "b-2", "original_filename": "b.jpg"}]
                )
        with pytest.raises(ConnectionLostError, match="cut off"):
            # The same Connection object is refused from then on, on both dialects alike.
            await conn.run(COUNT)
        assert await db.run(COUNT) == 0
    finally:
        await db.close()


async def test_server_restart_under_load(tmp_path: Any) -> None:
    """A dedicated cluster restarted while transactions run: callers see ConnectionLostError."""
    with pgcluster.throwaway_cluster() as admin:
        pgcluster.wait_until_ready(admin)
        url = pgcluster.create_database(admin)
        apply_migrations(url)
        db = await connect(url, config=Settings(pool_size=4, max_overflow=0, pool_timeout=60))
        acknowledged: set[str] = set()
        groups: list[tuple[str, str]] = []
        failures: list[BaseException] = []
        restarted = asyncio.Event()
        warmed = asyncio.Event()
        after_restart = 0

        async def writer() -> None:
            nonlocal after_restart
            while after_restart < 40:
                pair = (f"r-{uuid.uuid4()}", f"r-{uuid.uuid4()}")
                groups.append(pair)
                try:
                    async with db.transaction() as conn:
                        for row in pair:
                            await conn.run(INSERT, id=row, name="load.jpg")
                except Exception as exc:
                    failures.append(exc)
                    await asyncio.sleep(0.05)
                    continue
                acknowledged.update(pair)
                if len(acknowledged) >= 40:
                    warmed.set()
                if restarted.is_set():
                    after_restart += 1

        try:
            load = [asyncio.create_task(writer()) for _ in range(4)]
            await asyncio.wait_for(warmed.wait(), 60)
            await asyncio.to_thread(pgcluster.restart_cluster, admin)
            restarted.set()
            await asyncio.wait_for(asyncio.gather(*load), 120)
            stored = await _ids(db)
        finally:
            await db.close()
        print(
            f"\nrestart under load: {len(acknowledged) // 2} transactions acknowledged, "
            f"{len(failures)} failed with {sorted({type(f).__name__ for f in failures})}"
        )
        assert failures, "the restart interrupted no call"
        assert [f for f in failures if type(f) is not ConnectionLostError] == []
        assert acknowledged <= stored
        assert [g for g in groups if len(set(g) & stored) == 1] == []  # none half-written


async def test_pool_exhaustion_raises_pool_timeout(migrated_url: str) -> None:
    db = await connect(migrated_url, config=Settings(pool_size=1, max_overflow=1, pool_timeout=0.2))
    try:
        async with db.connection(), db.connection():
            with pytest.raises(PoolTimeoutError) as exhausted:
                await db.run(COUNT)
        kind = "SQLite" if db.dialect == "sqlite" else "PostgreSQL"
        assert str(exhausted.value).startswith(
            f"pool exhausted: no {kind} connection free after 0.2 s "
            "(all 2 in use: pool_size 1 + max_overflow 1)"
        )
        assert (exhausted.value.size, exhausted.value.timeout) == (2, 0.2)
        assert exhausted.value.retryable is True
        assert await db.run(COUNT) == 0  # freed connections are handed out again
    finally:
        await db.close()


async def test_a_waiter_cancelled_as_it_is_woken_passes_the_connection_on(
    migrated_url: str,
) -> None:
    db = await connect(migrated_url, config=Settings(pool_size=1, max_overflow=0, pool_timeout=5))
    try:
        held = db.connection()
        await held.__aenter__()
        first = asyncio.ensure_future(db.run(COUNT))
        second = asyncio.ensure_future(db.run(COUNT))
        await asyncio.sleep(0)
        await held.__aexit__(None, None, None)  # wakes `first`...
        first.cancel()  # ...which is cancelled before it runs
        assert await asyncio.wait_for(second, 3) == 0
        with pytest.raises(asyncio.CancelledError):
            await first
    finally:
        await db.close()
