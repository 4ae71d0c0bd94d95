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
import sqlite3
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Literal, TypedDict

import msgspec

from pictallion_sql.admin.backup import (
    BackupError,
    BackupResult,
    RestoreResult,
    backup_postgres,
    backup_sqlite,
    resolve_target,
    restore_postgres,
    restore_sqlite,
)
from pictallion_sql.admin.introspect import snapshot
from pictallion_sql.admin.ops import TABLES, Progress, connect_postgres, read_only_connection, scrub
from pictallion_sql.config import Dialect, Settings, mask_url
from pictallion_sql.database import Database, connect, get_database, get_db_transaction
from pictallion_sql.errors import DatabaseError, PictallionError

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


class IntegrityCheck(TypedDict):
    """One check of ``check_database_integrity``."""

    name: str
    status: Literal["ok", "failed", "skipped"]
    detail: str
    problems: list[str]


class IntegrityReport(TypedDict):
    """What ``check_database_integrity`` reports."""

    status: Literal["ok", "problems"]
    dialect: Dialect
    url: str
    checks: list[IntegrityCheck]


def _settings(database_url: str | None) -> Settings:
    from pictallion_sql import config

    return config.settings if database_url is None else config.settings.with_url(database_url)


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


def _require_owner(settings: Settings, operation: str) -> None:
    """On PostgreSQL, refuse at once unless the role owns the tables: VACUUM and ANALYZE
    would only warn and skip the tables it does not own."""
    if settings.dialect != "postgres":
        return
    from pictallion_sql.admin.roles import require_owner

    with connect_postgres(settings.database_url) as conn:
        require_owner(conn, settings.database_url, operation)


def _queries() -> Any:
    from pictallion_sql.query.named import queries

    return queries


# --- statistics -------------------------------------------------------------------------


async def get_database_stats(database_url: str | None = None) -> DatabaseStats:
    """Row counts of the 14 tables, file versions per tier and per state, size on disk.

    The counts come from one query (one round trip). The SQLite size is the file's
    pages times page size, plus the ``-wal`` file.
    """
    settings = _settings(database_url)
    async with _using(database_url) as db:
        raw = await db.run(_queries()["ops.stats"])
    data = msgspec.json.decode(raw)
    size = int(data["size_bytes"])
    if settings.dialect == "sqlite":
        path = settings.sqlite_file()
        wal = Path(f"{path}-wal") if path is not None else None
        if wal is not None and wal.is_file():
            size += wal.stat().st_size
    tables = {name: {"count": int(count)} for name, count in data["tables"].items()}
    return {
        "database_type": settings.dialect,
        "database_url": settings.masked_url,
        "tables": tables,
        "total_rows": sum(t["count"] for t in tables.values()),
        "file_version_tiers": {str(k): int(v) for k, v in data["file_version_tiers"].items()},
        "processing_states": {str(k): int(v) for k, v in data["processing_states"].items()},
        "size_bytes": size,
    }


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
    await asyncio.to_thread(_require_owner, settings, "VACUUM")
    async with _using(database_url) as db:
        # Database.run executes outside a transaction: autocommit on both drivers.
        await db.run(_queries()["ops.vacuum"])
    if settings.dialect == "sqlite":
        await asyncio.to_thread(_sqlite_pragma, settings, "PRAGMA wal_checkpoint(TRUNCATE)")
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
    await asyncio.to_thread(_require_owner, settings, "ANALYZE")
    async with _using(database_url) as db:
        await db.run(_queries()["ops.analyze"])
    if settings.dialect == "sqlite":
        await asyncio.to_thread(_sqlite_pragma, settings, "PRAGMA optimize")
    return {
        "dialect": settings.dialect,
        "operation": "analyze",
        "seconds": round(time.monotonic() - started, 3),
    }


def _sqlite_pragma(settings: Settings, pragma: str) -> None:
    path = settings.sqlite_file()
    if path is None:
        return
    conn = sqlite3.connect(path, timeout=settings.busy_timeout_ms / 1000)
    try:
        conn.execute(pragma).fetchall()
    except sqlite3.Error as exc:
        raise DatabaseError(f"{pragma} failed on {path}: {exc}") from None
    finally:
        conn.close()


# --- integrity ------------------------------------------------------------------------


def _check(name: str, problems: list[str], ok: str, failed: str | None = None) -> IntegrityCheck:
    if problems:
        return {
            "name": name,
            "status": "failed",
            "detail": failed or f"{len(problems)} problem(s)",
            "problems": problems,
        }
    return {"name": name, "status": "ok", "detail": ok, "problems": []}


def _skipped(name: str, detail: str) -> IntegrityCheck:
    return {"name": name, "status": "skipped", "detail": detail, "problems": []}


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
    checks: list[IntegrityCheck] = []
    present = await asyncio.to_thread(_present_tables, url)
    missing = [t for t in TABLES if t not in present]
    checks.append(
        _check(
            "tables",
            [f"missing table {t}" for t in missing],
            f"all {len(TABLES)} tables present",
        )
    )
    if settings.dialect == "sqlite":
        checks += await asyncio.to_thread(_sqlite_checks, settings)
    if missing:
        checks.append(_skipped("foreign_keys", "skipped: some tables are missing"))
    else:
        async with _using(database_url) as db:
            raw = await db.run(_queries()["ops.foreign_key_orphans"])
        counts = json.loads(raw)
        checks.append(
            _check(
                "foreign_keys",
                [
                    f"{name}: {count} row(s) refer to a missing parent row"
                    for name, count in counts.items()
                    if count
                ],
                f"all {len(counts)} foreign keys hold",
            )
        )
    if settings.dialect == "postgres":
        checks.append(await asyncio.to_thread(_amcheck, url))
    failed = any(c["status"] == "failed" for c in checks)
    return {
        "status": "problems" if failed else "ok",
        "dialect": settings.dialect,
        "url": settings.masked_url,
        "checks": checks,
    }


def _present_tables(database_url: str) -> set[str]:
    with read_only_connection(database_url) as conn:
        if Settings(database_url=database_url).dialect == "sqlite":
            rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
        else:
            rows = conn.execute(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')"
            ).fetchall()
    return {str(r[0]) for r in rows}


def _sqlite_checks(settings: Settings) -> list[IntegrityCheck]:
    with read_only_connection(settings.database_url) as conn:
        try:
            integrity = [str(r[0]) for r in conn.execute("PRAGMA integrity_check").fetchall()]
            orphans = conn.execute("PRAGMA foreign_key_check").fetchall()
        except sqlite3.DatabaseError as exc:
            return [_check("integrity_check", [str(exc)], "ok", "the file is damaged")]
    return [
        _check(
            "integrity_check",
            [] if integrity == ["ok"] else integrity[:50],
            "ok",
        ),
        _check(
            "foreign_key_check",
            [
                f"{table} row {rowid} refers to a missing {parent} row"
                for table, rowid, parent, _ in orphans[:50]
            ],
            "ok",
            f"{len(orphans)} row(s) refer to a missing parent row",
        ),
    ]


def _amcheck(database_url: str) -> IntegrityCheck:
    with connect_postgres(database_url) as conn:
        row = conn.execute(
            "SELECT extversion FROM pg_extension WHERE extname = 'amcheck'"
        ).fetchone()
        if row is None:
            return _skipped(
                "amcheck",
                "skipped: the amcheck extension is not installed (CREATE EXTENSION amcheck)",
            )
        indexes = conn.execute(
            "SELECT c.oid, c.relname FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "JOIN pg_am am ON am.oid = c.relam "
            "WHERE n.nspname = current_schema() AND am.amname = 'btree' "
            "ORDER BY c.relname"
        ).fetchall()
        problems: list[str] = []
        for oid, name in indexes:
            try:
                conn.execute("SELECT bt_index_check(%s::regclass)", (oid,))
            except Exception as exc:  # insufficient privilege, or a damaged index
                text = scrub(str(exc).strip().splitlines()[0], database_url)
                if "permission denied" in text:
                    return _skipped("amcheck", f"skipped: {text}")
                problems.append(f"index {name}: {text}")
    return _check("amcheck", problems, f"{len(indexes)} B-tree index(es) verified")


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
    settings = _settings(database_url)
    dialect = settings.dialect
    target = resolve_target(path, dialect)
    if dialect == "sqlite":
        return await asyncio.to_thread(backup_sqlite, settings.database_url, target, progress)
    return await asyncio.to_thread(backup_postgres, settings.database_url, target, progress)


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
    settings = _settings(database_url)
    source = Path(path)
    if settings.dialect == "sqlite":
        return await asyncio.to_thread(restore_sqlite, settings.database_url, source, progress)
    return await asyncio.to_thread(restore_postgres, settings.database_url, source, progress)


def describe_error(exc: BaseException, database_url: str) -> str:
    """A one-line description of ``exc`` with any password masked."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if not isinstance(exc, PictallionError):
        text = f"{type(exc).__name__}: {text}"
    return scrub(text, database_url).replace(database_url, mask_url(database_url))
