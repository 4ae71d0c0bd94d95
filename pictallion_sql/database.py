"""Connecting to the configured database, and the helpers services use per request.

``connect(url)`` returns a :class:`Database` for SQLite or PostgreSQL; both offer the
same calls. A service usually keeps one process-wide database::

    from pictallion_sql.database import get_db, get_db_transaction

    @app.get("/photos/{photo_id}")
    async def read_photo(photo_id: str, db: Connection = Depends(get_db)):
        return await crud.file_version.get(db, id=photo_id)
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from ._base import Connection, Database, Executor
from .config import Settings, settings

__all__ = [
    "Connection",
    "Database",
    "Executor",
    "close_db",
    "connect",
    "get_database",
    "get_db",
    "get_db_transaction",
]


async def connect(url: str | None = None, *, config: Settings | None = None) -> Database:
    """Open the database at ``url`` (default: ``settings.database_url``)."""
    base = config if config is not None else settings
    chosen = base.with_url(url) if url is not None else base
    if chosen.dialect == "postgres":
        from ._postgres import connect_postgres

        return await connect_postgres(chosen)
    from ._sqlite import connect_sqlite

    return await connect_sqlite(chosen)


_database: Database | None = None
_lock = asyncio.Lock()


async def get_database() -> Database:
    """The process-wide database, opened from ``settings`` on first use."""
    global _database
    if _database is None:
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
