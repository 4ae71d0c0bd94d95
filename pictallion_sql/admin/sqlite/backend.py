"""SQLite's side of administration."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any, Literal

from pictallion_sql.admin.backup import BackupResult, RestoreResult, backup_sqlite, restore_sqlite
from pictallion_sql.admin.integrity import IntegrityCheck, check
from pictallion_sql.admin.ops import Progress, read_only_connection
from pictallion_sql.admin.schema import Schema
from pictallion_sql.admin.sqlite.schema import sqlite_snapshot
from pictallion_sql.config import Settings
from pictallion_sql.errors import DatabaseError

__all__ = ["SqliteAdmin"]


class SqliteAdmin:
    """The administration primitives of a SQLite file."""

    dialect: Literal["sqlite"] = "sqlite"

    def snapshot(self, settings: Settings) -> Schema:
        return sqlite_snapshot(settings)

    def extra_size(self, settings: Settings) -> int:
        path = settings.sqlite_file()
        wal = Path(f"{path}-wal") if path is not None else None
        return wal.stat().st_size if wal is not None and wal.is_file() else 0

    def after_vacuum(self, settings: Settings) -> None:
        _pragma(settings, "PRAGMA wal_checkpoint(TRUNCATE)")

    def after_analyze(self, settings: Settings) -> None:
        _pragma(settings, "PRAGMA optimize")

    def present_tables(self, conn: Any) -> set[str]:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
        return {str(r[0]) for r in rows}

    def index_checks(self, settings: Settings) -> list[IntegrityCheck]:
        return []  # integrity_check already covers the indexes

    def file_checks(self, settings: Settings) -> list[IntegrityCheck]:
        with read_only_connection(settings.database_url) as conn:
            try:
                integrity = [str(r[0]) for r in conn.execute("PRAGMA integrity_check").fetchall()]
                orphans = conn.execute("PRAGMA foreign_key_check").fetchall()
            except sqlite3.DatabaseError as exc:
                return [check("integrity_check", [str(exc)], "ok", "the file is damaged")]
        return [
            check("integrity_check", [] if integrity == ["ok"] else integrity[:50], "ok"),
            check(
                "foreign_key_check",
                [
                    f"{table} row {rowid} refers to a missing {parent} row"
                    for table, rowid, parent, _ in orphans[:50]
                ],
                "ok",
                f"{len(orphans)} row(s) refer to a missing parent row",
            ),
        ]

    def backup(self, database_url: str, target: Path, progress: Progress | None) -> BackupResult:
        return backup_sqlite(database_url, target, progress)

    def restore(self, database_url: str, source: Path, progress: Progress | None) -> RestoreResult:
        return restore_sqlite(database_url, source, progress)


def _pragma(settings: Settings, pragma: str) -> None:
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
