"""Every database keeps per-query figures (calls, errors by type, rows, latency histogram)
and pool figures (in use, idle, waiting, waits, replacements), on both dialects."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from pictallion_sql import crud
from pictallion_sql.config import Settings
from pictallion_sql.database import connect
from pictallion_sql.errors import DuplicateKeyError
from pictallion_sql.monitoring import LATENCY_BUCKETS


async def test_each_query_has_calls_rows_errors_and_a_latency_histogram(
    db: Any, dialect: str
) -> None:
    asset = await crud.media_asset.create(db, obj_in={"original_filename": "a.jpg"})
    user = {"username": "ann", "password": "x"}
    await crud.user.create(db, obj_in=user)
    db.query_metrics.reset()
    assert db.query_metrics.snapshot() == []

    for _ in range(3):
        assert await crud.media_asset.get(db, id=asset.id) == asset
    assert await crud.media_asset.get(db, id="missing") is None
    with pytest.raises(DuplicateKeyError):
        await crud.user.create(db, obj_in=user)

    get = db.query_metrics.get("media_assets.get")
    assert (get.calls, get.rows, get.errors) == (4, 3, {})
    assert sum(get.histogram.values()) == 4
    assert list(get.histogram) == [*LATENCY_BUCKETS, float("inf")]
    assert 0 < get.mean_seconds <= get.max_seconds <= get.total_seconds
    assert get.mean_seconds == pytest.approx(get.total_seconds / 4)

    insert = db.query_metrics.get("users.insert[username,password]")
    assert (insert.calls, insert.rows, insert.errors) == (1, 0, {"DuplicateKeyError": 1})
    names = [s.name for s in db.query_metrics.snapshot()]
    assert sorted(names) == ["media_assets.get", "users.insert[username,password]"]
    totals = [s.total_seconds for s in db.query_metrics.snapshot()]
    assert totals == sorted(totals, reverse=True)
    assert db.query_metrics.get("users.get") is None


async def test_streams_and_bulk_writes_are_counted_once_with_their_rows(
    db: Any, dialect: str
) -> None:
    assets = await crud.media_asset.create_many(
        db, objs=[{"original_filename": f"{i}.jpg"} for i in range(5)], returning=False
    )
    async with crud.media_asset.stream_all(db, batch_size=2) as rows:
        assert len([row async for row in rows]) == len(assets)
    written = db.query_metrics.get("media_assets.insert_many[id,original_filename]")
    streamed = db.query_metrics.get("media_assets.stream_all")
    assert (written.calls, written.rows) == (1, 5)
    assert (streamed.calls, streamed.rows) == (1, 5)


async def test_pool_figures_show_connections_in_use_waiters_and_replacements(
    migrated_url: str, dialect: str
) -> None:
    settings = Settings(pool_size=1, max_overflow=0, pool_timeout=30)
    db = await connect(migrated_url, config=settings)
    try:
        await crud.media_asset.count(db)
        stats = db.pool_stats()
        assert (stats.in_use, stats.idle, stats.waiting, stats.max_size) == (0, 1, 0, 1)
        assert (stats.waits, stats.timeouts, stats.replaced) == (0, 0, 0)

        async with db.connection():
            assert (db.pool_stats().in_use, db.pool_stats().idle) == (1, 0)
            waiting = asyncio.create_task(crud.media_asset.count(db))
            await asyncio.sleep(0.05)
            assert db.pool_stats().waiting == 1
        assert await waiting == 0
        stats = db.pool_stats()
        assert (stats.waiting, stats.waits, stats.timeouts) == (0, 1, 0)
        assert stats.wait_seconds > 0

        # A call cut off mid-statement leaves its connection in an unknown state: the pool
        # drops it and opens a new one on demand.
        cut = asyncio.create_task(crud.media_asset.count(db))
        await asyncio.sleep(0)
        cut.cancel()
        with pytest.raises(asyncio.CancelledError):
            await cut
        assert db.pool_stats().replaced == 1
        assert await crud.media_asset.count(db) == 0
        assert (db.pool_stats().in_use, db.pool_stats().idle) == (0, 1)
    finally:
        await db.close()
