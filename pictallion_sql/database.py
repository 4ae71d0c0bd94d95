"""Connecting to the configured database, and the helpers services use per request.

``connect(url)`` returns a :class:`Database` for SQLite or PostgreSQL; both offer the
same calls. A service usually keeps one process-wide database::

    from pictallion_sql.database import get_db, get_db_transaction

    @app.get("/photos/{photo_id}")
    async def read_photo(photo_id: str, db: Connection = Depends(get_db)):
        return await crud.file_version.get(db, id=photo_id)
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Literal, TypedDict

from ._base import Connection, Database, Executor, RecordStream
from .config import Settings, settings

# asyncio is imported where it is used: by then an event loop runs and it is loaded, and
# ``import pictallion_sql`` stays cheap for programs that only read settings or models.
if TYPE_CHECKING:
    import asyncio

    from ._ops import Compatibility
    from .db_utils import DatabaseStats
    from .migrations import UpgradeResult

__all__ = [
    "Connection",
    "Database",
    "DatabaseManager",
    "Executor",
    "HealthReport",
    "RecordStream",
    "close_db",
    "connect",
    "db_manager",
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


# --- operations: health, statistics, schema compatibility ------------------------------


class HealthReport(TypedDict, total=False):
    """What ``DatabaseManager.health_check`` reports (``error`` only when unhealthy)."""

    status: Literal["healthy", "unhealthy"]
    dialect: str | None
    server_version: str | None
    latency_ms: float | None
    url: str
    error: str


class DatabaseManager:
    """Health, statistics, schema compatibility, initialisation and reset of one database.

    ``DatabaseManager()`` works on the configured database (``settings.database_url``,
    through the process-wide pool); ``DatabaseManager(url)`` on another one, with a
    connection opened for each call. ``db_manager`` is the configured one.
    """

    def __init__(self, database_url: str | None = None) -> None:
        self._url = database_url

    @property
    def settings(self) -> Settings:
        """The settings this manager works with."""
        return settings if self._url is None else settings.with_url(self._url)

    async def health_check(self, timeout: float = 10.0) -> HealthReport:  # noqa: ASYNC109
        """Status, dialect, server version, round-trip latency and the masked URL.

        Never raises: an unreachable or misconfigured database is reported as
        ``unhealthy`` with a one-line ``error``.
        """
        import asyncio

        from .config import mask_url
        from .db_utils import describe_error

        config = self.settings
        url = config.database_url
        report: HealthReport = {
            "status": "unhealthy",
            "dialect": None,
            "server_version": None,
            "latency_ms": None,
            "url": mask_url(url),
        }
        try:
            report["dialect"] = config.dialect
            if config.dialect == "sqlite":
                path = config.sqlite_file()
                if path is not None and not path.is_file():
                    report["error"] = f"no SQLite database at {path} (run `pictallion-db init`)"
                    return report
            async with asyncio.timeout(timeout):
                report.update(await self._probe())
            report["status"] = "healthy"
        except TimeoutError:
            report["error"] = f"no answer within {timeout:g} s"
        except Exception as exc:
            report["error"] = describe_error(exc, url)
        return report

    async def _probe(self) -> HealthReport:
        from ._queries import queries

        own = self._url is not None
        database = await connect(self._url) if own else await get_database()
        try:
            version = await database.server_version()
            started = time.perf_counter()
            await database.run(queries["ops.ping"])
            latency = (time.perf_counter() - started) * 1000
        finally:
            if own:
                await database.close()
        return {"server_version": version, "latency_ms": round(latency, 3)}

    async def get_stats(self) -> DatabaseStats:
        """Row counts of the 14 tables, file versions per tier and state, database size."""
        from .db_utils import get_database_stats

        return await get_database_stats(self._url)

    async def check_compatibility(self) -> Compatibility:
        """Compare the live schema and migration history with what the migrations call for.

        Lists every difference in one line each (``file_versions.keywords: expected
        text[] default '{}', found text``), pending, edited-after-apply and unknown
        migrations. A database created by the old backend is reported compatible
        (and adoptable by ``initialize``). Reads only.
        """
        import asyncio

        from ._ops import check_compatibility

        return await asyncio.to_thread(check_compatibility, self.settings.database_url)

    async def initialize(self) -> UpgradeResult:
        """Create the database if needed (SQLite file) and apply every pending migration.

        A database created by the old backend is adopted (see ``migrations.upgrade``).
        """
        import asyncio

        from .migrations import upgrade

        return await asyncio.to_thread(upgrade, self.settings.database_url)

    async def reset(self) -> list[str]:
        """Drop every Pictallion table and the migration history, then migrate again.

        Destroys all data. Runs in one transaction; returns the migrations applied.
        """
        import asyncio

        from .migrations import reset_database

        if self._url is None:
            await close_db()  # the pool's cached statements refer to the dropped tables
        return await asyncio.to_thread(reset_database, self.settings.database_url)


db_manager = DatabaseManager()
"""Operations on the configured database (``settings.database_url``)."""
