"""The row records: one declaration per table, one field per column in CREATE TABLE order.

A query result tuple builds a record positionally (``FileVersion(*row)``). Each record's
``__inputs__`` (``types.InputRules``) says what the insert and update types generated from
it (``inputs.py``, ``make generate``) need beyond the column types: which columns the
database fills in, which have a database default, which take a narrower type on input.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

import msgspec

from pictallion_sql.records.json_columns import DOCUMENT_TYPES, CombinedMetadata, SmartRules
from pictallion_sql.records.types import (
    AICategory,
    AIProvider,
    Confidence,
    EventType,
    InputRules,
    Int4,
    JsonNumber,
    ProcessingState,
    Rating,
    RecurringType,
    RelationshipType,
    StoredProcessingState,
    Tier,
)

__all__ = [
    "RECORD_TYPES",
    "ROW_TYPES",
    "AIPrompt",
    "AssetHistory",
    "Collection",
    "CollectionPhoto",
    "Event",
    "Face",
    "FileVersion",
    "GlobalTag",
    "Location",
    "MediaAsset",
    "Person",
    "Relationship",
    "Setting",
    "User",
]


class User(msgspec.Struct, frozen=True, gc=False):
    """A row of ``users``."""

    __table__: ClassVar[str] = "users"
    __inputs__: ClassVar[InputRules] = InputRules(generated=("id",))

    id: str
    username: str
    password: str


class MediaAsset(msgspec.Struct, frozen=True, gc=False):
    """A row of ``media_assets``: one photo, independent of its tier copies."""

    __table__: ClassVar[str] = "media_assets"
    __inputs__: ClassVar[InputRules] = InputRules(generated=("id", "created_at"))

    id: str
    original_filename: str
    created_at: datetime


class FileVersion(msgspec.Struct, frozen=True, gc=False):
    """A row of ``file_versions``: one tier copy of a media asset (the API's "photo")."""

    __table__: ClassVar[str] = "file_versions"
    __inputs__: ClassVar[InputRules] = InputRules(
        generated=("id", "created_at"),
        narrowed={"file_size": Int4, "rating": Rating, "processing_state": ProcessingState},
    )

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
    __inputs__: ClassVar[InputRules] = InputRules(generated=("id", "timestamp"))

    id: str
    media_asset_id: str
    action: str
    details: str | None
    timestamp: datetime


class Collection(msgspec.Struct, frozen=True, gc=False):
    """A row of ``collections``."""

    __table__: ClassVar[str] = "collections"
    __inputs__: ClassVar[InputRules] = InputRules(generated=("id", "created_at", "updated_at"))

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
    __inputs__: ClassVar[InputRules] = InputRules(generated=("id", "added_at"))

    id: str
    collection_id: str
    photo_id: str
    added_at: datetime


class Person(msgspec.Struct, frozen=True, gc=False):
    """A row of ``people``."""

    __table__: ClassVar[str] = "people"
    __inputs__: ClassVar[InputRules] = InputRules(
        generated=("id", "created_at"), narrowed={"face_count": Int4}
    )

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
    __inputs__: ClassVar[InputRules] = InputRules(
        generated=("id", "created_at", "updated_at"), defaulted=("category",)
    )

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
    __inputs__: ClassVar[InputRules] = InputRules(generated=("id", "created_at", "updated_at"))

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
    __inputs__: ClassVar[InputRules] = InputRules(generated=("id", "created_at"))

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
    __inputs__: ClassVar[InputRules] = InputRules(
        generated=("id", "created_at"),
        defaulted=("ignored",),
        narrowed={
            "bounding_box": list[JsonNumber],
            "confidence": Confidence,
            "embedding": list[JsonNumber],
        },
    )

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
    __inputs__: ClassVar[InputRules] = InputRules(
        generated=("id", "created_at"), defaulted=("usage_count",), narrowed={"usage_count": Int4}
    )

    id: str
    tag: str
    usage_count: int
    created_at: datetime


class Relationship(msgspec.Struct, frozen=True, gc=False):
    """A row of ``relationships`` between two people."""

    __table__: ClassVar[str] = "relationships"
    __inputs__: ClassVar[InputRules] = InputRules(generated=("id", "created_at"))

    id: str
    person1_id: str
    person2_id: str
    relationship_type: RelationshipType
    notes: str | None
    created_at: datetime


class Location(msgspec.Struct, frozen=True, gc=False):
    """A row of ``locations``; latitude and longitude are decimal degrees kept as text."""

    __table__: ClassVar[str] = "locations"
    __inputs__: ClassVar[InputRules] = InputRules(
        generated=("id", "created_at", "updated_at"), narrowed={"radius": Int4, "photo_count": Int4}
    )

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

ROW_TYPES: dict[str, type[msgspec.Struct]] = {c.__table__: c for c in _ROWS}  # type: ignore[attr-defined]
"""Table name → row struct."""

RECORD_TYPES: dict[str, type] = {c.__name__: c for c in (*_ROWS, *DOCUMENT_TYPES)}
"""Class name → record type, for ``-- returns: rows <Name>`` in query files; open to additions."""
