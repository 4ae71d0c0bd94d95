"""Queries on ``events``: holidays, birthdays and custom dates used by event detection.

Every list is ordered by ``date`` ASC, then ``id`` ASC. ``create`` takes an
:class:`~pictallion_sql.models.InsertEvent` (``date`` a datetime) or a dict, in which an
ISO-8601 date-time string such as ``"2026-12-25T00:00:00Z"`` is converted (an offset is
turned into naive UTC; a date without a time is rejected, naming ``date``).
"""

from __future__ import annotations

from typing import get_args

from pictallion_sql.catalog.base import Repository
from pictallion_sql.drivers.base import Executor
from pictallion_sql.errors import ValidationError
from pictallion_sql.limits import shown
from pictallion_sql.models import Event, EventType, InsertEvent, UpdateEvent
from pictallion_sql.query.named import queries

__all__ = ["EventRepository", "event"]

_ALL = queries.rows("events.get_all", Event)
_BY_TYPE = queries.rows("events.get_by_type", Event)
_ENABLED = queries.rows("events.get_enabled", Event)

_TYPES: tuple[str, ...] = get_args(EventType)


class EventRepository(Repository[Event, InsertEvent, UpdateEvent]):
    """``events`` rows."""

    def __init__(self) -> None:
        super().__init__(Event, InsertEvent, UpdateEvent)

    async def get_all(self, db: Executor) -> list[Event]:
        """Every event, earliest date first (docs/storage-mapping.md #58, getEvents)."""
        return await db.run(_ALL)

    async def get_by_type(self, db: Executor, *, type: str) -> list[Event]:
        """Events of one type (holiday, birthday or custom), earliest date first (#62)."""
        if type not in _TYPES:
            raise ValidationError(
                f"type must be one of {', '.join(_TYPES)}, got {shown(type)}", field="type"
            )
        return await db.run(_BY_TYPE, type=type)

    async def get_enabled(self, db: Executor) -> list[Event]:
        """Events with is_enabled true, earliest date first; NULL counts as disabled."""
        return await db.run(_ENABLED)


event = EventRepository()
