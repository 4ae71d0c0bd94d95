"""The drivers: the executor every repository calls, and one adapter per database.

``open_database`` is the only place that picks an adapter; each is imported on first use,
so ``import pictallion_sql`` loads neither asyncpg nor aiosqlite.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pictallion_sql.config import Settings
    from pictallion_sql.drivers.base import Database

__all__ = ["open_database"]


async def open_database(settings: Settings) -> Database:
    """A pooled :class:`Database` for ``settings`` (SQLite or PostgreSQL, by its URL);
    with ``settings.replica_urls``, a primary and its read replicas (``routing.py``)."""
    if settings.replica_urls:
        from pictallion_sql.drivers.routing import connect_routed

        return await connect_routed(settings, settings.replica_urls)
    if settings.dialect == "postgres":
        from pictallion_sql.drivers.postgres import connect_postgres

        return await connect_postgres(settings)
    from pictallion_sql.drivers.sqlite import connect_sqlite

    return await connect_sqlite(settings)
