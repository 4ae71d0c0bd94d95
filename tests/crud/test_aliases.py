"""Storage-style names services call, on both dialects."""

from __future__ import annotations

from typing import Any

import pytest

from pictallion_sql import crud
from tests.conftest import FixedClock
from tests.rows import new_photo

# Every test here asserts the results of the statements it runs by value.
pytestmark = pytest.mark.pins


async def test_collection_photo_add_writes_a_row_each_time(
    db: Any, fixed_clock: FixedClock
) -> None:
    _, photo = await new_photo(db)
    album = await crud.collection.create(db, obj_in={"name": "Album"})
    first = await crud.collection_photo.add(db, collection_id=album.id, photo_id=photo.id)
    one = fixed_clock.now
    two = fixed_clock.advance()
    second = await crud.collection_photo.add(db, collection_id=album.id, photo_id=photo.id)
    assert (first.collection_id, first.photo_id) == (album.id, photo.id)
    assert first.id != second.id and (first.added_at, second.added_at) == (one, two)
    assert await crud.collection_photo.count(db) == 2


async def test_all_file_versions_with_assets_and_update_media_asset(db: Any) -> None:
    asset, photo = await new_photo(db, tier="gold")
    renamed = await crud.compat.media_asset.update_media_asset(
        db, db_obj=asset, obj_in={"original_filename": "b.jpg"}
    )
    assert renamed is not None and renamed.original_filename == "b.jpg"
    assert renamed.created_at == asset.created_at
    listed = await crud.compat.file_version.get_all_file_versions_with_assets(db)
    assert [(p.id, p.media_asset) for p in listed] == [(photo.id, renamed)]
