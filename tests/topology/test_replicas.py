"""Read replicas on real servers: a primary and a streaming replica (``pg_basebackup -R``).

Each read's server is proven by ``inet_server_port()``, read in the same statement.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time

import msgspec
import psycopg
import pytest

from pictallion_sql import crud
from pictallion_sql.config import Settings
from pictallion_sql.database import connect
from pictallion_sql.drivers.base import Database
from pictallion_sql.errors import ConfigurationError, ReadOnlyError
from pictallion_sql.query.registry import make_query
from tests import pgcluster
from tests.topology.conftest import Replicated, wait_for_database

pytestmark = pytest.mark.slow

PORT = make_query("topology.port", "scalar", int, "SELECT inet_server_port()")


class SeenOn(msgspec.Struct):
    id: str
    port: int


READ_BACK = make_query(
    "topology.read_back",
    "one",
    SeenOn,
    "SELECT id, inet_server_port() AS port FROM media_assets WHERE id = :id",
)
LOCKED = make_query(
    "topology.locked",
    "one",
    SeenOn,
    "SELECT id, inet_server_port() AS port FROM media_assets WHERE id = :id FOR UPDATE",
)
STREAMED = make_query(
    "topology.streamed",
    "rows",
    SeenOn,
    "SELECT id, inet_server_port() AS port FROM media_assets ORDER BY id",
)


async def _until_replica_serves(db: Database, replica_port: int) -> None:
    """Wait (up to 20 s) until the replica has caught up with this database's writes."""
    async with asyncio.timeout(20):
        # Polled: replay progress has no event to wait on.
        while await db.run(PORT) != replica_port:  # noqa: ASYNC110
            await asyncio.sleep(0.02)


async def test_reads_go_to_the_replica_and_writes_transactions_and_locks_to_the_primary(
    replicated: Replicated,
) -> None:
    primary_port = replicated.port(replicated.primary_admin)
    replica_port = replicated.port(replicated.standby_admin)
    db = await connect(replicated.primary, replicas=[replicated.standby])
    try:
        asset = await crud.media_asset.create(db, obj_in={"original_filename": "routed.jpg"})
        await _until_replica_serves(db, replica_port)
        assert await db.run(READ_BACK, id=asset.id) == SeenOn(asset.id, replica_port)
        assert await db.run(LOCKED, id=asset.id) == SeenOn(asset.id, primary_port)
        # The lock was a write (it marks the row): reads wait for the replica to replay it.
        await _until_replica_serves(db, replica_port)
        async with crud.media_asset.stream_all(db, batch_size=2) as rows:
            assert asset.id in [row.id async for row in rows]
        async with db.stream(STREAMED, batch_size=2) as seen:
            assert {row.port async for row in seen} == {replica_port}
        async with db.transaction() as tx:
            assert await tx.run(PORT) == primary_port
        async with db.transaction(readonly=True) as tx:
            assert await tx.run(PORT) == primary_port
        assert await db.primary().run(PORT) == primary_port
        assert await db.replica().run(PORT) == replica_port
        async with db.replica().transaction(readonly=True) as tx:
            assert await tx.run(PORT) == replica_port
        # The replica the primary's own pg_stat_replication reports is the one read from.
        with psycopg.connect(replicated.primary_admin, autocommit=True) as conn:
            states = conn.execute("SELECT state FROM pg_stat_replication").fetchall()
        assert states == [("streaming",)]
    finally:
        await db.close()


async def test_a_held_connection_reads_on_the_replica_until_it_needs_the_primary(
    replicated: Replicated,
) -> None:
    """``db.connection()`` (what ``get_db`` yields per request) routes as the database."""
    primary_port = replicated.port(replicated.primary_admin)
    replica_port = replicated.port(replicated.standby_admin)
    db = await connect(replicated.primary, replicas=[replicated.standby])
    try:
        await _until_replica_serves(db, replica_port)
        async with db.connection() as conn:
            assert await conn.run(PORT) == replica_port
            assert not conn.in_transaction
            asset = await crud.media_asset.create(conn, obj_in={"original_filename": "held"})
            # From the first write on, the request stays on its primary connection.
            assert await conn.run(READ_BACK, id=asset.id) == SeenOn(asset.id, primary_port)
            async with conn.transaction() as tx:
                assert conn.in_transaction
                await crud.media_asset.update(tx, db_obj=asset, obj_in={"original_filename": "x"})
                async with tx.transaction() as savepoint:
                    assert await savepoint.run(PORT) == primary_port
            got = await crud.media_asset.get(db, id=asset.id)
            assert got is not None and got.original_filename == "x"  # read-your-writes
    finally:
        await db.close()


async def test_observers_of_the_routed_database_see_every_server(
    replicated: Replicated,
) -> None:
    replica_port = replicated.port(replicated.standby_admin)
    db = await connect(replicated.primary, replicas=[replicated.standby])
    seen: list[str] = []

    def observe(name: str, dialect: str, rows: int) -> None:
        seen.append(name)

    try:
        await crud.media_asset.create(db, obj_in={"original_filename": "observed.jpg"})
        await _until_replica_serves(db, replica_port)
        db.add_query_observer(observe)
        assert await db.run(PORT) == replica_port
        async with db.replica().stream(STREAMED, batch_size=2) as rows:
            assert {row.port async for row in rows} == {replica_port}
        await crud.media_asset.create(db, obj_in={"original_filename": "observed.jpg"})
        db.remove_query_observer(observe)
        await db.run(PORT)
    finally:
        await db.close()
    assert seen == ["topology.port", "topology.streamed", "media_assets.insert[original_filename]"]


async def test_read_your_writes_holds_in_1000_write_then_read_cycles(
    replicated: Replicated,
) -> None:
    primary_port = replicated.port(replicated.primary_admin)
    replica_port = replicated.port(replicated.standby_admin)
    db = await connect(replicated.primary, replicas=[replicated.standby])
    served: dict[int, int] = {primary_port: 0, replica_port: 0}
    misses = 0
    try:
        for n in range(1000):
            asset = await crud.media_asset.create(db, obj_in={"original_filename": f"ryw{n}"})
            seen = await db.run(READ_BACK, id=asset.id)
            if seen is None:
                misses += 1
            else:
                served[seen.port] += 1
        # Without read-your-writes (db.replica() reads whatever the replica has), the same
        # cycles miss: the check above is not passing by luck.
        stale = 0
        for n in range(200):
            asset = await crud.media_asset.create(db, obj_in={"original_filename": f"stale{n}"})
            stale += await db.replica().run(READ_BACK, id=asset.id) is None
    finally:
        await db.close()
    sys.stderr.write(
        f"read-your-writes: 1000 cycles, {misses} misses, {served[replica_port]} reads on "
        f"the replica, {served[primary_port]} on the primary; db.replica(): {stale}/200 "
        "misses\n"
    )
    assert misses == 0
    assert sum(served.values()) == 1000
    assert stale > 0


async def test_a_lagging_replica_is_skipped_and_reported(replicated: Replicated) -> None:
    primary_port = replicated.port(replicated.primary_admin)
    replica_port = replicated.port(replicated.standby_admin)
    config = Settings(replica_max_lag=0.3, replica_retry_interval=0.2)
    db = await connect(replicated.primary, config=config, replicas=[replicated.standby])
    try:
        await _until_replica_serves(db, replica_port)
        with psycopg.connect(replicated.standby_admin, autocommit=True) as standby:
            standby.execute("SELECT pg_wal_replay_pause()")
            try:
                # Another client writes: the replica receives it but does not replay it.
                with psycopg.connect(replicated.primary, autocommit=True) as other:
                    other.execute("INSERT INTO media_assets (id, original_filename) "
                                  "VALUES (gen_random_uuid(), 'lag.jpg')")  # fmt: skip
                await asyncio.sleep(1.3)  # past the lag limit and the once-a-second check
                assert await db.run(PORT) == primary_port
                assert await db.replica().run(PORT) == primary_port  # nothing qualifies
                reports = await db.replica_reports()  # type: ignore[attr-defined]
                assert [r.status for r in reports] == ["lagging"]
                assert reports[0].lag_seconds > 0.3
                assert reports[0].lag_bytes > 0
            finally:
                standby.execute("SELECT pg_wal_replay_resume()")
        await asyncio.sleep(0.3)  # past the retry interval
        await _until_replica_serves(db, replica_port)
    finally:
        await db.close()


async def test_a_stopped_replica_makes_reads_fall_back_with_no_failed_call(
    replicated: Replicated,
) -> None:
    primary_port = replicated.port(replicated.primary_admin)
    config = Settings(replica_retry_interval=0.5)
    with pgcluster.hot_standby(replicated.primary_admin) as second_admin:
        second = pgcluster.database_url(second_admin, replicated.primary.rsplit("/", 1)[1])
        wait_for_database(second)
        db = await connect(replicated.primary, config=config, replicas=[second])
        second_port = replicated.port(second_admin)
        try:
            await _until_replica_serves(db, second_port)
            asset = await crud.media_asset.create(db, obj_in={"original_filename": "stop.jpg"})
            await _until_replica_serves(db, second_port)
        except BaseException:
            await db.close()
            raise
    # The replica is stopped (immediate shutdown) and its folder removed.
    failures, ports = 0, set()
    try:
        deadline = time.monotonic() + 1.5  # across several retry intervals
        calls = 0
        while time.monotonic() < deadline:
            calls += 1
            try:
                seen = await db.run(READ_BACK, id=asset.id)
                assert seen is not None
                ports.add(seen.port)
                async with crud.media_asset.stream_all(db, batch_size=500) as rows:
                    assert asset.id in [row.id async for row in rows]
            except Exception:
                failures += 1
    finally:
        await db.close()
    sys.stderr.write(f"stopped replica: {calls} read cycles, {failures} failed\n")
    assert failures == 0
    assert ports == {primary_port}


async def test_a_replica_down_from_the_start_is_skipped(replicated: Replicated) -> None:
    primary_port = replicated.port(replicated.primary_admin)
    nowhere = "postgresql://postgres@127.0.0.1:9/nowhere"  # the discard port: refused
    db = await connect(replicated.primary, replicas=[nowhere])
    try:
        assert [await db.run(PORT) for _ in range(3)] == [primary_port] * 3
        [report] = await db.replica_reports()  # type: ignore[attr-defined]
        assert (report.status, report.url) == ("down", nowhere)
        assert "cannot connect" in (report.error or "")
    finally:
        await db.close()


async def test_a_write_through_a_replica_url_raises_read_only_error(
    replicated: Replicated,
) -> None:
    direct = await connect(replicated.standby)
    try:
        with pytest.raises(ReadOnlyError, match="read-only"):
            await crud.media_asset.create(direct, obj_in={"original_filename": "no.jpg"})
    finally:
        await direct.close()
    db = await connect(replicated.primary, replicas=[replicated.standby])
    try:
        with pytest.raises(ReadOnlyError, match=r"db.replica\(\)"):
            await crud.media_asset.create(db.replica(), obj_in={"original_filename": "no.jpg"})
        with pytest.raises(ReadOnlyError):
            async with db.replica().transaction():
                pass
        # The routed database itself writes to the primary.
        made = await crud.media_asset.create(db, obj_in={"original_filename": "yes.jpg"})
        assert await crud.media_asset.get(db, id=made.id) == made
    finally:
        await db.close()


async def test_replicas_need_a_postgresql_primary_and_postgresql_urls(
    replicated: Replicated, tmp_path: object
) -> None:
    with pytest.raises(ConfigurationError, match="need a PostgreSQL primary"):
        await connect("sqlite:///:memory:", replicas=[replicated.standby])
    with pytest.raises(ConfigurationError, match="must be a postgresql:// URL"):
        await connect(replicated.primary, replicas=["sqlite:///replica.db"])


def test_status_lists_each_replica_with_its_lag(replicated: Replicated) -> None:
    nowhere = "postgresql://postgres@127.0.0.1:9/nowhere"
    env = dict(
        os.environ,
        DATABASE_URL=replicated.primary,
        DATABASE_REPLICA_URLS=f"{replicated.standby},{nowhere}",
    )
    human = subprocess.run(
        [sys.executable, "-m", "pictallion_sql", "status"],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert human.returncode == 0, human.stderr
    lines = [line for line in human.stdout.splitlines() if line.startswith("Replica:")]
    assert len(lines) == 2, human.stdout
    assert lines[0].startswith(f"Replica:    {replicated.standby}: up, lag ")
    assert "bytes of WAL behind" in lines[0]
    assert lines[1].startswith(f"Replica:    {nowhere}: down: cannot connect")
    as_json = subprocess.run(
        [sys.executable, "-m", "pictallion_sql", "status", "--json"],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    replicas = msgspec.json.decode(as_json.stdout)["replicas"]
    assert [r["status"] for r in replicas] == ["up", "down"]
    assert replicas[0]["lag_seconds"] >= 0 and replicas[0]["lag_bytes"] >= 0
