"""Every input is checked before the database, with one answer on SQLite and PostgreSQL.

One test per case found by feeding the library bad input: each asserts the exact error
(type, field, message, identical on both dialects) and that nothing was written.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from pictallion_sql import crud
from pictallion_sql.errors import ForeignKeyError, ValidationError
from pictallion_sql.limits import (
    INT8_MAX,
    MAX_FILTER_ITEMS,
    MAX_INDEXED_TEXT_BYTES,
    MAX_LIST_ITEMS,
    MAX_TEXT_BYTES,
)
from pictallion_sql.models import InsertFace, InsertFileVersion, UpdateFileVersion
from pictallion_sql.query.registry import make_query

EAST = timezone(timedelta(hours=5))
WEST = timezone(timedelta(hours=-5))


async def _asset(db: Any) -> str:
    return str((await crud.media_asset.create(db, obj_in={"original_filename": "a.jpg"})).id)


def _version(asset_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "media_asset_id": asset_id,
        "tier": "silver",
        "file_path": "media/a.jpg",
        "file_hash": "h",
        "file_size": 1,
        "mime_type": "image/jpeg",
        **extra,
    }


async def _photo(db: Any) -> str:
    return str((await crud.file_version.create(db, obj_in=_version(await _asset(db)))).id)


def _refused(exc: pytest.ExceptionInfo[ValidationError], field: str, message: str) -> None:
    assert exc.value.field == field
    assert str(exc.value) == message


# ---- struct inputs are checked like mappings -----------------------------------------------


async def test_a_struct_changed_after_it_was_built_is_checked_on_create(db: Any) -> None:
    version = InsertFileVersion(**_version(await _asset(db)))
    version.tier = "platinum"  # type: ignore[assignment]
    with pytest.raises(ValidationError) as exc:
        await crud.file_version.create(db, obj_in=version)
    _refused(
        exc,
        "tier",
        "file_versions.tier: expected one of 'bronze', 'silver', 'gold', got 'platinum'",
    )
    assert await crud.file_version.count(db) == 0


async def test_a_struct_changed_after_it_was_built_is_checked_in_create_many(db: Any) -> None:
    asset = await _asset(db)
    good = InsertFileVersion(**_version(asset))
    bad = InsertFileVersion(**_version(asset))
    bad.location = "a\x00b"
    with pytest.raises(ValidationError) as exc:
        await crud.file_version.create_many(db, objs=[good, bad])
    _refused(
        exc,
        "location",
        "objs[1]: file_versions.location: contains a NUL character (U+0000), "
        "which PostgreSQL cannot store",
    )
    assert await crud.file_version.count(db) == 0


async def test_a_struct_changed_after_it_was_built_is_checked_on_update(db: Any) -> None:
    photo = await _photo(db)
    change = UpdateFileVersion(rating=3)
    change.rating = 9
    with pytest.raises(ValidationError) as exc:
        await crud.file_version.update(db, db_obj=photo, obj_in=change)
    _refused(exc, "rating", "file_versions.rating: expected an integer from 0 to 5, got 9")
    stored = await crud.file_version.get(db, id=photo)
    assert stored is not None and stored.rating == 0


# ---- non-finite and out-of-range numbers ---------------------------------------------------


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan])
async def test_a_face_box_with_a_non_finite_number_is_refused_and_not_stored(
    db: Any, value: float
) -> None:
    photo = await _photo(db)
    face = {"photo_id": photo, "bounding_box": [value, 0.0], "confidence": 50}
    with pytest.raises(ValidationError) as exc:
        await crud.face.create(db, obj_in=face)
    _refused(exc, "bounding_box", f"faces.bounding_box[0]: {value!r} is not a finite number")
    assert await crud.face.get_by_photo(db, photo_id=photo) == []


async def test_a_face_embedding_with_nan_is_refused_in_create_many_and_as_a_struct(
    db: Any,
) -> None:
    photo = await _photo(db)
    rows = [
        {"photo_id": photo, "bounding_box": [1.0], "confidence": 5, "embedding": [0.5, math.nan]}
    ]
    with pytest.raises(ValidationError) as exc:
        await crud.face.create_many(db, objs=rows)
    assert exc.value.field == "embedding"
    face = InsertFace(photo_id=photo, bounding_box=[1.0], confidence=5)
    face.embedding = [math.inf]
    with pytest.raises(ValidationError) as exc:
        await crud.face.create(db, obj_in=face)
    _refused(exc, "embedding", "faces.embedding[0]: inf is not a finite number")
    assert await crud.face.count(db) == 0


async def test_an_integer_beyond_64_bits_in_a_number_list_is_refused(db: Any) -> None:
    photo = await _photo(db)
    face = InsertFace(photo_id=photo, bounding_box=[1.0], confidence=5)
    face.bounding_box = [2**64, 0]
    with pytest.raises(ValidationError) as exc:
        await crud.face.create(db, obj_in=face)
    _refused(exc, "bounding_box", "faces.bounding_box[0]: integer does not fit 64 bits")
    assert await crud.face.count(db) == 0


@pytest.mark.parametrize(
    ("threshold", "message"),
    ids=["10**400", "nan", "inf"],
    argvalues=[
        (10**400, "threshold must be a finite number, got 1" + "0" * 37 + "..." + "0" * 39),
        (math.nan, "threshold must be a finite number, got nan"),
        (math.inf, "threshold must be a finite number, got inf"),
    ],
)
async def test_find_similar_refuses_a_threshold_that_is_not_a_finite_double(
    db: Any, threshold: float, message: str
) -> None:
    photo = await _photo(db)
    with pytest.raises(ValidationError) as exc:
        await crud.file_version.find_similar(db, id=photo, threshold=threshold)
    _refused(exc, "threshold", message)


async def test_find_similar_compares_a_huge_integer_threshold_as_a_double(db: Any) -> None:
    asset = await _asset(db)
    first = await crud.file_version.create(db, obj_in=_version(asset, perceptual_hash="ff00"))
    await crud.file_version.create(db, obj_in=_version(asset, perceptual_hash="ff00"))
    assert await crud.file_version.find_similar(db, id=first.id, threshold=2**70) == []
    found = await crud.file_version.find_similar(db, id=first.id, threshold=-(2**70))
    assert [p.similarity for p in found] == [100]


@pytest.mark.parametrize("limit", [2**63, 10**30, -1])
async def test_a_limit_beyond_64_bits_gets_one_message_on_both_dialects(
    db: Any, limit: int
) -> None:
    photo = await _photo(db)
    message = f"limit must be an integer from 0 to {INT8_MAX}, got {limit!r}"
    with pytest.raises(ValidationError) as exc:
        await crud.file_version.find_similar(db, id=photo, limit=limit)
    _refused(exc, "limit", message)
    with pytest.raises(ValidationError) as exc:
        await crud.person.get_multi(db, limit=limit)
    _refused(exc, "limit", message)


# ---- text: NUL, lone surrogates, size ------------------------------------------------------


async def test_nul_in_text_is_refused_with_the_field_on_both_dialects(db: Any) -> None:
    asset = await _asset(db)
    with pytest.raises(ValidationError) as exc:
        await crud.file_version.create(db, obj_in=_version(asset, location="a\x00b"))
    _refused(
        exc,
        "location",
        "file_versions.location: contains a NUL character (U+0000), which PostgreSQL cannot store",
    )
    assert await crud.file_version.count(db) == 0


@pytest.mark.parametrize("call", ["create", "create_many", "update", "setting", "tag", "search"])
async def test_a_lone_surrogate_is_refused_on_every_path(db: Any, call: str) -> None:
    text = "ok\udc80"
    asset = await _asset(db)
    with pytest.raises(ValidationError) as exc:
        if call == "create":
            await crud.file_version.create(db, obj_in=_version(asset, event_name=text))
        elif call == "create_many":
            await crud.file_version.create_many(db, objs=[_version(asset, keywords=["a", text])])
        elif call == "update":
            await crud.media_asset.update(db, db_obj=asset, obj_in={"original_filename": text})
        elif call == "setting":
            await crud.setting.set_value(db, key="k", value=text)
        elif call == "tag":
            await crud.global_tag.upsert_tag(db, tag=text)
        else:
            await crud.file_version.search(db, filters={"location": text})
    assert "contains a lone surrogate at position 2, which is not valid UTF-8" in str(exc.value)
    assert await crud.file_version.count(db) == 0
    assert await crud.setting.count(db) == 0
    assert await crud.global_tag.count(db) == 0
    stored = await crud.media_asset.get(db, id=asset)
    assert stored is not None and stored.original_filename == "a.jpg"


async def test_upsert_tags_refuses_the_whole_call_before_writing_anything(db: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        await crud.global_tag.upsert_tags(db, tags=["ok", "a\x00b"])
    _refused(exc, "tags", "tags contains a NUL character (U+0000), which PostgreSQL cannot store")
    assert await crud.global_tag.get_all_tags(db) == []


@pytest.mark.parametrize(
    ("text", "size"),
    [("x" * (MAX_INDEXED_TEXT_BYTES + 1), MAX_INDEXED_TEXT_BYTES + 1), ("é" * 1001, 2002)],
)
async def test_indexed_text_beyond_the_index_limit_is_refused_on_both_dialects(
    db: Any, text: str, size: int
) -> None:
    limit = f"is {size} bytes of UTF-8, more than the limit of {MAX_INDEXED_TEXT_BYTES}"
    with pytest.raises(ValidationError) as exc:
        await crud.global_tag.upsert_tag(db, tag=text)
    _refused(exc, "tag", f"tag {limit}")
    with pytest.raises(ValidationError) as exc:
        await crud.setting.create(db, obj_in={"key": text, "value": "v"})
    _refused(exc, "key", f"settings.key: {limit}")
    with pytest.raises(ValidationError) as exc:
        await crud.user.create(db, obj_in={"username": text, "password": "p"})
    _refused(exc, "username", f"users.username: {limit}")
    assert await crud.global_tag.count(db) == 0
    assert await crud.setting.count(db) == 0
    assert await crud.user.count(db) == 0


async def test_unindexed_text_takes_up_to_the_text_cap_and_no_more(db: Any) -> None:
    asset = await _asset(db)
    long_text = "d" * MAX_TEXT_BYTES
    stored = await crud.file_version.create(db, obj_in=_version(asset, location=long_text))
    assert stored.location == long_text
    with pytest.raises(ValidationError) as exc:
        await crud.file_version.create(db, obj_in=_version(asset, location=long_text + "d"))
    _refused(
        exc,
        "location",
        f"file_versions.location: is {MAX_TEXT_BYTES + 1} bytes of UTF-8, "
        f"more than the limit of {MAX_TEXT_BYTES}",
    )
    assert await crud.file_version.count(db) == 1


async def test_a_keyword_list_beyond_the_list_cap_is_refused(db: Any) -> None:
    asset = await _asset(db)
    keywords = [f"k{n}" for n in range(MAX_LIST_ITEMS + 1)]
    with pytest.raises(ValidationError) as exc:
        await crud.file_version.create_many(db, objs=[_version(asset, keywords=keywords)])
    _refused(
        exc,
        "keywords",
        f"objs[0]: file_versions.keywords: has {MAX_LIST_ITEMS + 1} items, "
        f"more than the limit of {MAX_LIST_ITEMS}",
    )
    assert await crud.file_version.count(db) == 0


async def test_an_id_no_key_column_can_hold_is_refused_on_reads_and_writes(db: Any) -> None:
    for call in (
        crud.person.get(db, id="p\x00"),
        crud.person.remove(db, id="p\x00"),
        crud.person.update(db, db_obj="p\x00", obj_in={"name": "x"}),
    ):
        with pytest.raises(ValidationError) as exc:
            await call
        _refused(exc, "id", "id contains a NUL character (U+0000), which PostgreSQL cannot store")


# ---- dates ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "moment", [datetime(1, 1, 1, tzinfo=EAST), datetime(9999, 12, 31, 23, tzinfo=WEST)]
)
async def test_an_aware_date_outside_the_utc_range_is_refused(db: Any, moment: datetime) -> None:
    message = f"people.birthdate: {moment.isoformat()} is out of range in UTC"
    with pytest.raises(ValidationError) as exc:
        await crud.person.create(db, obj_in={"name": "A", "birthdate": moment})
    _refused(exc, "birthdate", message)
    with pytest.raises(ValidationError) as exc:
        await crud.person.create(db, obj_in={"name": "A", "birthdate": moment.isoformat()})
    _refused(exc, "birthdate", message)
    with pytest.raises(ValidationError) as exc:
        await crud.file_version.search(db, filters={"created_from": moment})
    _refused(exc, "created_from", f"created_from: {moment.isoformat()} is out of range in UTC")
    assert await crud.person.count(db) == 0


async def test_a_search_up_to_the_last_representable_day_is_answered(db: Any) -> None:
    await _photo(db)
    page = await crud.file_version.search(
        db, filters={"created_from": "0001-01-01", "created_to": "9999-12-31"}
    )
    assert page.total_count == 1


# ---- list-valued search filters ------------------------------------------------------------


async def test_a_list_filter_beyond_its_cap_is_refused_at_once(db: Any) -> None:
    await _photo(db)
    keywords = [f"k{n}" for n in range(20_000)]
    with pytest.raises(ValidationError) as exc:
        await crud.file_version.search(db, filters={"keywords": keywords})
    _refused(
        exc, "keywords", f"keywords has 20000 items, more than the limit of {MAX_FILTER_ITEMS}"
    )
    page = await crud.file_version.search(db, filters={"keywords": keywords[:MAX_FILTER_ITEMS]})
    assert page.total_count == 0


# ---- a single write stands or falls with its read-back -------------------------------------

_SET_BIRTHDATE = make_query(
    "test.set_unreadable_birthdate",
    "none",
    None,
    # A value the library cannot read back: beyond Python's datetime on PostgreSQL, not a
    # timestamp at all on SQLite (as a legacy writer could have stored).
    "UPDATE people SET birthdate = CAST('20000-01-01' AS timestamp) WHERE id = :id",
    "UPDATE people SET birthdate = 'not a date' WHERE id = :id",
)


_COUNT_NAMED = make_query(
    "test.count_people_named", "scalar", int, "SELECT count(*) FROM people WHERE name = :name"
)


async def test_an_update_whose_row_cannot_be_read_back_writes_nothing(db: Any) -> None:
    person = await crud.person.create(db, obj_in={"name": "Ana"})
    await db.run(_SET_BIRTHDATE, id=person.id)
    with pytest.raises(Exception):  # noqa: B017 - the adapters' error type is not the point
        await crud.person.update(db, db_obj=person.id, obj_in={"name": "Bea"})
    assert await db.run(_COUNT_NAMED, name="Ana") == 1
    assert await db.run(_COUNT_NAMED, name="Bea") == 0


_SET_EVENT_DATE = make_query(
    "test.set_unreadable_event_date",
    "none",
    None,
    "UPDATE events SET date = CAST('20000-01-01' AS timestamp) WHERE id = :id",
    "UPDATE events SET date = 'not a date' WHERE id = :id",
)


async def test_a_remove_whose_row_cannot_be_read_back_deletes_nothing(db: Any) -> None:
    event = await crud.event.create(
        db, obj_in={"name": "Party", "type": "custom", "date": datetime(2024, 5, 1)}
    )
    await db.run(_SET_EVENT_DATE, id=event.id)
    with pytest.raises(Exception):  # noqa: B017 - the adapters' error type is not the point
        await crud.event.remove(db, id=event.id)
    assert await crud.event.count(db) == 1


async def test_a_write_inside_a_transaction_that_cannot_be_read_back_is_rolled_back(
    db: Any,
) -> None:
    person = await crud.person.create(db, obj_in={"name": "Ana"})
    await db.run(_SET_BIRTHDATE, id=person.id)
    with pytest.raises(Exception):  # noqa: B017 - the adapters' error type is not the point
        async with db.transaction() as tx:
            await crud.person.update(tx, db_obj=person.id, obj_in={"name": "Bea"})
    assert await db.run(_COUNT_NAMED, name="Ana") == 1


@pytest.mark.parametrize("rating", [2**31, -(2**31) - 1, 2**63])
async def test_a_live_search_rating_beyond_int4_gets_one_answer(db: Any, rating: int) -> None:
    with pytest.raises(ValidationError) as exc:
        await crud.file_version.search_photos(db, rating_max=rating)
    _refused(
        exc,
        "rating_max",
        f"rating_max must be an integer from -2147483648 to 2147483647, got {rating}",
    )


async def test_adding_missing_photos_in_bulk_names_the_column_on_both_dialects(db: Any) -> None:
    collection = await crud.collection.create(db, obj_in={"name": "Trip"})
    photo = await _photo(db)
    with pytest.raises(ForeignKeyError) as exc:
        await crud.collection_photo.add_many(
            db, collection_id=collection.id, photo_ids=[photo, "missing"]
        )
    assert str(exc.value) == (
        "foreign key violation: collection_photos.photo_id refers to a file_versions row "
        "that does not exist"
    )
    assert exc.value.query == "collection_photos.add_many"
    assert await crud.collection_photo.count(db) == 0


async def test_a_coordinate_beyond_any_double_is_refused(db: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        await crud.location.create_from_coordinates(db, latitude=10**400, longitude=1.5)
    _refused(exc, "latitude", "latitude must be a finite non-zero number")
    assert await crud.location.count(db) == 0


async def test_a_parent_referenced_from_two_tables_names_the_same_child_on_both(
    db: Any,
) -> None:
    asset = await _asset(db)
    await crud.file_version.create(db, obj_in=_version(asset))
    await crud.asset_history.create(db, obj_in={"media_asset_id": asset, "action": "INGESTED"})
    with pytest.raises(ForeignKeyError) as exc:
        await crud.media_asset.remove(db, id=asset)
    assert str(exc.value) == (
        "foreign key violation: media_assets row is still referenced by "
        "asset_history.media_asset_id"
    )
    assert exc.value.query == "media_assets.remove"
    assert await crud.media_asset.count(db) == 1


async def test_bulk_rows_with_different_broken_references_name_the_first_row_on_both(
    db: Any,
) -> None:
    collection = await crud.collection.create(db, obj_in={"name": "Trip"})
    photo = await _photo(db)
    rows = [
        {"collection_id": collection.id, "photo_id": "missing-photo"},
        {"collection_id": "missing-collection", "photo_id": photo},
    ]
    with pytest.raises(ForeignKeyError) as exc:
        await crud.collection_photo.create_many(db, objs=rows)
    assert exc.value.column == "photo_id"
    assert await crud.collection_photo.count(db) == 0
