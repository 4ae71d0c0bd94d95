"""SQLite's side of administration."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pictallion_sql.admin.common import read_only_connection
from pictallion_sql.admin.integrity import IntegrityCheck, check
from pictallion_sql.admin.schema import Schema
from pictallion_sql.admin.sqlite import backup as _backup
from pictallion_sql.admin.sqlite.schema import sqlite_snapshot
from pictallion_sql.config import Settings
from pictallion_sql.errors import (
    ConfigurationError,
    DatabaseError,
    PermissionDeniedError,
    ReadOnlyError,
)

if TYPE_CHECKING:
    from pictallion_sql.admin.archive import ArchiveStore
    from pictallion_sql.admin.postgres.roles import RoleNames
    from pictallion_sql.admin.top import TopQuery
    from pictallion_sql.monitoring.metrics import QueryMetrics
    from pictallion_sql.query.registry import Returns

__all__ = ["SqliteAdmin"]


class SqliteAdmin:
    """The administration primitives of a SQLite file."""

    dialect: Literal["sqlite"] = "sqlite"
    display_name = "SQLite"
    backup_suffix = "db"
    yoyo_scheme = "sqlite"

    def limit_migration_session(self, conn: Any, table_lock: float, statement: float) -> None:
        return None  # SQLite has neither setting; its busy timeout bounds lock waits

    top_source = (
        "in-process metrics: SQLite keeps no statement statistics, so only the process "
        "that ran the statements has them; call pictallion_sql.admin.top.top_queries(db) "
        "there, or export them with pictallion_sql.monitoring.prometheus"
    )

    def reach(self, settings: Settings, *, create: bool) -> str | None:
        path = settings.sqlite_file()
        if path is None:
            raise ConfigurationError("an in-memory SQLite database cannot be managed")
        if not create and not path.is_file():
            raise DatabaseError(f"no SQLite database at {path} (run `pictallion-db init` first)")
        return None  # migrating creates the file

    def privilege_drift(self, settings: Settings, names: RoleNames) -> list[str]:
        return []  # SQLite has no roles

    def refuse_roles(self) -> None:
        raise ConfigurationError(
            "roles are a PostgreSQL feature: SQLite has no users (protect the database "
            "file with the file system's permissions instead)"
        )

    def top_queries(self, settings: Settings, metrics: QueryMetrics, limit: int) -> list[TopQuery]:
        from pictallion_sql.admin.top import top_from_metrics

        # SQLite keeps no statement statistics; a process knows only its own statements.
        return top_from_metrics(metrics, limit)

    def explain_form(self) -> tuple[str, Returns, type | None]:
        from pictallion_sql.admin.sqlview import PlanStep

        return "EXPLAIN QUERY PLAN ", "rows", PlanStep

    def read_plan(self, plan: Any) -> Any:
        return plan  # a list of PlanStep

    def render_plan(self, plan: Any) -> str:
        depth: dict[int, int] = {0: -1}
        lines = ["QUERY PLAN"]
        for step in plan:
            depth[step.id] = depth.get(step.parent, -1) + 1
            lines.append("  " * depth[step.id] + "-> " + step.detail)
        if len(lines) == 1:
            lines.append("-> (no steps)")
        return "\n".join(lines)

    def archive_store(self, database_url: str) -> AbstractContextManager[ArchiveStore]:
        from pictallion_sql.admin.sqlite.archive import open_sqlite_store

        return open_sqlite_store(database_url)

    def missing_database(self, settings: Settings) -> str | None:
        path = settings.sqlite_file()
        if path is not None and not path.is_file():
            return f"no SQLite database at {path} (run `pictallion-db init`)"
        return None

    def database_exists(self, settings: Settings) -> bool:
        path = settings.sqlite_file()
        return path is not None and path.is_file()

    def create_if_missing(self, settings: Settings) -> None:
        from pictallion_sql.drivers.sqlite import create_private_database

        path = settings.sqlite_file()
        if path is not None:
            create_private_database(path)

    def refuse_migrating(self, settings: Settings, purpose: str) -> None:
        if settings.sqlite_read_only:
            raise ReadOnlyError(
                f"the database at {settings.masked_url} is read-only: the URL opens it with "
                f"mode=ro; {purpose}"
            )
        path = settings.sqlite_file()
        if path is None:
            return
        if path.exists() and not os.access(path, os.W_OK):
            raise PermissionDeniedError(
                f"permission denied: this process may not write the SQLite file {path}; {purpose}",
                privilege="write",
            )
        folder = next((p for p in (path.parent, *path.parent.parents) if p.exists()), None)
        if folder is not None and not os.access(folder, os.W_OK | os.X_OK):
            raise PermissionDeniedError(
                f"permission denied: this process may not write in folder {folder}, where "
                f"SQLite keeps {path.name} and its journal; {purpose}",
                privilege="write",
            )

    def snapshot(self, settings: Settings) -> Schema:
        return sqlite_snapshot(settings)

    def extra_size(self, settings: Settings) -> int:
        path = settings.sqlite_file()
        wal = Path(f"{path}-wal") if path is not None else None
        return wal.stat().st_size if wal is not None and wal.is_file() else 0

    def refuse_maintenance(self, settings: Settings, operation: str) -> None:
        return None  # whoever may write the file may maintain it

    def after_vacuum(self, settings: Settings) -> None:
        _pragma(settings, "PRAGMA wal_checkpoint(TRUNCATE)")

    def after_analyze(self, settings: Settings) -> None:
        _pragma(settings, "PRAGMA optimize")

    @contextlib.contextmanager
    def read_only_connection(self, settings: Settings) -> Iterator[sqlite3.Connection]:
        path = settings.sqlite_file()
        if path is None:
            raise ConfigurationError("an in-memory SQLite database has nothing to check")
        if not path.is_file():
            raise DatabaseError(
                f"no SQLite database at {path} (run `pictallion-db init` to create it)"
            )
        try:
            conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
        except sqlite3.Error as exc:
            raise DatabaseError(f"cannot open SQLite database {path}: {exc}") from None
        try:
            yield conn
        finally:
            conn.close()

    def live_schema(self, conn: Any, settings: Settings) -> Schema:
        return sqlite_snapshot(settings)

    def refuse_scratch_schema(self, conn: Any, settings: Settings) -> None:
        return None  # the scratch database is a temporary file

    def build_schema(self, scripts: Sequence[str], conn: Any) -> Schema:
        with tempfile.TemporaryDirectory(prefix="pictallion-expected-") as folder:
            path = Path(folder) / "expected.db"
            scratch = sqlite3.connect(path)
            try:
                for script in scripts:
                    scratch.executescript(script)
            finally:
                scratch.close()
            return sqlite_snapshot(Settings(database_url=f"sqlite:///{path}"))

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

    # The backup procedures live in admin/sqlite/backup.py.
    backup = staticmethod(_backup.backup_sqlite)
    restore = staticmethod(_backup.restore_sqlite)
    backup_counted = staticmethod(_backup.backup_counted)
    scratch_database = staticmethod(_backup.scratch_database)
    scratch_problems = staticmethod(_backup.scratch_problems)
    row_counts = staticmethod(_backup.row_counts)


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
