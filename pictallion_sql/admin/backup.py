"""Backups and restores: what both dialects share (synchronous; see ``db_utils``).

Each dialect's procedure lives with its backend: ``admin/sqlite/backup.py`` (the online
backup API; a restore checked in a scratch file, then copied in one write transaction) and
``admin/postgres/backup.py`` (``pg_dump --format=custom``; a restore that replaces the
tables in one transaction, verified before it commits). ``maintenance.backup_database``
and ``restore_database`` reach them through ``admin_backend(dialect).backup`` / ``restore``.

Every file is written to a temporary name in the target folder with mode 0600,
flushed to disk, then renamed into place.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TypedDict

from pictallion_sql.admin.backends import admin_backend
from pictallion_sql.config import Dialect
from pictallion_sql.errors import DatabaseError, PictallionError

__all__ = [
    "BackupError",
    "BackupResult",
    "RestoreResult",
    "error_details",
    "require_file",
    "resolve_target",
    "written",
]


class BackupError(DatabaseError):
    """A backup could not be written, or a backup file was refused for a restore."""

    def __init__(self, message: str, details: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.details = list(details)


class BackupResult(TypedDict):
    """What a backup wrote."""

    dialect: Dialect
    path: str
    size_bytes: int
    seconds: float


def written(
    dialect: Dialect, target: Path, started: float, say: Callable[[str], None]
) -> BackupResult:
    """Report the published backup ``target`` (``started``: ``time.monotonic()`` at the start)."""
    size = target.stat().st_size
    say(f"wrote {target} ({size_text(size)})")
    return {
        "dialect": dialect,
        "path": str(target),
        "size_bytes": size,
        "seconds": round(time.monotonic() - started, 3),
    }


class RestoreResult(TypedDict):
    """What a restore put in place."""

    dialect: Dialect
    path: str
    seconds: float
    applied: list[str]
    pending: list[str]
    tables: int


def quiet(_: str) -> None:
    return None


def size_text(n: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GiB"


def resolve_target(path: str | Path | None, dialect: Dialect) -> Path:
    """The backup file to write: ``path``, or a timestamped name inside a folder ``path``."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    name = f"pictallion-{dialect}-{stamp}.{admin_backend(dialect).backup_suffix}"
    if path is None:
        return Path("backups") / name
    target = Path(path).expanduser()
    if target.is_dir() or str(path).endswith(("/", os.sep)):
        return target / name
    return target


def require_file(source: Path) -> None:
    """Refuse a restore from a file that is missing or unreadable."""
    if not source.is_file():
        raise BackupError(f"no backup file at {source}")
    if not os.access(source, os.R_OK):
        raise BackupError(f"cannot read the backup file {source}")


def error_details(exc: PictallionError) -> list[str]:
    """Extra lines an error carries (differences, failed checks), for the CLI."""
    return list(getattr(exc, "details", None) or getattr(exc, "differences", None) or [])
