"""Database.add_query_observer: told of each statement a database runs (its name, dialect and
row count), named queries, streams, bulk writes and generated SQL alike, on both dialects."""

from __future__ import annotations

from typing import Any

import pytest

from pictallion_sql import Database, crud
from pictallion_sql.errors import DuplicateKeyError

pytestmark = pytest.mark.pins

Seen = list[tuple[str, str, int]]


def _version(asset_id: str, index: int, **extra: Any) -> dict[str, Any]:
    return {
        "media_asset_id": asset_id,
        "tier": "silver",
        "file_path": f"media/silver/{index:05d}.jpg",
        "file_hash": f"hash{index}",
        "file_size": 1000 + index,
        "mime_type": "image/jpeg",
        **extra,
    }


async def test_observers_see_each_statement_with_its_rows(db: Any, dialect: str) -> None:
    seen: Seen = []

    def observer(name: str, observed_dialect: str, rows: int) -> None:
        seen.append((name, observed_dialect, rows))

    asset = await crud.media_asset.create(db, obj_in={"original_filename": "a.jpg"})
    assert seen == []  # nothing before the observer is added
    db.add_query_observer(observer)

    assert await crud.media_asset.get(db, id=asset.id) == asset
    assert await crud.media_asset.get(db, id="missing") is None
    assert seen == [("media_assets.get", dialect, 1), ("media_assets.get", dialect, 0)]
    seen.clear()

    created = await crud.file_version.create_many(
        db, objs=[_version(asset.id, i) for i in range(3)]
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


async def test_a_failed_statement_is_not_reported(db: Any, dialect: str) -> None:
    seen: Seen = []
    user = {"username": "ann", "password": "x"}
    await crud.user.create(db, obj_in=user)
    db.add_query_observer(lambda *observed: seen.append(observed))
    with pytest.raises(DuplicateKeyError):
        await crud.user.create(db, obj_in=user)
    assert seen == []
    assert [u.username for u in await crud.user.get_multi(db)] == ["ann"]
    assert seen == [("users.get_multi", dialect, 1)]


async def test_a_global_observer_sees_every_database(migrated_url: str, dialect: str) -> None:
    from pictallion_sql.database import connect

    seen: Seen = []

    def observer(name: str, observed_dialect: str, rows: int) -> None:
        seen.append((name, observed_dialect, rows))

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
