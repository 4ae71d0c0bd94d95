"""Composite records of the collections, smart-collection and tag-library queries.

Field order is column order: every query naming one of these records selects exactly
its fields, in this order.
"""

from __future__ import annotations

from datetime import datetime

import msgspec

from pictallion_sql.models import Collection

__all__ = [
    "RECORDS",
    "CollectionWithStats",
    "MatchedPhoto",
    "TagLibraryEntry",
    "TagName",
]


class CollectionWithStats(Collection, frozen=True, gc=False):
    """A collection with its number of photo rows and the path of its most recent photo.

    ``cover_photo`` is the stored column; ``cover_file_path`` is what the collections
    screen shows as the cover (the file path of the most recently added photo, None
    when the collection is empty).
    """

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
    CollectionWithStats,
    MatchedPhoto,
    TagLibraryEntry,
    TagName,
)
