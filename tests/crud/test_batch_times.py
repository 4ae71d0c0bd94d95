"""Rows of one create_many get distinct creation times, increasing in input order."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

from pictallion_sql import crud
from pictallion_sql.catalog.batch_clock import batch_times
from tests.rows import version_row


def test_batch_times_step_one_microsecond_and_never_go_back() -> None:
    first = batch_times(3)
    steps = [b - a for a, b in itertools.pairwise(first)]
    assert steps == [timedelta(microseconds=1)] * 2
    second = batch_times(2)
    assert second[0] > first[-1]
    assert batch_times(0) == []


async def test_a_batch_is_listed_in_insertion_order(db: Any) -> None:
    asset = (await crud.media_asset.create(db, obj_in={"original_filename": "a.jpg"})).id
    created = await crud.file_version.create_many(
        db, objs=[version_row(asset, n) for n in range(40)]
    )
    times = [v.created_at for v in created]
    assert times == sorted(times) and len(set(times)) == len(times)
    stored = await crud.file_version.get_all(db)
    assert [v.id for v in stored] == [v.id for v in reversed(created)]
    assert [v.created_at for v in stored] == list(reversed(times))
    # The ids alone, without the read-back, are stamped the same way.
    ids = await crud.file_version.create_many(
        db, objs=[version_row(asset, n) for n in range(40, 60)], returning=False
    )
    newest = await crud.file_version.get_all(db, limit=20)
    assert [v.id for v in newest] == list(reversed(ids))


async def test_every_creation_time_column_is_stamped(db: Any) -> None:
    assets = await crud.media_asset.create_many(db, objs=[{"original_filename": "a.jpg"}] * 5)
    assert len({a.created_at for a in assets}) == 5
    history = await crud.asset_history.create_many(
        db, objs=[{"media_asset_id": assets[0].id, "action": "INGESTED"}] * 5
    )
    assert [h.timestamp for h in history] == sorted({h.timestamp for h in history})
    albums = await crud.collection.create_many(db, objs=[{"name": f"Album {n}"} for n in range(3)])
    assert all(c.created_at == c.updated_at for c in albums)
    assert albums[0].created_at < albums[1].created_at < albums[2].created_at
