"""SQLite's backup and restore, and what a backup set asks of them.

backup:  the online backup API copies the live file in one step, inside one read
         transaction: a consistent snapshot even while the application writes.
restore: the backup is copied to a scratch file beside the live one, checked there
         (``integrity_check``, ``foreign_key_check``, its schema against the one
         its migration history calls for), then copied into the live database with
         the backup API in one write transaction: readers see the old database or
         the new one, never a mixture, and a failure leaves the old one intact.
"""

from __future__ import annotations

import sqlite3
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pictallion_sql.admin.backup import (
    BackupError,
    BackupResult,
    RestoreResult,
    quiet,
    require_file,
    size_text,
    written,
)
from pictallion_sql.admin.common import TABLES, Progress
from pictallion_sql.admin.compatibility import check_compatibility
from pictallion_sql.admin.files import create_private_file, publish
from pictallion_sql.admin.history import read_history
from pictallion_sql.config import Settings
from pictallion_sql.errors import ConfigurationError, DatabaseError

__all__ = [
    "backup_counted",
    "backup_sqlite",
    "restore_sqlite",
    "row_counts",
    "scratch_database",
    "scratch_problems",
]

_SQLITE_HEADER = b"SQLite format 3\x00"


def _live_sqlite(database_url: str) -> Path:
    path = Settings(database_url=database_url).sqlite_file()
    if path is None:
        raise ConfigurationError("an in-memory SQLite database cannot be backed up or restored")
    return path


def backup_sqlite(database_url: str, target: Path, progress: Progress | None) -> BackupResult:
    """Copy the live SQLite database to ``target`` with the online backup API."""
    say = progress or quiet
    started = time.monotonic()
    live = _live_sqlite(database_url)
    if not live.is_file():
        raise DatabaseError(f"no SQLite database at {live} (run `pictallion-db init`)")
    if target.exists() and target.resolve() == live.resolve():
        raise BackupError(f"refusing to back up {live} onto itself")
    tmp = create_private_file(target.parent, f".{target.name}.")
    try:
        say(f"backing up {live} ({size_text(live.stat().st_size)}) to {target}")
        try:
            src = sqlite3.connect(f"{live.resolve().as_uri()}?mode=rw", uri=True, timeout=60)
            try:
                dest = sqlite3.connect(tmp)
                try:
                    # pages=-1: every page in one step, inside one read transaction, so
                    # the copy is one consistent snapshot while writers carry on (WAL).
                    src.backup(dest, pages=-1)
                    dest.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
                    check = dest.execute("PRAGMA quick_check").fetchall()
                finally:
                    dest.close()
            finally:
                src.close()
        except sqlite3.Error as exc:
            raise BackupError(f"backup of {live} failed: {exc}") from None
        if check != [("ok",)]:
            raise BackupError(f"the copy of {live} failed its quick_check: {check[0][0]}")
        publish(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return written("sqlite", target, started, say)


def _check_sqlite_copy(path: Path) -> list[str]:
    """Problems of a SQLite file: integrity_check, then foreign_key_check."""
    conn = sqlite3.connect(path)
    try:
        integrity = [str(r[0]) for r in conn.execute("PRAGMA integrity_check").fetchall()]
        if integrity != ["ok"]:
            return [f"integrity_check: {line}" for line in integrity[:20]]
        orphans = conn.execute("PRAGMA foreign_key_check").fetchall()
        return [
            f"foreign_key_check: {table} row {rowid} refers to a missing {parent} row"
            for table, rowid, parent, _fk in orphans[:20]
        ]
    finally:
        conn.close()


def restore_sqlite(database_url: str, source: Path, progress: Progress | None) -> RestoreResult:
    """Check the backup ``source``, then copy it into the live database in one transaction."""
    say = progress or quiet
    started = time.monotonic()
    live = _live_sqlite(database_url)
    source = source.expanduser()
    require_file(source)
    with open(source, "rb") as handle:
        if handle.read(len(_SQLITE_HEADER)) != _SQLITE_HEADER:
            raise BackupError(f"refusing to restore {source}: it is not a SQLite database")
    live.parent.mkdir(parents=True, exist_ok=True)
    work = create_private_file(live.parent, f".{live.name}.restore-")
    try:
        say(f"checking {source} ({size_text(source.stat().st_size)})")
        try:
            src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
            try:
                dest = sqlite3.connect(work)
                try:
                    src.backup(dest, pages=-1)
                    dest.execute("PRAGMA journal_mode = DELETE")
                finally:
                    dest.close()
            finally:
                src.close()
            problems = _check_sqlite_copy(work)
        except sqlite3.Error as exc:
            raise BackupError(
                f"refusing to restore {source}: it is damaged ({exc}); the database was not changed"
            ) from None
        if problems:
            raise BackupError(
                f"refusing to restore {source}: it failed the integrity checks; "
                "the database was not changed",
                problems,
            )
        report = check_compatibility(f"sqlite:///{work.resolve()}")
        if not report["compatible"]:
            raise BackupError(
                f"refusing to restore {source}: it does not hold the Pictallion schema its "
                "migration history calls for; the database was not changed",
                report["issues"],
            )
        _match_page_size(work, live)
        say(f"restoring into {live}")
        try:
            scratch = sqlite3.connect(work)
            try:
                target = sqlite3.connect(live, timeout=60)
                try:
                    # One step: the whole copy is one write transaction on the live file.
                    scratch.backup(target, pages=-1)
                finally:
                    target.close()
            finally:
                scratch.close()
        except sqlite3.Error as exc:
            raise BackupError(
                f"restore into {live} failed and was rolled back ({exc}); "
                "the database was not changed"
            ) from None
    finally:
        work.unlink(missing_ok=True)
        for suffix in ("-journal", "-wal", "-shm"):
            Path(f"{work}{suffix}").unlink(missing_ok=True)
    say("restore complete")
    return {
        "dialect": "sqlite",
        "path": str(source),
        "seconds": round(time.monotonic() - started, 3),
        "applied": report["applied"],
        "pending": report["pending"],
        "tables": len(TABLES),
    }


def _match_page_size(work: Path, live: Path) -> None:
    """Give ``work`` the live file's page size (the backup API cannot change it in WAL mode)."""
    if not live.is_file() or live.stat().st_size == 0:
        return
    probe = sqlite3.connect(f"{live.resolve().as_uri()}?mode=ro", uri=True, timeout=60)
    try:
        wanted = int(probe.execute("PRAGMA page_size").fetchone()[0])
    finally:
        probe.close()
    conn = sqlite3.connect(work)
    try:
        if int(conn.execute("PRAGMA page_size").fetchone()[0]) != wanted:
            conn.execute(f"PRAGMA page_size = {wanted}")
            conn.execute("VACUUM")
    finally:
        conn.close()


# --- what a backup set asks ------------------------------------------------------------


def backup_counted(url: str, target: Path, say: Progress) -> tuple[list[str], dict[str, int]]:
    """Back up to ``target``, then read the copy's migration history and row counts."""
    backup_sqlite(url, target, say)
    try:
        conn = sqlite3.connect(f"{target.resolve().as_uri()}?mode=ro", uri=True)
        try:
            history = read_history(conn, "sqlite")
            counts = {
                t: int(conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]) for t in TABLES
            }
        finally:
            conn.close()
    except sqlite3.Error as exc:
        target.unlink(missing_ok=True)
        raise BackupError(f"cannot read back the backup {target}: {exc}") from None
    return history.applied, counts


@contextmanager
def scratch_database(database_url: str) -> Iterator[str]:
    """A temporary SQLite file to verify a backup in, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="pictallion-verify-") as folder:
        yield f"sqlite:///{Path(folder).resolve() / 'scratch.db'}"


def scratch_problems(url: str) -> list[str]:
    """What ``integrity_check`` and ``foreign_key_check`` find in a restored scratch file."""
    conn = sqlite3.connect(Settings(database_url=url).sqlite_path)
    try:
        lines = [str(r[0]) for r in conn.execute("PRAGMA integrity_check").fetchall()]
        orphans = conn.execute("PRAGMA foreign_key_check").fetchall()
    finally:
        conn.close()
    problems = [] if lines == ["ok"] else [f"integrity_check: {ln}" for ln in lines[:20]]
    return problems + [f"foreign_key_check: {o[0]} row {o[1]}" for o in orphans[:20]]


def row_counts(url: str) -> dict[str, int]:
    """The row count of each of the 14 tables."""
    conn = sqlite3.connect(Settings(database_url=url).sqlite_path)
    try:
        return {t: int(conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]) for t in TABLES}
    finally:
        conn.close()
