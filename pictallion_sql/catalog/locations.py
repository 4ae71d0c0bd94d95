"""Queries on ``locations``, and the photo hotspots computed from GPS metadata.

``update`` sets ``updated_at`` and returns None when the location is gone (#79).
Photos are not linked to locations in the schema: :meth:`LocationRepository.find_hotspots`
and :meth:`LocationRepository.get_stats` read every geotagged file version in one query
(``locations.located_photos``, coordinates extracted in SQL) and cluster them in Python
(:mod:`pictallion_sql.catalog.clustering`).
"""

from __future__ import annotations

import math
from typing import Any

from pictallion_sql.catalog.base import Repository
from pictallion_sql.catalog.clustering import find_hotspots, to_points
from pictallion_sql.drivers.base import Executor
from pictallion_sql.errors import ValidationError
from pictallion_sql.limits import shown
from pictallion_sql.models import InsertLocation, Location, UpdateLocation
from pictallion_sql.query.named import queries
from pictallion_sql.records.composites.catalog import Hotspot, LocatedPhoto, LocationStats

__all__ = ["LocationRepository", "location"]

_ALL = queries.rows("locations.get_all", Location)
_TOP = queries.rows("locations.top", Location)
_RECENT = queries.rows("locations.recent", Location)
_LOCATED = queries.rows("locations.located_photos", LocatedPhoto)
_COUNT = queries.scalar("locations.count", int)

STATS_LIST_SIZE = 5
"""How many locations ``get_stats`` lists as top and as recent."""

UNKNOWN_LOCATION = "Unknown Location"
"""The name ``create_from_coordinates`` gives a location when none is given."""


def _coordinate(name: str, value: Any) -> str:
    # The old route rejected a missing or falsy value (so also 0) with 400, then stored
    # value.toString(); str() of a Python number gives the same digits for finite floats.
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValidationError(f"{name} must be a number, got {type(value).__name__}", field=name)
    if not value:
        raise ValidationError(f"{name} is required (and may not be 0)", field=name)
    try:
        number = float(value)
    except ValueError:
        raise ValidationError(f"{name} must be a number, got {shown(value)}", field=name) from None
    except OverflowError:  # an integer beyond any double
        number = math.inf
    if not math.isfinite(number) or number == 0:
        raise ValidationError(f"{name} must be a finite non-zero number", field=name)
    return str(value)


class LocationRepository(Repository[Location, InsertLocation, UpdateLocation]):
    """``locations`` rows."""

    def __init__(self) -> None:
        super().__init__(Location, InsertLocation, UpdateLocation)

    async def get_all(self, db: Executor) -> list[Location]:
        """Every location: photo_count ASC (NULL last), name (byte order), id (#77)."""
        return await db.run(_ALL)

    async def create_from_coordinates(
        self,
        db: Executor,
        *,
        latitude: float | str,
        longitude: float | str,
        name: str | None = None,
        description: str | None = None,
        place_name: str | None = None,
        place_type: str | None = None,
    ) -> Location:
        """Create a user-defined location at a point (POST /api/locations/from-coordinates).

        Latitude and longitude are stored as ``str(value)``; ``is_user_defined`` is true,
        ``photo_count`` 0, and an empty or missing name becomes "Unknown Location".
        ``place_name``/``place_type`` are the caller's reverse-geocoding result, if any.
        """
        values: dict[str, Any] = {
            "name": name or UNKNOWN_LOCATION,
            "latitude": _coordinate("latitude", latitude),
            "longitude": _coordinate("longitude", longitude),
            "is_user_defined": True,
            "photo_count": 0,
        }
        for key, value in (
            ("description", description),
            ("place_name", place_name),
            ("place_type", place_type),
        ):
            if value is not None:
                values[key] = value
        return await self.create(db, obj_in=values)

    async def _located_photos(self, db: Executor) -> list[LocatedPhoto]:
        # Private: the coordinates are the stored decimal text, whose spelling differs
        # between dialects (PostgreSQL normalises jsonb numbers); only their values agree.
        return await db.run(_LOCATED)

    async def find_hotspots(self, db: Executor, *, min_photos: int = 2) -> list[Hotspot]:
        """Clusters of photos within 100 m with at least ``min_photos`` members (#82)."""
        if type(min_photos) is not int or min_photos < 1:
            raise ValidationError(
                f"min_photos must be a positive integer, got {shown(min_photos)}",
                field="min_photos",
            )
        return find_hotspots(await self._located_photos(db), min_photos)

    async def get_stats(self, db: Executor) -> LocationStats:
        """Location count, geotagged photo count, top 5, newest 5 and hotspots (#81).

        The four reads run in one read-only transaction.
        """
        async with db.transaction(readonly=True) as conn:
            total = await conn.run(_COUNT)
            top = await conn.run(_TOP, limit=STATS_LIST_SIZE)
            recent = await conn.run(_RECENT, limit=STATS_LIST_SIZE)
            photos = await conn.run(_LOCATED)
        return LocationStats(
            total_locations=total,
            total_photos_with_location=len(to_points(photos)),
            top_locations=top,
            recent_locations=recent,
            hotspots=find_hotspots(photos, 2),
        )


location = LocationRepository()
