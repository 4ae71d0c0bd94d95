"""What administration needs from each dialect: one backend object per dialect.

The rest of ``admin/`` (maintenance, introspection, migrations, backups and backup sets,
archiving, ``top``, ``sqlview`` and the ``pictallion-db`` commands) is written once; where
SQLite and PostgreSQL differ (the size on disk, what follows a VACUUM, the engine's own
integrity checks, how a schema is read, how a backup is made and verified, how a statement
is explained, where statement statistics come from, whether roles exist), it asks the
dialect's backend (``admin/sqlite/backend.py``, ``admin/postgres/backend.py``). Only
``admin_backend`` below chooses by dialect.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from pictallion_sql.config import Dialect, Settings

if TYPE_CHECKING:
    from pictallion_sql.admin.archive import ArchiveStore
    from pictallion_sql.admin.backup import BackupResult, RestoreResult
    from pictallion_sql.admin.common import Progress
    from pictallion_sql.admin.integrity import IntegrityCheck
    from pictallion_sql.admin.postgres.roles import RoleNames
    from pictallion_sql.admin.schema import Schema
    from pictallion_sql.admin.top import TopQuery
    from pictallion_sql.monitoring.metrics import QueryMetrics
    from pictallion_sql.query.registry import Returns

__all__ = ["AdminBackend", "admin_backend"]


class AdminBackend(Protocol):
    """The per-dialect primitives of administration (all synchronous)."""

    @property
    def dialect(self) -> Dialect:
        """The dialect this backend serves."""
        ...

    @property
    def display_name(self) -> str:
        """The engine's name as people write it."""
        ...

    @property
    def backup_suffix(self) -> str:
        """The file name suffix of a backup (``db`` for a SQLite file, ``dump`` for pg_dump)."""
        ...

    @property
    def yoyo_scheme(self) -> str:
        """The URL scheme yoyo connects with (its driver for this dialect)."""
        ...

    def limit_migration_session(self, conn: Any, table_lock: float, statement: float) -> None:
        """Bound, on yoyo's connection ``conn``, how long a migration statement waits for a
        table lock and how long it runs (seconds; 0: no limit), where the engine can."""
        ...

    def reach(self, settings: Settings, *, create: bool) -> str | None:
        """Raise a typed error unless the database can be reached; with ``create``, a
        database that does not exist yet is not an error (SQLite creates its file when
        migrating; PostgreSQL's is created now, and its name returned)."""
        ...

    def privilege_drift(self, settings: Settings, names: RoleNames) -> list[str]:
        """How privileges differ from the roles' plan ([] where there are no roles)."""
        ...

    def refuse_roles(self) -> None:
        """Raise ConfigurationError where the engine has no roles to create."""
        ...

    @property
    def top_source(self) -> str:
        """Where ``top_queries`` finds its figures, as ``pictallion-db top`` says it."""
        ...

    def top_queries(self, settings: Settings, metrics: QueryMetrics, limit: int) -> list[TopQuery]:
        """The ``limit`` named queries with the most total time: the server's statement
        statistics where it keeps them, else ``metrics`` (this process)."""
        ...

    def explain_form(self) -> tuple[str, Returns, type | None]:
        """How a statement is explained: the prefix, and what the prefixed query returns."""
        ...

    def read_plan(self, plan: Any) -> Any:
        """The plan as the driver returned it, as ``sqlview.explain`` hands it back."""
        ...

    def render_plan(self, plan: Any) -> str:
        """A plan as an indented tree."""
        ...

    def archive_store(self, database_url: str) -> AbstractContextManager[ArchiveStore]:
        """The database side of archiving; the driver's errors become ``ArchiveError``."""
        ...

    def database_exists(self, settings: Settings) -> bool:
        """False when there is certainly no database yet (a missing SQLite file)."""
        ...

    def missing_database(self, settings: Settings) -> str | None:
        """Why there is certainly no database yet, or None when connecting will tell."""
        ...

    def create_if_missing(self, settings: Settings) -> None:
        """Create the database before migrating, where the library may (a private file)."""
        ...

    def refuse_migrating(self, settings: Settings, purpose: str) -> None:
        """Raise a typed error at once where migrating could only wait and then fail."""
        ...

    def snapshot(self, settings: Settings) -> Schema:
        """The live schema."""
        ...

    def extra_size(self, settings: Settings) -> int:
        """Bytes on disk beyond what the statistics query reports (SQLite's -wal file)."""
        ...

    def refuse_maintenance(self, settings: Settings, operation: str) -> None:
        """Raise PermissionDeniedError at once where ``operation`` (VACUUM, ANALYZE) would
        skip tables the connecting role may not maintain."""
        ...

    def after_vacuum(self, settings: Settings) -> None:
        """What follows a VACUUM (SQLite truncates its write-ahead log)."""
        ...

    def after_analyze(self, settings: Settings) -> None:
        """What follows an ANALYZE (SQLite's PRAGMA optimize)."""
        ...

    def read_only_connection(self, settings: Settings) -> AbstractContextManager[Any]:
        """A synchronous connection for looking only (sqlite3 read-only, or psycopg)."""
        ...

    def present_tables(self, conn: Any) -> set[str]:
        """The tables present, read on ``conn``."""
        ...

    def live_schema(self, conn: Any, settings: Settings) -> Schema:
        """The live schema, read on ``conn`` (inside its transaction, where it has one)."""
        ...

    def refuse_scratch_schema(self, conn: Any, settings: Settings) -> None:
        """Raise at once when the expected schema cannot be built beside the live one."""
        ...

    def build_schema(self, scripts: Sequence[str], conn: Any) -> Schema:
        """The schema ``scripts`` build in a scratch database, left behind by nothing."""
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

    def backup_counted(
        self, database_url: str, target: Path, progress: Progress
    ) -> tuple[list[str], dict[str, int]]:
        """Back up to ``target``; the applied migrations and row counts the backup holds."""
        ...

    def scratch_database(self, database_url: str) -> AbstractContextManager[str]:
        """The URL of an empty database to verify a backup in, removed on exit."""
        ...

    def scratch_problems(self, database_url: str) -> list[str]:
        """What the engine's own checks find in a restored scratch database."""
        ...

    def row_counts(self, database_url: str) -> dict[str, int]:
        """The row count of each of the 14 tables."""
        ...


def admin_backend(dialect: Dialect) -> AdminBackend:
    """The backend of ``dialect``."""
    if dialect == "postgres":
        from pictallion_sql.admin.postgres.backend import PostgresAdmin

        return PostgresAdmin()
    from pictallion_sql.admin.sqlite.backend import SqliteAdmin

    return SqliteAdmin()
