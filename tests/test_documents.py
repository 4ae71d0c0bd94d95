"""JSON documents keep every key and value, read odd rows, and refuse what cannot be stored.

Rows written by the TypeScript application are simulated by inserting JSON text with plain
SQL; what the library wrote is checked by parsing the JSON the database holds.
"""

from __future__ import annotations

import copy
import json
import math
from typing import Any

import msgspec
import pytest

from pictallion_sql import crud
from pictallion_sql.catalog.search import PhotoFilters
from pictallion_sql.errors import ValidationError
from pictallion_sql.models import (
    AIMetadata,
    CombinedMetadata,
    DetectedObject,
    ExifMetadata,
    Face,
    FileVersion,
    InsertFileVersion,
    SmartCollectionRules,
    WeightedSmartRule,
    validate,
)
from pictallion_sql.query.registry import make_query

UNSET = msgspec.UNSET

# What the Drizzle client stored: keys the Python records never declared, at every level.
APP_METADATA: dict[str, Any] = {
    "exif": {
        "camera": "Canon EOS R5",
        "make": "Canon",
        "exposureCompensation": -0.7,
        "iso": "400",
        "gpsLatitude": 48.8584,
        "gpsLongitude": 2.2945,
    },
    "ai": {
        "aiTags": ["tower", "city"],
        "shortDescription": "The tower",
        "model": "gpt-4o",
        "colors": [{"hex": "#ffcc00", "share": 0.25}],
        "detectedObjects": [
            {"name": "tower", "confidence": 0.9, "boundingBox": [1, 2, 300, 400], "trackId": 7}
        ],
        "detectedFaces": [{"faceId": "f1", "landmarks": {"leftEye": [10, 12]}}],
        "gpsCoordinates": {"latitude": 48.8584, "longitude": 2.2945, "altitude": 35},
        "aiConfidenceScores": {"tags": 1, "objects": 0.75},
    },
    "faceDetection": {"attempted": True, "method": "face-api", "durationMs": 412},
    "custom": {"album": "Paris", "nested": {"deep": [1, 2.5, None, True, "x"]}},
}

# Loosely typed values the old application stored.
LEGACY_METADATA: dict[str, Any] = {
    "exif": {"camera": "Pixel", "iso": 400, "gpsLatitude": "48.85N"},
    "ai": {
        "aiTags": ["beach", 3],
        "shortDescription": {"en": "A beach"},
        "placeName": "Nice",
        "detectedObjects": [{"name": 5, "boundingBox": {"x": 1}}],
    },
    "faceDetection": "skipped",
    "extra": [1, {"k": None}],
}

OBJECT_RULES: dict[str, Any] = {
    "rules": [
        {"field": "rating", "operator": "greater_than", "value": 3, "label": "Good ones"},
        {"field": "keywords", "operator": "in", "value": ["beach"], "ui": {"chip": True}},
    ],
    "operator": "AND",
    "limit": 50,
    "sortBy": {"field": "rating", "direction": "desc"},
}

WEIGHTED_RULES: list[dict[str, Any]] = [
    {
        "id": "r1",
        "field": "aiTags",
        "operator": "contains",
        "value": "beach",
        "weight": 2,
        "enabled": True,
        "ui": {"color": "blue"},
    },
    {"id": "r2", "field": "faceCount", "operator": ">=", "value": "1", "weight": 0.5},
]


def version_input(asset_id: str, index: int = 0, **extra: Any) -> dict[str, Any]:
    return {
        "media_asset_id": asset_id,
        "tier": "silver",
        "file_path": f"media/silver/{index:05d}.jpg",
        "file_hash": f"hash{index}",
        "file_size": 100 + index,
        "mime_type": "image/jpeg",
        **extra,
    }


async def new_asset(db: Any) -> str:
    return str((await crud.media_asset.create(db, obj_in={"original_filename": "a.jpg"})).id)


def _set_json(table: str, column: str) -> Any:
    return make_query(
        f"test.set_{table}_{column}",
        "none",
        None,
        f'UPDATE "{table}" SET "{column}" = CAST(CAST(:doc AS text) AS jsonb) WHERE id = :id',
        f'UPDATE "{table}" SET "{column}" = :doc WHERE id = :id',
    )


def _get_json(table: str, column: str) -> Any:
    return make_query(
        f"test.get_{table}_{column}",
        "scalar",
        None,
        f'SELECT CAST("{column}" AS text) FROM "{table}" WHERE id = :id',
        f'SELECT "{column}" FROM "{table}" WHERE id = :id',
    )


COUNT_ALL = make_query(
    "test.count_documents",
    "scalar",
    None,
    "SELECT (SELECT count(*) FROM file_versions) * 1000 + (SELECT count(*) FROM faces) * 10"
    " + (SELECT count(*) FROM collections)",
)


async def store_raw(db: Any, table: str, column: str, row_id: str, document: Any) -> None:
    """Write a document as JSON text, as another client would."""
    await db.run(_set_json(table, column), doc=json.dumps(document), id=row_id)


async def stored(db: Any, table: str, column: str, row_id: str) -> Any:
    """The JSON the database holds, parsed (with each number's JSON type)."""
    text = await db.run(_get_json(table, column), id=row_id)
    return None if text is None else json.loads(text)


def same_tree(a: Any, b: Any) -> bool:
    """Equal JSON trees, with every number of the same JSON type (an int is not a float)."""
    if type(a) is not type(b) and not (isinstance(a, dict) and isinstance(b, dict)):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same_tree(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same_tree(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


# ---------------------------------------------------------------------------------------------
# Every key and value survives create, create_many, update and read-modify-write
# ---------------------------------------------------------------------------------------------


async def test_create_and_create_many_store_every_key(db: Any) -> None:
    asset = await new_asset(db)
    created = await crud.file_version.create(
        db, obj_in=version_input(asset, 0, metadata=APP_METADATA)
    )
    assert same_tree(await stored(db, "file_versions", "metadata", created.id), APP_METADATA)
    assert same_tree(created.metadata, APP_METADATA)
    many = await crud.file_version.create_many(
        db,
        objs=[
            version_input(asset, 1, metadata=APP_METADATA),
            InsertFileVersion(**version_input(asset, 2, metadata=CombinedMetadata(APP_METADATA))),
        ],
    )
    for version in many:
        assert same_tree(await stored(db, "file_versions", "metadata", version.id), APP_METADATA)
        assert same_tree(version.metadata, APP_METADATA)
        assert await crud.file_version.get(db, id=version.id) == version


async def test_rows_written_by_another_client_read_and_write_back_whole(db: Any) -> None:
    asset = await new_asset(db)
    version = await crud.file_version.create(db, obj_in=version_input(asset))
    await store_raw(db, "file_versions", "metadata", version.id, APP_METADATA)
    read = await crud.file_version.get(db, id=version.id)
    assert read is not None and same_tree(read.metadata, APP_METADATA)
    assert read.metadata is not None and read.metadata["custom"]["album"] == "Paris"
    assert isinstance(read.metadata.ai, AIMetadata)
    assert read.metadata.ai["model"] == "gpt-4o"
    objects = read.metadata.ai.detected_objects
    assert isinstance(objects, list) and isinstance(objects[0], DetectedObject)
    assert objects[0]["trackId"] == 7
    assert objects[0].bounding_box == [1, 2, 300, 400]
    assert all(type(x) is int for x in objects[0]["boundingBox"])
    assert read.metadata.ai.ai_confidence_scores == {"tags": 1, "objects": 0.75}

    # An update of another column keeps the document as stored.
    await crud.file_version.update(db, db_obj=version.id, obj_in={"rating": 4})
    assert same_tree(await stored(db, "file_versions", "metadata", version.id), APP_METADATA)

    # Read-modify-write: add an AI tag to the record read through the API.
    assert isinstance(read.metadata.ai.ai_tags, list)
    read.metadata.ai.ai_tags.append("night")
    await crud.file_version.update(db, db_obj=read, obj_in={"metadata": read.metadata})
    expected = copy.deepcopy(APP_METADATA)
    expected["ai"]["aiTags"].append("night")
    assert same_tree(await stored(db, "file_versions", "metadata", version.id), expected)

    # The whole raw document passed back as a plain dict.
    raw = msgspec.to_builtins(read.metadata)
    raw["custom"]["album"] = "Lyon"
    await crud.file_version.update(db, db_obj=version.id, obj_in={"metadata": raw})
    expected["custom"]["album"] = "Lyon"
    assert same_tree(await stored(db, "file_versions", "metadata", version.id), expected)
    again = await crud.file_version.get(db, id=version.id)
    assert again is not None and same_tree(again.metadata, expected)


async def test_a_legacy_document_reads_and_writes_back_unchanged(db: Any) -> None:
    asset = await new_asset(db)
    version = await crud.file_version.create(
        db, obj_in=version_input(asset, keywords=["beach"], location="Nice")
    )
    await store_raw(db, "file_versions", "metadata", version.id, LEGACY_METADATA)

    # Every read path decodes the row.
    read = await crud.file_version.get(db, id=version.id)
    assert read is not None and same_tree(read.metadata, LEGACY_METADATA)
    (listed,) = await crud.file_version.get_multi(db)
    (by_tier,) = await crud.file_version.get_by_tier(db, tier="silver")
    (photo,) = await crud.file_version.list_photos(db)
    assert [p.id for p in (await crud.file_version.search_photos(db)).photos] == [version.id]
    page = await crud.file_version.search(db, filters={"keywords": ["beach"]})
    assert [p.id for p in page.photos] == [version.id]
    for record in (listed, by_tier, photo, page.photos[0]):
        assert same_tree(record.metadata, LEGACY_METADATA)

    # Typed attributes read a value of another type as missing; the raw value stays.
    metadata = read.metadata
    assert isinstance(metadata, CombinedMetadata)
    assert isinstance(metadata.exif, ExifMetadata)
    assert metadata.exif.iso is UNSET and metadata.exif["iso"] == 400
    assert metadata.exif.gps_latitude is UNSET and metadata.exif.camera == "Pixel"
    assert isinstance(metadata.ai, AIMetadata)
    assert metadata.ai.ai_tags is UNSET and metadata.ai["aiTags"] == ["beach", 3]
    assert metadata.ai.short_description is UNSET
    assert metadata.ai.place_name == "Nice"
    (odd,) = metadata.ai.detected_objects  # type: ignore[misc]
    assert odd.name is UNSET and odd.bounding_box is UNSET and odd["boundingBox"] == {"x": 1}
    assert metadata.face_detection is UNSET and metadata["faceDetection"] == "skipped"

    # Filters and facets treat a value of another type as missing (docs/search.md).
    other = await crud.file_version.create(db, obj_in=version_input(asset, 1))
    await store_raw(db, "file_versions", "metadata", other.id, {"exif": {"camera": 5}})
    found = await crud.file_version.search(db, filters={"camera": "Pixel"})
    assert [p.id for p in found.photos] == [version.id]
    assert (await crud.file_version.search(db, filters=PhotoFilters(camera="5"))).photos == []
    assert (await crud.file_version.search(db)).facets.cameras == {"Pixel": 1}

    # Read-modify-write keeps what was stored: only what is changed is checked.
    metadata.exif.camera = "Pixel 9"
    await crud.file_version.update(db, db_obj=read, obj_in={"metadata": metadata})
    expected = copy.deepcopy(LEGACY_METADATA)
    expected["exif"]["camera"] = "Pixel 9"
    assert same_tree(await stored(db, "file_versions", "metadata", version.id), expected)

    # The same values as new input (a plain dict) are checked and refused, naming the path.
    with pytest.raises(ValidationError) as err:
        await crud.file_version.update(db, db_obj=version.id, obj_in={"metadata": expected})
    assert err.value.field == "metadata"
    assert str(err.value) == "file_versions.metadata.exif.iso: expected str, got int"
    assert same_tree(await stored(db, "file_versions", "metadata", version.id), expected)


async def test_smart_rules_keep_every_key_and_switch_to_or(db: Any) -> None:
    created = await crud.collection.create(
        db, obj_in={"name": "Smart", "is_smart_collection": True, "smart_rules": OBJECT_RULES}
    )
    assert same_tree(await stored(db, "collections", "smart_rules", created.id), OBJECT_RULES)
    rules = created.smart_rules
    assert isinstance(rules, SmartCollectionRules)
    rules.operator = "OR"
    await crud.collection.update(db, db_obj=created, obj_in={"smart_rules": rules})
    expected = {**copy.deepcopy(OBJECT_RULES), "operator": "OR"}
    assert same_tree(await stored(db, "collections", "smart_rules", created.id), expected)

    weighted = await crud.collection.create(
        db, obj_in={"name": "Weighted", "is_smart_collection": True, "smart_rules": WEIGHTED_RULES}
    )
    assert same_tree(await stored(db, "collections", "smart_rules", weighted.id), WEIGHTED_RULES)
    read = await crud.collection.get(db, id=weighted.id)
    assert read is not None and isinstance(read.smart_rules, list)
    first = read.smart_rules[0]
    assert isinstance(first, WeightedSmartRule) and first["ui"] == {"color": "blue"}
    assert first.weight == 2 and type(first.weight) is int
    await crud.collection.update(db, db_obj=read, obj_in={"name": "Renamed"})
    assert same_tree(await stored(db, "collections", "smart_rules", weighted.id), WEIGHTED_RULES)

    # Written by another client with unknown keys: read, evaluated, written back whole.
    await store_raw(db, "collections", "smart_rules", weighted.id, OBJECT_RULES)
    again = await crud.collection.get(db, id=weighted.id)
    assert again is not None and same_tree(again.smart_rules, OBJECT_RULES)
    await crud.collection.refresh_smart(db, collection_id=again.id)
    await crud.collection.update(db, db_obj=again, obj_in={"smart_rules": again.smart_rules})
    assert same_tree(await stored(db, "collections", "smart_rules", weighted.id), OBJECT_RULES)


async def test_face_boxes_keep_integers_and_odd_stored_shapes(db: Any) -> None:
    asset = await new_asset(db)
    version = await crud.file_version.create(db, obj_in=version_input(asset))
    face = await crud.face.create(
        db,
        obj_in={"photo_id": version.id, "bounding_box": [10, 20, 30, 40], "confidence": 90},
    )
    assert face.bounding_box == [10, 20, 30, 40]
    assert all(type(x) is int for x in face.bounding_box)
    assert same_tree(await stored(db, "faces", "bounding_box", face.id), [10, 20, 30, 40])
    (again,) = await crud.face.get_by_photo(db, photo_id=version.id)
    assert all(type(x) is int for x in again.bounding_box)

    box = {"x": 10, "y": 20, "width": 30, "height": 40}
    await store_raw(db, "faces", "bounding_box", face.id, box)
    (odd,) = await crud.face.get_by_photo(db, photo_id=version.id)
    assert odd.bounding_box == box  # type: ignore[comparison-overlap]
    assert await crud.face.get(db, id=face.id) == odd


async def test_records_encode_as_the_stored_json(db: Any) -> None:
    asset = await new_asset(db)
    version = await crud.file_version.create(db, obj_in=version_input(asset))
    await store_raw(db, "file_versions", "metadata", version.id, APP_METADATA)
    read = await crud.file_version.get(db, id=version.id)
    assert read is not None
    assert read.metadata.ai.detected_objects  # type: ignore[union-attr]  # converts nested parts
    assert same_tree(json.loads(msgspec.json.encode(read))["metadata"], APP_METADATA)
    assert same_tree(msgspec.to_builtins(read)["metadata"], APP_METADATA)
    assert repr(read.metadata).startswith("CombinedMetadata({")
    with pytest.raises(AttributeError):
        read.metadata = None  # type: ignore[misc]


async def test_smart_rules_over_odd_stored_tags_read_string_items_only(db: Any) -> None:
    asset = await new_asset(db)
    shapes: list[Any] = [["beach", 3], "beach", [{"tag": "beach"}], {"beach": True}, ["sea"]]
    ids = []
    for index, tags in enumerate(shapes):
        version = await crud.file_version.create(db, obj_in=version_input(asset, index))
        await store_raw(db, "file_versions", "metadata", version.id, {"ai": {"aiTags": tags}})
        ids.append(version.id)
    rules = [{"id": "r", "field": "aiTags", "operator": "contains", "value": "beach", "weight": 1}]
    assert await crud.collection.preview_smart_rules(db, rules=rules) == [ids[0]]
    stored_rules = await crud.collection.create(
        db, obj_in={"name": "Beach", "is_smart_collection": True, "smart_rules": rules}
    )
    await crud.collection.refresh_smart(db, collection_id=stored_rules.id)
    members = await crud.collection_photo.get_multi(db)
    assert [m.photo_id for m in members] == [ids[0]]


# ---------------------------------------------------------------------------------------------
# What cannot be stored is refused before the database, and nothing is written
# ---------------------------------------------------------------------------------------------

DEEP: Any = {"a": 1}
for _ in range(10_000):
    DEEP = {"d": DEEP}


BAD_METADATA: list[tuple[Any, str]] = [
    ({"exif": {"gpsLatitude": math.nan}}, "file_versions.metadata.exif.gpsLatitude: nan is not"),
    ({"custom": {"x": [1, math.inf]}}, "file_versions.metadata.custom.x[1]: inf is not"),
    ({"exif": {"gpsLatitude": "51N"}}, "file_versions.metadata.exif.gpsLatitude: expected"),
    ({"ai": {"aiTags": ["a", 3]}}, "file_versions.metadata.ai.aiTags: expected list[str]"),
    ({"ai": {"detectedObjects": [{"boundingBox": "x"}]}}, "file_versions.metadata.ai."),
    ({"custom": DEEP}, "file_versions.metadata.custom.d.d"),
    ({"custom": "a\x00b"}, "file_versions.metadata.custom: contains a NUL"),
    ({"custom": {"k\x00": 1}}, "file_versions.metadata.custom.'k\\x00': key contains a NUL"),
    ({"custom": "\ud800"}, "file_versions.metadata.custom: contains a lone surrogate"),
    ({"custom": 2**64}, "file_versions.metadata.custom: integer does not fit 64 bits"),
    ({"custom": "x" * 1_100_000}, "file_versions.metadata.custom: is 1100000 bytes"),
    (
        {"custom": ["x" * 1000] * 1100},
        "file_versions.metadata: encodes to ",
    ),
]


@pytest.mark.parametrize(("document", "message"), BAD_METADATA)
async def test_metadata_that_cannot_be_stored_is_refused(
    db: Any, document: Any, message: str
) -> None:
    asset = await new_asset(db)
    version = await crud.file_version.create(db, obj_in=version_input(asset))
    before = await db.run(COUNT_ALL)
    attempts = [
        lambda: crud.file_version.create(db, obj_in=version_input(asset, 1, metadata=document)),
        lambda: crud.file_version.create_many(
            db, objs=[version_input(asset, 2), version_input(asset, 3, metadata=document)]
        ),
        lambda: crud.file_version.update(db, db_obj=version.id, obj_in={"metadata": document}),
    ]
    for attempt in attempts:
        with pytest.raises(ValidationError) as err:
            await attempt()
        assert err.value.field == "metadata"
        assert message in str(err.value)
    assert await db.run(COUNT_ALL) == before
    assert await stored(db, "file_versions", "metadata", version.id) is None
    assert (await crud.file_version.get_by_tier(db, tier="silver"))[0].id == version.id


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"bounding_box": [math.inf, 0.0, 1.0, 1.0]}, "faces.bounding_box[0]: inf is not"),
        ({"bounding_box": [1, 2, 3, math.nan]}, "faces.bounding_box[3]: nan is not"),
        ({"embedding": [0.5] * 127 + [-math.inf]}, "faces.embedding[127]: -inf is not"),
        ({"bounding_box": [1, 2, 3, 2**63]}, "faces.bounding_box[3]: integer does not fit"),
    ],
)
async def test_face_numbers_that_cannot_be_stored_are_refused(
    db: Any, values: dict[str, Any], message: str
) -> None:
    asset = await new_asset(db)
    version = await crud.file_version.create(db, obj_in=version_input(asset))
    good = {"photo_id": version.id, "bounding_box": [1.5, 2, 3, 4], "confidence": 50}
    face = await crud.face.create(db, obj_in=good)
    before = await db.run(COUNT_ALL)
    field = next(iter(values))
    for attempt in (
        lambda: crud.face.create(db, obj_in={**good, **values}),
        lambda: crud.face.create_many(db, objs=[good, {**good, **values}]),
        lambda: crud.face.update(db, db_obj=face.id, obj_in=values),
    ):
        with pytest.raises(ValidationError) as err:
            await attempt()
        assert err.value.field == field
        assert message in str(err.value)
    assert await db.run(COUNT_ALL) == before
    assert await crud.face.get_by_photo(db, photo_id=version.id) == [face]


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        (
            {"rules": [{"field": "rating", "operator": "equals", "value": math.nan}]},
            "collections.smart_rules.rules[0].value: nan is not a finite number",
        ),
        (
            [{"field": "aiTags", "operator": "contains", "value": "x", "weight": math.inf}],
            "collections.smart_rules[0].weight: inf is not a finite number",
        ),
        (
            {"rules": [{"field": 5, "operator": "equals", "value": 1}]},
            "collections.smart_rules.rules[0].field: expected str, got int",
        ),
        ({"rules": [], "operator": "XOR"}, "collections.smart_rules.operator: expected one of"),
    ],
)
async def test_smart_rules_that_cannot_be_stored_are_refused(
    db: Any, rules: Any, message: str
) -> None:
    existing = await crud.collection.create(db, obj_in={"name": "Kept"})
    before = await db.run(COUNT_ALL)
    for attempt in (
        lambda: crud.collection.create(
            db, obj_in={"name": "x", "is_smart_collection": True, "smart_rules": rules}
        ),
        lambda: crud.collection.update(db, db_obj=existing.id, obj_in={"smart_rules": rules}),
    ):
        with pytest.raises(ValidationError) as err:
            await attempt()
        assert err.value.field == "smart_rules"
        assert message in str(err.value)
    assert await db.run(COUNT_ALL) == before
    assert await crud.collection.get(db, id=existing.id) == existing


# ---------------------------------------------------------------------------------------------
# The document classes on their own
# ---------------------------------------------------------------------------------------------


def test_typed_assignment_checks_the_type_and_plain_objects_stay_new_input() -> None:
    doc = CombinedMetadata(exif=ExifMetadata(camera="Canon"))
    with pytest.raises(ValidationError, match=r"ExifMetadata\.gpsLatitude: expected a number"):
        doc.exif.gps_latitude = "51N"  # type: ignore[union-attr, assignment]
    with pytest.raises(ValidationError, match=r"CombinedMetadata\.ai: expected"):
        CombinedMetadata(ai=["x"])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="no field 'camera'"):
        CombinedMetadata(camera="x")  # type: ignore[call-arg]
    doc.ai = {"aiTags": [1]}  # type: ignore[assignment]
    assert isinstance(doc["ai"], AIMetadata)
    with pytest.raises(ValidationError, match=r"metadata\.ai\.aiTags: expected list\[str\]"):
        validate(InsertFileVersion, version_input("a", metadata=doc))
    doc.ai = None
    doc.exif = UNSET  # type: ignore[union-attr]
    assert doc == {"ai": None}


def test_documents_compare_copy_and_pickle_as_json_objects() -> None:
    import pickle

    doc = CombinedMetadata.from_tree({"exif": {"camera": "x"}, "other": [1]})
    assert doc == {"exif": {"camera": "x"}, "other": [1]}
    assert isinstance(doc.exif, ExifMetadata) and doc.exif.camera == "x"
    assert copy.deepcopy(doc) == doc and pickle.loads(pickle.dumps(doc)) == doc
    assert copy.copy(doc) == doc and type(copy.copy(doc)) is CombinedMetadata
    assert msgspec.json.decode(msgspec.json.encode(doc)) == doc


def test_row_annotations_still_name_the_documents() -> None:
    hints = {f.name: f.type for f in msgspec.structs.fields(FileVersion)}
    assert hints["metadata"] == CombinedMetadata | None
    assert {f.name: f.type for f in msgspec.structs.fields(Face)}["bounding_box"] == list[float]


def test_hotspot_names_read_odd_documents_as_missing() -> None:
    from pictallion_sql.catalog.clustering import find_hotspots
    from pictallion_sql.records.composites.catalog import LocatedPhoto

    def located(n: int, metadata: Any) -> LocatedPhoto:
        return LocatedPhoto(str(n), "48.85", "2.35", metadata, None)

    odd = [
        CombinedMetadata.from_tree({"ai": {"placeName": 5, "detectedEvents": "x"}}),
        CombinedMetadata.from_tree({"ai": "not an object"}),
        "not an object either",
    ]
    (hotspot,) = find_hotspots([located(n, doc) for n, doc in enumerate(odd)])
    assert hotspot.suggested_name == "Photo Location"
    named = [*odd, CombinedMetadata.from_tree({"ai": {"placeName": "Louvre"}})]
    (hotspot,) = find_hotspots([located(n, doc) for n, doc in enumerate(named)])
    assert hotspot.suggested_name == "Louvre"
