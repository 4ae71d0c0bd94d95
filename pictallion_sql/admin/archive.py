"""Archiving old history rows: move them to compressed JSON Lines files, and back.

Which tables: only append-only logs that nothing references. In Pictallion's schema
that is ``asset_history`` (one row per action on an asset: ingested, promoted, AI
processed ...), aged by its ``timestamp``. Photos, file versions, faces, people,
collections, settings and the rest are the live library and are never archived.

One batch at a time (``batch_size`` rows, oldest ids first):

1. the batch is written to ``<table>-<first id>-<last id>-<content hash>.jsonl.gz``
   under a temporary name, flushed, renamed into place;
2. it is read back and checked (checksum, row count, ids); then its manifest
   ``<file>.manifest.json`` is published, with ``deleted: false``;
3. the ids *read back from the archive file* are deleted in one transaction;
4. the manifest is rewritten with ``deleted: true``.

A crash anywhere loses nothing and duplicates nothing. Before its first batch every
run finishes what an earlier one left: a batch file without a manifest is removed (its
rows were never deleted) and done again; an archive whose manifest says
``deleted: false`` has its ids deleted. The file name is a function of the rows it
holds, so a batch written twice is the same file.

Restoring (``restore_archive``) checks the file against its manifest, inserts its rows
in one transaction (rows whose id is present are left alone), then renames the
archive and its manifest to ``*.restored`` so later runs ignore them.
"""

from __future__ import annotations

import calendar
import gzip
import hashlib
import json
import os
import re
import signal
import time
from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol, TypedDict

from pictallion_sql.admin.backends import admin_backend
from pictallion_sql.admin.common import Progress
from pictallion_sql.admin.files import (
    create_private_file,
    fsync_dir,
    publish,
    read_manifest_file,
    write_json,
)
from pictallion_sql.config import Dialect, Settings
from pictallion_sql.errors import DatabaseError, ValidationError

__all__ = [
    "ARCHIVABLE",
    "ArchiveError",
    "ArchiveResult",
    "ArchiveStore",
    "RestoreArchiveResult",
    "archive_old_rows",
    "cutoff_for",
    "restore_archive",
]

# table -> (the column that dates a row, every column in the table's order)
ARCHIVABLE: dict[str, tuple[str, tuple[str, ...]]] = {
    "asset_history": ("timestamp", ("id", "media_asset_id", "action", "details", "timestamp")),
}
MANIFEST_SUFFIX = ".manifest.json"
ARCHIVE_FORMAT = 1
_CRASH_HOOK = "PICTALLION_TEST_CRASH_AT"  # tests only: SIGKILL this process at a named point
_AGE = re.compile(r"^\s*(\d+)\s*([dwmy])\s*$", re.IGNORECASE)
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%f"


class ArchiveError(DatabaseError):
    """An archive could not be written, checked or restored."""


class ArchiveResult(TypedDict):
    """What ``archive_old_rows`` did."""

    table: str
    cutoff: str
    batches: int
    rows: int
    recovered: int  # rows of earlier, interrupted runs deleted now
    files: list[str]
    seconds: float


class RestoreArchiveResult(TypedDict):
    """What ``restore_archive`` put back."""

    table: str
    file: str
    rows: int
    inserted: int
    seconds: float


def _quiet(_: str) -> None:
    return None


def _crash_point(name: str) -> None:
    if os.environ.get(_CRASH_HOOK) == name:
        os.kill(os.getpid(), signal.SIGKILL)


def cutoff_for(older_than: str, now: datetime) -> datetime:
    """The moment before which rows are old: ``now`` minus ``90d``, ``12w``, ``6m``, ``2y``.

    Months and years are calendar ones (the day is clamped to the month's length).
    An ISO date (``2024-01-31``) is taken as is, as UTC midnight.
    """
    match = _AGE.match(older_than)
    if match is None:
        try:
            moment = datetime.fromisoformat(older_than.strip())
        except ValueError:
            raise ValidationError(
                f"older_than must be an age such as 90d, 12w, 6m, 2y or an ISO date, "
                f"got {older_than!r}",
                field="older_than",
            ) from None
        return moment.replace(tzinfo=None) if moment.tzinfo is None else _naive(moment)
    amount, unit = int(match.group(1)), match.group(2).lower()
    base = _naive(now)
    if unit == "d":
        return base - timedelta(days=amount)
    if unit == "w":
        return base - timedelta(weeks=amount)
    months = amount * (12 if unit == "y" else 1)
    year, month = divmod(base.year * 12 + base.month - 1 - months, 12)
    day = min(base.day, calendar.monthrange(year, month + 1)[1])
    return base.replace(year=year, month=month + 1, day=day)


def _naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _columns_of(table: str) -> tuple[str, tuple[str, ...]]:
    try:
        return ARCHIVABLE[table]
    except KeyError:
        raise ValidationError(
            f"table {table!r} cannot be archived; archivable: {', '.join(sorted(ARCHIVABLE))}",
            field="table",
        ) from None


# --- encoding ------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """A column value as it goes into the archive (timestamps in the library's text form)."""
    if isinstance(value, datetime):
        return _naive(value).strftime(TIMESTAMP_FORMAT)
    return value


def encode_rows(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    """Rows as JSON Lines: one object per row, keys in column order, canonical text."""
    lines = [
        json.dumps(
            {c: _plain(v) for c, v in zip(columns, row, strict=True)},
            ensure_ascii=False,
            separators=(",", ":"),
        )
        for row in rows
    ]
    return ("\n".join(lines) + "\n").encode("utf-8") if lines else b""


def _compress(data: bytes) -> bytes:
    # mtime=0: the same rows always give the same file, so a batch written twice is equal.
    return gzip.compress(data, compresslevel=6, mtime=0)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class _Manifest(TypedDict):
    format: int
    table: str
    file: str
    dialect: Dialect
    columns: list[str]
    rows: int
    first_id: str
    last_id: str
    sha256: str
    content_sha256: str
    size_bytes: int
    cutoff: str
    created_at: str
    deleted: bool


def _manifest_path(archive: Path) -> Path:
    return archive.with_name(archive.name + MANIFEST_SUFFIX)


def _write_manifest(archive: Path, manifest: _Manifest) -> None:
    write_json(_manifest_path(archive), manifest)


def _read_manifest(archive: Path) -> _Manifest:
    path = _manifest_path(archive)
    data: _Manifest = read_manifest_file(
        path, of=archive, fmt=ARCHIVE_FORMAT, error=ArchiveError, kind="an archive"
    )
    return data


def read_archive(archive: Path) -> tuple[_Manifest, list[dict[str, Any]]]:
    """The manifest and rows of ``archive``, checked: checksum, size, row count, ids."""
    manifest = _read_manifest(archive)
    try:
        raw = archive.read_bytes()
    except FileNotFoundError:
        raise ArchiveError(f"no archive file at {archive}") from None
    if len(raw) != manifest["size_bytes"] or _sha256(raw) != manifest["sha256"]:
        raise ArchiveError(f"{archive.name} does not match its manifest's checksum: it is damaged")
    try:
        content = gzip.decompress(raw)
        rows = [json.loads(line) for line in content.decode("utf-8").splitlines() if line]
    except (OSError, EOFError, ValueError) as exc:
        raise ArchiveError(f"{archive.name} cannot be read: {exc}") from None
    if _sha256(content) != manifest["content_sha256"] or len(rows) != manifest["rows"]:
        raise ArchiveError(f"{archive.name} does not hold the rows its manifest records")
    ids = [str(r.get("id")) for r in rows]
    if rows and (min(ids) != manifest["first_id"] or max(ids) != manifest["last_id"]):
        raise ArchiveError(f"{archive.name} does not hold the id range its manifest records")
    return manifest, rows


# --- database access, per dialect -------------------------------------------------------------


class ArchiveStore(Protocol):
    """The database side of archiving, one implementation per dialect (``admin/sqlite/archive.py``,
    ``admin/postgres/archive.py``), opened by ``admin_backend(dialect).archive_store``."""

    def old_batch(
        self, table: str, column: str, columns: Sequence[str], cutoff: datetime, limit: int
    ) -> list[tuple[Any, ...]]:
        """Up to ``limit`` rows dated before ``cutoff``, oldest ids first."""
        ...

    def transaction(self) -> AbstractContextManager[None]:
        """One write transaction: committed on exit, rolled back on an error."""
        ...

    def delete_ids(self, table: str, ids: Sequence[str]) -> int:
        """Delete the rows with these ids; how many were deleted."""
        ...

    def insert_rows(self, table: str, columns: Sequence[str], rows: list[dict[str, Any]]) -> int:
        """Insert rows whose id is not present; how many were inserted."""
        ...


def _open(database_url: str) -> AbstractContextManager[ArchiveStore]:
    return admin_backend(Settings(database_url=database_url).dialect).archive_store(database_url)


# --- archiving ---------------------------------------------------------------------------------


def _archives(folder: Path, table: str) -> list[Path]:
    return sorted(folder.glob(f"{table}-*.jsonl.gz"))


def _finish_earlier_runs(db: ArchiveStore, folder: Path, table: str, say: Progress) -> int:
    """Complete what interrupted runs left; the number of rows deleted now."""
    for leftover in folder.glob(f".{table}-*.tmp"):
        leftover.unlink(missing_ok=True)
    deleted = 0
    for archive in _archives(folder, table):
        if not _manifest_path(archive).is_file():
            # Published but never checked: its rows were not deleted. Done again below.
            say(f"removing the unchecked archive {archive.name} of an interrupted run")
            archive.unlink()
            continue
        manifest = _read_manifest(archive)
        if manifest["deleted"]:
            continue
        say(f"finishing {archive.name}: deleting its rows")
        deleted += _delete_archived(db, archive, table)
    return deleted


def _delete_archived(db: ArchiveStore, archive: Path, table: str) -> int:
    manifest, rows = read_archive(archive)  # the ids come from the checked file
    with db.transaction():
        deleted = db.delete_ids(table, [str(r["id"]) for r in rows])
    _crash_point("after-delete")
    manifest["deleted"] = True
    _write_manifest(archive, manifest)
    return deleted


def archive_old_rows(
    database_url: str,
    folder: Path,
    *,
    older_than: str,
    table: str = "asset_history",
    batch_size: int = 1000,
    now: datetime | None = None,
    progress: Progress | None = None,
) -> ArchiveResult:
    """Move the rows of ``table`` older than ``older_than`` into archive files in ``folder``."""
    say = progress or _quiet
    started = time.monotonic()
    column, columns = _columns_of(table)
    if type(batch_size) is not int or batch_size < 1:
        raise ValidationError("batch_size must be a positive integer", field="batch_size")
    moment = now or datetime.now(UTC)
    cutoff = cutoff_for(older_than, moment)
    folder = folder.expanduser()
    folder.mkdir(parents=True, exist_ok=True)
    dialect = Settings(database_url=database_url).dialect
    files: list[str] = []
    archived = 0
    with _open(database_url) as db:
        recovered = _finish_earlier_runs(db, folder, table, say)
        while True:
            rows = db.old_batch(table, column, columns, cutoff, batch_size)
            if not rows:
                break
            archive = _write_batch(folder, table, columns, rows, cutoff, moment, dialect)
            say(f"archived {len(rows)} row(s) to {archive.name}")
            _crash_point("after-manifest")
            archived += _delete_archived(db, archive, table)
            files.append(archive.name)
    return {
        "table": table,
        "cutoff": cutoff.strftime(TIMESTAMP_FORMAT),
        "batches": len(files),
        "rows": archived,
        "recovered": recovered,
        "files": files,
        "seconds": round(time.monotonic() - started, 3),
    }


def _write_batch(
    folder: Path,
    table: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    cutoff: datetime,
    moment: datetime,
    dialect: Dialect,
) -> Path:
    content = encode_rows(columns, rows)
    data = _compress(content)
    ids = [str(r[0]) for r in rows]
    archive = folder / f"{table}-{min(ids)}-{max(ids)}-{_sha256(content)[:12]}.jsonl.gz"
    manifest: _Manifest = {
        "format": ARCHIVE_FORMAT,
        "table": table,
        "file": archive.name,
        "dialect": dialect,
        "columns": list(columns),
        "rows": len(rows),
        "first_id": min(ids),
        "last_id": max(ids),
        "sha256": _sha256(data),
        "content_sha256": _sha256(content),
        "size_bytes": len(data),
        "cutoff": cutoff.strftime(TIMESTAMP_FORMAT),
        "created_at": _naive(moment).strftime(TIMESTAMP_FORMAT),
        "deleted": False,
    }
    tmp = create_private_file(folder, f".{table}-")
    try:
        with open(tmp, "wb") as handle:
            handle.write(data)
        publish(tmp, archive)  # fsynced, then renamed
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _crash_point("after-data")
    # Read back what is on disk before anything depends on it.
    if _sha256(archive.read_bytes()) != manifest["sha256"]:
        archive.unlink(missing_ok=True)
        raise ArchiveError(f"{archive.name} did not read back as written; nothing was deleted")
    _write_manifest(archive, manifest)
    read_archive(archive)
    return archive


# --- restoring -----------------------------------------------------------------------------------


def restore_archive(
    database_url: str, archive: Path, *, progress: Progress | None = None
) -> RestoreArchiveResult:
    """Put the rows of ``archive`` back into their table, then set the archive aside."""
    say = progress or _quiet
    started = time.monotonic()
    archive = archive.expanduser()
    manifest, rows = read_archive(archive)
    table = manifest["table"]
    _, columns = _columns_of(table)
    if list(columns) != manifest["columns"]:
        raise ArchiveError(
            f"{archive.name} holds columns {', '.join(manifest['columns'])}; "
            f"{table} has {', '.join(columns)}"
        )
    with _open(database_url) as db, db.transaction():
        inserted = db.insert_rows(table, columns, rows)
    say(f"restored {inserted} row(s) of {len(rows)} from {archive.name}")
    manifest_file = _manifest_path(archive)
    os.replace(archive, archive.with_name(archive.name + ".restored"))
    os.replace(manifest_file, manifest_file.with_name(manifest_file.name + ".restored"))
    fsync_dir(archive.parent)
    return {
        "table": table,
        "file": str(archive),
        "rows": len(rows),
        "inserted": inserted,
        "seconds": round(time.monotonic() - started, 3),
    }
