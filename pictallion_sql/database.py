"""Connecting to the configured database, and the process-wide database of a service or script.

``connect(url)`` returns a :class:`Database` for SQLite or PostgreSQL; both offer the
same calls. ``get_database()`` is the database configured by the environment, opened on
first use, one per event loop: a script may call ``asyncio.run`` several times (the
PostgreSQL driver's connections belong to the loop that opened them). A FastAPI service
uses :mod:`pictallion_sql.fastapi` (its lifespan, dependencies, responses and error
handlers); docs/scripts.md shows the use from synchronous code.
"""

from __future__ import annotations

import weakref
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from pictallion_sql.config import Settings, get_settings
from pictallion_sql.drivers import open_database
from pictallion_sql.drivers.base import Database, Executor, RecordStream
from pictallion_sql.drivers.connection import Connection

# asyncio is imported where it is used: by then an event loop runs and it is loaded, and
# ``import pictallion_sql`` stays cheap for programs that only read settings or models.
if TYPE_CHECKING:
    import asyncio

__all__ = [
    "Connection",
    "Database",
    "Executor",
    "RecordStream",
    "close_db",
    "connect",
    "get_database",
    "get_db",
    "get_db_transaction",
]


async def connect(
    url: str | None = None,
    *,
    config: Settings | None = None,
    replicas: Sequence[str] | None = None,
) -> Database:
    """Open the database at ``url`` (default: the configured ``DATABASE_URL``).

    ``config`` gives the pool and logging settings (default: the process-wide settings,
    read from the environment on first use). ``replicas`` (default: the configured
    ``DATABASE_REPLICA_URLS``) are streaming replicas of a PostgreSQL primary: reads
    outside a transaction go to them when they hold this database's writes (see
    docs/scaling.md).

    With ``redis_url`` set (``REDIS_URL``), reads by id of the most-read tables and of
    settings go through the shared Redis cache (``pictallion_sql.cache``).
    """
    base = config if config is not None else get_settings()
    chosen = base.with_url(url) if url is not None else base
    if replicas is not None:
        chosen = chosen.with_replicas(replicas)
    database = await open_database(chosen)
    if chosen.redis_url:
        from pictallion_sql.cache import open_cache

        database.attach_cache(open_cache(chosen))
    return database


class _LoopDatabase:
    """The process-wide database of one event loop, and the lock that opens it once."""

    def __init__(self, lock: asyncio.Lock) -> None:
        self.lock = lock
        self.database: Database | None = None


# One entry per event loop, dropped with its loop: an entry never outlives its loop.
_by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopDatabase] = (
    weakref.WeakKeyDictionary()
)


def _entry() -> _LoopDatabase:
    import asyncio

    loop = asyncio.get_running_loop()
    entry = _by_loop.get(loop)
    if entry is None:
        entry = _by_loop[loop] = _LoopDatabase(asyncio.Lock())
    return entry


async def get_database() -> Database:
    """The process-wide database of the running event loop, opened from the settings on
    first use.

    Each event loop gets its own: a script calling ``asyncio.run`` twice gets a fresh
    database the second time (close each with :func:`close_db` before its loop ends).
    """
    entry = _entry()
    if entry.database is None:
        async with entry.lock:
            if entry.database is None:
                entry.database = await connect()
    return entry.database


async def close_db() -> None:
    """Close the running event loop's process-wide database (at shutdown, or at the end of
    each ``asyncio.run`` of a script); nothing happens when none is open."""
    entry = _entry()
    if entry.database is not None:
        database, entry.database = entry.database, None
        await database.close()


async def get_db() -> AsyncIterator[Connection]:
    """Yield one pooled connection of the process-wide database; no transaction.

    For FastAPI, :func:`pictallion_sql.fastapi.get_db` is the dependency to use.
    """
    database = await get_database()
    async with database.connection() as conn:
        yield conn


@asynccontextmanager
async def get_db_transaction() -> AsyncIterator[Connection]:
    """A transaction on the process-wide database: commits on success, rolls back on error.

    An async context manager (``async with get_db_transaction() as tx``); for FastAPI's
    ``Depends``, use :func:`pictallion_sql.fastapi.get_db_transaction`.
    """
    database = await get_database()
    async with database.transaction() as conn:
        yield conn


def __getattr__(name: str) -> object:
    # ``from pictallion_sql.database import db_manager`` is the documented path of the old
    # port; the manager lives with administration, which imports this module, not the reverse.
    if name in ("DatabaseManager", "HealthReport", "db_manager"):
        from pictallion_sql.admin import manager

        return getattr(manager, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
