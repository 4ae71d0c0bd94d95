"""The audit trail: with ``audit_trail`` on, each update and delete of a file version or
media asset through the library writes an asset_history row in the same transaction."""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest

from pictallion_sql import crud
from pictallion_sql.catalog.audit import history_id
from pictallion_sql.config import Settings
from pictallion_sql.errors import ForeignKeyError, ValidationError
from tests.conftest import FixedClock
from tests.rows import new_photo

pytestmark = pytest.mark.pins

BIG_TAGS = ["x" * 100, "y" * 100]


async def _photo(db: Any) -> tuple[Any, Any]:
    return await new_photo(
        db,
        file_path="media/silver/a.jpg",
        file_hash="hash-a",
        file_size=1000,
        rating=3,
        metadata={"ai": {"aiTags": BIG_TAGS}},
    )


def _trail(rows: list[Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(row.action, json.loads(row.details)) for row in rows]


async def test_updates_and_deletes_are_recorded_in_order(
    db: Any, dialect: str, fixed_clock: FixedClock
) -> None:
    db.settings.audit_trail = True
    db.settings.audit_max_value_bytes = 64
    asset, version = await _photo(db)
    assert await crud.asset_history.get_history(db, media_asset_id=asset.id) == []

    updated = await crud.file_version.update(
        db, db_obj=version, obj_in={"rating": 5, "keywords": ["beach"], "is_reviewed": None}
    )
    assert updated is not None and updated.rating == 5
    await crud.file_version.update(db, db_obj=version.id, obj_in={"metadata": None})
    assert await crud.file_version.update_perceptual_hash(db, id=version.id, perceptual_hash="ff")
    await crud.media_asset.update_photo(db, id=asset.id, updates={"originalFilename": "b.jpg"})
    await crud.media_asset.update(db, db_obj=asset.id, obj_in={"original_filename": "c.jpg"})
    removed = await crud.file_version.remove(db, id=version.id)
    assert removed is not None and removed.perceptual_hash == "ff"

    big = len(msgspec.json.encode(version.metadata))  # over the 64-byte limit: left out
    assert big > 64
    history = await crud.asset_history.get_history(db, media_asset_id=asset.id)
    assert all(row.timestamp == fixed_clock.now for row in history)
    trail = _trail(history)
    where = {"table": "file_versions", "id": version.id}
    assert trail[:5] == [
        (
            "VERSION_UPDATED",
            {
                **where,
                "changes": {
                    "is_reviewed": {"old": False, "new": None},
                    "rating": {"old": 3, "new": 5},
                    "keywords": {"old": [], "new": ["beach"]},
                },
            },
        ),
        (
            "VERSION_UPDATED",
            {
                **where,
                "changes": {"metadata": {"old": None, "old_omitted_bytes": big, "new": None}},
            },
        ),
        ("VERSION_UPDATED", {**where, "changes": {"perceptual_hash": {"old": None, "new": "ff"}}}),
        (
            "ASSET_UPDATED",
            {
                "table": "media_assets",
                "id": asset.id,
                "changes": {"original_filename": {"old": "a.jpg", "new": "b.jpg"}},
            },
        ),
        (
            "ASSET_UPDATED",
            {
                "table": "media_assets",
                "id": asset.id,
                "changes": {"original_filename": {"old": "b.jpg", "new": "c.jpg"}},
            },
        ),
    ]
    action, deleted = trail[5]
    assert len(trail) == 6 and action == "VERSION_DELETED" and deleted["id"] == version.id
    changes = deleted["changes"]
    assert changes["file_path"] == {"old": "media/silver/a.jpg", "new": None}
    assert changes["rating"] == {"old": 5, "new": None}
    assert changes["perceptual_hash"] == {"old": "ff", "new": None}
    assert set(changes) == set(type(removed).__struct_fields__)
    # Newest first, as before: the same rows the other way round.
    newest_first = await crud.asset_history.get_by_asset(db, media_asset_id=asset.id)
    assert [row.id for row in newest_first] == [row.id for row in reversed(history)]


async def test_a_failed_or_missed_write_records_nothing(db: Any, dialect: str) -> None:
    db.settings.audit_trail = True
    asset, version = await _photo(db)
    with pytest.raises(ForeignKeyError):
        await crud.file_version.update(db, db_obj=version, obj_in={"media_asset_id": "gone"})
    with pytest.raises(ValidationError):
        await crud.file_version.update(db, db_obj=version, obj_in={"rating": 9})
    assert await crud.file_version.update(db, db_obj="missing", obj_in={"rating": 1}) is None
    assert await crud.file_version.remove(db, id="missing") is None
    assert not await crud.file_version.update_perceptual_hash(db, id="missing", perceptual_hash="a")
    assert await crud.file_version.get(db, id=version.id) == version
    assert await crud.asset_history.get_history(db, media_asset_id=asset.id) == []

    # A caller's transaction that rolls back takes the write and its history with it.
    with pytest.raises(RuntimeError):
        async with db.transaction() as conn:
            await crud.file_version.update(conn, db_obj=version, obj_in={"rating": 4})
            assert len(await crud.asset_history.get_history(conn, media_asset_id=asset.id)) == 1
            raise RuntimeError("the caller gives up")
    assert await crud.file_version.get(db, id=version.id) == version
    assert await crud.asset_history.get_history(db, media_asset_id=asset.id) == []


async def test_the_trail_is_off_unless_enabled(db: Any, dialect: str) -> None:
    assert db.settings.audit_trail is False
    asset, version = await _photo(db)
    await crud.file_version.update(db, db_obj=version, obj_in={"rating": 4})
    await crud.media_asset.update(db, db_obj=asset, obj_in={"original_filename": "z.jpg"})
    await crud.file_version.remove(db, id=version.id)
    assert await crud.asset_history.get_history(db, media_asset_id=asset.id) == []


async def test_an_asset_delete_keeps_no_history_row(db: Any, dialect: str) -> None:
    # asset_history references the asset: no history row can outlive it.
    db.settings.audit_trail = True
    asset = await crud.media_asset.create(db, obj_in={"original_filename": "a.jpg"})
    assert await crud.media_asset.remove(db, id=asset.id) == asset
    assert await crud.asset_history.count(db) == 0


def test_history_ids_sort_in_the_order_they_were_made() -> None:
    ids = [history_id() for _ in range(5000)]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert all(len(i) == 36 and i[14] == "7" for i in ids)


def test_the_settings_come_from_the_environment() -> None:
    assert (Settings().audit_trail, Settings().audit_max_value_bytes) == (False, 4096)
    env = {"DB_AUDIT_TRAIL": "1", "DB_AUDIT_MAX_VALUE_BYTES": "100"}
    settings = Settings.from_env(env)
    assert (settings.audit_trail, settings.audit_max_value_bytes) == (True, 100)
