"""Composite records of the catalog queries: events, locations and AI prompts.

``LocatedPhoto`` is decoded from SQL (``locations.located_photos``) and is listed in
``RECORDS``; the others are built in Python from it (location clustering) and are
returned by :mod:`pictallion_sql.catalog.locations`.
"""

from __future__ import annotations

import msgspec

from pictallion_sql.models import CombinedMetadata, Location, MediaAsset

__all__ = ["RECORDS", "Hotspot", "HotspotPhoto", "LocatedPhoto", "LocationStats"]


class LocatedPhoto(msgspec.Struct, frozen=True, gc=False):
    """A file version with usable GPS coordinates, its metadata and its media asset.

    ``latitude`` and ``longitude`` are the decimal text of the stored JSON number (AI
    coordinates when both are non-zero, else the EXIF ones), so that both dialects hand
    Python the same digits; :func:`float` turns them into identical floats.
    """

    id: str
    latitude: str
    longitude: str
    metadata: CombinedMetadata | None
    media_asset: MediaAsset | None


class HotspotPhoto(msgspec.Struct, frozen=True, gc=False):
    """One member photo of a hotspot: ``{id, mediaAsset, metadata}`` in the old API."""

    id: str
    media_asset: MediaAsset | None
    metadata: CombinedMetadata | None


class Hotspot(msgspec.Struct, frozen=True, gc=False):
    """A cluster of photos taken within 100 m of its first photo (docs/storage-mapping.md #82)."""

    latitude: float
    longitude: float
    photo_count: int
    photos: list[HotspotPhoto]
    suggested_name: str


class LocationStats(msgspec.Struct, frozen=True, gc=False):
    """What ``GET /api/locations/stats`` reports (docs/storage-mapping.md #81)."""

    total_locations: int
    total_photos_with_location: int
    top_locations: list[Location]
    recent_locations: list[Location]
    hotspots: list[Hotspot]


RECORDS: tuple[type, ...] = (LocatedPhoto,)
