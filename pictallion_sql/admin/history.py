"""Migration files, and the migration history a database records."""

from __future__ import annotations

import glob
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from yoyo import read_migrations
from yoyo.migrations import topological_sort

from pictallion_sql.admin.backends import admin_backend
from pictallion_sql.admin.common import CHECKSUM_TABLE, YOYO_MIGRATION_TABLE
from pictallion_sql.config import Dialect
from pictallion_sql.errors import MigrationError
from pictallion_sql.query.resources import migrations_dir

__all__ = [
    "History",
    "load_migrations",
    "migration_checksum",
    "migrations_folder",
    "read_history",
    "rollback_path",
]


def migrations_folder(dialect: Dialect, migrations_path: str | Path | None = None) -> Path:
    """The folder of ``dialect``'s migrations: the package's, or the one ``migrations_path`` names.

    ``migrations_path`` may be the folder of one dialect's migrations, or the folder holding
    ``postgres/`` and ``sqlite/`` (as ``create-migration`` takes it): then the dialect's
    subfolder is used. A folder with no migration in it is refused: reading it as "nothing to
    apply" would report any database as up to date.
    """
    if migrations_path is None:
        return migrations_dir(dialect)
    folder = Path(migrations_path)
    if not folder.is_dir():
        raise MigrationError(f"migrations folder not found: {folder}")
    if not _holds_migrations(folder) and (folder / dialect).is_dir():
        folder = folder / dialect
    if not _holds_migrations(folder):
        raise MigrationError(
            f"no migrations in {folder}: expected NNNN_name.sql files, or a folder holding "
            "postgres/ and sqlite/ folders of them"
        )
    return folder


def _holds_migrations(folder: Path) -> bool:
    return any(
        p.suffix in (".sql", ".py") and p.name[:1].isdigit() and ".rollback." not in p.name
        for p in folder.iterdir()
    )


def load_migrations(dialect: Dialect, migrations_path: str | Path | None = None) -> list[Any]:
    """The yoyo migrations of ``dialect`` (or of ``migrations_path``), in the order they apply."""
    folder = migrations_folder(dialect, migrations_path)
    try:
        # yoyo globs the source: escape folder names containing * ? [
        migrations = read_migrations(glob.escape(str(folder)))
        return list(topological_sort(migrations))
    except Exception as exc:
        raise MigrationError(f"cannot read migrations in {folder}: {exc}") from exc


def rollback_path(migration: Any) -> Path | None:
    """The ``.rollback.sql`` file of a SQL migration, or None for a Python migration."""
    path = Path(str(migration.path))
    if path.suffix != ".sql":
        return None
    return path.with_name(path.name[: -len(".sql")] + ".rollback.sql")


def migration_checksum(migration: Any) -> str:
    """sha256 of a migration's file and its rollback file (empty if it has none)."""
    digest = hashlib.sha256()
    digest.update(b"migration\0")
    digest.update(Path(str(migration.path)).read_bytes())
    rollback = rollback_path(migration)
    digest.update(b"\0rollback\0")
    if rollback is not None and rollback.is_file():
        digest.update(rollback.read_bytes())
    return digest.hexdigest()


@dataclass(frozen=True)
class History:
    """What a database records about its migrations."""

    applied: list[str]  # migration ids, in the order they were applied
    checksums: dict[str, str]  # migration id -> checksum recorded when it was applied


def read_history(conn: Any, dialect: Dialect) -> History:
    """The applied migrations and their checksums, read on ``conn`` (sqlite3 or psycopg)."""
    names = admin_backend(dialect).present_tables(conn)
    applied: list[str] = []
    if YOYO_MIGRATION_TABLE in names:
        rows = conn.execute(
            f'SELECT migration_id FROM "{YOYO_MIGRATION_TABLE}" '
            "ORDER BY applied_at_utc, migration_id"
        ).fetchall()
        applied = [str(r[0]) for r in rows]
    checksums: dict[str, str] = {}
    if CHECKSUM_TABLE in names:
        rows = conn.execute(f'SELECT migration_id, checksum FROM "{CHECKSUM_TABLE}"').fetchall()
        checksums = {str(r[0]): str(r[1]) for r in rows}
    return History(applied=applied, checksums=checksums)
