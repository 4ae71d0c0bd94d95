"""The generic reads of all 14 tables, pinned by value on a fixed library.

Every expected answer is written here as a list of row numbers (``uid(kind, n)`` of
tests/library.py), worked out by hand from the fixed timestamps and the documented order
(oldest first by created_at, then id; asset_history by timestamp, collection_photos by
added_at, users by username in byte order). The extra rows below are chosen so that no
order equals the id order: row 100 of each table is the oldest (or sorts first by name),
and ties on the timestamp are broken by id.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import msgspec
import pytest

from pictallion_sql import crud
from pictallion_sql.errors import ForeignKeyError, ValidationError
from tests.conftest import FixedClock, PairMaker
from tests.crud.test_catalog import load_rows, with_rows
from tests.library import LIBRARY, at, load_library, uid

pytestmark = pytest.mark.pins

MISSING = "99999999-0000-4000-8000-000000000000"

# Rows added to the library. Number 100 sorts after every library id but is the oldest
# row of its table; file version 102 ties with 101, 8 and 10 on created_at.
PIN_EXTRAS: dict[str, list[dict[str, Any]]] = {
    "users": [
        {"id": uid("user", 100), "username": "Zed", "password": "p"},
        {"id": uid("user", 101), "username": "bob", "password": "q"},
    ],
    "media_assets": [
        {"id": uid("asset", 100), "original_filename": "early.jpg", "created_at": at(-5)},
        {"id": uid("asset", 101), "original_filename": "nothing.jpg", "created_at": at(35)},
    ],
    "file_versions": [
        {
            "id": uid("fv", n),
            "media_asset_id": uid("asset", 100),
            "tier": "bronze",
            "file_path": f"media/bronze/pin_{n}.jpg",
            "file_hash": f"pin{n}",
            "file_size": n,
            "mime_type": "image/png",
            "created_at": created,
            **extra,
        }
        for n, created, extra in (
            (100, at(-4), {"keywords": ["beach"]}),
            (101, at(41), {"keywords": ["beach", "Beach"]}),
            (102, at(41), {"metadata": {"ai": {"aiTags": ["beach"]}}}),
        )
    ],
    "asset_history": [
        {
            "id": uid("hist", 100),
            "media_asset_id": uid("asset", 100),
            "action": "INGESTED",
            "details": "early",
            "timestamp": at(-3),
        }
    ],
    "collections": [
        {
            "id": uid("coll", 100),
            "name": "Pinned",
            "created_at": at(49),
            "updated_at": at(49),
        }
    ],
    "collection_photos": [
        {
            "id": uid("cp", 100),
            "collection_id": uid("coll", 100),
            "photo_id": uid("fv", 100),
            "added_at": at(59),
        }
    ],
    "people": [{"id": uid("person", 100), "name": "Ann", "created_at": at(69)}],
    "faces": [
        {
            "id": uid("face", 100),
            "photo_id": uid("fv", 100),
            "person_id": uid("person", 100),
            "bounding_box": [1, 2, 3, 4],
            "confidence": 50,
            "ignored": False,
            "created_at": at(79),
        }
    ],
    "settings": [
        {
            "id": uid("setting", 100),
            "key": "pin",
            "value": "1",
            "category": "general",
            "created_at": at(89),
            "updated_at": at(89),
        }
    ],
    "ai_prompts": [
        {
            "id": uid("prompt", 100),
            "name": "Pinned prompt",
            "category": "analysis",
            "provider": "openai",
            "system_prompt": "s",
            "user_prompt": "u",
            "created_at": at(99),
            "updated_at": at(99),
        }
    ],
    "events": [
        {
            "id": uid("event", 100),
            "name": "Pinned day",
            "type": "custom",
            "date": datetime(2001, 2, 3),
            "created_at": at(109),
        }
    ],
    "locations": [
        {
            "id": uid("loc", 100),
            "name": "Pinned place",
            "latitude": "1.5",
            "longitude": "2.5",
            "created_at": at(119),
            "updated_at": at(119),
        }
    ],
    "global_tag_library": [
        {"id": uid("tag", 100), "tag": "pin", "usage_count": 1, "created_at": at(129)}
    ],
    "relationships": [
        {
            "id": uid("rel", 100),
            "person1_id": uid("person", 3),
            "person2_id": uid("person", 100),
            "relationship_type": "friend",
            "created_at": at(139),
        }
    ],
}

# table -> (repository, uid kind, the documented order of every row, as row numbers)
ORDERS: dict[str, tuple[Any, str, list[int]]] = {
    # "Zed" < "admin" < "bob" < "Élodie" byte by byte (Z is 0x5A, É starts with 0xC3).
    "users": (crud.user, "user", [100, 1, 101, 2]),
    "media_assets": (crud.media_asset, "asset", [100, 1, 2, 3, 4, 5, 101, 6]),
    # 8, 10, 101 and 102 share created_at at(41): by id; 9 is at(45).
    "file_versions": (crud.file_version, "fv", [100, 1, 2, 3, 4, 5, 6, 7, 8, 10, 101, 102, 9]),
    "asset_history": (crud.asset_history, "hist", [100, 1, 2, 3, 4, 5]),
    "collections": (crud.collection, "coll", [100, 1, 2, 3, 4, 5]),
    "collection_photos": (crud.collection_photo, "cp", [100, 1, 2, 3, 4]),
    "people": (crud.person, "person", [100, 1, 2, 3, 4]),
    "faces": (crud.face, "face", [100, 1, 2, 3, 4, 5, 6]),
    "settings": (crud.setting, "setting", [100, 1, 2, 3, 4]),
    "ai_prompts": (crud.ai_prompt, "prompt", [100, 1, 2, 3, 4]),
    "events": (crud.event, "event", [100, 1, 2, 3, 4]),
    "locations": (crud.location, "loc", [100, 1, 2, 3, 4]),
    "global_tag_library": (crud.global_tag, "tag", [100, 1, 2, 3, 4]),
    "relationships": (crud.relationship, "rel", [100, 1, 2, 3]),
}

TABLES = sorted(ORDERS)

# (skip, limit) -> the slice of the order each page must be.
PAGES = [
    (0, 1),  # the first row alone
    (1, 2),  # a page after the first
    (2, 3),
    (-2, 5),  # the last, partial page (skip counted from the end)
    (-1, 1),  # the very last row
    (0, 0),  # an empty page
    (None, 5),  # a page just past the end
    (1000, 10),  # a page far past the end
]


@pytest.fixture(scope="module")
async def pinned_pair(make_pair: PairMaker) -> AsyncIterator[tuple[Any, Any]]:
    """The library plus PIN_EXTRAS in SQLite and PostgreSQL (read only)."""
    async with make_pair(load_library, with_rows(PIN_EXTRAS)) as pair:
        yield pair


def source_rows(table: str) -> dict[str, dict[str, Any]]:
    """The rows written for ``table``, by id."""
    return {row["id"]: row for row in [*LIBRARY[table], *PIN_EXTRAS[table]]}


def plain_columns(row: dict[str, Any]) -> dict[str, Any]:
    """The written values that come back unchanged (JSON documents come back as structs)."""
    return {k: v for k, v in row.items() if not _is_document(v)}


def _is_document(value: Any) -> bool:
    return isinstance(value, dict) or (
        isinstance(value, list) and any(isinstance(item, dict) for item in value)
    )


def stored(record: Any, columns: dict[str, Any]) -> dict[str, Any]:
    """The values of ``columns`` in a returned record."""
    values = msgspec.structs.asdict(record)
    return {k: values[k] for k in columns}


def numbers(records: list[Any]) -> list[int]:
    return [int(r.id.rsplit("-", 1)[1]) for r in records]


def page_of(order: list[int], skip: int | None, limit: int) -> tuple[int, list[int]]:
    """The (skip, expected rows) of one PAGES entry on a table of ``len(order)`` rows."""
    start = len(order) if skip is None else skip % len(order) if skip < 0 else skip
    return start, order[start : start + limit]


@pytest.mark.parametrize("table", TABLES)
async def test_get_multi_and_stream_all_give_the_documented_order(
    pinned_pair: tuple[Any, Any], table: str
) -> None:
    repo, kind, order = ORDERS[table]
    written = source_rows(table)
    for database in pinned_pair:
        everything = await repo.get_multi(database, limit=1000)
        assert numbers(everything) == order
        # Every returned row holds the values written, in the documented order.
        assert [stored(r, plain_columns(written[r.id])) for r in everything] == [
            plain_columns(written[uid(kind, n)]) for n in order
        ]
        for batch_size in (1, 3, 1000):
            async with repo.stream_all(database, batch_size=batch_size) as rows:
                assert numbers([row async for row in rows]) == order
    lite, pg = pinned_pair
    assert await repo.get_multi(lite, limit=1000) == await repo.get_multi(pg, limit=1000)


@pytest.mark.parametrize("table", TABLES)
async def test_every_page_is_the_documented_slice(pinned_pair: tuple[Any, Any], table: str) -> None:
    repo, _, order = ORDERS[table]
    for database in pinned_pair:
        for skip, limit in PAGES:
            start, expected = page_of(order, skip, limit)
            page = await repo.get_multi(database, skip=start, limit=limit)
            assert numbers(page) == expected, (skip, limit)
    # The default page is the first 100 rows: every row of these small tables.
    for database in pinned_pair:
        assert numbers(await repo.get_multi(database)) == order


def test_the_page_slices_are_the_intended_ones() -> None:
    order = [100, 1, 2, 3, 4]
    assert [page_of(order, s, n)[1] for s, n in PAGES] == [
        [100],
        [1, 2],
        [2, 3, 4],
        [3, 4],
        [4],
        [],
        [],
        [],
    ]


@pytest.mark.parametrize("table", TABLES)
async def test_get_count_and_exists_by_value(pinned_pair: tuple[Any, Any], table: str) -> None:
    repo, kind, order = ORDERS[table]
    written = source_rows(table)
    first, last = uid(kind, order[0]), uid(kind, order[-1])
    for database in pinned_pair:
        assert await repo.count(database) == len(order)
        for row_id in (first, last):
            record = await repo.get(database, id=row_id)
            assert record is not None
            assert stored(record, plain_columns(written[row_id])) == plain_columns(written[row_id])
        assert await repo.get(database, id=MISSING) is None
        assert await repo.exists(database, id=first) is True
        assert await repo.exists(database, id=last) is True
        assert await repo.exists(database, id=MISSING) is False


# table -> (a row nothing references, a change to it)
CHANGES: dict[str, tuple[int, dict[str, Any]]] = {
    "users": (101, {"password": "changed"}),
    "media_assets": (101, {"original_filename": "renamed.jpg"}),
    "file_versions": (10, {"rating": 5, "keywords": ["new"]}),
    "asset_history": (3, {"details": "edited"}),
    "collections": (5, {"name": "Renamed", "is_public": True}),
    "collection_photos": (2, {"photo_id": uid("fv", 3)}),
    "people": (3, {"notes": "cousin"}),
    "faces": (4, {"confidence": 61, "ignored": True}),
    "settings": (1, {"value": "light"}),
    "ai_prompts": (3, {"user_prompt": "u3b"}),
    "events": (3, {"region": "Bretagne"}),
    "locations": (2, {"photo_count": 9}),
    "global_tag_library": (2, {"usage_count": 7}),
    "relationships": (2, {"notes": "college"}),
}


@pytest.mark.parametrize("table", TABLES)
@pytest.mark.slow
async def test_update_and_remove_return_the_row_by_value(
    db: Any, table: str, fixed_clock: FixedClock
) -> None:
    await load_library(db)
    await load_rows(db, PIN_EXTRAS)
    repo, kind, order = ORDERS[table]
    number, change = CHANGES[table]
    row_id = uid(kind, number)
    before = plain_columns(source_rows(table)[row_id])

    updated = await repo.update(db, db_obj=row_id, obj_in=change)
    expected = {**before, **change}
    if "updated_at" in repo.row.__struct_fields__:
        expected["updated_at"] = fixed_clock.now
    assert updated is not None
    assert stored(updated, expected) == expected
    assert await repo.get(db, id=row_id) == updated
    assert await repo.update(db, db_obj=MISSING, obj_in=change) is None

    removed = await repo.remove(db, id=row_id)
    assert removed == updated
    assert numbers(await repo.get_multi(db, limit=1000)) == [n for n in order if n != number]
    assert await repo.count(db) == len(order) - 1
    assert await repo.remove(db, id=row_id) is None
    assert await repo.remove(db, id=MISSING) is None


async def test_a_referenced_row_is_not_removed(db: Any) -> None:
    await load_library(db)
    # Asset 3 has versions 4 and 5 and no history.
    with pytest.raises(
        ForeignKeyError,
        match=r"^foreign key violation: media_assets row is still referenced by "
        r"file_versions\.media_asset_id$",
    ) as caught:
        await crud.media_asset.remove(db, id=uid("asset", 3))
    assert caught.value.query == "media_assets.remove"
    assert (caught.value.table, caught.value.column) == ("file_versions", "media_asset_id")
    assert numbers(await crud.media_asset.get_multi(db)) == [1, 2, 3, 4, 5, 6]


# ---------------------------------------------------------------------------------------------
# Specialised reads whose pages were not pinned elsewhere.
# ---------------------------------------------------------------------------------------------

# Tagged "beach" in keywords (1, 2, 100, 101) or in metadata.ai.aiTags (1, 2, 102), newest
# first: 101 and 102 tie at at(41), so 102 (the larger id) comes first.
BEACH = [102, 101, 2, 1, 100]


async def test_photos_by_tag_pages(pinned_pair: tuple[Any, Any]) -> None:
    for database in pinned_pair:
        by_tag = crud.file_version.get_photos_by_tag
        assert numbers(await by_tag(database, tag="beach")) == BEACH
        assert numbers(await by_tag(database, tag="beach", skip=0, limit=2)) == [102, 101]
        assert numbers(await by_tag(database, tag="beach", skip=1, limit=2)) == [101, 2]
        assert numbers(await by_tag(database, tag="beach", skip=2, limit=2)) == [2, 1]
        assert numbers(await by_tag(database, tag="beach", skip=4, limit=2)) == [100]
        assert numbers(await by_tag(database, tag="beach", skip=5, limit=2)) == []
        assert numbers(await by_tag(database, tag="Beach")) == [101]  # case-sensitive
        assert numbers(await by_tag(database, tag="sunset")) == [2]
        assert numbers(await by_tag(database, tag="beac")) == []  # whole tags only


@pytest.mark.parametrize("threshold", [float("nan"), -float("nan")])
async def test_find_similar_rejects_a_nan_threshold(
    pinned_pair: tuple[Any, Any], threshold: float
) -> None:
    for database in pinned_pair:
        with pytest.raises(ValidationError) as caught:
            await crud.file_version.find_similar(database, id=uid("fv", 1), threshold=threshold)
        assert caught.value.field == "threshold"
