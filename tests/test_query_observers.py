"""Database.add_query_observer: told of each statement a database runs or fails (its name,
dialect, duration, row count and error type), named queries, streams, bulk writes and
generated SQL alike, on both dialects."""

from __future__ import annotations

from typing import Any

import pytest

from pictallion_sql import Database, crud
from pictallion_sql.errors import DuplicateKeyError
from pictallion_sql.monitoring import FinishedQuery
from tests.rows import version_row

pytestmark = pytest.mark.pins

Seen = list[tuple[str, str, int]]


async def test_observers_see_each_statement_with_its_rows(db: Any, dialect: str) -> None:
    seen: Seen = []

    def observer(event: FinishedQuery) -> None:
        assert event.duration >= 0 and event.error is None
        seen.append((event.name, event.dialect, event.rows))

    asset = await crud.media_asset.create(db, obj_in={"original_filename": "a.jpg"})
    assert seen == []  # nothing before the observer is added
    db.add_query_observer(observer)

    assert await crud.media_asset.get(db, id=asset.id) == asset
    assert await crud.media_asset.get(db, id="missing") is None
    assert seen == [("media_assets.get", dialect, 1), ("media_assets.get", dialect, 0)]
    seen.clear()

    created = await crud.file_version.create_many(
        db, objs=[version_row(asset.id, i) for i in range(3)]
    )
    columns = "media_asset_id,tier,file_path,file_hash,file_size,mime_type"
    assert seen == [  # one bulk write (COPY on PostgreSQL), then one read-back by id
        (f"file_versions.insert_many[id,{columns}]", dialect, 3),
        # created_at is stamped by create_many, so it is echoed too
        (f"file_versions.read_back[{columns},created_at]", dialect, 3),
    ]
    seen.clear()

    async with crud.file_version.stream_all(db, batch_size=2) as rows:
        streamed = [row async for row in rows]
    assert sorted(streamed, key=lambda v: v.id) == sorted(created, key=lambda v: v.id)
    assert seen == [("file_versions.stream_all", dialect, 3)]  # once, after two batches
    seen.clear()

    page = await crud.file_version.search(db, filters={"query": "00001"}, limit=10)
    assert [v.file_path for v in page.photos] == ["media/silver/00001.jpg"]
    assert page.total_count == 1
    assert seen == [("file_versions.search_filtered[query|created_at desc]", dialect, 4)]
    seen.clear()

    db.remove_query_observer(observer)
    db.remove_query_observer(observer)  # no longer registered: ignored
    assert await crud.media_asset.get(db, id=asset.id) == asset
    assert seen == []


async def test_a_failed_statement_is_reported_with_its_error_type(db: Any, dialect: str) -> None:
    seen: list[FinishedQuery] = []
    user = {"username": "ann", "password": "x"}
    await crud.user.create(db, obj_in=user)
    db.add_query_observer(seen.append)
    with pytest.raises(DuplicateKeyError):
        await crud.user.create(db, obj_in=user)
    assert [(e.name, e.dialect, e.rows, e.error) for e in seen] == [
        ("users.insert[username,password]", dialect, 0, "DuplicateKeyError")
    ]
    seen.clear()
    assert [u.username for u in await crud.user.get_multi(db)] == ["ann"]
    assert [(e.name, e.rows, e.error) for e in seen] == [("users.get_multi", 1, None)]


async def test_a_global_observer_sees_every_database(migrated_url: str, dialect: str) -> None:
    from pictallion_sql.database import connect

    seen: Seen = []

    def observer(event: FinishedQuery) -> None:
        assert event.duration >= 0 and event.error is None
        seen.append((event.name, event.dialect, event.rows))

    first = await connect(migrated_url)
    first.add_query_observer(observer)  # its own observer, then a global one as well
    Database.add_global_query_observer(observer)
    try:
        second = await connect(migrated_url)  # opened after the global observer was added
        try:
            assert await crud.media_asset.get(second, id="missing") is None
            assert await crud.media_asset.get(first, id="missing") is None
        finally:
            await second.close()
    finally:
        Database.remove_global_query_observer(observer)
        Database.remove_global_query_observer(observer)  # no longer registered: ignored
    assert await crud.media_asset.get(first, id="missing") is None
    await first.close()
    get = ("media_assets.get", dialect, 0)
    assert seen == [get, get, get, get]  # second: global; first: global and own; then own
