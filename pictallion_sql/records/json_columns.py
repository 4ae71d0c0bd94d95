"""The JSON documents stored in the jsonb columns: photo metadata and smart-collection rules.

A document is the JSON object as stored, every key and value kept (keys the application
does not know, at any depth, and values of unexpected types alike), so a record read and
written back loses nothing; it is a ``dict`` and encodes as the object it is. The declared
fields are typed attributes over it: a key that is absent or holds a value of another type
reads as UNSET (the raw value stays reachable by key), so no stored document makes a row
unreadable. See ``pictallion_sql.records.documents`` and docs/documents.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, TypeAlias

from msgspec import UNSET, UnsetType

from pictallion_sql.records.documents import Document, document_or_list

__all__ = [
    "DOCUMENT_TYPES",
    "AIMetadata",
    "CombinedMetadata",
    "DetectedEvent",
    "DetectedFace",
    "DetectedObject",
    "ExifMetadata",
    "FaceDetectionInfo",
    "GpsCoordinates",
    "SmartCollectionRule",
    "SmartCollectionRules",
    "SmartRules",
    "WeightedSmartRule",
]


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


DOCUMENT_TYPES: tuple[type[Document], ...] = (
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
