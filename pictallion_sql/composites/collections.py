"""Composite records of the collections, smart-collection and tag-library queries.

Field order is column order: every query naming one of these records selects exactly
its fields, in this order.
"""

from __future__ import annotations

from datetime import datetime

import msgspec

from ..models import CombinedMetadata, MediaAsset, SmartRules, StoredProcessingState, Tier

__all__ = [
    "RECORDS",
    "CollectionPhotoWithAsset",
    "CollectionWithStats",
    "MatchedPhoto",
    "TagLibraryEntry",
    "TagName",
]


class CollectionPhotoWithAsset(msgspec.Struct, frozen=True, gc=False):
    """A photo (file version) of a collection, with its media asset nested as ``media_asset``.

    The version's columns come first, as the application's ``{...fileVersion, mediaAsset}``.
    """

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
    media_asset: MediaAsset | None


class CollectionWithStats(msgspec.Struct, frozen=True, gc=False):
    """A collection with its number of photo rows and the path of its most recent photo.

    ``cover_photo`` is the stored column; ``cover_file_path`` is what the collections
    screen shows as the cover (the file path of the most recently added photo, None
    when the collection is empty).
    """

    id: str
    name: str
    description: str | None
    is_public: bool | None
    cover_photo: str | None
    is_smart_collection: bool | None
    smart_rules: SmartRules | None
    created_at: datetime
    updated_at: datetime
    photo_count: int
    cover_file_path: str | None


class TagLibraryEntry(msgspec.Struct, frozen=True, gc=False):
    """One entry of the tag library as the library screen lists it (no id)."""

    tag: str
    usage_count: int
    created_at: datetime


class TagName(msgspec.Struct, frozen=True, gc=False):
    """A tag of the library, by name only."""

    tag: str


class MatchedPhoto(msgspec.Struct, frozen=True, gc=False):
    """The id of a file version that a smart collection's rules match."""

    id: str


RECORDS: tuple[type, ...] = (
    CollectionPhotoWithAsset,
    CollectionWithStats,
    MatchedPhoto,
    TagLibraryEntry,
    TagName,
)
