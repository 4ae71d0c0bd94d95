"""Queries on ``events``."""

from __future__ import annotations

from ..models import Event, InsertEvent, UpdateEvent
from ._base import Repository

__all__ = ["EventRepository", "event"]


class EventRepository(Repository[Event, InsertEvent, UpdateEvent]):
    """``events`` rows."""

    def __init__(self) -> None:
        super().__init__(Event, InsertEvent, UpdateEvent)


event = EventRepository()
