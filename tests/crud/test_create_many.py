"""create_many on both dialects: order, defaults, documents, errors, atomicity, size."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import msgspec
import pytest

from pictallion_sql import crud
from pictallion_sql.catalog.base import new_ids
from pictallion_sql.errors import DuplicateKeyError, ForeignKeyError, ValidationError
from pictallion_sql.models import CombinedMetadata, Face, FileVersion, InsertFileVersion
from pictallion_sql.query.bulk import echoed_columns
from tests.rows import version_row

# Every test here asserts the results of the statements it runs by value.
pytestmark = pytest.mark.pins

MISSING = "99999999-0000-4000-8000-000000000000"

METADATA: dict[str, Any] = {
    "exif": {"camera": "Pixel 9", "gpsLatitude": 43.7, "gpsLongitude": 7.25, "iso": "100"},
    "ai": {
        "aiTags": ["beach", "sunset"],
        "detectedObjects": [{"name": "dog", "confidence": 0.875, "boundingBox": [1.5, 2, 3, 4]}],
        "aiConfidenceScores": {"tags": 0.9, "faces": 1e-7},
        "gpsCoordinates": {"latitude": -33.8688, "longitude": 151.2093},
    },
}


async def _asset(db: Any) -> str:
    return str((await crud.media_asset.create(db, obj_in={"original_filename": "a.jpg"})).id)


async def test_rows_come_back_in_input_order_equal_to_get(db: Any) -> None:
    asset = await _asset(db)
    objs: list[Any] = [
        version_row(asset, 0, metadata=METADATA, keywords=["beach", "été", 'q"uote', "{x}"]),
        version_row(asset, 1),  # every optional column takes its default
        version_row(asset, 2, metadata=METADATA, keywords=[], rating=4, is_reviewed=True),
        # A document holding a null: its column is read back rather than echoed.
        version_row(asset, 3, metadata={"exif": {"lens": "50mm"}, "ai": None}, keywords=None),
        InsertFileVersion(**version_row(asset, 4, tier="gold", processing_state="promoted")),
        version_row(asset, 5, metadata=None, rating=None, location="Nice, France"),
    ]
    created = await crud.file_version.create_many(db, objs=objs)
    assert [v.file_path for v in created] == [f"media/silver/{i:05d}.jpg" for i in range(6)]
    assert len({v.id for v in created}) == 6
    for version in created:
        assert await crud.file_version.get(db, id=version.id) == version

    first, plain, third, with_null, gold, nulls = created
    assert first.keywords == ["beach", "été", 'q"uote', "{x}"]
    assert first.metadata == CombinedMetadata.from_tree(METADATA)
    assert (plain.rating, plain.keywords, plain.is_reviewed, plain.metadata) == (0, [], False, None)
    assert plain.processing_state == "processed"
    assert isinstance(plain.created_at, datetime) and plain.created_at.tzinfo is None
    assert (third.rating, third.is_reviewed, third.keywords) == (4, True, [])
    assert with_null.metadata is not None and with_null.metadata.ai is None
    assert with_null.keywords is None
    assert (gold.tier, gold.processing_state) == ("gold", "promoted")
    assert (nulls.metadata, nulls.rating, nulls.location) == (None, None, "Nice, France")
    assert await crud.file_version.count(db) == 6


async def test_documents_every_row_gives_equal_what_get_reads(db: Any) -> None:
    asset = await _asset(db)
    extremes = {"exif": {"gpsLatitude": 1e300, "gpsLongitude": -0.0, "camera": 'Çanon \\ "Ω"'}}
    documents: list[dict[str, Any]] = [METADATA, extremes, {}, {"ai": {"aiTags": []}}]
    objs = [
        version_row(asset, i, metadata=doc, keywords=[f"k{i}"]) for i, doc in enumerate(documents)
    ]
    # Every row gives a null-free document: the column is echoed, not decoded again.
    assert echoed_columns(FileVersion, [{"id": "x", **o} for o in _inserted(objs)]) == (
        "media_asset_id",
        "tier",
        "file_path",
        "file_hash",
        "file_size",
        "mime_type",
        "metadata",
        "keywords",
    )
    created = await crud.file_version.create_many(db, objs=objs)
    assert [v.metadata for v in created] == [CombinedMetadata.from_tree(d) for d in documents]
    for version in created:
        assert await crud.file_version.get(db, id=version.id) == version

    # A null in a document is a stored null (validation refuses non-finite numbers, which
    # would be written as null), so the document is still echoed.
    with_null = [*objs, version_row(asset, 9, metadata={"ai": None}, keywords=None)]
    assert "metadata" in echoed_columns(
        FileVersion, [{"id": "x", **o} for o in _inserted(with_null)]
    )


def _inserted(objs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [crud.file_version.insert_values(o) for o in objs]


async def test_returned_records_do_not_share_the_callers_lists(db: Any) -> None:
    asset = await _asset(db)
    keywords = ["a", "b"]
    (created,) = await crud.file_version.create_many(
        db, objs=[version_row(asset, 0, keywords=keywords)]
    )
    keywords.append("c")
    assert created.keywords == ["a", "b"]
    assert await crud.file_version.get(db, id=created.id) == created


async def test_timestamps_are_stored_as_naive_utc(db: Any) -> None:
    paris = timezone(timedelta(hours=2))
    people = await crud.person.create_many(
        db,
        objs=[
            {"name": "Ada", "birthdate": "1990-07-02"},
            {"name": "Alan", "birthdate": datetime(2001, 5, 1, 12, 30, 15, 123456, tzinfo=paris)},
            {"name": "Amir", "birthdate": "2024-05-01T12:00:00+02:00", "face_count": 3},
            {"name": "Anna"},
        ],
    )
    assert [p.birthdate for p in people] == [
        datetime(1990, 7, 2),
        datetime(2001, 5, 1, 10, 30, 15, 123456),
        datetime(2024, 5, 1, 10, 0),
        None,
    ]
    assert people[2].face_count == 3
    now = datetime.now(UTC).replace(tzinfo=None)
    for person in people:
        assert abs(person.created_at - now) < timedelta(minutes=5)
        assert await crud.person.get(db, id=person.id) == person


async def test_float_documents_read_back_as_stored(db: Any) -> None:
    asset = await _asset(db)
    (version,) = await crud.file_version.create_many(db, objs=[version_row(asset, 0)])
    face_rows: list[dict[str, Any]] = [
        {"photo_id": version.id, "bounding_box": [1, 2, 3, 4], "confidence": 90},
        {
            "photo_id": version.id,
            "bounding_box": [0.5, 0.25, 10, 20],
            "confidence": 50,
            "embedding": [0.1, -2, 3.5e-8],
        },
    ]
    faces = await crud.face.create_many(db, objs=face_rows)
    # Integers in a list of floats: the column is read back, and the integers stay integers.
    assert "bounding_box" not in echoed_columns(Face, [{"id": "x", **f} for f in face_rows])
    assert faces[0].bounding_box == [1, 2, 3, 4]
    assert all(type(x) is int for x in faces[0].bounding_box)
    assert faces[1].embedding == [0.1, -2.0, 3.5e-8]
    for face in faces:
        assert await crud.face.get(db, id=face.id) == face

    # Finite floats only: echoed, and equal to what the database returns later.
    floats: list[dict[str, Any]] = [
        {
            "photo_id": version.id,
            "bounding_box": [0.1, 1e300, 5e-324, 2.5],
            "confidence": 70,
            "embedding": [i / 7 for i in range(128)],
        },
        {"photo_id": version.id, "bounding_box": [0.0, 1.0, 2.0, 3.0], "confidence": 1},
    ]
    assert {"bounding_box", "confidence"} <= set(
        echoed_columns(Face, [{"id": "x", **f} for f in floats])
    )
    for face in await crud.face.create_many(db, objs=floats):
        assert await crud.face.get(db, id=face.id) == face


async def test_a_missing_parent_in_the_middle_inserts_nothing(db: Any) -> None:
    asset = await _asset(db)
    objs = [version_row(asset, i) for i in range(6)]
    objs[3] = version_row(MISSING, 3)
    with pytest.raises(ForeignKeyError) as info:
        await crud.file_version.create_many(db, objs=objs)
    error = info.value
    assert (error.table, error.column, error.referenced_table) == (
        "file_versions",
        "media_asset_id",
        "media_assets",
    )
    # The whole message and the failed query's name are the same on both dialects.
    assert str(error) == (
        "foreign key violation: file_versions.media_asset_id refers to a media_assets row "
        "that does not exist"
    )
    assert error.query == (
        "file_versions.insert_many[id,media_asset_id,tier,file_path,file_hash,file_size,mime_type]"
    )
    assert await crud.file_version.count(db) == 0


async def test_a_duplicate_in_the_middle_inserts_nothing(db: Any) -> None:
    await crud.user.create(db, obj_in={"username": "taken", "password": "x"})
    users = [{"username": f"user{i}", "password": "pw"} for i in range(6)]
    for bad in ("user1", "taken"):
        batch = [*users[:3], {"username": bad, "password": "pw"}, *users[3:]]
        with pytest.raises(DuplicateKeyError) as info:
            await crud.user.create_many(db, objs=batch)
        assert (info.value.table, info.value.column) == ("users", "username")
        assert str(info.value).startswith("duplicate key: users.username already exists")
        assert await crud.user.count(db) == 1


async def test_a_failure_inside_an_outer_transaction_spoils_it(db: Any) -> None:
    asset = await _asset(db)
    with pytest.raises(ForeignKeyError):
        async with db.transaction() as tx:
            await crud.file_version.create_many(tx, objs=[version_row(asset, 0)])
            await crud.file_version.create_many(
                tx, objs=[version_row(asset, 1), version_row(MISSING, 2)]
            )
    assert await crud.file_version.count(db) == 0


async def test_a_bad_row_is_named_by_its_index(db: Any) -> None:
    asset = await _asset(db)
    bad = version_row(asset, 3, tier="platinum")
    objs: list[Any] = [version_row(asset, i) for i in range(6)]
    objs[3] = bad
    with pytest.raises(ValidationError) as single:
        crud.file_version.insert_values(bad)
    with pytest.raises(ValidationError) as info:
        await crud.file_version.create_many(db, objs=objs)
    assert str(info.value) == f"objs[3]: {single.value}"
    assert info.value.field == "tier"
    objs[3] = 42
    with pytest.raises(ValidationError) as wrong_type:
        await crud.file_version.create_many(db, objs=objs)
    assert str(wrong_type.value).startswith("objs[3]: file_versions: expected InsertFileVersion")
    objs[3] = {**version_row(asset, 3), "colour": "red"}
    with pytest.raises(ValidationError) as unknown:
        await crud.file_version.create_many(db, objs=objs)
    assert str(unknown.value) == "objs[3]: file_versions.colour: unknown field"
    assert await crud.file_version.count(db) == 0


async def test_mixed_column_sets_in_one_call(db: Any) -> None:
    assets = await crud.media_asset.create_many(
        db, objs=[{"original_filename": f"IMG_{i}.jpg"} for i in range(3)]
    )
    objs = [
        version_row(assets[i % 3].id, i, **({"rating": i % 6} if i % 2 else {"keywords": [str(i)]}))
        for i in range(40)
    ]
    created = await crud.file_version.create_many(db, objs=objs)
    assert [v.file_size for v in created] == [1000 + i for i in range(40)]
    assert [v.rating for v in created] == [i % 6 if i % 2 else 0 for i in range(40)]
    assert [v.keywords for v in created] == [[] if i % 2 else [str(i)] for i in range(40)]
    stored = {v.id: v for v in await crud.file_version.get_multi(db, limit=100)}
    assert [stored[v.id] for v in created] == created


async def test_five_thousand_rows_in_one_call(db: Any) -> None:
    names = [f"IMG_{i:05d}.jpg" for i in range(5000)]
    created = await crud.media_asset.create_many(db, objs=[{"original_filename": n} for n in names])
    assert [a.original_filename for a in created] == names
    assert await crud.media_asset.count(db) == 5000
    assets = {a.id: a for a in await crud.media_asset.get_multi(db, limit=5000)}
    assert [assets[a.id] for a in created] == created


def test_new_ids_are_random_version_4_uuids() -> None:
    ids = new_ids(2000)
    assert len(set(ids)) == 2000 and new_ids(0) == []
    for text in ids:
        parsed = uuid.UUID(text)
        assert str(parsed) == text
        assert (parsed.version, parsed.variant) == (4, uuid.RFC_4122)


async def test_without_returning_the_ids_come_back_in_input_order(db: Any) -> None:
    asset = await _asset(db)
    objs = [version_row(asset, i, rating=i % 5) for i in range(50)]
    ids = await crud.file_version.create_many(db, objs=objs, returning=False)
    assert len(set(ids)) == 50
    for index, id in enumerate(ids):
        stored = await crud.file_version.get(db, id=id)
        assert stored is not None
        assert (stored.file_path, stored.rating) == (objs[index]["file_path"], index % 5)
        assert stored.keywords == []  # the column default applied


async def test_without_returning_rows_read_back_as_with_returning(db: Any) -> None:
    # Without returning, documents go as the JSON their checks encoded, timestamps and
    # lists converted a column at a time: what is stored must be what returning gives.
    asset = await _asset(db)
    extremes = {"exif": {"gpsLatitude": 1e300, "gpsLongitude": -0.5, "camera": 'Çanon \\ "Ω"'}}
    documents: list[Any] = [METADATA, extremes, {}, {"ai": {"aiTags": []}}, {"ai": None}]
    paris = timezone(timedelta(hours=2))
    for offset, mixed in ((0, False), (10, True)):
        objs = [
            version_row(asset, offset + i, metadata=doc, keywords=[f"k{i}", "été"], rating=i)
            for i, doc in enumerate(documents)
        ]
        if mixed:  # rows giving different columns: one statement per column set
            objs[1] = version_row(asset, offset + 1, metadata=documents[1])
            objs[3] = version_row(asset, offset + 3, location="Nice")
        returned = await crud.file_version.create_many(db, objs=objs)
        ids = await crud.file_version.create_many(
            db, objs=[{**o, "file_hash": o["file_hash"] + "b"} for o in objs], returning=False
        )
        for record, id in zip(returned, ids, strict=True):
            stored = await crud.file_version.get(db, id=id)
            assert stored is not None
            assert (
                msgspec.structs.replace(
                    stored,
                    id=record.id,
                    file_hash=record.file_hash,
                    created_at=record.created_at,
                )
                == record
            )
        assert [v.metadata for v in returned[::2]] == [
            CombinedMetadata.from_tree(d) for d in documents[::2]
        ]

    faces = [
        {
            "photo_id": ids[0],
            "bounding_box": [1.5, 2, 3, 4],
            "confidence": 90,
            "embedding": [0.1, -2.5e-8, 1e300],
        },
        {
            "photo_id": ids[0],
            "bounding_box": [0.0, 0.0, 1.0, 1.0],
            "confidence": 80,
            "embedding": None,
        },
    ]
    face_ids = await crud.face.create_many(db, objs=faces, returning=False)
    stored_faces = [await crud.face.get(db, id=id) for id in face_ids]
    assert [(f.bounding_box, f.embedding) for f in stored_faces if f is not None] == [
        ([1.5, 2, 3, 4], [0.1, -2.5e-8, 1e300]),
        ([0.0, 0.0, 1.0, 1.0], None),
    ]
    people = [{"name": "Ada", "birthdate": datetime(2001, 5, 1, 12, 30, 15, 1, tzinfo=paris)}]
    (person_id,) = await crud.person.create_many(db, objs=people, returning=False)
    person = await crud.person.get(db, id=person_id)
    assert person is not None and person.birthdate == datetime(2001, 5, 1, 10, 30, 15, 1)


async def test_without_returning_a_failure_inserts_nothing(db: Any) -> None:
    asset = await _asset(db)
    objs = [version_row(asset, i) for i in range(6)]
    objs[4] = version_row(MISSING, 4)
    with pytest.raises(ForeignKeyError):
        await crud.file_version.create_many(db, objs=objs, returning=False)
    assert await crud.file_version.count(db) == 0


async def test_history_and_locations_read_back_equal_to_get(db: Any) -> None:
    asset_id = await _asset(db)
    history = await crud.asset_history.create_many(
        db,
        objs=[
            {"media_asset_id": asset_id, "action": "INGESTED", "details": "first"},
            {"media_asset_id": asset_id, "action": "PROMOTED"},
        ],
    )
    assert [(h.action, h.details) for h in history] == [("INGESTED", "first"), ("PROMOTED", None)]
    assert history == [await crud.asset_history.get(db, id=h.id) for h in history]
    places = await crud.location.create_many(
        db,
        objs=[
            {"name": "Home", "latitude": "48.85", "longitude": "2.35", "radius": 100},
            {"name": "Beach", "latitude": "43.7", "longitude": "7.26"},
        ],
    )
    assert [(p.name, p.latitude, p.longitude, p.radius) for p in places] == [
        ("Home", "48.85", "2.35", 100),
        ("Beach", "43.7", "7.26", places[1].radius),
    ]
    assert places == [await crud.location.get(db, id=p.id) for p in places]
