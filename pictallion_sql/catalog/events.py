"""Queries on ``events``: holidays, birthdays and custom dates used by event detection.

Every list is ordered by ``date`` ASC, then ``id`` ASC. ``create`` takes an
:class:`~pictallion_sql.models.InsertEvent` (``date`` a datetime) or a dict, in which an
ISO-8601 date-time string such as ``"2026-12-25T00:00:00Z"`` is converted (an offset is
turned into naive UTC; a date without a time is rejected, naming ``date``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, get_args

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
        """Every event, earliest date first (CONTRACT #58, getEvents)."""
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

    # The names the earlier Python routes call (CONTRACT 3.11 item 10), positional as there.

    async def create_event(self, db: Executor, event: InsertEvent | Mapping[str, Any]) -> Event:
        """Insert one event (#57); same as ``create``."""
        return await self.create(db, obj_in=event)

    async def get_events(self, db: Executor) -> list[Event]:
        """Every event, earliest date first (#58); same as ``get_all``."""
        return await self.get_all(db)

    async def get_event(self, db: Executor, id: str) -> Event | None:
        """The event with ``id``, or None (#59); same as ``get``."""
        return await self.get(db, id=id)

    async def update_event(
        self, db: Executor, id: str, updates: UpdateEvent | Mapping[str, Any]
    ) -> Event | None:
        """Set the given fields (#60); the updated row, or None if there is none."""
        return await self.update(db, db_obj=id, obj_in=updates)

    async def delete_event(self, db: Executor, id: str) -> Event | None:
        """Delete one event (#61); the deleted row, or None if there was none."""
        return await self.remove(db, id=id)

    async def get_events_by_type(self, db: Executor, type: str) -> list[Event]:
        """Events of one type, earliest date first (#62); same as ``get_by_type``."""
        return await self.get_by_type(db, type=type)


event = EventRepository()
