"""What administration needs from each dialect: one backend object per dialect.

The functions of ``maintenance.py`` and ``introspect.py`` are written once; where SQLite
and PostgreSQL differ (the size on disk, what follows a VACUUM, the engine's own integrity
checks, how a schema is read, how a backup is made), they ask the dialect's backend
(``admin/sqlite/backend.py``, ``admin/postgres/backend.py``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from pictallion_sql.config import Dialect, Settings

if TYPE_CHECKING:
    from pictallion_sql.admin.backup import BackupResult, RestoreResult
    from pictallion_sql.admin.integrity import IntegrityCheck
    from pictallion_sql.admin.ops import Progress
    from pictallion_sql.admin.schema import Schema

__all__ = ["AdminBackend", "admin_backend"]


class AdminBackend(Protocol):
    """The per-dialect primitives of administration (all synchronous)."""

    @property
    def dialect(self) -> Dialect:
        """The dialect this backend serves."""
        ...

    def snapshot(self, settings: Settings) -> Schema:
        """The live schema."""
        ...

    def extra_size(self, settings: Settings) -> int:
        """Bytes on disk beyond what the statistics query reports (SQLite's -wal file)."""
        ...

    def after_vacuum(self, settings: Settings) -> None:
        """What follows a VACUUM (SQLite truncates its write-ahead log)."""
        ...

    def after_analyze(self, settings: Settings) -> None:
        """What follows an ANALYZE (SQLite's PRAGMA optimize)."""
        ...

    def present_tables(self, conn: Any) -> set[str]:
        """The tables present, read on a read-only connection of ``ops``."""
        ...

    def file_checks(self, settings: Settings) -> list[IntegrityCheck]:
        """Checks of the storage itself, run first (SQLite's integrity and key PRAGMAs)."""
        ...

    def index_checks(self, settings: Settings) -> list[IntegrityCheck]:
        """Checks of the indexes, run last (PostgreSQL's amcheck)."""
        ...

    def backup(self, database_url: str, target: Path, progress: Progress | None) -> BackupResult:
        """Write a consistent backup to ``target``."""
        ...

    def restore(self, database_url: str, source: Path, progress: Progress | None) -> RestoreResult:
        """Replace the database's contents with the backup at ``source``."""
        ...


def admin_backend(dialect: Dialect) -> AdminBackend:
    """The backend of ``dialect``."""
    if dialect == "postgres":
        from pictallion_sql.admin.postgres.backend import PostgresAdmin

        return PostgresAdmin()
    from pictallion_sql.admin.sqlite.backend import SqliteAdmin

    return SqliteAdmin()
