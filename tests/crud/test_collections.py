"""Collections, collection photos and smart collections: every method on both dialects."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from pictallion_sql import crud
from pictallion_sql.errors import (
    ForeignKeyError,
    NotFoundError,
    ValidationError,
)
from pictallion_sql.models import (
    Collection,
    MediaAsset,
    SmartCollectionRules,
    UpdateCollection,
    WeightedSmartRule,
)
from pictallion_sql.records.composites.collections import CollectionWithStats
from pictallion_sql.records.composites.photos import FileVersionWithAsset
from tests.conftest import FixedClock, both, execute
from tests.library import FILE_VERSIONS, MEDIA_ASSETS, load_library, uid

# Every test here asserts the results of the statements it runs by value.
pytestmark = pytest.mark.pins

C1, C2, C3, C4, C5 = (uid("coll", n) for n in range(1, 6))
FV = {n: uid("fv", n) for n in range(1, 11)}
CP = {n: uid("cp", n) for n in range(1, 5)}
MISSING = "99999999-0000-4000-8000-000000000000"
# Every version, newest first (created_at DESC, id DESC): the order rule matches come in.
ALL_NEWEST_FIRST = [FV[n] for n in (9, 10, 8, 7, 6, 5, 4, 3, 2, 1)]


def path(n: int) -> str:
    return str(FILE_VERSIONS[n - 1]["file_path"])


def photo_ids(rows: list[FileVersionWithAsset]) -> list[str]:
    return [r.id for r in rows]


async def library(db: Any) -> Any:
    """Load the fixed library into the test's (writable) database."""
    await load_library(db)
    return db


async def membership(db: Any, collection_id: str) -> list[tuple[str, str]]:
    rows = await crud.collection_photo.get_by_collection(db, collection_id=collection_id)
    return sorted((r.id, r.photo_id) for r in rows)


# ------------------------------------------------------------------------------------------
# Regular collections: #23-#29, remove_photo_from_collection, the 2.6 listing
# ------------------------------------------------------------------------------------------


async def test_create_get_list_and_update(db: Any, fixed_clock: FixedClock) -> None:
    await library(db)
    created = await crud.collection.create(db, obj_in={"name": "Trip", "description": None})
    assert (created.name, created.description) == ("Trip", None)
    assert (created.is_public, created.is_smart_collection, created.smart_rules) == (
        False,
        False,
        None,
    )
    assert created.created_at == created.updated_at
    assert await crud.collection.get(db, id=created.id) == created
    assert await crud.compat.collection.get_collection(db, id=created.id) == created
    assert await crud.collection.get(db, id=MISSING) is None

    # Newest first; C3 and C4 share created_at, so the id breaks the tie (DESC).
    listed = [c.id for c in await crud.collection.get_all(db)]
    assert listed == [created.id, C5, C4, C3, C2, C1]
    assert [c.id for c in await crud.compat.collection.get_collections(db)] == listed

    # The application clock is fixed: updated_at is exactly the time of each update.
    one = fixed_clock.now
    updated = await crud.collection.update(
        db, db_obj=created, obj_in=UpdateCollection(name="Trips", cover_photo=path(2))
    )
    assert updated is not None
    assert (updated.name, updated.cover_photo, updated.description) == ("Trips", path(2), None)
    assert updated.created_at == created.created_at
    assert updated.updated_at == one
    two = fixed_clock.advance()
    again = await crud.compat.collection.update_collection(db, created.id, {"description": "x"})
    assert again is not None and again.updated_at == two
    assert again.description == "x" and again.name == "Trips"
    assert await crud.collection.update(db, db_obj=MISSING, obj_in={"name": "n"}) is None
    assert await crud.compat.collection.update_collection(db, MISSING, {"name": "n"}) is None
    assert await crud.compat.collection.get_collection(db, MISSING) is None
    made = await crud.compat.collection.create_collection(db, {"name": "Routes"})
    assert await crud.compat.collection.delete_collection(db, made.id) == made

    with pytest.raises(ValidationError):
        await crud.collection.update(db, db_obj=created.id, obj_in={})
    with pytest.raises(ValidationError) as bad:
        await crud.collection.create(db, obj_in={"description": "no name"})
    assert bad.value.field == "name"
    assert await crud.collection.count(db) == 6


async def test_get_by_name_takes_the_oldest(db: Any) -> None:
    await library(db)
    later = await crud.collection.create(db, obj_in={"name": "Holidays"})
    found = await crud.collection.get_by_name(db, name="Holidays")
    assert found is not None and found.id == C1 and later.id != C1
    assert await crud.collection.get_by_name(db, name="holidays") is None
    with pytest.raises(ValidationError) as bad:
        await crud.collection.get_by_name(db, name=None)  # type: ignore[arg-type]
    assert bad.value.field == "name"


async def test_delete_removes_photos_and_collection_together(db: Any) -> None:
    await library(db)
    deleted = await crud.compat.collection.delete(db, id=C1)
    assert deleted is not None and deleted.id == C1
    assert await crud.collection.get(db, id=C1) is None
    assert await membership(db, C1) == []
    assert await membership(db, C2) == [(CP[4], FV[2])]  # other collections untouched
    assert await crud.compat.collection.delete_collection(db, id=C1) is None
    assert await crud.collection.remove(db, id=MISSING) is None
    # An empty collection deletes too.
    assert (await crud.collection.remove(db, id=C5)) is not None
    assert await crud.collection.count(db) == 3


async def test_delete_failure_part_way_changes_nothing(db: Any) -> None:
    await library(db)
    # A row the delete does not know about still references the collection: the final
    # DELETE fails after the photo rows were already deleted in the same transaction.
    await execute(
        db,
        "create_notes",
        "CREATE TABLE collection_notes (id varchar PRIMARY KEY, "
        "collection_id varchar REFERENCES collections (id))",
    )
    await execute(
        db, "insert_note", f"INSERT INTO collection_notes (id, collection_id) VALUES ('n', '{C1}')"
    )
    before = await membership(db, C1)
    with pytest.raises(ForeignKeyError) as err:
        await crud.compat.collection.delete(db, id=C1)
    assert err.value.table == "collection_notes"
    assert await membership(db, C1) == before and len(before) == 3
    assert await crud.collection.exists(db, id=C1)


async def test_add_photo_keeps_duplicates_and_checks_references(
    db: Any, fixed_clock: FixedClock
) -> None:
    await library(db)
    first = await crud.compat.collection.add_photo(db, collection_id=C5, photo_id=FV[3])
    fixed_clock.advance()
    second = await crud.compat.collection.add_photo_to_collection(
        db, collection_id=C5, photo_id=FV[3]
    )
    assert (first.collection_id, first.photo_id) == (C5, FV[3])
    assert first.id != second.id
    assert (first.added_at, second.added_at) == (
        fixed_clock.now - timedelta(seconds=1),
        fixed_clock.now,
    )
    assert photo_ids(await crud.compat.collection.get_photos(db, collection_id=C5)) == [
        FV[3],
        FV[3],
    ]

    count = await crud.collection_photo.count(db)
    with pytest.raises(ForeignKeyError) as err:
        await crud.compat.collection.add_photo(db, collection_id=C5, photo_id=MISSING)
    assert (err.value.table, err.value.column) == ("collection_photos", "photo_id")
    assert err.value.referenced_table == "file_versions"
    with pytest.raises(ForeignKeyError) as err:
        await crud.compat.collection.add_photo(db, collection_id=MISSING, photo_id=FV[1])
    assert (err.value.table, err.value.column) == ("collection_photos", "collection_id")
    with pytest.raises(ValidationError) as bad:
        await crud.compat.collection.add_photo(db, collection_id=C5, photo_id=7)  # type: ignore[arg-type]
    assert bad.value.field == "photo_id"
    assert await crud.collection_photo.count(db) == count


async def test_photos_of_a_collection(db: Any) -> None:
    await library(db)
    photos = await crud.compat.collection.get_photos(db, collection_id=C1)
    # added_at DESC; cp2 and cp3 were added at the same instant: the row id decides (DESC).
    assert photo_ids(photos) == [FV[2], FV[6], FV[2]]
    top = photos[0]
    assert isinstance(top, FileVersionWithAsset)
    assert (top.tier, top.file_path, top.rating, top.keywords) == (
        "gold",
        path(2),
        5,
        ["beach", "sunset"],
    )
    assert top.metadata is not None and top.metadata.exif is not None
    assert top.metadata.exif.camera == "Canon EOS R5"
    assert top.media_asset == MediaAsset(**MEDIA_ASSETS[0])
    assert photos[1].media_asset == MediaAsset(**MEDIA_ASSETS[3])  # non-ASCII filename
    assert await crud.compat.collection.get_collection_photos(db, collection_id=C1) == photos
    assert await crud.compat.collection.get_photos(db, collection_id=C5) == []
    assert await crud.compat.collection.get_photos(db, collection_id=MISSING) == []

    # A photo added now comes first.
    await crud.compat.collection.add_photo(db, collection_id=C1, photo_id=FV[3])
    latest = await crud.compat.collection.get_photos(db, collection_id=C1)
    assert photo_ids(latest) == [FV[3], FV[2], FV[6], FV[2]]
    assert latest[0].metadata is None and latest[0].keywords is None
    assert latest[0].is_reviewed is None and latest[0].rating is None


async def test_collection_photo_entry_and_rows(db: Any) -> None:
    await library(db)
    entry = await crud.compat.collection.get_collection_photo(db, collection_id=C1, photo_id=FV[2])
    assert entry is not None and entry.id == CP[3]  # the latest of the two rows of FV2
    assert (
        await crud.compat.collection.get_collection_photo(db, collection_id=C1, photo_id=FV[9])
        is None
    )
    assert await crud.compat.collection.get_collection_photo(db, C1, FV[2]) == entry  # positional
    rows = await crud.collection_photo.get_by_collection(db, collection_id=C1)
    assert [r.id for r in rows] == [CP[3], CP[2], CP[1]]
    assert await crud.collection_photo.get_by_collection(db, collection_id=MISSING) == []


async def test_remove_photo_from_collection(db: Any) -> None:
    await library(db)
    removed = await crud.compat.collection.remove_photo_from_collection(
        db, collection_id=C1, photo_id=FV[2]
    )
    assert removed == 2  # both duplicate rows
    assert await membership(db, C1) == [(CP[2], FV[6])]
    assert await membership(db, C2) == [(CP[4], FV[2])]  # same photo elsewhere stays
    assert (
        await crud.compat.collection.remove_photo_from_collection(db, C1, FV[2]) == 0
    )  # positional
    assert await crud.collection_photo.remove_photo(db, collection_id=MISSING, photo_id=FV[6]) == 0
    with pytest.raises(ValidationError) as bad:
        await crud.compat.collection.remove_photo_from_collection(
            db,
            collection_id=None,  # type: ignore[arg-type]
            photo_id=FV[2],
        )
    assert bad.value.field == "collection_id"


async def test_add_many_and_remove_all(db: Any) -> None:
    await library(db)
    added = await crud.collection_photo.add_many(
        db, collection_id=C5, photo_ids=[FV[1], FV[5], FV[1]]
    )
    assert added == 3
    assert sorted(
        r.photo_id for r in await crud.collection_photo.get_by_collection(db, collection_id=C5)
    ) == sorted([FV[1], FV[5], FV[1]])
    assert await crud.collection_photo.add_many(db, collection_id=C5, photo_ids=[]) == 0
    count = await crud.collection_photo.count(db)
    with pytest.raises(ForeignKeyError):
        await crud.collection_photo.add_many(db, collection_id=C5, photo_ids=[FV[2], MISSING])
    assert await crud.collection_photo.count(db) == count  # one statement: nothing added
    with pytest.raises(ValidationError) as bad:
        await crud.collection_photo.add_many(db, collection_id=C5, photo_ids=FV[2])
    assert bad.value.field == "photo_ids"
    assert await crud.collection_photo.remove_all(db, collection_id=C5) == 3
    assert await membership(db, C5) == []


async def test_collections_with_photo_count_and_cover(db: Any) -> None:
    await library(db)
    stats = await crud.collection.get_all_with_stats(db)
    assert [s.id for s in stats] == [C5, C4, C3, C2, C1]
    by_id = {s.id: s for s in stats}
    assert (by_id[C1].photo_count, by_id[C1].cover_file_path) == (3, path(2))
    assert (by_id[C2].photo_count, by_id[C2].cover_file_path) == (1, path(2))
    assert (by_id[C5].photo_count, by_id[C5].cover_file_path) == (0, None)
    assert by_id[C1].cover_photo is None  # the stored column is reported as stored
    plain = {c.id: c for c in await crud.collection.get_all(db)}
    for s in stats:
        assert isinstance(s, CollectionWithStats)
        assert Collection(*[getattr(s, f) for f in Collection.__struct_fields__]) == plain[s.id]

    await crud.compat.collection.add_photo(db, collection_id=C1, photo_id=FV[6])
    await crud.compat.collection.add_photo(db, collection_id=C5, photo_id=FV[7])
    await crud.compat.collection.add_photo(db, collection_id=C5, photo_id=FV[8])
    by_id = {s.id: s for s in await crud.collection.get_all_with_stats(db)}
    assert (by_id[C1].photo_count, by_id[C1].cover_file_path) == (4, path(6))
    assert (by_id[C5].photo_count, by_id[C5].cover_file_path) == (2, path(8))


# ------------------------------------------------------------------------------------------
# Smart collections (2.3, 2.6)
# ------------------------------------------------------------------------------------------


async def test_smart_collection_listing_and_get(db: Any) -> None:
    await library(db)
    smart = await crud.collection.get_smart_collections(db)
    assert [c.id for c in smart] == [C4, C3, C2]  # NULL and false excluded; newest first
    assert isinstance(smart[1].smart_rules, list)
    assert isinstance(smart[1].smart_rules[0], WeightedSmartRule)
    assert smart[0].smart_rules == SmartCollectionRules()
    got = await crud.collection.get_smart_collection(db, id=C2)
    assert got is not None and got.name == "Best rated"
    assert await crud.collection.get_smart_collection(db, id=C1) is None  # regular
    assert await crud.collection.get_smart_collection(db, id=MISSING) is None


async def test_create_smart_collection(db: Any) -> None:
    plain = await crud.collection.create_smart_collection(db, name="Plain")
    assert (plain.is_smart_collection, plain.is_public, plain.description) == (True, False, None)
    assert plain.smart_rules == SmartCollectionRules()
    rules = {"rules": [{"field": "tier", "operator": "equals", "value": "gold"}], "operator": "AND"}
    ruled = await crud.collection.create_smart_collection(
        db, name="Gold", description="only gold", rules=rules
    )
    assert isinstance(ruled.smart_rules, SmartCollectionRules)
    assert ruled.smart_rules.operator == "AND"
    assert ruled.smart_rules.rules is not None and ruled.smart_rules.rules[0].value == "gold"
    weighted = await crud.collection.create_smart_collection(
        db,
        name="UI",
        rules=[{"id": "r", "field": "aiTags", "operator": "contains", "value": "x", "weight": 2}],
    )
    assert weighted.smart_rules == [
        WeightedSmartRule(id="r", field="aiTags", operator="contains", value="x", weight=2)
    ]
    as_struct = await crud.collection.create_smart_collection(db, name="S", rules=ruled.smart_rules)
    assert as_struct.smart_rules == ruled.smart_rules
    # Created within the same instant, so compared as a set (ties are ordered by id).
    assert {c.id for c in await crud.collection.get_smart_collections(db)} == {
        as_struct.id,
        weighted.id,
        ruled.id,
        plain.id,
    }
    with pytest.raises(ValidationError):
        await crud.collection.create_smart_collection(
            db, name="bad", rules={"rules": [{"operator": "near"}]}
        )
    assert await crud.collection.count(db) == 4


async def test_update_and_toggle_smart_collection(db: Any, fixed_clock: FixedClock) -> None:
    await library(db)
    before = await crud.collection.get(db, id=C2)
    assert before is not None
    updated = await crud.collection.update_smart_collection(
        db, id=C2, obj_in={"name": "Top rated", "description": "4+"}
    )
    assert updated is not None
    assert (updated.name, updated.description) == ("Top rated", "4+")
    assert updated.updated_at == fixed_clock.now and updated.smart_rules == before.smart_rules

    toggled = await crud.collection.toggle_smart_collection(db, id=C2, is_active=True)
    assert toggled is not None and toggled.is_public is True
    toggled = await crud.collection.toggle_smart_collection(db, id=C2, is_active=False)
    assert toggled is not None and toggled.is_public is False

    # A regular collection is not touched through the smart calls.
    regular = await crud.collection.get(db, id=C1)
    assert await crud.collection.update_smart_collection(db, id=C1, obj_in={"name": "x"}) is None
    assert await crud.collection.toggle_smart_collection(db, id=C1, is_active=False) is None
    assert (
        await crud.collection.update_smart_collection(db, id=MISSING, obj_in={"name": "x"}) is None
    )
    assert await crud.collection.get(db, id=C1) == regular

    with pytest.raises(ValidationError):
        await crud.collection.update_smart_collection(db, id=C2, obj_in={})
    with pytest.raises(ValidationError) as bad:
        await crud.collection.update_smart_collection(
            db,
            id=C2,
            obj_in={"photo_count": 3},  # derived, not a column
        )
    assert bad.value.field == "photo_count"
    with pytest.raises(ValidationError) as bad:
        await crud.collection.toggle_smart_collection(db, id=C2, is_active="yes")  # type: ignore[arg-type]
    assert bad.value.field == "is_public"


async def test_delete_smart_collection(db: Any) -> None:
    await library(db)
    assert await crud.collection.delete_smart_collection(db, id=C1) is None  # regular: kept
    assert await crud.collection.exists(db, id=C1) and len(await membership(db, C1)) == 3
    deleted = await crud.collection.delete_smart_collection(db, id=C2)
    assert deleted is not None and deleted.id == C2
    assert not await crud.collection.exists(db, id=C2)
    assert await membership(db, C2) == []
    assert await crud.collection.delete_smart_collection(db, id=C2) is None


async def test_smart_collection_photos_and_count(db: Any) -> None:
    await library(db)
    photos = await crud.collection.get_smart_collection_photos(db, collection_id=C2)
    assert photo_ids(photos) == [FV[2]]
    assert photos == await crud.compat.collection.get_photos(db, collection_id=C2)
    assert await crud.collection.get_smart_collection_photos(db, collection_id=C1) == []
    assert await crud.collection.get_smart_collection_photos(db, collection_id=MISSING) == []
    assert await crud.collection.get_smart_collection_photo_count(db, collection_id=C2) == 1
    assert await crud.collection.get_smart_collection_photo_count(db, collection_id=C1) == 0
    assert await crud.collection.get_smart_collection_photo_count(db, collection_id=C4) == 0


async def test_add_photos_to_smart_collection(db: Any) -> None:
    await library(db)
    added = await crud.collection.add_photos_to_smart_collection(
        db, collection_id=C2, photo_ids=[FV[6], FV[2], FV[6], FV[9]]
    )
    assert added == 2  # FV2 was there; the second FV6 is a repeat
    assert sorted(
        photo_ids(await crud.compat.collection.get_photos(db, collection_id=C2))
    ) == sorted([FV[2], FV[6], FV[9]])
    assert await crud.collection.add_photo_to_smart_collection(db, collection_id=C2, photo_id=FV[1])
    assert not await crud.collection.add_photo_to_smart_collection(
        db, collection_id=C2, photo_id=FV[1]
    )
    assert await crud.collection.get_smart_collection_photo_count(db, collection_id=C2) == 4
    assert (
        await crud.collection.add_photos_to_smart_collection(db, collection_id=C2, photo_ids=[])
        == 0
    )

    count = await crud.collection_photo.count(db)
    with pytest.raises(ForeignKeyError) as err:
        await crud.collection.add_photos_to_smart_collection(
            db, collection_id=C2, photo_ids=[FV[3], MISSING]
        )
    assert (err.value.table, err.value.column) == ("collection_photos", "photo_id")
    assert await crud.collection_photo.count(db) == count  # FV3 was not added either
    with pytest.raises(NotFoundError):
        await crud.collection.add_photos_to_smart_collection(
            db, collection_id=C1, photo_ids=[FV[3]]
        )
    with pytest.raises(NotFoundError):
        await crud.collection.add_photo_to_smart_collection(
            db, collection_id=MISSING, photo_id=FV[3]
        )
    with pytest.raises(ValidationError) as bad:
        await crud.collection.add_photos_to_smart_collection(db, collection_id=C2, photo_ids=FV[3])
    assert bad.value.field == "photo_ids"
    assert await crud.collection_photo.count(db) == count


async def test_photos_for_smart_collections(db: Any) -> None:
    await library(db)
    photos = await crud.collection.get_photos_for_smart_collections(db)
    assert photo_ids(photos) == ALL_NEWEST_FIRST
    assets = {a["id"]: MediaAsset(**a) for a in MEDIA_ASSETS}
    assert all(p.media_asset == assets[p.media_asset_id] for p in photos)


# Rule evaluation and refresh (A3-A6) are tested in test_smart_collections.py.


# ------------------------------------------------------------------------------------------
# Differential: every read method on both dialects of the fixed library
# ------------------------------------------------------------------------------------------


async def test_library_collection_reads_agree(library_pair: tuple[Any, Any]) -> None:
    c = crud.collection
    assert [r.id for r in await both(library_pair, c.get_all)] == [C5, C4, C3, C2, C1]
    stats = await both(library_pair, c.get_all_with_stats)
    assert [(s.id, s.photo_count, s.cover_file_path) for s in stats] == [
        (C5, 0, None),
        (C4, 0, None),
        (C3, 0, None),
        (C2, 1, path(2)),
        (C1, 3, path(2)),
    ]
    got = [await both(library_pair, c.get, id=id_) for id_ in (C1, C3, MISSING)]
    assert [(r.id, r.name) if r else None for r in got] == [
        (C1, "Holidays"),
        (C3, "UI rules"),
        None,
    ]
    assert (await both(library_pair, c.get_by_name, name="Holidays")).id == C1
    assert await both(library_pair, c.get_by_name, name="holidays") is None
    assert photo_ids(
        await both(library_pair, crud.compat.collection.get_photos, collection_id=C1)
    ) == [
        FV[2],
        FV[6],
        FV[2],
    ]
    assert photo_ids(
        await both(library_pair, crud.compat.collection.get_photos, collection_id=C2)
    ) == [FV[2]]
    assert await both(library_pair, crud.compat.collection.get_photos, collection_id=C5) == []
    assert await both(library_pair, crud.compat.collection.get_photos, collection_id=MISSING) == []
    entry = await both(
        library_pair, crud.compat.collection.get_collection_photo, collection_id=C1, photo_id=FV[2]
    )
    assert entry.id == CP[3]
    assert (
        await both(
            library_pair,
            crud.compat.collection.get_collection_photo,
            collection_id=C1,
            photo_id=FV[9],
        )
        is None
    )
    rows = await both(library_pair, crud.collection_photo.get_by_collection, collection_id=C1)
    assert [r.id for r in rows] == [CP[3], CP[2], CP[1]]
    entry = await both(
        library_pair, crud.collection_photo.get_entry, collection_id=C2, photo_id=FV[2]
    )
    assert (entry.id, entry.collection_id, entry.photo_id) == (CP[4], C2, FV[2])


async def test_library_smart_collection_reads_agree(library_pair: tuple[Any, Any]) -> None:
    c = crud.collection
    assert [r.id for r in await both(library_pair, c.get_smart_collections)] == [C4, C3, C2]
    assert (await both(library_pair, c.get_smart_collection, id=C3)).id == C3
    assert await both(library_pair, c.get_smart_collection, id=C1) is None
    assert photo_ids(await both(library_pair, c.get_smart_collection_photos, collection_id=C2)) == [
        FV[2]
    ]
    assert await both(library_pair, c.get_smart_collection_photos, collection_id=C1) == []
    assert await both(library_pair, c.get_smart_collection_photo_count, collection_id=C2) == 1
    assert await both(library_pair, c.get_smart_collection_photo_count, collection_id=C1) == 0
    candidates = await both(library_pair, c.get_photos_for_smart_collections)
    assert photo_ids(candidates) == ALL_NEWEST_FIRST
    assert candidates[5].media_asset is not None  # FV5 of asset 3
    assert candidates[5].event_name == "Élodie's birthday"
