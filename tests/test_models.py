"""Record types against the drizzle schema snapshot, input validation and JSON documents."""

from __future__ import annotations

import json
import types
import typing
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Literal

import msgspec
import pytest

from pictallion_sql import models as m
from pictallion_sql.errors import ValidationError
from pictallion_sql.records.documents import Document

SNAPSHOT = json.loads(
    (Path(__file__).parent / "data" / "drizzle_snapshot.json").read_text(encoding="utf-8")
)
TABLES: dict[str, list[dict[str, Any]]] = {
    t["name"]: list(t["columns"].values()) for t in SNAPSHOT["tables"].values()
}

# Vocabulary columns: text in the database, a Literal in the record types.
ENUM_COLUMNS: dict[tuple[str, str], tuple[str, ...]] = {
    ("file_versions", "tier"): ("bronze", "silver", "gold"),
    ("file_versions", "processing_state"): ("processed", "promoted", "rejected", "unprocessed"),
    ("ai_prompts", "category"): ("analysis", "naming", "description"),
    ("ai_prompts", "provider"): ("openai", "ollama", "both"),
    ("events", "type"): ("holiday", "birthday", "custom"),
    ("events", "recurring_type"): ("yearly", "monthly", "weekly"),
    ("relationships", "relationship_type"): (
        "spouse",
        "partner",
        "sibling",
        "parent",
        "child",
        "friend",
        "relative",
    ),
}

# Smallest valid insert input per table: exactly the required fields.
MINIMAL: dict[str, dict[str, Any]] = {
    "users": {"username": "ada", "password": "secret"},
    "media_assets": {"original_filename": "IMG_0001.jpg"},
    "file_versions": {
        "media_asset_id": "a1",
        "tier": "silver",
        "file_path": "media/silver/2024/01/IMG_0001.jpg",
        "file_hash": "d41d8cd98f00b204e9800998ecf8427e",
        "file_size": 123456,
        "mime_type": "image/jpeg",
    },
    "asset_history": {"media_asset_id": "a1", "action": "INGESTED"},
    "collections": {"name": "Holidays"},
    "collection_photos": {"collection_id": "c1", "photo_id": "p1"},
    "people": {"name": "Grace"},
    "settings": {"key": "gold_naming_pattern", "value": "datetime"},
    "ai_prompts": {
        "name": "Image Analysis",
        "category": "analysis",
        "provider": "both",
        "system_prompt": "You analyse photos.",
        "user_prompt": "Describe this photo.",
    },
    "events": {"name": "New Year", "type": "holiday", "date": datetime(2024, 1, 1)},
    "faces": {"photo_id": "p1", "bounding_box": [10.0, 20.0, 30.0, 40.0], "confidence": 87},
    "global_tag_library": {"tag": "beach"},
    "relationships": {"person1_id": "x1", "person2_id": "x2", "relationship_type": "sibling"},
    "locations": {"name": "Home", "latitude": "51.5007", "longitude": "-0.1246"},
}


def _members(tp: Any) -> list[Any]:
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        out: list[Any] = []
        for arg in typing.get_args(tp):
            out.extend(_members(arg))
        return out
    return [tp]


def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls, include_extras=True)


def _strip_annotated(tp: Any) -> Any:
    return typing.get_args(tp)[0] if typing.get_origin(tp) is typing.Annotated else tp


def _omitted(table: str) -> set[str]:
    """Columns the insert schema leaves out: the id and the automatic timestamps."""
    return {
        c["name"]
        for c in TABLES[table]
        if c["name"] == "id" or (c["type"] == "timestamp" and c.get("default") == "now()")
    }


def _settable(table: str) -> list[str]:
    return [c["name"] for c in TABLES[table] if c["name"] not in _omitted(table)]


def _not_null(table: str, column: str) -> bool:
    return bool(next(c["notNull"] for c in TABLES[table] if c["name"] == column))


# --- the snapshot itself -------------------------------------------------------------------


def test_snapshot_has_the_documented_shape() -> None:
    assert len(TABLES) == 14
    assert sum(len(cols) for cols in TABLES.values()) == 110


def test_registries_cover_every_table() -> None:
    assert set(m.ROW_TYPES) == set(TABLES)
    assert set(m.INSERT_TYPES) == set(TABLES)
    assert set(m.UPDATE_TYPES) == set(TABLES)
    for table in TABLES:
        assert m.ROW_TYPES[table].__table__ == table  # type: ignore[attr-defined]
        assert m.INSERT_TYPES[table].__table__ == table  # type: ignore[attr-defined]
        assert m.UPDATE_TYPES[table].__table__ == table  # type: ignore[attr-defined]
        assert m.INSERT_TYPES[table].__name__ == "Insert" + m.ROW_TYPES[table].__name__
        assert m.UPDATE_TYPES[table].__name__ == "Update" + m.ROW_TYPES[table].__name__


def test_record_types_and_exports() -> None:
    for cls in m.ROW_TYPES.values():
        assert m.RECORD_TYPES[cls.__name__] is cls
    for doc in (m.CombinedMetadata, m.ExifMetadata, m.AIMetadata, m.SmartCollectionRules):
        assert m.RECORD_TYPES[doc.__name__] is doc
    for name in m.__all__:
        assert hasattr(m, name), name
    for cls in (*m.ROW_TYPES.values(), *m.INSERT_TYPES.values(), *m.UPDATE_TYPES.values()):
        assert cls.__doc__ and cls.__doc__.strip()


# --- row structs ---------------------------------------------------------------------------


@pytest.mark.parametrize("table", sorted(TABLES))
def test_row_struct_matches_snapshot(table: str) -> None:
    cls = m.ROW_TYPES[table]
    columns = TABLES[table]
    assert cls.__struct_fields__ == tuple(c["name"] for c in columns)
    assert cls.__struct_defaults__ == ()
    config = cls.__struct_config__
    assert config.frozen and not config.gc and not config.forbid_unknown_fields
    hints = _hints(cls)
    for col in columns:
        name = col["name"]
        members = _members(hints[name])
        nullable = type(None) in members
        assert nullable is (not col["notNull"]), name
        assert msgspec.UnsetType not in members, name
        base = [t for t in members if t is not type(None)]
        sql_type = col["type"]
        if (table, name) in ENUM_COLUMNS:
            values = [v for t in base for v in typing.get_args(t)]
            assert all(typing.get_origin(t) is Literal for t in base), name
            assert tuple(values) == ENUM_COLUMNS[(table, name)], name
        elif sql_type in ("text", "varchar"):
            assert base == [str], name
        elif sql_type == "integer":
            assert base == [int], name
        elif sql_type == "boolean":
            assert base == [bool], name
        elif sql_type == "timestamp":
            assert base == [datetime], name
        elif sql_type == "text[]":
            assert base == [list[str]], name
        elif sql_type == "jsonb":
            assert base, name
            for t in base:
                assert (
                    typing.get_origin(t) is list or t is m.SmartRules or issubclass(t, Document)
                ), name
        else:
            pytest.fail(f"unmapped column type {sql_type} for {table}.{name}")


def test_jsonb_column_types() -> None:
    assert _hints(m.FileVersion)["metadata"] == m.CombinedMetadata | None
    # At run time SmartRules stands for SmartCollectionRules | list[WeightedSmartRule].
    assert _members(_hints(m.Collection)["smart_rules"]) == [m.SmartRules, type(None)]
    assert isinstance(m.SmartCollectionRules(), m.SmartRules)
    assert isinstance([m.WeightedSmartRule()], m.SmartRules)
    assert not isinstance([{}], m.SmartRules)
    assert _hints(m.Face)["bounding_box"] == list[float]
    assert _hints(m.Face)["embedding"] == list[float] | None


def test_row_builds_positionally_and_encodes_snake_case() -> None:
    created = datetime(2024, 5, 1, 12, 30)
    row: tuple[Any, ...] = (
        "fv1",
        "a1",
        "gold",
        "media/gold/2024-05/x.jpg",
        "abc",
        2048,
        "image/jpeg",
        m.CombinedMetadata(exif=m.ExifMetadata(gps_latitude=51.5)),
        False,
        4,
        ["beach"],
        None,
        None,
        None,
        "ffee",
        "SunnyBeach",
        "unprocessed",
        created,
    )
    fv = m.FileVersion(*row)
    assert fv.processing_state == "unprocessed"
    with pytest.raises(AttributeError):
        fv.rating = 5  # type: ignore[misc]
    encoded = json.loads(msgspec.json.encode(fv))
    assert list(encoded) == list(m.FileVersion.__struct_fields__)
    assert encoded["media_asset_id"] == "a1"
    assert encoded["metadata"] == {"exif": {"gpsLatitude": 51.5}}
    decoded = msgspec.json.decode(
        msgspec.json.encode(fv), type=m.FileVersion, dec_hook=m.decode_hook
    )
    assert decoded == fv
    assert msgspec.to_builtins(fv)["metadata"] == {"exif": {"gpsLatitude": 51.5}}


def test_row_reads_legacy_processing_state() -> None:
    raw = {
        "id": "fv1",
        "media_asset_id": "a1",
        "tier": "bronze",
        "file_path": "p",
        "file_hash": "h",
        "file_size": 1,
        "mime_type": "image/jpeg",
        "metadata": None,
        "is_reviewed": None,
        "rating": None,
        "keywords": None,
        "location": None,
        "event_type": None,
        "event_name": None,
        "perceptual_hash": None,
        "ai_short_description": None,
        "processing_state": "unprocessed",
        "created_at": "2024-01-01T00:00:00",
    }
    assert msgspec.convert(raw, m.FileVersion).processing_state == "unprocessed"
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert({**raw, "processing_state": "archived"}, m.FileVersion)


# --- insert structs ------------------------------------------------------------------------


@pytest.mark.parametrize("table", sorted(TABLES))
def test_insert_struct_fields_follow_the_insert_schema(table: str) -> None:
    cls = m.INSERT_TYPES[table]
    config = cls.__struct_config__
    assert config.forbid_unknown_fields and config.omit_defaults and not config.frozen
    assert list(cls.__struct_fields__) == _settable(table)
    columns = {c["name"]: c for c in TABLES[table]}
    required = {
        name
        for name in cls.__struct_fields__
        if columns[name]["notNull"] and "default" not in columns[name]
    }
    fields = {f.name: f for f in msgspec.structs.fields(cls)}
    assert {n for n, f in fields.items() if f.required} == required
    assert set(MINIMAL[table]) == required
    for name, f in fields.items():
        if not f.required:
            assert f.default is msgspec.UNSET, name
            assert msgspec.UnsetType in _members(f.type), name
        nullable = type(None) in _members(f.type)
        assert nullable is (not columns[name]["notNull"]), name
    # kw_only: nothing may be passed positionally.
    with pytest.raises(TypeError):
        cls(*MINIMAL[table].values())


@pytest.mark.parametrize("table", sorted(TABLES))
def test_insert_minimal_and_optional_fields(table: str) -> None:
    cls = m.INSERT_TYPES[table]
    built = cls(**MINIMAL[table])
    assert m.provided_fields(built) == MINIMAL[table]
    assert msgspec.convert(MINIMAL[table], cls) == built
    assert m.validate(cls, MINIMAL[table]) == built
    for name in cls.__struct_fields__:
        if name in MINIMAL[table]:
            with pytest.raises(ValidationError) as err:
                cls(**{**MINIMAL[table], name: None})
            assert err.value.field == name
            continue
        assert getattr(built, name) is msgspec.UNSET
        if _not_null(table, name):
            with pytest.raises(ValidationError, match=rf"^{table}\.{name}: must not be null"):
                cls(**MINIMAL[table], **{name: None})
        else:
            assert getattr(cls(**MINIMAL[table], **{name: None}), name) is None


@pytest.mark.parametrize(
    ("cls", "field"),
    [
        (m.InsertFace, "ignored"),
        (m.InsertSetting, "category"),
        (m.InsertGlobalTag, "usage_count"),
    ],
)
def test_not_null_with_default_is_optional_but_rejects_null(cls: type[Any], field: str) -> None:
    table = cls.__table__
    assert getattr(cls(**MINIMAL[table]), field) is msgspec.UNSET
    with pytest.raises(ValidationError) as err:
        cls(**MINIMAL[table], **{field: None})
    assert err.value.field == field
    with pytest.raises(ValidationError) as err:
        m.validate(cls, {**MINIMAL[table], field: None})
    assert err.value.field == field


def test_insert_missing_required_field() -> None:
    with pytest.raises(ValidationError) as err:
        m.validate(m.InsertFileVersion, {"tier": "gold"})
    assert err.value.field == "media_asset_id"
    assert str(err.value) == "file_versions.media_asset_id: is required"
    with pytest.raises(ValidationError) as err:
        m.InsertUser(username="ada", password=msgspec.UNSET)  # type: ignore[arg-type]
    assert err.value.field == "password"


# --- update structs ------------------------------------------------------------------------


@pytest.mark.parametrize("table", sorted(TABLES))
def test_update_struct_fields(table: str) -> None:
    cls = m.UPDATE_TYPES[table]
    config = cls.__struct_config__
    assert config.forbid_unknown_fields and config.omit_defaults
    assert list(cls.__struct_fields__) == _settable(table)
    empty = cls()
    assert m.provided_fields(empty) == {}
    assert msgspec.json.encode(empty) == b"{}"
    for name in cls.__struct_fields__:
        assert getattr(empty, name) is msgspec.UNSET
        members = _members(_hints(cls)[name])
        assert msgspec.UnsetType in members
        if _not_null(table, name):
            assert type(None) not in members
            with pytest.raises(ValidationError) as err:
                cls(**{name: None})
            assert err.value.field == name
            with pytest.raises(ValidationError) as err:
                m.validate(cls, {name: None})
            assert err.value.field == name
        else:
            assert m.provided_fields(cls(**{name: None})) == {name: None}
    for forbidden in ("id", "created_at", "updated_at", "timestamp", "added_at"):
        with pytest.raises(ValidationError) as err:
            m.validate(cls, {forbidden: "x"})
        assert err.value.field == forbidden


def test_update_distinguishes_unset_from_null() -> None:
    not_given = m.UpdateFileVersion(rating=3)
    nulled = m.UpdateFileVersion(rating=3, location=None)
    assert not_given.location is msgspec.UNSET
    assert nulled.location is None
    assert m.provided_fields(not_given) == {"rating": 3}
    assert m.provided_fields(nulled) == {"rating": 3, "location": None}
    assert json.loads(msgspec.json.encode(nulled)) == {"rating": 3, "location": None}
    from_json = msgspec.json.decode(b'{"location": null}', type=m.UpdateFileVersion)
    assert m.provided_fields(from_json) == {"location": None}


def test_unknown_keys_rejected() -> None:
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert({"rating": 3, "tags": ["x"]}, m.UpdateFileVersion)
    with pytest.raises(ValidationError) as err:
        m.validate(m.UpdateFileVersion, {"rating": 3, "tags": ["x"]})
    assert err.value.field == "tags"
    assert str(err.value) == "file_versions.tags: unknown field"
    with pytest.raises(ValidationError) as err:
        m.validate_json(m.UpdateMediaAsset, b'{"updatedAt": "2024-01-01T00:00:00"}')
    assert err.value.field == "updatedAt"


BAD_VALUES: list[tuple[type[Any], str, Any]] = [
    (m.UpdateFileVersion, "tier", "platinum"),
    (m.UpdateFileVersion, "processing_state", "unprocessed"),
    (m.UpdateFileVersion, "rating", 6),
    (m.UpdateFileVersion, "rating", -1),
    (m.UpdateFileVersion, "rating", True),
    (m.UpdateFileVersion, "rating", 2.0),
    (m.UpdateFileVersion, "file_size", 2_147_483_648),
    (m.UpdateFileVersion, "file_size", "12"),
    (m.UpdateFileVersion, "keywords", ["ok", 3]),
    (m.UpdateFileVersion, "keywords", "beach"),
    (m.UpdateFileVersion, "file_path", 7),
    (m.UpdateFileVersion, "is_reviewed", 1),
    (m.UpdateFileVersion, "metadata", {"exif": {}}),
    (m.UpdateFace, "confidence", 101),
    (m.UpdateFace, "bounding_box", [1, 2, "3", 4]),
    (m.UpdateFace, "embedding", [0.1, None]),
    (m.UpdatePerson, "face_count", -2_147_483_649),
    (m.UpdatePerson, "birthdate", "1990-05-01"),
    (m.UpdateAIPrompt, "category", "tagging"),
    (m.UpdateAIPrompt, "provider", "mistral"),
    (m.UpdateEvent, "type", "anniversary"),
    (m.UpdateEvent, "recurring_type", "daily"),
    (m.UpdateRelationship, "relationship_type", "cousin"),
    (m.UpdateLocation, "radius", 1 << 40),
    (m.UpdateGlobalTag, "usage_count", 3.5),
    (m.UpdateCollection, "smart_rules", {"rules": []}),
]


@pytest.mark.parametrize(("cls", "field", "value"), BAD_VALUES)
def test_bad_values_rejected_on_direct_construction(cls: type[Any], field: str, value: Any) -> None:
    with pytest.raises(ValidationError) as err:
        cls(**{field: value})
    assert err.value.field == field
    assert str(err.value).startswith(f"{cls.__table__}.{field}")


# Through msgspec.convert an ISO string is a valid datetime and a dict a valid document, so
# those three cases only apply to direct construction.
BAD_PLAIN_DATA = [b for b in BAD_VALUES if b[1] not in ("birthdate", "metadata", "smart_rules")]


@pytest.mark.parametrize(("cls", "field", "value"), BAD_PLAIN_DATA)
def test_bad_values_rejected_on_convert(cls: type[Any], field: str, value: Any) -> None:
    with pytest.raises(msgspec.ValidationError) as raw:
        msgspec.convert({field: value}, cls)
    converted = m.validation_error(raw.value, cls.__table__)
    assert converted.field == field
    assert str(converted).startswith(f"{cls.__table__}.{field}")
    with pytest.raises(ValidationError) as err:
        m.validate(cls, {field: value})
    assert err.value.field == field


def test_insert_bad_values_rejected_both_ways() -> None:
    base = MINIMAL["file_versions"]
    with pytest.raises(ValidationError) as err:
        m.InsertFileVersion(**{**base, "tier": "platinum"})
    assert err.value.field == "tier"
    assert str(err.value) == (
        "file_versions.tier: expected one of 'bronze', 'silver', 'gold', got 'platinum'"
    )
    with pytest.raises(ValidationError) as err:
        m.validate(m.InsertFileVersion, {**base, "tier": "platinum"})
    assert err.value.field == "tier"
    with pytest.raises(ValidationError) as err:
        m.InsertFace(**{**MINIMAL["faces"], "confidence": 250})
    assert str(err.value) == "faces.confidence: expected an integer from 0 to 100, got 250"
    with pytest.raises(ValidationError) as err:
        m.validate_json(m.InsertFace, json.dumps({**MINIMAL["faces"], "confidence": 250}))
    assert err.value.field == "confidence"


def test_boundary_values_accepted() -> None:
    assert m.UpdateFileVersion(file_size=2_147_483_647).file_size == 2_147_483_647
    assert m.UpdatePerson(face_count=-2_147_483_648).face_count == -2_147_483_648
    assert m.UpdateFileVersion(rating=0).rating == 0
    assert m.UpdateFileVersion(rating=5).rating == 5
    assert m.UpdateFace(confidence=100, bounding_box=[1, 2.5, 3, 4]).confidence == 100
    assert m.validate(m.UpdateFace, {"confidence": 0}).confidence == 0


def test_nested_path_in_error() -> None:
    with pytest.raises(ValidationError) as err:
        m.validate(m.UpdateFileVersion, {"metadata": {"exif": {"gpsLatitude": "51N"}}})
    assert err.value.field == "metadata"
    assert str(err.value).startswith("file_versions.metadata.exif.gpsLatitude: ")
    with pytest.raises(ValidationError) as err:
        m.UpdateFileVersion(keywords=["a", "b", None])  # type: ignore[list-item]
    assert str(err.value) == "file_versions.keywords[2]: expected str, got None"


def test_validation_error_keeps_post_init_error() -> None:
    ours = ValidationError("people.birthdate: nope", field="birthdate")
    try:
        raise msgspec.ValidationError("people.birthdate: nope") from ours
    except msgspec.ValidationError as exc:
        assert m.validation_error(exc, "people") is ours


def test_malformed_json() -> None:
    with pytest.raises(ValidationError, match="malformed JSON"):
        m.validate_json(m.UpdateUser, b'{"username": ')
    with pytest.raises(ValidationError) as err:
        m.validate_json(m.UpdateUser, b"[1, 2]")
    assert err.value.field is None


# --- timestamps ----------------------------------------------------------------------------


def test_aware_datetime_normalised_to_naive_utc() -> None:
    plus2 = timezone(timedelta(hours=2))
    person = m.InsertPerson(name="Grace", birthdate=datetime(1990, 5, 1, 1, 30, tzinfo=plus2))
    assert person.birthdate == datetime(1990, 4, 30, 23, 30)
    assert isinstance(person.birthdate, datetime) and person.birthdate.tzinfo is None
    event = m.UpdateEvent(date=datetime(2024, 1, 1, tzinfo=UTC))
    assert event.date == datetime(2024, 1, 1)
    assert isinstance(event.date, datetime) and event.date.tzinfo is None
    naive = datetime(2024, 7, 4, 9, 0)
    assert m.InsertEvent(name="x", type="holiday", date=naive).date is naive


def test_datetime_strings_through_convert_and_json() -> None:
    converted = m.validate(m.UpdatePerson, {"birthdate": "1990-05-01T01:30:00+02:00"})
    assert converted.birthdate == datetime(1990, 4, 30, 23, 30)
    decoded = m.validate_json(
        m.InsertEvent, b'{"name": "x", "type": "custom", "date": "2024-03-10T08:00:00Z"}'
    )
    assert decoded.date == datetime(2024, 3, 10, 8, 0)
    with pytest.raises(ValidationError) as err:
        m.InsertEvent(name="x", type="custom", date="2024-03-10T08:00:00Z")  # type: ignore[arg-type]
    assert err.value.field == "date"


# --- JSON documents ------------------------------------------------------------------------

METADATA_DOC: dict[str, Any] = {
    "exif": {
        "camera": "Apple iPhone 13 Pro",
        "lens": "iPhone 13 Pro back triple camera 5.7mm f/1.5",
        "aperture": "f/1.5",
        "shutter": "1/120s",
        "iso": "64",
        "focalLength": "5.7mm",
        "dateTime": "2024:07:04 18:21:05",
        "dateTimeOriginal": "2024:07:04 18:21:05",
        "createDate": "2024:07:04 18:21:05",
        "gpsLatitude": 40.748817,
        "gpsLongitude": -73.985428,
        "xResolution": "72",
        "resolutionUnit": "inches",
    },
    "ai": {
        "aiTags": ["fireworks", "city", "night"],
        "shortDescription": "CityFireworks",
        "longDescription": "Fireworks over the Manhattan skyline at dusk.",
        "detectedObjects": [
            {"name": "building", "confidence": 0.92, "boundingBox": [12, 40, 300, 500]},
            {"name": "firework", "confidence": 0.88},
        ],
        "detectedFaces": [
            {"faceId": "f1", "personName": "Grace", "confidence": 97, "boundingBox": [1, 2, 3, 4]}
        ],
        "detectedEvents": [
            {"eventType": "holiday", "eventName": "Independence Day", "confidence": 90}
        ],
        "placeName": "New York",
        "gpsCoordinates": {"latitude": 40.748817, "longitude": -73.985428},
        "perceptualHash": "f0e1d2c3b4a59687",
        "aiConfidenceScores": {"tags": 0.91, "description": 0.85},
    },
    "faceDetection": {
        "attempted": True,
        "timestamp": "2024-07-05T09:00:00.000Z",
        "method": "face-api",
        "failed": False,
        "error": None,
    },
}

EXIF_KEYS = [
    "camera",
    "lens",
    "aperture",
    "shutter",
    "iso",
    "focalLength",
    "dateTime",
    "dateTaken",
    "dateTimeOriginal",
    "createDate",
    "modifyDate",
    "gpsLatitude",
    "gpsLongitude",
    "software",
    "flash",
    "whiteBalance",
    "exposureMode",
    "meteringMode",
    "sceneType",
    "colorSpace",
    "orientation",
    "xResolution",
    "yResolution",
    "resolutionUnit",
]


def _encode_names(cls: type[Document]) -> list[str]:
    return list(cls.__keys__)


def test_document_keys_are_the_stored_camel_case_names() -> None:
    assert _encode_names(m.ExifMetadata) == EXIF_KEYS
    assert _encode_names(m.AIMetadata) == [
        "aiTags",
        "shortDescription",
        "longDescription",
        "detectedObjects",
        "detectedFaces",
        "detectedEvents",
        "placeName",
        "gpsCoordinates",
        "perceptualHash",
        "aiConfidenceScores",
    ]
    assert _encode_names(m.CombinedMetadata) == ["exif", "ai", "faceDetection"]
    assert _encode_names(m.FaceDetectionInfo) == [
        "attempted",
        "timestamp",
        "method",
        "failed",
        "error",
    ]
    assert _encode_names(m.DetectedFace) == ["faceId", "personName", "confidence", "boundingBox"]
    assert _encode_names(m.DetectedEvent) == ["eventType", "eventName", "confidence"]
    assert _encode_names(m.WeightedSmartRule) == ["id", "field", "operator", "value", "weight"]


@pytest.mark.parametrize(
    "doc",
    [
        m.GpsCoordinates,
        m.DetectedObject,
        m.DetectedFace,
        m.DetectedEvent,
        m.AIMetadata,
        m.ExifMetadata,
        m.FaceDetectionInfo,
        m.CombinedMetadata,
        m.SmartCollectionRule,
        m.SmartCollectionRules,
        m.WeightedSmartRule,
    ],
)
def test_every_document_field_is_optional(doc: type[Document]) -> None:
    for name in doc.__fields__:
        assert getattr(doc(), name) is msgspec.UNSET, name
    assert m.validate_json(doc, b"{}") == doc()
    assert msgspec.json.encode(doc()) == b"{}"


def test_metadata_document_round_trips() -> None:
    raw = json.dumps(METADATA_DOC).encode()
    doc = m.validate_json(m.CombinedMetadata, raw)
    assert isinstance(doc.exif, m.ExifMetadata)
    assert doc.exif.gps_latitude == pytest.approx(40.748817)
    assert doc.exif.date_time_original == "2024:07:04 18:21:05"
    assert doc.exif.x_resolution == "72"
    assert doc.exif.date_taken is msgspec.UNSET
    assert isinstance(doc.ai, m.AIMetadata)
    assert doc.ai.ai_tags == ["fireworks", "city", "night"]
    assert doc.ai.ai_confidence_scores == {"tags": 0.91, "description": 0.85}
    assert isinstance(doc.ai.detected_objects, list)
    assert doc.ai.detected_objects[1].bounding_box is msgspec.UNSET
    assert isinstance(doc.face_detection, m.FaceDetectionInfo)
    assert doc.face_detection.method == "face-api"
    assert doc.face_detection.error is None
    assert json.loads(msgspec.json.encode(doc)) == METADATA_DOC


def test_metadata_null_ai_and_legacy_documents() -> None:
    doc = m.validate_json(m.CombinedMetadata, b'{"ai": null}')
    assert doc.ai is None
    assert doc.exif is msgspec.UNSET
    assert json.loads(msgspec.json.encode(doc)) == {"ai": None}
    legacy = b'{"exif": {"dateTime": "2023-01-01T10:00:00.000Z"}, "ai": {"aiTags": []}}'
    decoded = m.validate_json(m.CombinedMetadata, legacy)
    assert json.loads(msgspec.json.encode(decoded)) == json.loads(legacy)
    assert m.validate_json(m.CombinedMetadata, b"{}") == m.CombinedMetadata()


def test_metadata_inside_insert_input() -> None:
    built = m.validate(m.InsertFileVersion, {**MINIMAL["file_versions"], "metadata": METADATA_DOC})
    assert isinstance(built.metadata, m.CombinedMetadata)
    assert json.loads(msgspec.json.encode(built))["metadata"] == METADATA_DOC


SMART_RULE_SHAPES: list[Any] = [
    {
        "rules": [
            {"field": "rating", "operator": "greater_than", "value": 3},
            {"field": "keywords", "operator": "in", "value": ["beach", "sea"]},
            {"field": "rating", "operator": "between", "value": [2, 4.5]},
            {"field": "isReviewed", "operator": "equals", "value": True},
            {"field": "location", "operator": "contains", "value": None},
        ],
        "operator": "AND",
    },
    {},
    [
        {"id": "r1", "field": "aiTags", "operator": "contains", "value": "beach", "weight": 1},
        {"id": "r2", "field": "faceCount", "operator": ">=", "value": "2", "weight": 0.5},
    ],
    None,
]


@pytest.mark.parametrize("shape", SMART_RULE_SHAPES, ids=["object", "empty", "weighted", "null"])
def test_smart_rules_shapes_decode_and_round_trip(shape: Any) -> None:
    row = {
        "id": "c1",
        "name": "Smart",
        "description": None,
        "is_public": False,
        "cover_photo": None,
        "is_smart_collection": True,
        "smart_rules": shape,
        "created_at": "2024-01-01T00:00:00",
        "updated_at": "2024-01-02T00:00:00",
    }
    collection = msgspec.json.decode(json.dumps(row), type=m.Collection, dec_hook=m.decode_hook)
    rules = collection.smart_rules
    if shape is None:
        assert rules is None
    elif isinstance(shape, list):
        assert isinstance(rules, list) and all(isinstance(r, m.WeightedSmartRule) for r in rules)
    else:
        assert isinstance(rules, m.SmartCollectionRules)
    assert json.loads(msgspec.json.encode(collection))["smart_rules"] == shape
    update = m.validate(m.UpdateCollection, {"smart_rules": shape})
    assert json.loads(msgspec.json.encode(update)) == {"smart_rules": shape}


def test_smart_rules_empty_object_and_bad_operator() -> None:
    empty = m.validate_json(m.SmartCollectionRules, b"{}")
    assert empty.rules is msgspec.UNSET and empty.operator is msgspec.UNSET
    # A stored operator outside the vocabulary reads as missing; a new one is refused.
    odd = m.validate_json(m.SmartCollectionRules, b'{"rules": [], "operator": "XOR"}')
    assert odd.operator is msgspec.UNSET and odd["operator"] == "XOR"
    with pytest.raises(ValidationError, match=r"collections\.smart_rules\.operator: expected"):
        m.validate(m.UpdateCollection, {"smart_rules": {"rules": [], "operator": "XOR"}})
    rules = m.SmartCollectionRules(
        rules=[m.SmartCollectionRule(field="tier", operator="equals", value="gold")],
        operator="OR",
    )
    assert m.UpdateCollection(smart_rules=rules).smart_rules is rules
