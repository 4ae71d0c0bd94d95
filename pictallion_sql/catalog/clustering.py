"""Greedy 100 m clustering of geotagged photos into hotspots, in pure Python.

The database hands over the photos with their coordinates already extracted
(``locations.located_photos``, oldest first); this module only groups them, so the result is
a function of that ordered input and equal on both dialects.

- Walk the photos in input order; each photo not yet in a cluster seeds one that takes every
  remaining photo within ``max_distance_m`` (default 100 m) of the *seed* (Haversine,
  R = 6 371 000 m). Members keep input order; the centre is the mean of their coordinates.
- A hotspot is a cluster of at least ``min_photos`` members. Hotspots are sorted by member
  count, largest first; equal counts keep the order of their seeds.
- The suggested name is the most common non-empty ``metadata.ai.placeName`` (ties: the name
  met first); else, when more than half the members have a non-empty
  ``metadata.ai.detectedEvents[0].eventType``, "<first such type> Location"; else
  "Frequent Location" (50 or more members), "Regular Location" (20 or more) or
  "Photo Location".
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import msgspec

from pictallion_sql.models import CombinedMetadata
from pictallion_sql.records.composites.catalog import Hotspot, HotspotPhoto, LocatedPhoto

__all__ = [
    "EARTH_RADIUS_M",
    "GeoPoint",
    "cluster",
    "find_hotspots",
    "haversine_m",
    "suggest_name",
    "to_points",
]

EARTH_RADIUS_M = 6_371_000.0
"""The Earth radius the old backend used, in metres."""


class GeoPoint(msgspec.Struct, frozen=True, gc=False):
    """One photo with usable coordinates, in decimal degrees."""

    photo: LocatedPhoto
    latitude: float
    longitude: float


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle distance between two points, in metres."""
    d_lat = math.radians(lat2 - lat1)
    d_lon = math.radians(lon2 - lon1)
    sin_lat = math.sin(d_lat / 2)
    sin_lon = math.sin(d_lon / 2)
    cos_product = math.cos(math.radians(lat1)) * math.cos(math.radians(lat2))
    a = sin_lat * sin_lat + cos_product * sin_lon * sin_lon
    return EARTH_RADIUS_M * 2 * math.atan2(math.sqrt(a), math.sqrt(1 - a))


def _usable(latitude: float, longitude: float) -> bool:
    return (
        latitude != 0
        and longitude != 0
        and -90 <= latitude <= 90
        and -180 <= longitude <= 180
        and not (math.isnan(latitude) or math.isnan(longitude))
    )


def to_points(photos: Iterable[LocatedPhoto]) -> list[GeoPoint]:
    """Parse the decimal coordinates of ``photos``, keeping input order and usable ones only."""
    points = []
    for photo in photos:
        try:
            latitude, longitude = float(photo.latitude), float(photo.longitude)
        except ValueError:
            continue
        if _usable(latitude, longitude):
            points.append(GeoPoint(photo, latitude, longitude))
    return points


def cluster(points: Sequence[GeoPoint], max_distance_m: float = 100.0) -> list[list[GeoPoint]]:
    """Greedy clusters of ``points``: each unclaimed point takes the unclaimed ones near it."""
    claimed = [False] * len(points)
    clusters: list[list[GeoPoint]] = []
    for i, seed in enumerate(points):
        if claimed[i]:
            continue
        claimed[i] = True
        members = [seed]
        for j in range(i + 1, len(points)):
            if claimed[j]:
                continue
            other = points[j]
            if (
                haversine_m(seed.latitude, seed.longitude, other.latitude, other.longitude)
                <= max_distance_m
            ):
                claimed[j] = True
                members.append(other)
        clusters.append(members)
    return clusters


def _place_name(metadata: CombinedMetadata | None) -> str | None:
    # getattr: a legacy row may hold a document that is not an object at all.
    ai = getattr(metadata, "ai", None)
    name = getattr(ai, "place_name", None)
    return name if isinstance(name, str) and name else None


def _first_event_type(metadata: CombinedMetadata | None) -> str | None:
    ai = getattr(metadata, "ai", None)
    events = getattr(ai, "detected_events", None)
    if not isinstance(events, list) or not events:
        return None
    kind = getattr(events[0], "event_type", None)
    return kind if isinstance(kind, str) and kind else None


def suggest_name(members: Sequence[GeoPoint]) -> str:
    """The suggested name of a cluster (see the module docstring)."""
    counts: dict[str, int] = {}
    for point in members:
        name = _place_name(point.photo.metadata)
        if name is not None:
            counts[name] = counts.get(name, 0) + 1
    if counts:
        # max() keeps the first of equal counts, and dicts keep first-seen order.
        return max(counts.items(), key=lambda item: item[1])[0]
    event_types = [
        kind for point in members if (kind := _first_event_type(point.photo.metadata)) is not None
    ]
    if len(event_types) > len(members) * 0.5:
        return f"{event_types[0]} Location"
    if len(members) >= 50:
        return "Frequent Location"
    if len(members) >= 20:
        return "Regular Location"
    return "Photo Location"


def find_hotspots(
    photos: Iterable[LocatedPhoto], min_photos: int = 2, max_distance_m: float = 100.0
) -> list[Hotspot]:
    """Clusters of at least ``min_photos`` photos, largest first (equal sizes: seed order)."""
    hotspots = []
    for members in cluster(to_points(photos), max_distance_m):
        if len(members) < min_photos:
            continue
        hotspots.append(
            Hotspot(
                latitude=sum(p.latitude for p in members) / len(members),
                longitude=sum(p.longitude for p in members) / len(members),
                photo_count=len(members),
                photos=[
                    HotspotPhoto(p.photo.id, p.photo.media_asset, p.photo.metadata) for p in members
                ],
                suggested_name=suggest_name(members),
            )
        )
    hotspots.sort(key=lambda h: h.photo_count, reverse=True)  # stable: ties keep seed order
    return hotspots
