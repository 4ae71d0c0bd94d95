"""Queries on ``locations``."""

from __future__ import annotations

from ..models import InsertLocation, Location, UpdateLocation
from ._base import Repository

__all__ = ["LocationRepository", "location"]


class LocationRepository(Repository[Location, InsertLocation, UpdateLocation]):
    """``locations`` rows."""

    def __init__(self) -> None:
        super().__init__(Location, InsertLocation, UpdateLocation)


location = LocationRepository()
