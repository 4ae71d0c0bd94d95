"""Database maintenance: statistics, vacuum, analyze, integrity checks, backup and restore.

Every function takes an optional ``database_url``; without it the configured
database is used (``settings.database_url``, through the process-wide pool).
Functions that may run long accept ``progress``, a callable that receives one line
of text per step (the ``pictallion-db`` command prints them on a terminal only).

The names are those of the earlier Python port's ``db_utils``; they now work on both
dialects and raise the library's errors instead of returning an error dict.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypedDict

import msgspec

from pictallion_sql.admin.backends import AdminBackend, admin_backend
from pictallion_sql.admin.backup import BackupError, BackupResult, RestoreResult, resolve_target
from pictallion_sql.admin.common import TABLES, Progress, read_only_connection, refuse_pooled, scrub
from pictallion_sql.admin.integrity import IntegrityCheck, IntegrityReport, check, skipped
from pictallion_sql.admin.introspect import snapshot
from pictallion_sql.config import Dialect, Settings, mask_url
from pictallion_sql.database import Database, connect, get_database, get_db_transaction
from pictallion_sql.errors import PictallionError

__all__ = [
    "BackupError",
    "BackupResult",
    "DatabaseStats",
    "IntegrityCheck",
    "IntegrityReport",
    "MaintenanceResult",
    "RestoreResult",
    "analyze_database",
    "backup_database",
    "check_database_integrity",
    "get_database_stats",
    "get_db_transaction",
    "get_table_info",
    "restore_database",
    "vacuum_database",
]


class DatabaseStats(TypedDict):
    """What ``get_database_stats`` (and ``db_manager.get_stats``) report."""

    database_type: Dialect
    database_url: str  # password masked
    tables: dict[str, dict[str, int]]  # table -> {"count": rows}, all 14 tables
    total_rows: int
    file_version_tiers: dict[str, int]
    processing_states: dict[str, int]
    size_bytes: int


class MaintenanceResult(TypedDict):
    """What ``vacuum_database`` / ``analyze_database`` did."""

    dialect: Dialect
    operation: str
    seconds: float


def _settings(database_url: str | None) -> Settings:
    from pictallion_sql import config

    return config.settings if database_url is None else config.settings.with_url(database_url)


def _direct_settings(database_url: str | None, purpose: str) -> Settings:
    """pg_dump and pg_restore set session state first: never through a transaction pooler.
    Without a URL, the configured database's direct URL (``DATABASE_ADMIN_URL``)."""
    from pictallion_sql import config

    if database_url is None:
        database_url = config.settings.direct_url(purpose)
    refuse_pooled(database_url, purpose)
    return config.settings.with_url(database_url)


@asynccontextmanager
async def _using(database_url: str | None) -> AsyncIterator[Database]:
    """The process-wide database (no URL), or a database opened for this call only."""
    if database_url is None:
        yield await get_database()
        return
    database = await connect(database_url)
    try:
        yield database
    finally:
        await database.close()


def _queries() -> Any:
    from pictallion_sql.query.named import queries

    return queries


# --- statistics -------------------------------------------------------------------------


async def get_database_stats(
    database_url: str | None = None, *, estimated: bool = False
) -> DatabaseStats:
    """Row counts of the 14 tables, file versions per tier and per state, size on disk.

    The counts come from one query (one round trip). The SQLite size is the file's
    pages times page size, plus the ``-wal`` file.

    ``estimated``: the same shape without counting the large tables, for dashboards
    (milliseconds at a million versions instead of a second or two). file_versions,
    media_assets, collection_photos and the tiers are the exact counts the database keeps
    (docs/counts.md); on PostgreSQL the other tables are the planner's estimates
    (``pg_class.reltuples``, 0 before the first ANALYZE) and the processing states come
    from the column's statistics; SQLite counts its other tables and leaves the processing
    states out (``{}``).
    """
    settings = _settings(database_url)
    async with _using(database_url) as db:
        raw = await db.run(_queries()["ops.stats_estimated" if estimated else "ops.stats"])
    data = msgspec.json.decode(raw)
    if estimated:
        data = _from_kept_counts(data)
    size = int(data["size_bytes"]) + admin_backend(settings.dialect).extra_size(settings)
    tables = {name: {"count": int(data["tables"].get(name, 0))} for name in TABLES}
    return {
        "database_type": settings.dialect,
        "database_url": settings.masked_url,
        "tables": tables,
        "total_rows": sum(t["count"] for t in tables.values()),
        "file_version_tiers": {str(k): int(v) for k, v in data["file_version_tiers"].items()},
        "processing_states": {str(k): int(v) for k, v in data["processing_states"].items()},
        "size_bytes": size,
    }


def _from_kept_counts(data: dict[str, Any]) -> dict[str, Any]:
    """ops.stats_estimated's document in ops.stats' shape: the kept counts put in place."""
    kept = {str(k): int(v) for k, v in data.pop("kept").items()}
    tables = dict(data["tables"])
    tables["file_versions"] = kept.get("versions", 0)
    tables["media_assets"] = kept.get("assets", 0)
    tables["collection_photos"] = sum(
        n for name, n in kept.items() if name.startswith("collection:")
    )
    tiers = {
        name.removeprefix("tier:"): n
        for name, n in sorted(kept.items())
        if name.startswith("tier:") and n
    }
    states = {str(k): int(v) for k, v in sorted(data["processing_states"].items()) if v}
    return {**data, "tables": tables, "file_version_tiers": tiers, "processing_states": states}


async def get_table_info(database_url: str | None = None) -> dict[str, Any]:
    """Columns, keys, constraints and indexes of every table, as plain data."""
    url = _settings(database_url).database_url
    schema = await asyncio.to_thread(snapshot, url)
    return dict(msgspec.to_builtins(schema)["tables"])


# --- maintenance ----------------------------------------------------------------------


async def vacuum_database(
    database_url: str | None = None, *, progress: Progress | None = None
) -> MaintenanceResult:
    """``VACUUM`` the database (outside any transaction, as both engines require).

    SQLite rewrites the file and then truncates its write-ahead log; PostgreSQL
    reclaims dead rows of every table of the database.
    """
    settings = _settings(database_url)
    started = time.monotonic()
    if progress:
        progress(f"vacuuming {settings.masked_url}")
    await asyncio.to_thread(admin_backend(settings.dialect).refuse_maintenance, settings, "VACUUM")
    async with _using(database_url) as db:
        # Database.run executes outside a transaction: autocommit on both drivers.
        await db.run(_queries()["ops.vacuum"])
    await asyncio.to_thread(admin_backend(settings.dialect).after_vacuum, settings)
    return {
        "dialect": settings.dialect,
        "operation": "vacuum",
        "seconds": round(time.monotonic() - started, 3),
    }


async def analyze_database(
    database_url: str | None = None, *, progress: Progress | None = None
) -> MaintenanceResult:
    """``ANALYZE`` every table (and, on SQLite, ``PRAGMA optimize``)."""
    settings = _settings(database_url)
    started = time.monotonic()
    if progress:
        progress(f"analyzing {settings.masked_url}")
    await asyncio.to_thread(admin_backend(settings.dialect).refuse_maintenance, settings, "ANALYZE")
    async with _using(database_url) as db:
        await db.run(_queries()["ops.analyze"])
    await asyncio.to_thread(admin_backend(settings.dialect).after_analyze, settings)
    return {
        "dialect": settings.dialect,
        "operation": "analyze",
        "seconds": round(time.monotonic() - started, 3),
    }


# --- integrity ------------------------------------------------------------------------


async def check_database_integrity(database_url: str | None = None) -> IntegrityReport:
    """Check that the database is intact and its references hold.

    * every one of the 14 tables exists;
    * SQLite: ``PRAGMA integrity_check`` and ``PRAGMA foreign_key_check``;
    * both: for each of the 9 foreign keys, rows whose reference has no parent;
    * PostgreSQL: ``amcheck``'s ``bt_index_check`` on every B-tree index, when the
      extension is installed (reported as skipped otherwise).
    """
    settings = _settings(database_url)
    url = settings.database_url
    backend = admin_backend(settings.dialect)
    checks: list[IntegrityCheck] = []
    present = await asyncio.to_thread(_present_tables, backend, url)
    missing = [t for t in TABLES if t not in present]
    checks.append(
        check(
            "tables",
            [f"missing table {t}" for t in missing],
            f"all {len(TABLES)} tables present",
        )
    )
    checks += await asyncio.to_thread(backend.file_checks, settings)
    if missing:
        checks.append(skipped("foreign_keys", "skipped: some tables are missing"))
    else:
        async with _using(database_url) as db:
            raw = await db.run(_queries()["ops.foreign_key_orphans"])
        counts = json.loads(raw)
        checks.append(
            check(
                "foreign_keys",
                [
                    f"{name}: {count} row(s) refer to a missing parent row"
                    for name, count in counts.items()
                    if count
                ],
                f"all {len(counts)} foreign keys hold",
            )
        )
    checks += await asyncio.to_thread(backend.index_checks, settings)
    failed = any(c["status"] == "failed" for c in checks)
    return {
        "status": "problems" if failed else "ok",
        "dialect": settings.dialect,
        "url": settings.masked_url,
        "checks": checks,
    }


def _present_tables(backend: AdminBackend, database_url: str) -> set[str]:
    with read_only_connection(database_url) as conn:
        return backend.present_tables(conn)


# --- backup and restore -------------------------------------------------------------------


async def backup_database(
    path: str | Path | None = None,
    *,
    database_url: str | None = None,
    progress: Progress | None = None,
) -> BackupResult:
    """Write a consistent backup of the database to ``path``; return what was written.

    ``path`` may be a file, or a folder (then a timestamped name is made in it);
    without it the backup goes to ``backups/``. SQLite backups are SQLite files;
    PostgreSQL backups are ``pg_dump`` custom-format archives. The file appears only
    when complete (written under a temporary name, flushed, renamed) and is readable
    by its owner only.
    """
    settings = _direct_settings(database_url, "a backup")
    dialect = settings.dialect
    target = resolve_target(path, dialect)
    backend = admin_backend(dialect)
    return await asyncio.to_thread(backend.backup, settings.database_url, target, progress)


async def restore_database(
    path: str | Path,
    *,
    database_url: str | None = None,
    progress: Progress | None = None,
) -> RestoreResult:
    """Replace the database's contents with the backup at ``path``.

    The backup is checked first (intact, and holding the schema its migration
    history calls for); the replacement is atomic, and a refused or failed restore
    leaves the database exactly as it was (``BackupError`` says why).
    """
    settings = _direct_settings(database_url, "a restore")
    backend = admin_backend(settings.dialect)
    return await asyncio.to_thread(backend.restore, settings.database_url, Path(path), progress)


def describe_error(exc: BaseException, database_url: str) -> str:
    """A one-line description of ``exc`` with any password masked."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if not isinstance(exc, PictallionError):
        text = f"{type(exc).__name__}: {text}"
    return scrub(text, database_url).replace(database_url, mask_url(database_url))
