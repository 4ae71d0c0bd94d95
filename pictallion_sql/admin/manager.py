"""Health, statistics, schema compatibility, initialisation and reset of one database."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Literal, TypedDict

from pictallion_sql.admin.backends import admin_backend
from pictallion_sql.config import Settings, get_settings
from pictallion_sql.database import close_db, connect, get_database

if TYPE_CHECKING:
    from pictallion_sql.admin.compatibility import Compatibility
    from pictallion_sql.admin.maintenance import DatabaseStats
    from pictallion_sql.admin.migrations import UpgradeResult

__all__ = ["DatabaseManager", "HealthReport", "db_manager"]


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
        settings = get_settings()
        return settings if self._url is None else settings.with_url(self._url)

    async def health_check(self, timeout: float = 10.0) -> HealthReport:  # noqa: ASYNC109
        """Status, dialect, server version, round-trip latency and the masked URL.

        Never raises: an unreachable or misconfigured database is reported as
        ``unhealthy`` with a one-line ``error``.
        """
        import asyncio

        from pictallion_sql.admin.maintenance import describe_error
        from pictallion_sql.config import mask_url

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
            missing = admin_backend(config.dialect).missing_database(config)
            if missing is not None:
                report["error"] = missing
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
        from pictallion_sql.query.named import queries

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
        from pictallion_sql.admin.maintenance import get_database_stats

        return await get_database_stats(self._url)

    async def check_compatibility(self) -> Compatibility:
        """Compare the live schema and migration history with what the migrations call for.

        Lists every difference in one line each (``file_versions.keywords: expected
        text[] default '{}', found text``), pending, edited-after-apply and unknown
        migrations. A database created by the old backend is reported compatible
        (and adoptable by ``initialize``). Reads only.
        """
        import asyncio

        from pictallion_sql.admin.compatibility import check_compatibility

        return await asyncio.to_thread(check_compatibility, self.settings.database_url)

    async def initialize(self) -> UpgradeResult:
        """Create the database if needed (SQLite file) and apply every pending migration.

        A database created by the old backend is adopted (see ``migrations.upgrade``).
        """
        import asyncio

        from pictallion_sql.admin.migrations import upgrade

        return await asyncio.to_thread(upgrade, self.settings.database_url)

    async def reset(self) -> list[str]:
        """Drop every Pictallion table and the migration history, then migrate again.

        Destroys all data. Runs in one transaction; returns the migrations applied.
        """
        import asyncio

        from pictallion_sql.admin.migrations import reset_database

        if self._url is None:
            await close_db()  # the pool's cached statements refer to the dropped tables
        return await asyncio.to_thread(reset_database, self.settings.database_url)


db_manager = DatabaseManager()
"""Operations on the configured database (``settings.database_url``)."""
