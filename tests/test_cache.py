"""The optional Redis read cache against a real redis-server, on both dialects."""

from __future__ import annotations

import asyncio
import json
import logging
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as redis

from pictallion_sql import crud
from pictallion_sql.admin.common import KEPT_TABLES, TABLES
from pictallion_sql.config import Settings
from pictallion_sql.database import Database, connect
from pictallion_sql.drivers.base import written_tables
from pictallion_sql.query.named import queries
from pictallion_sql.query.registry import CompiledSQL, Query, make_query, written_tables_of
from tests.redis_server import RedisServer
from tests.rows import new_photo

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        server.remove()


@pytest.fixture
async def side(redis_server: RedisServer) -> AsyncIterator[Any]:
    """A plain client of the test's Redis, emptied first."""
    client = redis.Redis.from_url(redis_server.url)
    await client.flushall()
    try:
        yield client
    finally:
        await client.aclose()


@pytest.fixture
async def cached(
    migrated_url: str, redis_server: RedisServer, side: Any
) -> AsyncIterator[Database]:
    db = await connect(migrated_url, config=Settings(redis_url=redis_server.url))
    try:
        yield db
    finally:
        await db.close()


@pytest.fixture
async def plain(migrated_url: str) -> AsyncIterator[Database]:
    db = await connect(migrated_url, config=Settings())
    try:
        yield db
    finally:
        await db.close()


async def make_photo(db: Database) -> tuple[str, str]:
    asset, version = await new_photo(
        db,
        "beach.jpg",
        tier="gold",
        file_path="/gold/beach.jpg",
        file_hash="abc",
        file_size=2048,
        metadata={"exif": {"camera": "X100", "iso": "200"}, "custom": {"n": [1, 2.5]}},
        keywords=["sea", "sun"],
        rating=4,
    )
    return asset.id, version.id


def stats(db: Database) -> Any:
    assert db.cache is not None
    return db.cache.stats


def test_without_a_redis_url_nothing_is_cached() -> None:
    assert Settings.from_env({}).redis_url is None
    assert Settings.from_env({"REDIS_URL": "redis://h:6379/0"}).redis_url == "redis://h:6379/0"


async def test_the_core_has_no_cache_unless_asked(plain: Database) -> None:
    assert plain.cache is None and plain.read_cache is None


def test_writes_are_told_apart_from_reads() -> None:
    assert written_tables(queries["settings.set_value"]) == {"settings"}
    assert written_tables(queries["settings.delete_by_key"]) == {"settings"}
    assert written_tables(queries["file_versions.remove"]) == {"file_versions"}
    assert written_tables(queries["settings.get_all"]) == frozenset()
    assert written_tables(queries["file_versions.get"]) == frozenset()
    # Every named query: a statement that writes names real tables, and none is missed.
    for name, query in queries._queries.items():
        tables = written_tables(query)
        assert tables <= set(TABLES) | set(KEPT_TABLES), (name, tables)
        verb = query.postgres.text.split(None, 1)[0].upper()
        if verb in {"INSERT", "UPDATE", "DELETE"}:
            assert tables, name
        if verb == "SELECT":
            assert not tables, name
        # A SELECT is not scanned when the query is made: the scan would find nothing.
        assert tables == written_tables_of(query.postgres.text), name


def test_every_query_names_its_written_tables_however_it_is_made() -> None:
    # Drivers test query.writes on every statement: a query built by hand must not have an
    # empty set for a write, or that write would reach no cache.
    by_hand = Query(
        name="test.by_hand",
        returns="none",
        record=None,
        params=frozenset(),
        postgres=CompiledSQL('DELETE FROM "people" WHERE true', ()),
        sqlite=CompiledSQL('DELETE FROM "people" WHERE 1', ()),
        source="<test>",
    )
    assert by_hand.writes == {"people"}
    assert make_query("test.copy", "none", None, "COPY faces FROM STDIN").writes == {"faces"}


async def test_cached_reads_equal_database_reads(cached: Database, plain: Database) -> None:
    asset_id, version_id = await make_photo(plain)
    person = await crud.person.create(plain, obj_in={"name": "Ada"})
    await crud.setting.set_value(plain, key="theme", value="dark", category="ui")
    for _ in range(2):  # a miss, then a hit: both equal the database's answer
        assert await crud.file_version.get(cached, id=version_id) == await crud.file_version.get(
            plain, id=version_id
        )
        assert await crud.media_asset.get(cached, id=asset_id) == await crud.media_asset.get(
            plain, id=asset_id
        )
        assert await crud.person.get(cached, id=person.id) == person
        assert await crud.setting.get_by_key(cached, key="theme") == await crud.setting.get_by_key(
            plain, key="theme"
        )
        assert await crud.setting.get_by_key(cached, key="missing") is None
        assert await crud.setting.get_all(cached) == await crud.setting.get_all(plain)
        assert await crud.file_version.get(cached, id="no-such-id") is None
    assert (stats(cached).misses, stats(cached).hits) == (7, 7)
    version = await crud.file_version.get(cached, id=version_id)
    assert version is not None and version.metadata is not None
    assert version.metadata["exif"]["camera"] == "X100" and version.keywords == ["sea", "sun"]


async def test_every_committed_write_invalidates(cached: Database) -> None:
    _, version_id = await make_photo(cached)
    await crud.setting.set_value(cached, key="theme", value="dark")
    assert (await crud.setting.get_by_key(cached, key="theme")).value == "dark"  # type: ignore[union-attr]
    await crud.setting.set_value(cached, key="theme", value="light")  # outside a transaction
    assert (await crud.setting.get_by_key(cached, key="theme")).value == "light"  # type: ignore[union-attr]

    assert (await crud.file_version.get(cached, id=version_id)).rating == 4  # type: ignore[union-attr]
    async with cached.transaction() as tx:
        await crud.file_version.update(tx, db_obj=version_id, obj_in={"rating": 5})
        # Inside the transaction the cache is not used: it sees its own write.
        assert (await crud.file_version.get(tx, id=version_id)).rating == 5  # type: ignore[union-attr]
    assert (await crud.file_version.get(cached, id=version_id)).rating == 5  # type: ignore[union-attr]

    await crud.setting.delete_by_key(cached, key="theme")
    assert await crud.setting.get_by_key(cached, key="theme") is None
    assert [s.key for s in await crud.setting.get_all(cached)] == []
    await crud.file_version.remove(cached, id=version_id)
    assert await crud.file_version.get(cached, id=version_id) is None


async def test_a_rolled_back_transaction_invalidates_nothing(cached: Database, side: Any) -> None:
    _, version_id = await make_photo(cached)
    await crud.setting.set_value(cached, key="theme", value="dark")
    await crud.file_version.get(cached, id=version_id)
    await crud.setting.get_by_key(cached, key="theme")
    generations = await side.mget("pictallion:gen:file_versions", "pictallion:gen:settings")
    assert None not in generations

    with pytest.raises(RuntimeError):
        async with cached.transaction() as tx:
            await crud.file_version.update(tx, db_obj=version_id, obj_in={"rating": 1})
            await crud.setting.set_value(tx, key="theme", value="light")
            raise RuntimeError("changed my mind")
    assert await side.mget("pictallion:gen:file_versions", "pictallion:gen:settings") == generations
    hits = stats(cached).hits
    assert (await crud.file_version.get(cached, id=version_id)).rating == 4  # type: ignore[union-attr]
    assert stats(cached).hits == hits + 1

    # A savepoint rolled back inside a committed transaction: only the kept write counts.
    async with cached.transaction() as tx:
        await crud.setting.set_value(tx, key="theme", value="sepia")
        with pytest.raises(RuntimeError):
            async with tx.transaction() as inner:
                await crud.file_version.update(inner, db_obj=version_id, obj_in={"rating": 2})
                raise RuntimeError("not this one")
    after = await side.mget("pictallion:gen:file_versions", "pictallion:gen:settings")
    assert after[0] == generations[0] and after[1] != generations[1]
    assert (await crud.setting.get_by_key(cached, key="theme")).value == "sepia"  # type: ignore[union-attr]


@pytest.mark.slow
def test_two_processes_never_read_stale_values(
    migrated_url: str, redis_server: RedisServer
) -> None:
    async def prepare() -> str:
        db = await connect(migrated_url)
        try:
            await crud.setting.set_value(db, key="counter", value="0")
            return (await make_photo(db))[1]
        finally:
            await db.close()

    version_id = asyncio.run(prepare())
    rounds = "150"

    def start(role: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.cache_worker",
                role,
                migrated_url,
                redis_server.url,
                version_id,
                rounds,
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    asyncio.run(_flush(redis_server.url))
    reader = start("reader")
    writer = start("writer")
    written, werr = writer.communicate(timeout=300)
    read, rerr = reader.communicate(timeout=300)
    assert writer.returncode == 0, werr
    assert reader.returncode == 0, rerr
    summary = json.loads(read)
    assert summary["stale"] == []
    assert summary["errors"] == 0
    # The cache really answered: most reads between two writes were hits.
    assert summary["hits"] > summary["misses"] > 0, summary
    assert json.loads(written) == {"rounds": 150}


async def _flush(url: str) -> None:
    client = redis.Redis.from_url(url)
    await client.flushall()
    await client.aclose()


async def test_redis_stopped_mid_run_falls_back_to_the_database(
    cached: Database, redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    _, version_id = await make_photo(cached)
    await crud.file_version.get(cached, id=version_id)
    await crud.file_version.get(cached, id=version_id)
    assert stats(cached).hits == 1
    redis_server.stop()
    try:
        with caplog.at_level(logging.WARNING, logger="pictallion_sql.cache"):
            await crud.file_version.update(cached, db_obj=version_id, obj_in={"rating": 2})
            for _ in range(3):
                version = await crud.file_version.get(cached, id=version_id)
                assert version is not None and version.rating == 2
            await crud.setting.set_value(cached, key="theme", value="dark")
            assert (await crud.setting.get_by_key(cached, key="theme")).value == "dark"  # type: ignore[union-attr]
        assert stats(cached).errors >= 1 and stats(cached).bypassed >= 1
        assert [r.getMessage() for r in caplog.records if "failed" in r.getMessage()] != []
    finally:
        redis_server.start()
    await asyncio.sleep(1.1)  # the pause after an error ends
    hits = stats(cached).hits
    for _ in range(2):
        version = await crud.file_version.get(cached, id=version_id)
        assert version is not None and version.rating == 2
    assert stats(cached).hits == hits + 1


@pytest.mark.slow
async def test_an_invalidation_redis_missed_is_sent_again(
    cached: Database, side: Any, migrated_url: str, redis_server: RedisServer
) -> None:
    _, version_id = await make_photo(cached)
    other = await connect(migrated_url, config=Settings(redis_url=redis_server.url))
    try:
        await crud.file_version.get(other, id=version_id)  # cached with rating 4
        await side.execute_command("CLIENT", "PAUSE", "2500", "ALL")
        # A read Redis does not answer in time goes to the database.
        assert (await crud.file_version.get(other, id=version_id)).rating == 4  # type: ignore[union-attr]
        assert stats(other).errors == 1
        # Redis does not answer: the write commits, its invalidation times out.
        await crud.file_version.update(cached, db_obj=version_id, obj_in={"rating": 1})
        assert stats(cached).errors >= 1
        # This process reads the database until Redis took the invalidation.
        assert (await crud.file_version.get(cached, id=version_id)).rating == 1  # type: ignore[union-attr]
        await asyncio.sleep(2.6)
        assert (await crud.file_version.get(cached, id=version_id)).rating == 1  # type: ignore[union-attr]
        # The invalidation reached Redis: the other process's entry is gone too.
        assert (await crud.file_version.get(other, id=version_id)).rating == 1  # type: ignore[union-attr]
    finally:
        await other.close()


@pytest.mark.parametrize("dialect", ["postgres"])
async def test_with_replicas_the_primarys_writes_invalidate_and_routed_reads_skip_the_cache(
    migrated_url: str, dialect: str, redis_server: RedisServer, side: Any
) -> None:
    # The "replica" is the primary itself: routing sets it aside; what matters here is
    # where the cache sits.
    settings = Settings(redis_url=redis_server.url)
    routed = await connect(migrated_url, config=settings, replicas=[migrated_url])
    cached = await connect(migrated_url, config=settings)
    try:
        assert routed.read_cache is None
        _, version_id = await make_photo(cached)
        assert (await crud.file_version.get(cached, id=version_id)).rating == 4  # type: ignore[union-attr]
        await crud.file_version.update(routed, db_obj=version_id, obj_in={"rating": 2})
        assert (await crud.file_version.get(cached, id=version_id)).rating == 2  # type: ignore[union-attr]
        async with routed.transaction() as tx:
            await crud.file_version.update(tx, db_obj=version_id, obj_in={"rating": 3})
        assert (await crud.file_version.get(cached, id=version_id)).rating == 3  # type: ignore[union-attr]
        async with routed.connection() as conn:
            assert conn.read_cache is None
            assert (await crud.file_version.get(conn, id=version_id)).rating == 3  # type: ignore[union-attr]
    finally:
        await routed.close()
        await cached.close()
