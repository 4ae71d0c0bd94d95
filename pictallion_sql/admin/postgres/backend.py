"""PostgreSQL's side of administration."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pictallion_sql.admin.backup import (
    BackupResult,
    RestoreResult,
    backup_postgres,
    restore_postgres,
)
from pictallion_sql.admin.integrity import IntegrityCheck, check, skipped
from pictallion_sql.admin.ops import Progress, connect_postgres, scrub
from pictallion_sql.admin.postgres.schema import postgres_snapshot
from pictallion_sql.admin.schema import Schema
from pictallion_sql.config import Settings

__all__ = ["PostgresAdmin"]

_PRESENT_TABLES = (
    "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')"
)
_BTREE_INDEXES = (
    "SELECT c.oid, c.relname FROM pg_index i "
    "JOIN pg_class c ON c.oid = i.indexrelid "
    "JOIN pg_namespace n ON n.oid = c.relnamespace "
    "JOIN pg_am am ON am.oid = c.relam "
    "WHERE n.nspname = current_schema() AND am.amname = 'btree' "
    "ORDER BY c.relname"
)


class PostgresAdmin:
    """The administration primitives of a PostgreSQL database."""

    dialect: Literal["postgres"] = "postgres"

    def snapshot(self, settings: Settings) -> Schema:
        return postgres_snapshot(settings)

    def extra_size(self, settings: Settings) -> int:
        return 0  # pg_database_size counts everything

    def after_vacuum(self, settings: Settings) -> None:
        return None

    def after_analyze(self, settings: Settings) -> None:
        return None

    def present_tables(self, conn: Any) -> set[str]:
        return {str(r[0]) for r in conn.execute(_PRESENT_TABLES).fetchall()}

    def file_checks(self, settings: Settings) -> list[IntegrityCheck]:
        return []  # the server checks its pages itself (checksums, when enabled)

    def index_checks(self, settings: Settings) -> list[IntegrityCheck]:
        return [_amcheck(settings.database_url)]

    def backup(self, database_url: str, target: Path, progress: Progress | None) -> BackupResult:
        return backup_postgres(database_url, target, progress)

    def restore(self, database_url: str, source: Path, progress: Progress | None) -> RestoreResult:
        return restore_postgres(database_url, source, progress)


def _amcheck(database_url: str) -> IntegrityCheck:
    with connect_postgres(database_url) as conn:
        row = conn.execute(
            "SELECT extversion FROM pg_extension WHERE extname = 'amcheck'"
        ).fetchone()
        if row is None:
            return skipped(
                "amcheck",
                "skipped: the amcheck extension is not installed (CREATE EXTENSION amcheck)",
            )
        indexes = conn.execute(_BTREE_INDEXES).fetchall()
        problems: list[str] = []
        for oid, name in indexes:
            try:
                conn.execute("SELECT bt_index_check(%s::regclass)", (oid,))
            except Exception as exc:  # insufficient privilege, or a damaged index
                text = scrub(str(exc).strip().splitlines()[0], database_url)
                if "permission denied" in text:
                    return skipped("amcheck", f"skipped: {text}")
                problems.append(f"index {name}: {text}")
    return check("amcheck", problems, f"{len(indexes)} B-tree index(es) verified")
