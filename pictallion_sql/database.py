"""Connecting to the configured database, and the helpers services use per request.

``connect(url)`` returns a :class:`Database` for SQLite or PostgreSQL; both offer the
same calls. A service usually keeps one process-wide database::

    from pictallion_sql.database import get_db, get_db_transaction

    @app.get("/photos/{photo_id}")
    async def read_photo(photo_id: str, db: Connection = Depends(get_db)):
        return await crud.file_version.get(db, id=photo_id)
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from pictallion_sql.config import Settings, settings
from pictallion_sql.drivers import open_database
from pictallion_sql.drivers.base import Connection, Database, Executor, RecordStream

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
    """Open the database at ``url`` (default: ``settings.database_url``).

    ``replicas`` (default: ``settings.replica_urls``, from ``DATABASE_REPLICA_URLS``) are
    streaming replicas of a PostgreSQL primary: reads outside a transaction go to them
    when they hold this database's writes (see docs/scaling.md).
    """
    base = config if config is not None else settings
    chosen = base.with_url(url) if url is not None else base
    if replicas is not None:
        chosen = chosen.with_replicas(replicas)
    return await open_database(chosen)


_database: Database | None = None
_lock: asyncio.Lock | None = None


async def get_database() -> Database:
    """The process-wide database, opened from ``settings`` on first use."""
    global _database, _lock
    if _database is None:
        import asyncio

        if _lock is None:
            _lock = asyncio.Lock()
        async with _lock:
            if _database is None:
                _database = await connect()
    return _database


async def close_db() -> None:
    """Close the process-wide database (call it when the application shuts down)."""
    global _database
    if _database is not None:
        database, _database = _database, None
        await database.close()


async def get_db() -> AsyncIterator[Connection]:
    """Yield one pooled connection for a request (FastAPI ``Depends``); no transaction."""
    database = await get_database()
    async with database.connection() as conn:
        yield conn


@asynccontextmanager
async def get_db_transaction() -> AsyncIterator[Connection]:
    """A transaction on the process-wide database: commits on success, rolls back on error."""
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
