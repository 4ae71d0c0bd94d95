"""Read-your-writes when a write's WAL position is unknown, on a real primary and replica.

Each cycle lets the replica catch up with this database's writes, pauses its replay
(``pg_wal_replay_pause()``), then makes a write whose position the database cannot learn
in the usual way: the read of the position is cancelled, or fails because the server cut
the connection, or the write itself is cut off after its COMMIT took effect. The next
read must see the row; the replica, which cannot have it, must not answer.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Awaitable, Callable, Iterator

import psycopg
import pytest

from pictallion_sql.database import connect
from pictallion_sql.drivers.base import Database
from pictallion_sql.errors import ConnectionLostError
from pictallion_sql.monitoring import FinishedQuery
from pictallion_sql.query.registry import make_query
from tests.topology.conftest import Replicated
from tests.topology.test_replicas import READ_BACK, SeenOn, _until_replica_serves

pytestmark = pytest.mark.slow

CYCLES = 30

# One statement outside a transaction: when it returns, its row is committed.
INSERT = make_query(
    "topology.cut_off_insert",
    "scalar",
    str,
    "INSERT INTO media_assets (id, original_filename) VALUES (gen_random_uuid(), :name) "
    "RETURNING id::text",
)


@pytest.fixture
def standby(replicated: Replicated) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    """A connection to the replica; its replay runs again when the test ends."""
    with psycopg.connect(replicated.standby_admin, autocommit=True) as conn:
        try:
            yield conn
        finally:
            conn.execute("SELECT pg_wal_replay_resume()")


def _stored(url: str, name: str) -> list[str]:
    """The ids of the rows named ``name``, read on the primary directly."""
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT id::text FROM media_assets WHERE original_filename = %s", (name,)
        ).fetchall()
    return [str(row[0]) for row in rows]


async def _cycles(
    db: Database,
    replicated: Replicated,
    standby: psycopg.Connection[tuple[object, ...]],
    cut_off_write: Callable[[str], Awaitable[str]],
    label: str,
) -> None:
    """``CYCLES`` cut-off writes, each read back at once with the replica's replay paused."""
    primary_port = replicated.port(replicated.primary_admin)
    replica_port = replicated.port(replicated.standby_admin)
    misses = 0
    for n in range(CYCLES):
        standby.execute("SELECT pg_wal_replay_resume()")
        await _until_replica_serves(db, replica_port)
        standby.execute("SELECT pg_wal_replay_pause()")
        name = await cut_off_write(f"{label}-{n}")
        # The write committed on the primary although its call did not learn where.
        [written] = _stored(replicated.primary, name)
        seen = await db.run(READ_BACK, id=written)
        if seen is None:
            misses += 1
        else:
            assert seen == SeenOn(written, primary_port)
        # The replica really lacks the row: a read there would have missed it.
        assert await db.replica().run(READ_BACK, id=written) is None
    sys.stderr.write(f"{label}: {CYCLES} cut-off writes read back, {misses} misses\n")
    assert misses == 0
    # Once the replica replays the writes, reads go back to it.
    standby.execute("SELECT pg_wal_replay_resume()")
    await _until_replica_serves(db, replica_port)


def _on_insert(db: Database, action: Callable[[], None]) -> Callable[[FinishedQuery], None]:
    def observe(event: FinishedQuery) -> None:
        if event.name == INSERT.name:
            action()

    db.add_query_observer(observe)
    return observe


async def test_a_cancelled_position_read_keeps_the_next_read_on_the_primary(
    replicated: Replicated, standby: psycopg.Connection[tuple[object, ...]]
) -> None:
    db = await connect(replicated.primary, replicas=[replicated.standby])
    try:

        async def cut_off_write(name: str) -> str:
            # The insert's statement has returned; the cancellation lands on the next
            # await of the call: the read of the primary's WAL position.
            task = asyncio.current_task()
            assert task is not None
            observer = _on_insert(db, task.cancel)
            try:
                with pytest.raises(asyncio.CancelledError):
                    await db.run(INSERT, name=name)
            finally:
                db.remove_query_observer(observer)
            task.uncancel()
            return name

        await _cycles(db, replicated, standby, cut_off_write, "cancelled position read")
    finally:
        await db.close()


async def test_a_failed_position_read_keeps_the_next_read_on_the_primary(
    replicated: Replicated, standby: psycopg.Connection[tuple[object, ...]]
) -> None:
    db = await connect(replicated.primary, replicas=[replicated.standby])
    with psycopg.connect(replicated.primary_admin, autocommit=True) as admin:

        def cut_connections() -> None:
            # Every connection of the database's pool is terminated (and waited for), so
            # the position read that follows the insert fails on a dead connection.
            admin.execute(
                "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity "
                "WHERE datname = %s AND backend_type = 'client backend' "
                "AND pid <> pg_backend_pid()",
                (replicated.primary.rsplit("/", 1)[1],),
            )

        try:

            async def cut_off_write(name: str) -> str:
                observer = _on_insert(db, cut_connections)
                try:
                    # The position read fails quietly: the write itself succeeded.
                    await db.run(INSERT, name=name)
                finally:
                    db.remove_query_observer(observer)
                return name

            await _cycles(db, replicated, standby, cut_off_write, "failed position read")
        finally:
            await db.close()


async def test_a_write_cut_off_after_its_commit_keeps_the_next_read_on_the_primary(
    replicated: Replicated, standby: psycopg.Connection[tuple[object, ...]]
) -> None:
    """The primary waits for a synchronous standby that never answers: a commit is durable
    locally but its call hangs; terminating it then loses the connection after COMMIT."""
    database = replicated.primary.rsplit("/", 1)[1]
    db = await connect(replicated.primary, replicas=[replicated.standby])
    with psycopg.connect(replicated.primary_admin, autocommit=True) as admin:

        def synchronous(names: str) -> None:
            admin.execute(f"ALTER SYSTEM SET synchronous_standby_names = '{names}'")
            admin.execute("SELECT pg_reload_conf()")
            while admin.execute("SHOW synchronous_standby_names").fetchone() != (names,):
                time.sleep(0.01)  # polled: a reload has no event to wait on

        async def waiting_on_the_standby(write: asyncio.Task[str]) -> int | None:
            """The server pid of ``write`` once it waits for the standby; None when it
            committed without waiting (its server process had not reloaded yet)."""
            async with asyncio.timeout(20):
                while not write.done():  # polled: the server has no event for this wait
                    row = admin.execute(
                        "SELECT pid FROM pg_stat_activity WHERE datname = %s "
                        "AND wait_event = 'SyncRep'",
                        (database,),
                    ).fetchone()
                    if row is not None:
                        return int(row[0])
                    await asyncio.sleep(0.01)
            await write
            return None

        async def cut_off_write(filename: str) -> str:
            synchronous("nobody")
            try:
                for attempt in range(10):
                    name = f"{filename}.{attempt}"
                    write = asyncio.create_task(db.run(INSERT, name=name))
                    pid = await waiting_on_the_standby(write)
                    if pid is None:
                        continue
                    admin.execute("SELECT pg_terminate_backend(%s, 5000)", (pid,))
                    with pytest.raises(ConnectionLostError):
                        await write
                    return name
                raise AssertionError("no write waited for the synchronous standby")
            finally:
                synchronous("")

        try:
            await _cycles(db, replicated, standby, cut_off_write, "write cut off after COMMIT")
        finally:
            await db.close()
