"""Behind a real pgbouncer in transaction mode with ``DB_POOLER=transaction``: every public
call works, in one process, in two processes sharing the pooler, and after a restart."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import msgspec
import psycopg
import pytest

from pictallion_sql import crud
from pictallion_sql.config import Settings
from pictallion_sql.database import connect
from pictallion_sql.errors import PoolTimeoutError
from pictallion_sql.models import MediaAsset
from pictallion_sql.query.registry import make_query
from tests import pgcluster
from tests.topology.servers import pgbouncer
from tests.topology.workload import CALLS_PER_ROUND, run_workload

UNORDERED = make_query(
    "topology.unordered",
    "rows",
    MediaAsset,
    "SELECT id, original_filename, created_at FROM media_assets",
)


@pytest.fixture
def server_db(pg_admin_url: str, pg_template: str) -> Iterator[str]:
    """A migrated database on the test server (reached directly)."""
    url = pgcluster.create_database(pg_admin_url, template=pg_template)
    yield url
    pgcluster.drop_database(pg_admin_url, url)


@pytest.fixture
def copy_targets(pg_admin_url: str, pg_template: str) -> Iterator[list[str]]:
    """Four empty migrated databases on the test server (reached directly)."""
    urls = [pgcluster.create_database(pg_admin_url, template=pg_template) for _ in range(4)]
    yield urls
    for url in urls:
        pgcluster.drop_database(pg_admin_url, url)


def _through(bouncer: str, direct: str) -> str:
    """``direct``'s database, reached through the pgbouncer at ``bouncer``."""
    return pgcluster.database_url(bouncer, direct.rsplit("/", 1)[1])


def _media_assets(url: str) -> int:
    [(count,)] = _rows(url, "SELECT count(*) FROM media_assets")
    assert isinstance(count, int)
    return count


@pytest.fixture
def bouncer(server_db: str) -> Iterator[str]:
    """The same database through a transaction-pooling pgbouncer with 2 server connections."""
    with pgbouncer(server_db, pool_size=2) as url:
        yield url


def _rows(url: str, sql: str) -> list[tuple[object, ...]]:
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute(sql).fetchall()


async def test_a_mixed_workload_through_transaction_pooling_has_no_error(
    bouncer: str, server_db: str, copy_targets: list[str], tmp_path: Path
) -> None:
    # More client connections (8) than pgbouncer has server connections (2): statements
    # of one client run on whichever server connection is free.
    config = Settings.from_env({"DATABASE_URL": bouncer, "DB_POOLER": "transaction"})
    config.pool_size = 8
    db = await connect(config=config)
    try:
        tally = await run_workload(
            db,
            "inproc",
            rounds=6,
            tasks=6,
            copy_dir=tmp_path,
            copy_targets=[_through(bouncer, url) for url in copy_targets],
        )
        # A stream whose query has no key order reads through an SQL cursor of its own
        # transaction; one inside the caller's transaction uses that transaction.
        async with db.stream(UNORDERED, batch_size=3) as rows:
            unordered = [row.id async for row in rows]
        async with db.transaction() as tx, crud.media_asset.stream_all(tx, batch_size=3) as rows:
            in_transaction = [row.id async for row in rows]
    finally:
        await db.close()
    sys.stderr.write(
        f"pgbouncer in-process: {tally.calls} calls {tally.kinds}, {len(tally.errors)} errors\n"
    )
    assert tally.errors == []
    assert tally.calls == 6 * 6 * CALLS_PER_ROUND + len(copy_targets)
    assert tally.kinds["copy"] == 6 * 6 + len(copy_targets)
    # Every copy into a database behind the pooler holds a whole library.
    assert all(_media_assets(url) > 0 for url in copy_targets)
    stored = [row[0] for row in _rows(server_db, "SELECT id FROM media_assets ORDER BY id")]
    assert sorted(unordered) == sorted(in_transaction) == stored
    # Savepoints rolled back what they wrote; the rows around them stayed.
    names = _rows(server_db, "SELECT original_filename FROM media_assets")
    assert not [n for (n,) in names if n.startswith("gone-")]
    assert len([n for (n,) in names if n.startswith("kept-")]) == 36


async def test_streams_by_key_give_every_row_once_in_the_cursor_order(
    bouncer: str, server_db: str
) -> None:
    """Ties on created_at across batch boundaries, and the users' COLLATE "C" order."""
    with psycopg.connect(server_db, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO media_assets (id, original_filename, created_at) "
            "SELECT gen_random_uuid(), 'tie' || g, "
            "       timestamp '2026-01-01' + (g / 4) * interval '1s' "  # 4 rows a second
            "FROM generate_series(1, 23) g"
        )
        conn.execute(
            "INSERT INTO users (id, username, password) "
            "SELECT gen_random_uuid(), n, 'x' FROM unnest(ARRAY['b', 'B', 'a', 'A', 'é', 'Z', "
            "'_u', 'aa', 'ab']) n"
        )
    direct = await connect(server_db)
    pooled = await connect(bouncer, config=Settings(pooler="transaction"))
    try:
        for repository in (crud.media_asset, crud.user):
            async with repository.stream_all(direct, batch_size=1000) as rows:
                expected = [row async for row in rows]
            for batch_size in (1, 2, 4, 5):
                async with repository.stream_all(pooled, batch_size=batch_size) as rows:
                    assert [row async for row in rows] == expected, (repository, batch_size)
    finally:
        await direct.close()
        await pooled.close()


def _workload_process(
    url: str,
    tag: str,
    rounds: int,
    pooler: str | None,
    copy_dir: Path,
    targets: Sequence[str] = (),
) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DB_POOLER", "DATABASE_URL")}
    if pooler is not None:
        env["DB_POOLER"] = pooler
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.topology.workload",
            url,
            tag,
            str(rounds),
            str(copy_dir),
            *targets,
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _tallies(processes: list[subprocess.Popen[str]]) -> list[dict[str, object]]:
    tallies = []
    for process in processes:
        out, err = process.communicate(timeout=180)
        assert process.returncode == 0, err
        tallies.append(json.loads(out))
    return tallies


@pytest.mark.slow
def test_two_processes_sharing_one_pgbouncer_and_a_restarted_app_have_no_error(
    bouncer: str, copy_targets: list[str], tmp_path: Path
) -> None:
    pooled = [_through(bouncer, url) for url in copy_targets]
    both = _tallies(
        [
            _workload_process(bouncer, f"proc{i}", 4, "transaction", tmp_path, pooled[i : i + 1])
            for i in (0, 1)
        ]
    )
    # The app restarts: a new process meets server connections the old ones used.
    restarted = _tallies(
        [_workload_process(bouncer, "restart", 4, "transaction", tmp_path, pooled[2:3])]
    )
    # The same without the setting fails on named prepared statements: the harness
    # really puts two processes on shared server connections.
    unset = _tallies([_workload_process(bouncer, f"unset{i}", 2, None, tmp_path) for i in (1, 2)])
    figures = [(t["calls"], len(t["errors"])) for t in both + restarted + unset]  # type: ignore[arg-type]
    sys.stderr.write(f"pgbouncer processes (calls, errors): {figures}\n")
    assert [t["errors"] for t in both + restarted] == [[], [], []]
    assert all(t["calls"] == 4 * 4 * CALLS_PER_ROUND + 1 for t in both + restarted)
    assert all(t["kinds"]["copy"] == 4 * 4 + 1 for t in both + restarted)  # type: ignore[index]
    assert all(_media_assets(url) > 0 for url in copy_targets[:3])
    unset_errors = [e for t in unset for e in t["errors"]]  # type: ignore[attr-defined]
    assert unset_errors
    assert any("prepared statement" in e for e in unset_errors)


@pytest.mark.parametrize("mode", ["transaction", "session"])
async def test_a_pooler_wait_ends_in_pool_timeout_error(server_db: str, mode: str) -> None:
    """pgbouncer's query_wait_timeout, with its one server connection held by another client."""
    with pgbouncer(server_db, pool_mode=mode, pool_size=1, query_wait_timeout=1) as url:
        config = Settings(pooler=mode)
        holder = await connect(url, config=config)
        try:
            async with holder.transaction() as tx:
                await crud.media_asset.count(tx)  # the server connection is now taken
                with pytest.raises(PoolTimeoutError, match="query_wait_timeout") as waited:
                    await connect(url, config=config)  # connecting reads the catalogue
            assert waited.value.retryable
            if mode == "session":
                await holder.close()  # a session keeps its server connection until it ends
            waiter = await connect(url, config=config)
            try:
                if mode == "transaction":
                    async with holder.transaction() as tx:
                        await crud.media_asset.count(tx)
                        with pytest.raises(PoolTimeoutError, match="query_wait_timeout"):
                            await crud.media_asset.count(waiter)
                        with pytest.raises(PoolTimeoutError):
                            async with waiter.transaction() as other:
                                await crud.media_asset.count(other)
                assert await crud.media_asset.count(waiter) == 0  # free again: it works
            finally:
                await waiter.close()
        finally:
            await holder.close()


class Prepared(msgspec.Struct):
    count: int


PREPARED = make_query(
    "topology.prepared", "scalar", int, "SELECT count(*) FROM pg_prepared_statements"
)


@pytest.mark.parametrize(
    ("pooler", "named"), [(None, True), ("session", True), ("transaction", False)]
)
async def test_only_transaction_pooling_gives_up_named_prepared_statements(
    server_db: str, pooler: str | None, named: bool
) -> None:
    db = await connect(server_db, config=Settings(pooler=pooler))
    try:
        async with db.connection() as conn:
            await crud.media_asset.get_multi(conn)
            assert (await conn.run(PREPARED) > 0) is named
    finally:
        await db.close()
