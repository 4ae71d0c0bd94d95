"""Typed records for the Pictallion schema: table rows, insert and update inputs, JSON documents.

Row structs mirror the 14 tables column for column, in DDL order, so a query result tuple builds
one positionally (``FileVersion(*row)``). Insert and update structs carry the drizzle-zod input
rules: which columns may be given, which are required, which accept NULL. ``msgspec.UNSET`` marks
"not given" (the database default applies, or an update leaves the column alone) and stays
distinct from ``None`` (write NULL). JSON documents stored in ``jsonb`` columns keep the camelCase
keys the application has always written.
"""

import math
from collections.abc import Callable
from datetime import UTC, datetime
from types import NoneType, UnionType
from typing import (
    TYPE_CHECKING,
    Annotated,
    Any,
    ClassVar,
    Literal,
    TypeAlias,
    TypeVar,
    Union,
    get_args,
    get_origin,
    get_type_hints,
)

import msgspec
from msgspec import UNSET, Meta, UnsetType

from pictallion_sql.errors import ValidationError
from pictallion_sql.limits import (
    INDEXED_TEXT_COLUMNS,
    INT8_MAX,
    INT8_MIN,
    MAX_INDEXED_TEXT_BYTES,
    MAX_LIST_ITEMS,
    MAX_TEXT_BYTES,
    shown,
    text_problem,
)
from pictallion_sql.records.documents import (
    Document,
    DocumentProblem,
    decode_hook,
    document_check,
    document_or_list,
    number_list_problem,
)

__all__ = [
    "INSERT_TYPES",
    "INT4_MAX",
    "INT4_MIN",
    "RECORD_TYPES",
    "ROW_TYPES",
    "UPDATE_TYPES",
    "AICategory",
    "AIMetadata",
    "AIPrompt",
    "AIProvider",
    "AssetHistory",
    "Collection",
    "CollectionPhoto",
    "CombinedMetadata",
    "DetectedEvent",
    "DetectedFace",
    "DetectedObject",
    "Event",
    "EventType",
    "ExifMetadata",
    "Face",
    "FaceDetectionInfo",
    "FileVersion",
    "GlobalTag",
    "GpsCoordinates",
    "InsertAIPrompt",
    "InsertAssetHistory",
    "InsertCollection",
    "InsertCollectionPhoto",
    "InsertEvent",
    "InsertFace",
    "InsertFileVersion",
    "InsertGlobalTag",
    "InsertLocation",
    "InsertMediaAsset",
    "InsertPerson",
    "InsertRelationship",
    "InsertSetting",
    "InsertUser",
    "Location",
    "MediaAsset",
    "Person",
    "ProcessingState",
    "RecurringType",
    "Relationship",
    "RelationshipType",
    "Setting",
    "SmartCollectionRule",
    "SmartCollectionRules",
    "SmartRules",
    "StoredProcessingState",
    "Tier",
    "UpdateAIPrompt",
    "UpdateAssetHistory",
    "UpdateCollection",
    "UpdateCollectionPhoto",
    "UpdateEvent",
    "UpdateFace",
    "UpdateFileVersion",
    "UpdateGlobalTag",
    "UpdateLocation",
    "UpdateMediaAsset",
    "UpdatePerson",
    "UpdateRelationship",
    "UpdateSetting",
    "UpdateUser",
    "User",
    "WeightedSmartRule",
    "decode_hook",
    "lone_surrogate_error",
    "provided_fields",
    "validate",
    "validate_json",
    "validation_error",
]

# ---------------------------------------------------------------------------------------------
# Vocabularies. The database has no CHECK constraints for these (the enums only ever lived in the
# application's TypeScript/Zod layer), so they are enforced on input only.
# ---------------------------------------------------------------------------------------------

Tier: TypeAlias = Literal["bronze", "silver", "gold"]
ProcessingState: TypeAlias = Literal["processed", "promoted", "rejected"]
# Rows written before the state vocabulary was narrowed may still say 'unprocessed'; reading them
# must not fail, but new writes may not use it.
StoredProcessingState: TypeAlias = ProcessingState | Literal["unprocessed"]
AICategory: TypeAlias = Literal["analysis", "naming", "description"]
AIProvider: TypeAlias = Literal["openai", "ollama", "both"]
EventType: TypeAlias = Literal["holiday", "birthday", "custom"]
RecurringType: TypeAlias = Literal["yearly", "monthly", "weekly"]
RelationshipType: TypeAlias = Literal[
    "spouse", "partner", "sibling", "parent", "child", "friend", "relative"
]

INT4_MIN = -2_147_483_648
INT4_MAX = 2_147_483_647

# Bounded integer inputs; msgspec enforces the Meta bounds on decode, __post_init__ on construction.
Int4: TypeAlias = Annotated[int, Meta(ge=INT4_MIN, le=INT4_MAX)]
Rating: TypeAlias = Annotated[int, Meta(ge=0, le=5)]
Confidence: TypeAlias = Annotated[int, Meta(ge=0, le=100)]

# ---------------------------------------------------------------------------------------------
# JSON documents. A document is the JSON object as stored, every key and value kept (keys the
# application does not know, at any depth, and values of unexpected types alike), so a record
# read and written back loses nothing; it is a ``dict`` and encodes as the object it is. The
# declared fields are typed attributes over it: a key that is absent or holds a value of
# another type reads as UNSET (the raw value stays reachable by key), so no stored document
# makes a row unreadable. See ``pictallion_sql.records.documents`` and docs/documents.md.
# ---------------------------------------------------------------------------------------------


class GpsCoordinates(Document):
    """Decimal-degree coordinates found by AI analysis (0,0 means "unknown")."""

    __slots__ = ()

    latitude: float | UnsetType = UNSET
    longitude: float | UnsetType = UNSET


class DetectedObject(Document):
    """One object the AI found in a photo."""

    __slots__ = ()

    name: str | UnsetType = UNSET
    confidence: float | UnsetType = UNSET
    bounding_box: list[float] | UnsetType = UNSET


class DetectedFace(Document):
    """One face the AI found in a photo."""

    __slots__ = ()

    face_id: str | UnsetType = UNSET
    person_name: str | UnsetType = UNSET
    confidence: float | UnsetType = UNSET
    bounding_box: list[float] | UnsetType = UNSET


class DetectedEvent(Document):
    """One event (holiday, birthday, ...) the AI associated with a photo."""

    __slots__ = ()

    event_type: str | UnsetType = UNSET
    event_name: str | UnsetType = UNSET
    confidence: float | UnsetType = UNSET


class AIMetadata(Document):
    """AI analysis results, stored at ``file_versions.metadata.ai``."""

    __slots__ = ()

    ai_tags: list[str] | UnsetType = UNSET
    short_description: str | UnsetType = UNSET
    long_description: str | UnsetType = UNSET
    detected_objects: list[DetectedObject] | UnsetType = UNSET
    detected_faces: list[DetectedFace] | UnsetType = UNSET
    detected_events: list[DetectedEvent] | UnsetType = UNSET
    place_name: str | UnsetType = UNSET
    gps_coordinates: GpsCoordinates | UnsetType = UNSET
    perceptual_hash: str | UnsetType = UNSET
    ai_confidence_scores: dict[str, float] | UnsetType = UNSET


class ExifMetadata(Document):
    """Camera EXIF data, stored at ``file_versions.metadata.exif``; only GPS values are numbers."""

    __slots__ = ()

    camera: str | UnsetType = UNSET
    lens: str | UnsetType = UNSET
    aperture: str | UnsetType = UNSET
    shutter: str | UnsetType = UNSET
    iso: str | UnsetType = UNSET
    focal_length: str | UnsetType = UNSET
    date_time: str | UnsetType = UNSET
    date_taken: str | UnsetType = UNSET
    date_time_original: str | UnsetType = UNSET
    create_date: str | UnsetType = UNSET
    modify_date: str | UnsetType = UNSET
    gps_latitude: float | UnsetType = UNSET
    gps_longitude: float | UnsetType = UNSET
    software: str | UnsetType = UNSET
    flash: str | UnsetType = UNSET
    white_balance: str | UnsetType = UNSET
    exposure_mode: str | UnsetType = UNSET
    metering_mode: str | UnsetType = UNSET
    scene_type: str | UnsetType = UNSET
    color_space: str | UnsetType = UNSET
    orientation: str | UnsetType = UNSET
    x_resolution: str | UnsetType = UNSET
    y_resolution: str | UnsetType = UNSET
    resolution_unit: str | UnsetType = UNSET


class FaceDetectionInfo(Document):
    """How face detection went at upload time, merged into the metadata as ``faceDetection``."""

    __slots__ = ()

    attempted: bool | UnsetType = UNSET
    timestamp: str | UnsetType = UNSET
    # Known values are 'face-api', 'heuristic' and 'none'; kept as free text so that a document
    # written by a newer detector still reads.
    method: str | UnsetType | None = UNSET
    failed: bool | UnsetType = UNSET
    error: str | UnsetType | None = UNSET


class CombinedMetadata(Document):
    """The ``file_versions.metadata`` document."""

    __slots__ = ()

    exif: ExifMetadata | UnsetType = UNSET
    # The duplicate "keep both" path stores an explicit null here.
    ai: AIMetadata | UnsetType | None = UNSET
    face_detection: FaceDetectionInfo | UnsetType = UNSET


class SmartCollectionRule(Document):
    """One condition of a smart collection (object form).

    The application writes "equals", "contains", "greater_than", "less_than", "between" or
    "in". Any string is accepted, so a stored document with another operator can still be
    read; evaluating it raises an error naming the rule (``pictallion_sql.catalog.smart_rules``).
    """

    __slots__ = ()

    field: str | UnsetType = UNSET
    operator: str | UnsetType = UNSET
    # The application types this as "any" ('between' holds [min, max], 'in' a list).
    value: str | int | float | bool | list[Any] | dict[str, Any] | UnsetType | None = UNSET


class SmartCollectionRules(Document):
    """Smart collection rules in object form; an empty object has both keys UNSET."""

    __slots__ = ()

    rules: list[SmartCollectionRule] | UnsetType = UNSET
    operator: Literal["AND", "OR"] | UnsetType = UNSET


class WeightedSmartRule(Document):
    """One weighted rule as the Smart Collections screen stores them (array form).

    The screen writes operators "contains", "equals", ">=", "<=" and "time_range", a string
    value and a numeric weight. Wider types are accepted, so any stored document can be
    read; evaluating an ill-formed rule raises an error naming it
    (``pictallion_sql.catalog.smart_rules``).
    """

    __slots__ = ()

    id: str | UnsetType = UNSET
    field: str | UnsetType = UNSET
    operator: str | UnsetType = UNSET
    value: str | int | float | bool | list[Any] | dict[str, Any] | UnsetType | None = UNSET
    weight: float | bool | str | UnsetType | None = UNSET


# What ``collections.smart_rules`` may hold: the object form (possibly ``{}``) or the array
# form. msgspec cannot decode a union of a custom type with a list, so at run time the
# annotation is a class standing for both (``isinstance`` tells either form).
if TYPE_CHECKING:
    SmartRules: TypeAlias = SmartCollectionRules | list[WeightedSmartRule]
else:
    SmartRules = document_or_list("SmartRules", SmartCollectionRules, WeightedSmartRule)

# A number in a JSON list column (face boxes, embeddings): an integer input stays an integer.
JsonNumber: TypeAlias = int | float

# ---------------------------------------------------------------------------------------------
# Row structs: one field per column, in CREATE TABLE order, no defaults.
# ---------------------------------------------------------------------------------------------


class User(msgspec.Struct, frozen=True, gc=False):
    """A row of ``users``."""

    __table__: ClassVar[str] = "users"

    id: str
    username: str
    password: str


class MediaAsset(msgspec.Struct, frozen=True, gc=False):
    """A row of ``media_assets``: one photo, independent of its tier copies."""

    __table__: ClassVar[str] = "media_assets"

    id: str
    original_filename: str
    created_at: datetime


class FileVersion(msgspec.Struct, frozen=True, gc=False):
    """A row of ``file_versions``: one tier copy of a media asset (the API's "photo")."""

    __table__: ClassVar[str] = "file_versions"

    id: str
    media_asset_id: str
    tier: Tier
    file_path: str
    file_hash: str
    file_size: int
    mime_type: str
    metadata: CombinedMetadata | None
    is_reviewed: bool | None
    rating: int | None
    keywords: list[str] | None
    location: str | None
    event_type: str | None
    event_name: str | None
    perceptual_hash: str | None
    ai_short_description: str | None
    processing_state: StoredProcessingState | None
    created_at: datetime


class AssetHistory(msgspec.Struct, frozen=True, gc=False):
    """A row of ``asset_history``: one logged action on a media asset."""

    __table__: ClassVar[str] = "asset_history"

    id: str
    media_asset_id: str
    action: str
    details: str | None
    timestamp: datetime


class Collection(msgspec.Struct, frozen=True, gc=False):
    """A row of ``collections``."""

    __table__: ClassVar[str] = "collections"

    id: str
    name: str
    description: str | None
    is_public: bool | None
    cover_photo: str | None
    is_smart_collection: bool | None
    smart_rules: SmartRules | None
    created_at: datetime
    updated_at: datetime


class CollectionPhoto(msgspec.Struct, frozen=True, gc=False):
    """A row of ``collection_photos``: membership of a photo in a collection."""

    __table__: ClassVar[str] = "collection_photos"

    id: str
    collection_id: str
    photo_id: str
    added_at: datetime


class Person(msgspec.Struct, frozen=True, gc=False):
    """A row of ``people``."""

    __table__: ClassVar[str] = "people"

    id: str
    name: str
    notes: str | None
    birthdate: datetime | None
    face_count: int | None
    representative_face: str | None
    selected_thumbnail_face_id: str | None
    created_at: datetime


class Setting(msgspec.Struct, frozen=True, gc=False):
    """A row of ``settings``."""

    __table__: ClassVar[str] = "settings"

    id: str
    key: str
    value: str
    category: str
    description: str | None
    created_at: datetime
    updated_at: datetime


class AIPrompt(msgspec.Struct, frozen=True, gc=False):
    """A row of ``ai_prompts``."""

    __table__: ClassVar[str] = "ai_prompts"

    id: str
    name: str
    description: str | None
    category: AICategory
    provider: AIProvider
    system_prompt: str
    user_prompt: str
    is_default: bool | None
    is_active: bool | None
    created_at: datetime
    updated_at: datetime


class Event(msgspec.Struct, frozen=True, gc=False):
    """A row of ``events``: a holiday, birthday or custom date, possibly recurring."""

    __table__: ClassVar[str] = "events"

    id: str
    name: str
    type: EventType
    date: datetime
    is_recurring: bool | None
    recurring_type: RecurringType | None
    country: str | None
    region: str | None
    person_id: str | None
    is_enabled: bool | None
    description: str | None
    created_at: datetime


class Face(msgspec.Struct, frozen=True, gc=False):
    """A row of ``faces``: one detected face; ``bounding_box`` is [x, y, width, height] pixels."""

    __table__: ClassVar[str] = "faces"

    id: str
    photo_id: str
    person_id: str | None
    bounding_box: list[float]
    confidence: int
    embedding: list[float] | None
    ignored: bool
    created_at: datetime


class GlobalTag(msgspec.Struct, frozen=True, gc=False):
    """A row of ``global_tag_library``."""

    __table__: ClassVar[str] = "global_tag_library"

    id: str
    tag: str
    usage_count: int
    created_at: datetime


class Relationship(msgspec.Struct, frozen=True, gc=False):
    """A row of ``relationships`` between two people."""

    __table__: ClassVar[str] = "relationships"

    id: str
    person1_id: str
    person2_id: str
    relationship_type: RelationshipType
    notes: str | None
    created_at: datetime


class Location(msgspec.Struct, frozen=True, gc=False):
    """A row of ``locations``; latitude and longitude are decimal degrees kept as text."""

    __table__: ClassVar[str] = "locations"

    id: str
    name: str
    description: str | None
    latitude: str
    longitude: str
    radius: int | None
    is_user_defined: bool | None
    photo_count: int | None
    place_name: str | None
    place_type: str | None
    created_at: datetime
    updated_at: datetime


# ---------------------------------------------------------------------------------------------
# Input validation. msgspec checks types when it decodes or converts, but a struct built directly
# in Python is not checked at all; __post_init__ runs in both cases, so the checks live there.
# Each class's annotations are compiled into a tuple of per-field check functions once, when the
# class is defined, so a construction costs one call per field.
# ---------------------------------------------------------------------------------------------


class _Mismatch(Exception):
    """A value does not fit; ``where`` locates it below the field (e.g. ``[2]``)."""

    def __init__(self, reason: str, where: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.where = where


# A compiled check returns the value (normalised if needed) or raises _Mismatch.
_Check: TypeAlias = Callable[[Any], Any]


def _type_name(value: object) -> str:
    return "None" if value is None else type(value).__name__


def _union_members(tp: Any) -> list[Any] | None:
    """The flattened members of a union annotation, or None if ``tp`` is not a union."""
    if get_origin(tp) not in (Union, UnionType):
        return None
    members: list[Any] = []
    for arg in get_args(tp):
        members.extend(_union_members(arg) or [arg])
    return members


def _describe(tp: Any) -> str:
    members = _union_members(tp)
    if members is not None:
        return " or ".join(_describe(m) for m in members)
    origin = get_origin(tp)
    if origin is Literal:
        return "one of " + ", ".join(repr(v) for v in get_args(tp))
    if origin is Annotated:
        return _describe(get_args(tp)[0])
    if origin is not None:
        return f"{origin.__name__}[{', '.join(_describe(a) for a in get_args(tp))}]"
    if tp is Any:
        return "any value"
    return str(getattr(tp, "__name__", tp))


def _check_literal(tp: Any) -> _Check:
    values = get_args(tp)
    allowed = frozenset(values)
    # The type test keeps 1/True from matching each other and unhashable values out of the set.
    allowed_types = tuple({type(v) for v in values})
    expected = _describe(tp)

    def check(value: Any) -> Any:
        if isinstance(value, allowed_types) and value in allowed:
            return value
        raise _Mismatch(f"expected {expected}, got {shown(value)}")

    return check


def _check_int(lo: int | None, hi: int | None) -> _Check:
    def check(value: Any) -> Any:
        if not isinstance(value, int) or isinstance(value, bool):
            raise _Mismatch(f"expected int, got {_type_name(value)}")
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            raise _Mismatch(f"expected an integer from {lo} to {hi}, got {value}")
        return value

    return check


def _int_bounds(metas: tuple[Any, ...]) -> tuple[int | None, int | None]:
    lo: int | None = None
    hi: int | None = None
    for meta in metas:
        if isinstance(meta, Meta):
            if meta.ge is not None:
                lo = int(meta.ge)
            elif meta.gt is not None:
                lo = int(meta.gt) + 1
            if meta.le is not None:
                hi = int(meta.le)
            elif meta.lt is not None:
                hi = int(meta.lt) - 1
    return lo, hi


def _check_float(value: Any) -> Any:
    if type(value) is float:
        if math.isfinite(value):
            return value
        raise _Mismatch(f"{shown(value)} is not a finite number")
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise _Mismatch(f"expected a number, got {_type_name(value)}")
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        raise _Mismatch(f"{shown(value)} is not a finite number")
    if INT8_MIN <= value <= INT8_MAX:
        return value
    raise _Mismatch("integer does not fit 64 bits")


def _check_text(max_bytes: int) -> _Check:
    def check(value: Any) -> Any:
        if not isinstance(value, str):
            raise _Mismatch(f"expected str, got {_type_name(value)}")
        # The common case (short ASCII) costs two scans in C and no encoding.
        if value.isascii() and len(value) <= max_bytes and "\x00" not in value:
            return value
        reason = text_problem(value, max_bytes)
        if reason is not None:
            raise _Mismatch(reason)
        return value

    return check


def _check_datetime(value: Any) -> Any:
    if not isinstance(value, datetime):
        raise _Mismatch(f"expected datetime, got {_type_name(value)}")
    # Timestamp columns are "timestamp without time zone" holding UTC.
    if value.tzinfo is not None:
        try:
            if value.utcoffset() is not None:
                return value.astimezone(UTC).replace(tzinfo=None)
        except OverflowError:
            raise _Mismatch(f"{value.isoformat()} is out of range in UTC") from None
    return value


def _check_instance(cls: type) -> _Check:
    name = cls.__name__

    def check(value: Any) -> Any:
        if isinstance(value, cls):
            return value
        raise _Mismatch(f"expected {name}, got {_type_name(value)}")

    return check


def _check_list(tp: Any, text_bytes: int) -> _Check:
    (item_type,) = get_args(tp) or (Any,)
    item_check = _compile(item_type, text_bytes)
    expected = _describe(tp)
    # A list made only of floats (a face embedding) or only of strings (keywords) is
    # checked by a few passes in C; anything else item by item, naming the bad item.
    fast = _fast_items(item_type, text_bytes)

    def check(value: Any) -> Any:
        if not isinstance(value, list):
            raise _Mismatch(f"expected {expected}, got {_type_name(value)}")
        if len(value) > MAX_LIST_ITEMS:
            raise _Mismatch(f"has {len(value)} items, more than the limit of {MAX_LIST_ITEMS}")
        if fast is not None and fast(value):
            return value
        out: list[Any] | None = None
        for i, item in enumerate(value):
            try:
                new = item_check(item)
            except _Mismatch as exc:
                raise _Mismatch(exc.reason, f"[{i}]{exc.where}") from None
            if out is None and new is not item:
                out = list(value[:i])
            if out is not None:
                out.append(new)
        return value if out is None else out

    return check


def _fast_items(item_type: Any, text_bytes: int) -> Callable[[list[Any]], bool] | None:
    """A test that passes a whole list its item check would accept unchanged, or None.

    A False answer only means the list takes the item-by-item path.
    """
    if item_type is float or item_type == JsonNumber:

        def floats(value: list[Any]) -> bool:
            return set(map(type, value)) <= _FLOAT_ONLY and all(map(math.isfinite, value))

        return floats
    if item_type is str:

        def texts(value: list[Any]) -> bool:
            try:
                joined = "".join(value)  # a TypeError names a non-string item: item by item
            except TypeError:
                return False
            return (
                joined.isascii()
                and "\x00" not in joined
                and (len(joined) <= text_bytes or max(map(len, value)) <= text_bytes)
                and set(map(type, value)) <= _STR_ONLY  # str subclasses take the slow path
            )

        return texts
    return None


_FLOAT_ONLY = frozenset({float})
_STR_ONLY = frozenset({str})


def _check_union(members: list[Any], text_bytes: int) -> _Check:
    if len(members) == 1:
        return _compile(members[0], text_bytes)
    checks = [_compile(m, text_bytes) for m in members]
    expected = " or ".join(_describe(m) for m in members)

    def check(value: Any) -> Any:
        for member_check in checks:
            try:
                return member_check(value)
            except _Mismatch:
                continue
        raise _Mismatch(f"expected {expected}, got {_type_name(value)}")

    return check


def _compile(tp: Any, text_bytes: int = MAX_TEXT_BYTES) -> _Check:
    if tp == JsonNumber:
        return _check_float  # an int or a float, as the JSON number it is stored as
    members = _union_members(tp)
    if members is not None:
        return _check_union(members, text_bytes)
    document = document_check(tp)
    if document is not None:
        return _document_field(document)
    origin = get_origin(tp)
    if origin is Annotated:
        base, *metas = get_args(tp)
        if base is int:
            return _check_int(*_int_bounds(tuple(metas)))
        return _compile(base, text_bytes)
    if origin is Literal:
        return _check_literal(tp)
    if origin is list:
        return _check_list(tp, text_bytes)
    if origin is dict or tp is dict:
        return _check_instance(dict)
    if tp is Any:
        return lambda value: value
    if tp is int:
        return _check_int(None, None)
    if tp is float:
        return _check_float
    if tp is datetime:
        return _check_datetime
    if tp is str:
        return _check_text(text_bytes)
    if tp is bool or (isinstance(tp, type) and issubclass(tp, msgspec.Struct)):
        return _check_instance(tp)
    raise TypeError(f"no input check for {tp!r}")


def _document_field(check: Callable[[Any], Any]) -> _Check:
    def checked(value: Any) -> Any:
        try:
            return check(value)
        except DocumentProblem as exc:
            raise _Mismatch(exc.reason, exc.path) from None

    return checked


def _json_numbers(check: _Check) -> _Check:
    """``check`` of a list-of-numbers JSON column, then the storage limits of its items."""

    def checked(value: Any) -> Any:
        value = check(value)
        if type(value) is list:
            found = number_list_problem(value)
            if found is not None:
                raise _Mismatch(found[1], found[0])
        return value

    return checked


def _field_check(tp: Any, text_bytes: int) -> _Check:
    members = _union_members(tp) or [tp]
    may_be_unset = UnsetType in members
    nullable = NoneType in members
    inner = _check_union([m for m in members if m not in (UnsetType, NoneType)], text_bytes)

    def check(value: Any) -> Any:
        if value is UNSET:
            if may_be_unset:
                return value
            raise _Mismatch("is required")
        if value is None:
            if nullable:
                return value
            raise _Mismatch("must not be null (NOT NULL column)")
        return inner(value)

    return check


class _Input(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, omit_defaults=True):
    """Shared behaviour of the insert and update structs."""

    __table__: ClassVar[str]
    __field_checks__: ClassVar[
        tuple[tuple[str, frozenset[type], int, tuple[float, float] | None, _Check], ...]
    ]

    def revalidate(self) -> None:
        """Check the fields again: a struct's attributes may have been set after it was built."""
        self.__post_init__()

    def __post_init__(self) -> None:
        for name, plain, text_bytes, bounds, check in self.__field_checks__:
            value = getattr(self, name)
            kind = type(value)
            if kind is str:
                if value.isascii() and len(value) <= text_bytes and "\x00" not in value:
                    continue  # short ASCII text, the usual case, without a call
            elif kind in plain:
                continue  # a value of a type that needs no further check (UNSET, None, bool...)
            elif kind is int and bounds is not None and bounds[0] <= value <= bounds[1]:
                continue  # an integer in its column's range, without a call
            try:
                new = check(value)
            except _Mismatch as exc:
                raise ValidationError(
                    f"{self.__table__}.{name}{exc.where}: {exc.reason}", field=name
                ) from None
            if new is not value:
                setattr(self, name, new)


_I = TypeVar("_I", bound=_Input)


def _validated(cls: type[_I]) -> type[_I]:
    """Compile the class's field checks; applied to every insert and update struct."""
    hints = get_type_hints(cls, include_extras=True)
    indexed = INDEXED_TEXT_COLUMNS.get(cls.__table__, frozenset())
    checks = []
    for name in cls.__struct_fields__:
        text_bytes = MAX_INDEXED_TEXT_BYTES if name in indexed else MAX_TEXT_BYTES
        takes_text = str in (_union_members(hints[name]) or [hints[name]])
        checks.append(
            (
                name,
                _plain_types(hints[name]),
                text_bytes if takes_text else -1,
                _integer_range(hints[name]),
                _with_json_limits(hints[name], _field_check(hints[name], text_bytes)),
            )
        )
    cls.__field_checks__ = tuple(checks)
    return cls


def _with_json_limits(tp: Any, check: _Check) -> _Check:
    # Lists of numbers are JSON columns (face boxes, embeddings): finite numbers only.
    if list[JsonNumber] in (_union_members(tp) or [tp]):
        return _json_numbers(check)
    return check


def _integer_range(tp: Any) -> tuple[float, float] | None:
    """The range of a field whose only value type is a (bounded) int; None for others."""
    members = [m for m in _union_members(tp) or [tp] if m not in (UnsetType, NoneType)]
    if len(members) != 1:
        return None
    (member,) = members
    if member is int:
        return (-math.inf, math.inf)
    if get_origin(member) is Annotated:
        base, *metas = get_args(member)
        if base is int:
            lo, hi = _int_bounds(tuple(metas))
            return (-math.inf if lo is None else lo, math.inf if hi is None else hi)
    return None


def _plain_types(tp: Any) -> frozenset[type]:
    """The exact types a field accepts as they are: no range, enum, size or time-zone check."""
    plain: set[type] = set()
    for member in _union_members(tp) or [tp]:
        if (
            member is UnsetType
            or member is NoneType
            or member is bool
            or (isinstance(member, type) and issubclass(member, msgspec.Struct))
        ):
            plain.add(member)
    return frozenset(plain)


# ---------------------------------------------------------------------------------------------
# Insert structs (drizzle-zod insert schemas) and update structs (every settable column).
# ---------------------------------------------------------------------------------------------


@_validated
class InsertUser(_Input, kw_only=True):
    """Input for a new ``users`` row."""

    __table__: ClassVar[str] = "users"

    username: str
    password: str


@_validated
class UpdateUser(_Input, kw_only=True):
    """Columns of ``users`` to change."""

    __table__: ClassVar[str] = "users"

    username: str | UnsetType = UNSET
    password: str | UnsetType = UNSET


@_validated
class InsertMediaAsset(_Input, kw_only=True):
    """Input for a new ``media_assets`` row."""

    __table__: ClassVar[str] = "media_assets"

    original_filename: str


@_validated
class UpdateMediaAsset(_Input, kw_only=True):
    """Columns of ``media_assets`` to change."""

    __table__: ClassVar[str] = "media_assets"

    original_filename: str | UnsetType = UNSET


@_validated
class InsertFileVersion(_Input, kw_only=True):
    """Input for a new ``file_versions`` row."""

    __table__: ClassVar[str] = "file_versions"

    media_asset_id: str
    tier: Tier
    file_path: str
    file_hash: str
    file_size: Int4
    mime_type: str
    metadata: CombinedMetadata | UnsetType | None = UNSET
    is_reviewed: bool | UnsetType | None = UNSET
    rating: Rating | UnsetType | None = UNSET
    keywords: list[str] | UnsetType | None = UNSET
    location: str | UnsetType | None = UNSET
    event_type: str | UnsetType | None = UNSET
    event_name: str | UnsetType | None = UNSET
    perceptual_hash: str | UnsetType | None = UNSET
    ai_short_description: str | UnsetType | None = UNSET
    processing_state: ProcessingState | UnsetType | None = UNSET


@_validated
class UpdateFileVersion(_Input, kw_only=True):
    """Columns of ``file_versions`` to change."""

    __table__: ClassVar[str] = "file_versions"

    media_asset_id: str | UnsetType = UNSET
    tier: Tier | UnsetType = UNSET
    file_path: str | UnsetType = UNSET
    file_hash: str | UnsetType = UNSET
    file_size: Int4 | UnsetType = UNSET
    mime_type: str | UnsetType = UNSET
    metadata: CombinedMetadata | UnsetType | None = UNSET
    is_reviewed: bool | UnsetType | None = UNSET
    rating: Rating | UnsetType | None = UNSET
    keywords: list[str] | UnsetType | None = UNSET
    location: str | UnsetType | None = UNSET
    event_type: str | UnsetType | None = UNSET
    event_name: str | UnsetType | None = UNSET
    perceptual_hash: str | UnsetType | None = UNSET
    ai_short_description: str | UnsetType | None = UNSET
    processing_state: ProcessingState | UnsetType | None = UNSET


@_validated
class InsertAssetHistory(_Input, kw_only=True):
    """Input for a new ``asset_history`` row."""

    __table__: ClassVar[str] = "asset_history"

    media_asset_id: str
    action: str
    details: str | UnsetType | None = UNSET


@_validated
class UpdateAssetHistory(_Input, kw_only=True):
    """Columns of ``asset_history`` to change."""

    __table__: ClassVar[str] = "asset_history"

    media_asset_id: str | UnsetType = UNSET
    action: str | UnsetType = UNSET
    details: str | UnsetType | None = UNSET


@_validated
class InsertCollection(_Input, kw_only=True):
    """Input for a new ``collections`` row."""

    __table__: ClassVar[str] = "collections"

    name: str
    description: str | UnsetType | None = UNSET
    is_public: bool | UnsetType | None = UNSET
    cover_photo: str | UnsetType | None = UNSET
    is_smart_collection: bool | UnsetType | None = UNSET
    smart_rules: SmartRules | UnsetType | None = UNSET


@_validated
class UpdateCollection(_Input, kw_only=True):
    """Columns of ``collections`` to change."""

    __table__: ClassVar[str] = "collections"

    name: str | UnsetType = UNSET
    description: str | UnsetType | None = UNSET
    is_public: bool | UnsetType | None = UNSET
    cover_photo: str | UnsetType | None = UNSET
    is_smart_collection: bool | UnsetType | None = UNSET
    smart_rules: SmartRules | UnsetType | None = UNSET


@_validated
class InsertCollectionPhoto(_Input, kw_only=True):
    """Input for a new ``collection_photos`` row."""

    __table__: ClassVar[str] = "collection_photos"

    collection_id: str
    photo_id: str


@_validated
class UpdateCollectionPhoto(_Input, kw_only=True):
    """Columns of ``collection_photos`` to change."""

    __table__: ClassVar[str] = "collection_photos"

    collection_id: str | UnsetType = UNSET
    photo_id: str | UnsetType = UNSET


@_validated
class InsertPerson(_Input, kw_only=True):
    """Input for a new ``people`` row."""

    __table__: ClassVar[str] = "people"

    name: str
    notes: str | UnsetType | None = UNSET
    birthdate: datetime | UnsetType | None = UNSET
    face_count: Int4 | UnsetType | None = UNSET
    representative_face: str | UnsetType | None = UNSET
    selected_thumbnail_face_id: str | UnsetType | None = UNSET


@_validated
class UpdatePerson(_Input, kw_only=True):
    """Columns of ``people`` to change."""

    __table__: ClassVar[str] = "people"

    name: str | UnsetType = UNSET
    notes: str | UnsetType | None = UNSET
    birthdate: datetime | UnsetType | None = UNSET
    face_count: Int4 | UnsetType | None = UNSET
    representative_face: str | UnsetType | None = UNSET
    selected_thumbnail_face_id: str | UnsetType | None = UNSET


@_validated
class InsertSetting(_Input, kw_only=True):
    """Input for a new ``settings`` row."""

    __table__: ClassVar[str] = "settings"

    key: str
    value: str
    category: str | UnsetType = UNSET
    description: str | UnsetType | None = UNSET


@_validated
class UpdateSetting(_Input, kw_only=True):
    """Columns of ``settings`` to change."""

    __table__: ClassVar[str] = "settings"

    key: str | UnsetType = UNSET
    value: str | UnsetType = UNSET
    category: str | UnsetType = UNSET
    description: str | UnsetType | None = UNSET


@_validated
class InsertAIPrompt(_Input, kw_only=True):
    """Input for a new ``ai_prompts`` row."""

    __table__: ClassVar[str] = "ai_prompts"

    name: str
    description: str | UnsetType | None = UNSET
    category: AICategory
    provider: AIProvider
    system_prompt: str
    user_prompt: str
    is_default: bool | UnsetType | None = UNSET
    is_active: bool | UnsetType | None = UNSET


@_validated
class UpdateAIPrompt(_Input, kw_only=True):
    """Columns of ``ai_prompts`` to change."""

    __table__: ClassVar[str] = "ai_prompts"

    name: str | UnsetType = UNSET
    description: str | UnsetType | None = UNSET
    category: AICategory | UnsetType = UNSET
    provider: AIProvider | UnsetType = UNSET
    system_prompt: str | UnsetType = UNSET
    user_prompt: str | UnsetType = UNSET
    is_default: bool | UnsetType | None = UNSET
    is_active: bool | UnsetType | None = UNSET


@_validated
class InsertEvent(_Input, kw_only=True):
    """Input for a new ``events`` row."""

    __table__: ClassVar[str] = "events"

    name: str
    type: EventType
    date: datetime
    is_recurring: bool | UnsetType | None = UNSET
    recurring_type: RecurringType | UnsetType | None = UNSET
    country: str | UnsetType | None = UNSET
    region: str | UnsetType | None = UNSET
    person_id: str | UnsetType | None = UNSET
    is_enabled: bool | UnsetType | None = UNSET
    description: str | UnsetType | None = UNSET


@_validated
class UpdateEvent(_Input, kw_only=True):
    """Columns of ``events`` to change."""

    __table__: ClassVar[str] = "events"

    name: str | UnsetType = UNSET
    type: EventType | UnsetType = UNSET
    date: datetime | UnsetType = UNSET
    is_recurring: bool | UnsetType | None = UNSET
    recurring_type: RecurringType | UnsetType | None = UNSET
    country: str | UnsetType | None = UNSET
    region: str | UnsetType | None = UNSET
    person_id: str | UnsetType | None = UNSET
    is_enabled: bool | UnsetType | None = UNSET
    description: str | UnsetType | None = UNSET


@_validated
class InsertFace(_Input, kw_only=True):
    """Input for a new ``faces`` row."""

    __table__: ClassVar[str] = "faces"

    photo_id: str
    person_id: str | UnsetType | None = UNSET
    bounding_box: list[JsonNumber]
    confidence: Confidence
    embedding: list[JsonNumber] | UnsetType | None = UNSET
    ignored: bool | UnsetType = UNSET


@_validated
class UpdateFace(_Input, kw_only=True):
    """Columns of ``faces`` to change."""

    __table__: ClassVar[str] = "faces"

    photo_id: str | UnsetType = UNSET
    person_id: str | UnsetType | None = UNSET
    bounding_box: list[JsonNumber] | UnsetType = UNSET
    confidence: Confidence | UnsetType = UNSET
    embedding: list[JsonNumber] | UnsetType | None = UNSET
    ignored: bool | UnsetType = UNSET


@_validated
class InsertGlobalTag(_Input, kw_only=True):
    """Input for a new ``global_tag_library`` row."""

    __table__: ClassVar[str] = "global_tag_library"

    tag: str
    usage_count: Int4 | UnsetType = UNSET


@_validated
class UpdateGlobalTag(_Input, kw_only=True):
    """Columns of ``global_tag_library`` to change."""

    __table__: ClassVar[str] = "global_tag_library"

    tag: str | UnsetType = UNSET
    usage_count: Int4 | UnsetType = UNSET


@_validated
class InsertRelationship(_Input, kw_only=True):
    """Input for a new ``relationships`` row."""

    __table__: ClassVar[str] = "relationships"

    person1_id: str
    person2_id: str
    relationship_type: RelationshipType
    notes: str | UnsetType | None = UNSET


@_validated
class UpdateRelationship(_Input, kw_only=True):
    """Columns of ``relationships`` to change."""

    __table__: ClassVar[str] = "relationships"

    person1_id: str | UnsetType = UNSET
    person2_id: str | UnsetType = UNSET
    relationship_type: RelationshipType | UnsetType = UNSET
    notes: str | UnsetType | None = UNSET


@_validated
class InsertLocation(_Input, kw_only=True):
    """Input for a new ``locations`` row."""

    __table__: ClassVar[str] = "locations"

    name: str
    description: str | UnsetType | None = UNSET
    latitude: str
    longitude: str
    radius: Int4 | UnsetType | None = UNSET
    is_user_defined: bool | UnsetType | None = UNSET
    photo_count: Int4 | UnsetType | None = UNSET
    place_name: str | UnsetType | None = UNSET
    place_type: str | UnsetType | None = UNSET


@_validated
class UpdateLocation(_Input, kw_only=True):
    """Columns of ``locations`` to change."""

    __table__: ClassVar[str] = "locations"

    name: str | UnsetType = UNSET
    description: str | UnsetType | None = UNSET
    latitude: str | UnsetType = UNSET
    longitude: str | UnsetType = UNSET
    radius: Int4 | UnsetType | None = UNSET
    is_user_defined: bool | UnsetType | None = UNSET
    photo_count: Int4 | UnsetType | None = UNSET
    place_name: str | UnsetType | None = UNSET
    place_type: str | UnsetType | None = UNSET


# ---------------------------------------------------------------------------------------------
# Registries and helpers.
# ---------------------------------------------------------------------------------------------

_ROWS: tuple[type[msgspec.Struct], ...] = (
    User,
    MediaAsset,
    FileVersion,
    AssetHistory,
    Collection,
    CollectionPhoto,
    Person,
    Setting,
    AIPrompt,
    Event,
    Face,
    GlobalTag,
    Relationship,
    Location,
)
_INSERTS: tuple[type[_Input], ...] = (
    InsertUser,
    InsertMediaAsset,
    InsertFileVersion,
    InsertAssetHistory,
    InsertCollection,
    InsertCollectionPhoto,
    InsertPerson,
    InsertSetting,
    InsertAIPrompt,
    InsertEvent,
    InsertFace,
    InsertGlobalTag,
    InsertRelationship,
    InsertLocation,
)
_UPDATES: tuple[type[_Input], ...] = (
    UpdateUser,
    UpdateMediaAsset,
    UpdateFileVersion,
    UpdateAssetHistory,
    UpdateCollection,
    UpdateCollectionPhoto,
    UpdatePerson,
    UpdateSetting,
    UpdateAIPrompt,
    UpdateEvent,
    UpdateFace,
    UpdateGlobalTag,
    UpdateRelationship,
    UpdateLocation,
)
_DOCUMENTS: tuple[type[Document], ...] = (
    GpsCoordinates,
    DetectedObject,
    DetectedFace,
    DetectedEvent,
    AIMetadata,
    ExifMetadata,
    FaceDetectionInfo,
    CombinedMetadata,
    SmartCollectionRule,
    SmartCollectionRules,
    WeightedSmartRule,
)


def _table_or_name(cls: type) -> str:
    """The SQL table a struct belongs to, or its class name for a JSON document."""
    table = getattr(cls, "__table__", None)
    return table if isinstance(table, str) else cls.__name__


ROW_TYPES: dict[str, type[msgspec.Struct]] = {_table_or_name(c): c for c in _ROWS}
"""Table name → row struct."""

INSERT_TYPES: dict[str, type[msgspec.Struct]] = {_table_or_name(c): c for c in _INSERTS}
"""Table name → insert struct."""

UPDATE_TYPES: dict[str, type[msgspec.Struct]] = {_table_or_name(c): c for c in _UPDATES}
"""Table name → update struct."""

RECORD_TYPES: dict[str, type] = {c.__name__: c for c in (*_ROWS, *_DOCUMENTS)}
"""Class name → record type, for ``-- returns: rows <Name>`` in query files; open to additions."""


def provided_fields(value: msgspec.Struct) -> dict[str, Any]:
    """The fields of an insert or update struct that were given (not UNSET), in column order."""
    return {name: v for name in value.__struct_fields__ if (v := getattr(value, name)) is not UNSET}


_UNKNOWN_FIELD = "Object contains unknown field `"
_MISSING_FIELD = "Object missing required field `"


def validation_error(exc: msgspec.ValidationError, table: str) -> ValidationError:
    """Turn a msgspec decode error ("... - at `$.tier`") into a ValidationError naming the field."""
    cause = exc.__cause__
    if isinstance(cause, ValidationError):
        # Raised by __post_init__ during decoding; it already names table and field.
        return cause
    message = str(exc)
    path = ""
    head, sep, tail = message.rpartition(" - at `")
    if sep and tail.endswith("`"):
        message, path = head, tail[:-1]
    # "$.metadata.exif.gpsLatitude" → "metadata.exif.gpsLatitude"; "$[0]" (array input) → "[0]".
    path = path[2:] if path.startswith("$.") else path[1:] if path.startswith("$") else path
    for prefix, reason in ((_UNKNOWN_FIELD, "unknown field"), (_MISSING_FIELD, "is required")):
        if message.startswith(prefix) and message.endswith("`"):
            name = message[len(prefix) : -1]
            path = f"{path}.{name}" if path else name
            message = reason
            break
    else:
        message = message[:1].lower() + message[1:]
    field = path.split(".", 1)[0].split("[", 1)[0] or None
    where = f"{table}.{path}" if path else table
    return ValidationError(f"{where}: {message}", field=field)


_S = TypeVar("_S", bound=msgspec.Struct)


def validate(cls: type[_S], data: Any) -> _S:
    """Build ``cls`` from plain Python data (a dict from a request), raising ValidationError."""
    try:
        return msgspec.convert(data, cls, dec_hook=decode_hook)
    except msgspec.ValidationError as exc:
        raise validation_error(exc, _table_or_name(cls)) from exc
    except UnicodeEncodeError:
        raise lone_surrogate_error(data, _table_or_name(cls)) from None


def lone_surrogate_error(data: Any, table: str) -> ValidationError:
    """The error for input msgspec could not read because a string is not valid UTF-8.

    msgspec encodes a key, or a string it parses (a date, a struct tag), as UTF-8 before
    looking at it, and raises UnicodeEncodeError on a lone surrogate; this finds the first
    such string in ``data`` and names its place, as the field checks do.
    """
    found = _first_surrogate(data, "", 0)
    if found is None:
        return ValidationError(f"{table}: contains a lone surrogate, which is not valid UTF-8")
    path, reason = found
    field = path.split(".", 1)[0].split("[", 1)[0] or None
    return ValidationError(
        f"{table}.{path}: {reason}" if path else f"{table}: {reason}", field=field
    )


def _first_surrogate(value: Any, path: str, depth: int) -> tuple[str, str] | None:
    if depth > 200:  # deeper input is refused for its depth before its text is read
        return None
    if isinstance(value, str):
        reason = text_problem(value, max_bytes=len(value) * 4)
        return (path, reason) if reason is not None and "surrogate" in reason else None
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if isinstance(key, str):
                reason = text_problem(key, max_bytes=len(key) * 4)
                if reason is not None and "surrogate" in reason:
                    return where.encode("utf-8", "backslashreplace").decode(), f"key {reason}"
            found = _first_surrogate(item, where, depth + 1)
            if found is not None:
                return found
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            found = _first_surrogate(item, f"{path}[{index}]", depth + 1)
            if found is not None:
                return found
    return None


def validate_json(cls: type[_S], data: bytes | str) -> _S:
    """Decode ``cls`` from JSON text, raising ValidationError on malformed or ill-typed input."""
    try:
        return msgspec.json.decode(data, type=cls, dec_hook=decode_hook)
    except msgspec.ValidationError as exc:
        raise validation_error(exc, _table_or_name(cls)) from exc
    except msgspec.DecodeError as exc:
        raise ValidationError(f"{_table_or_name(cls)}: malformed JSON: {exc}") from exc
