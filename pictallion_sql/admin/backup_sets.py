"""Backup sets: timestamped backups in one folder, each with a manifest, verified, rotated.

A set is a folder. Each backup in it is two files:

* the backup itself, ``pictallion-<dialect>-<UTC time>.db`` (a SQLite file) or ``.dump``
  (a ``pg_dump`` custom-format archive), written and published as ``backup_database``
  does (temporary name, 0600, flushed, renamed);
* its manifest, ``<backup>.manifest.json``: the schema head (the last applied migration),
  the row count of every table, the SHA-256 checksum and the size of the backup. It is
  published after the backup. A backup without a manifest is *incomplete* (a crash
  between the two renames): listed as such, never counted by retention.

The row counts describe exactly what the backup holds: SQLite counts the copy;
PostgreSQL counts inside the repeatable-read transaction whose exported snapshot
``pg_dump`` dumps.

Verifying restores the backup into a scratch database (a temporary SQLite file, or a
temporary PostgreSQL database on the same server, which needs CREATEDB), runs the
integrity checks there, and compares the row counts with the manifest. Only then is the
manifest rewritten with ``verified_at``. Retention (``retention.to_keep``) never deletes
the newest verified backup.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TypedDict

from pictallion_sql.admin.backends import admin_backend
from pictallion_sql.admin.backup import BackupError
from pictallion_sql.admin.common import Progress
from pictallion_sql.admin.files import fsync_dir, read_manifest_file, write_json
from pictallion_sql.admin.retention import Candidate, RetentionPolicy, to_keep
from pictallion_sql.config import Dialect, Settings

__all__ = [
    "MANIFEST_SUFFIX",
    "BackupEntry",
    "Manifest",
    "SetBackupResult",
    "VerificationError",
    "backup_to_set",
    "list_backups",
    "prune_set",
    "verify_backup",
]

MANIFEST_SUFFIX = ".manifest.json"
MANIFEST_FORMAT = 1
_DATA_SUFFIXES = (".db", ".dump")


class VerificationError(BackupError):
    """A backup did not restore, failed an integrity check, or differs from its manifest."""


class Manifest(TypedDict):
    """What a backup's manifest records."""

    format: int
    file: str
    dialect: Dialect
    created_at: str  # ISO 8601, UTC
    schema_head: str | None
    applied: list[str]
    row_counts: dict[str, int]
    sha256: str
    size_bytes: int
    verified_at: str | None


class BackupEntry(TypedDict):
    """One backup of a set, as ``list_backups`` reports it."""

    file: str
    status: str  # "verified", "unverified" or "incomplete" (no manifest)
    created_at: str | None
    size_bytes: int
    schema_head: str | None
    total_rows: int | None
    verified_at: str | None


class SetBackupResult(TypedDict):
    """What ``backup_to_set`` did."""

    dialect: Dialect
    path: str
    manifest: Manifest
    verified: bool
    pruned: list[str]
    seconds: float


def _quiet(_: str) -> None:
    return None


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%S%fZ")


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def manifest_path(backup: Path) -> Path:
    """Where the manifest of ``backup`` lives."""
    return backup.with_name(backup.name + MANIFEST_SUFFIX)


def _write_manifest(backup: Path, manifest: Manifest) -> None:
    write_json(manifest_path(backup), manifest)


def read_manifest(backup: Path) -> Manifest:
    """The manifest of ``backup``; ``BackupError`` if it is missing or unreadable."""
    data: Manifest = read_manifest_file(
        manifest_path(backup),
        of=backup,
        fmt=MANIFEST_FORMAT,
        error=BackupError,
        kind="a backup",
        missing="; it is incomplete",
    )
    return data


# --- writing a backup into a set --------------------------------------------------------------


def backup_to_set(
    database_url: str,
    folder: Path,
    *,
    verify: bool = False,
    policy: RetentionPolicy | None = None,
    progress: Progress | None = None,
    now: Callable[[], datetime] | None = None,
) -> SetBackupResult:
    """Write a backup and its manifest into ``folder``; verify it; prune the set.

    A failure while writing leaves neither the backup nor its manifest behind
    (``BackupError``). A failed verification leaves both, the manifest unverified, and
    raises ``VerificationError``; the set is not pruned then.
    """
    say = progress or _quiet
    started = time.monotonic()
    dialect = Settings(database_url=database_url).dialect
    folder = folder.expanduser()
    folder.mkdir(parents=True, exist_ok=True)
    moment = (now or (lambda: datetime.now(UTC)))()
    backend = admin_backend(dialect)
    target = folder / f"pictallion-{dialect}-{_stamp(moment)}.{backend.backup_suffix}"
    if target.exists():
        raise BackupError(f"{target} already exists")
    try:
        applied, counts = backend.backup_counted(database_url, target, say)
        manifest: Manifest = {
            "format": MANIFEST_FORMAT,
            "file": target.name,
            "dialect": dialect,
            "created_at": _iso(moment),
            "schema_head": applied[-1] if applied else None,
            "applied": applied,
            "row_counts": counts,
            "sha256": sha256_of(target),
            "size_bytes": target.stat().st_size,
            "verified_at": None,
        }
        _write_manifest(target, manifest)
    except BaseException:
        target.unlink(missing_ok=True)
        manifest_path(target).unlink(missing_ok=True)
        fsync_dir(folder)
        raise
    verified = False
    if verify:
        manifest = verify_backup(database_url, target, progress=say)
        verified = True
    pruned = prune_set(folder, policy, progress=say) if policy is not None else []
    return {
        "dialect": dialect,
        "path": str(target),
        "manifest": manifest,
        "verified": verified,
        "pruned": pruned,
        "seconds": round(time.monotonic() - started, 3),
    }


# --- verifying ----------------------------------------------------------------------------------


def verify_backup(database_url: str, backup: Path, *, progress: Progress | None = None) -> Manifest:
    """Restore ``backup`` into a scratch database, check it, then mark it verified.

    Checks, in order: size and checksum against the manifest; the restore itself
    (which refuses a damaged file, a schema other than its migration history calls for,
    broken references); the integrity checks of the scratch database; the row count of
    every table against the manifest. Raises ``VerificationError`` naming what failed.
    """
    say = progress or _quiet
    manifest = read_manifest(backup)
    if not backup.is_file():
        raise VerificationError(f"{backup} is missing; its manifest remains")
    size = backup.stat().st_size
    if size != manifest["size_bytes"]:
        raise VerificationError(
            f"{backup.name} is {size} bytes, its manifest says {manifest['size_bytes']}: "
            "the file was changed or truncated"
        )
    say(f"checking the checksum of {backup.name}")
    if sha256_of(backup) != manifest["sha256"]:
        raise VerificationError(
            f"{backup.name} does not match its manifest's checksum: the file is corrupted"
        )
    backend = admin_backend(Settings(database_url=database_url).dialect)
    with backend.scratch_database(database_url) as scratch:
        say(f"restoring {backup.name} into a scratch database")
        try:
            backend.restore(scratch, backup, None)
        except BackupError as exc:
            raise VerificationError(f"{backup.name} does not restore: {exc}", exc.details) from None
        problems = backend.scratch_problems(scratch)
        if problems:
            raise VerificationError(
                f"{backup.name} restored, but the restored database fails its integrity checks",
                problems,
            )
        counts = backend.row_counts(scratch)
    differences = [
        f"{table}: {counts.get(table)} row(s) restored, the manifest says {expected}"
        for table, expected in manifest["row_counts"].items()
        if counts.get(table) != expected
    ]
    if differences:
        raise VerificationError(
            f"{backup.name} restored other row counts than its manifest records", differences
        )
    manifest["verified_at"] = _iso(datetime.now(UTC))
    _write_manifest(backup, manifest)
    say(f"{backup.name} verified")
    return manifest


# --- listing and pruning -------------------------------------------------------------------------


def _data_files(folder: Path) -> list[Path]:
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and p.name.startswith("pictallion-") and p.suffix in _DATA_SUFFIXES
    )


def list_backups(folder: Path) -> list[BackupEntry]:
    """Every backup of the set in ``folder``, oldest first."""
    folder = folder.expanduser()
    if not folder.is_dir():
        raise BackupError(f"no backup set at {folder} (not a folder)")
    entries: list[BackupEntry] = []
    for backup in _data_files(folder):
        size = backup.stat().st_size
        try:
            manifest = read_manifest(backup)
        except BackupError:
            entries.append(
                {
                    "file": backup.name,
                    "status": "incomplete",
                    "created_at": None,
                    "size_bytes": size,
                    "schema_head": None,
                    "total_rows": None,
                    "verified_at": None,
                }
            )
            continue
        entries.append(
            {
                "file": backup.name,
                "status": "verified" if manifest["verified_at"] else "unverified",
                "created_at": manifest["created_at"],
                "size_bytes": size,
                "schema_head": manifest["schema_head"],
                "total_rows": sum(manifest["row_counts"].values()),
                "verified_at": manifest["verified_at"],
            }
        )
    entries.sort(key=lambda e: (e["created_at"] or "", e["file"]))
    return entries


def prune_set(
    folder: Path, policy: RetentionPolicy | None, *, progress: Progress | None = None
) -> list[str]:
    """Delete the backups of the set ``policy`` does not keep; return their names.

    Only backups with a manifest are candidates; incomplete ones are left alone. The
    manifest goes first, so a crash part-way leaves at worst an incomplete backup.
    """
    if policy is None or not policy.prunes:
        return []
    say = progress or _quiet
    complete = [e for e in list_backups(folder) if e["created_at"] is not None]
    candidates = [
        Candidate(e["file"], _parse_iso(str(e["created_at"])), e["verified_at"] is not None)
        for e in complete
    ]
    kept = to_keep(candidates, policy)
    removed: list[str] = []
    for candidate in candidates:
        if candidate.name in kept:
            continue
        backup = folder / candidate.name
        say(f"pruning {candidate.name}")
        manifest_path(backup).unlink(missing_ok=True)
        backup.unlink(missing_ok=True)
        removed.append(candidate.name)
    if removed:
        fsync_dir(folder)
    return removed
