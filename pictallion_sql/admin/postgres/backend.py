"""PostgreSQL's side of administration."""

from __future__ import annotations

import json
from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, Literal

import psycopg

from pictallion_sql.admin.common import scrub
from pictallion_sql.admin.integrity import IntegrityCheck, check, skipped
from pictallion_sql.admin.postgres import backup as _backup
from pictallion_sql.admin.postgres.connection import (
    connect_postgres,
    reach,
    refuse_read_only,
    refuse_without_create,
)
from pictallion_sql.admin.postgres.explain import render_postgres_plan
from pictallion_sql.admin.postgres.roles import RoleNames, privilege_drift, require_owner
from pictallion_sql.admin.postgres.schema import postgres_snapshot, postgres_snapshot_of
from pictallion_sql.admin.schema import Schema
from pictallion_sql.config import Settings, mask_secrets, mask_url
from pictallion_sql.errors import (
    DatabaseError,
    MigrationError,
    PermissionDeniedError,
    ReadOnlyError,
)

if TYPE_CHECKING:
    from pictallion_sql.admin.archive import ArchiveStore
    from pictallion_sql.admin.top import TopQuery
    from pictallion_sql.monitoring.metrics import QueryMetrics
    from pictallion_sql.query.registry import Returns

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
    display_name = "PostgreSQL"
    backup_suffix = "dump"
    yoyo_scheme = "postgresql+psycopg"  # psycopg 3, the synchronous driver yoyo supports

    def limit_migration_session(self, conn: Any, table_lock: float, statement: float) -> None:
        # yoyo's connection autocommits, so the settings hold until it closes.
        for setting, seconds in (("lock_timeout", table_lock), ("statement_timeout", statement)):
            # SET takes no bound parameter; set_config does (false: for the session).
            conn.execute(
                "SELECT set_config(%s, %s, false)", (setting, f"{round(seconds * 1000)}ms")
            )

    top_source = "pg_stat_statements (every process, since its last reset)"

    def reach(self, settings: Settings, *, create: bool) -> str | None:
        return reach(settings, create=create)

    def privilege_drift(self, settings: Settings, names: RoleNames) -> list[str]:
        with connect_postgres(settings.database_url) as conn:
            return privilege_drift(conn, names)

    def refuse_roles(self) -> None:
        return None

    def top_queries(self, settings: Settings, metrics: QueryMetrics, limit: int) -> list[TopQuery]:
        from pictallion_sql.admin.top import top_from_server

        return top_from_server(settings.database_url, limit)

    def explain_form(self) -> tuple[str, Returns, type | None]:
        return "EXPLAIN (FORMAT JSON) ", "scalar", None  # one JSON document

    def read_plan(self, plan: Any) -> Any:
        return json.loads(plan) if isinstance(plan, str | bytes) else plan

    def render_plan(self, plan: Any) -> str:
        return render_postgres_plan(plan)

    def archive_store(self, database_url: str) -> AbstractContextManager[ArchiveStore]:
        from pictallion_sql.admin.postgres.archive import open_postgres_store

        return open_postgres_store(database_url)

    def missing_database(self, settings: Settings) -> str | None:
        return None

    def database_exists(self, settings: Settings) -> bool:
        return True  # connecting tells

    def create_if_missing(self, settings: Settings) -> None:
        return None  # creating a PostgreSQL database is the DBA's call

    def refuse_migrating(self, settings: Settings, purpose: str) -> None:
        url = settings.database_url
        try:
            with connect_postgres(url) as conn:
                refuse_read_only(conn, url, purpose)
                refuse_without_create(conn, url)
        except (ReadOnlyError, PermissionDeniedError):
            raise
        except DatabaseError as exc:  # cannot connect: the message names the masked URL
            raise MigrationError(str(exc)) from None
        except psycopg.Error as exc:
            raise MigrationError(
                f"cannot check {mask_url(url)} before migrating: "
                f"{type(exc).__name__}: {mask_secrets(exc, url)}"
            ) from None

    def snapshot(self, settings: Settings) -> Schema:
        return postgres_snapshot(settings)

    def extra_size(self, settings: Settings) -> int:
        return 0  # pg_database_size counts everything

    def refuse_maintenance(self, settings: Settings, operation: str) -> None:
        # VACUUM and ANALYZE skip the tables the role does not own with a mere warning.
        with connect_postgres(settings.database_url) as conn:
            require_owner(conn, settings.database_url, operation)

    def after_vacuum(self, settings: Settings) -> None:
        return None

    def after_analyze(self, settings: Settings) -> None:
        return None

    def read_only_connection(
        self, settings: Settings
    ) -> AbstractContextManager[psycopg.Connection[tuple[Any, ...]]]:
        return connect_postgres(settings.database_url)

    def live_schema(self, conn: Any, settings: Settings) -> Schema:
        return postgres_snapshot_of(conn)

    def refuse_scratch_schema(self, conn: Any, settings: Settings) -> None:
        refuse_read_only(
            conn,
            settings.database_url,
            "checking the schema builds the expected one in temporary tables, "
            "which a read-only server refuses",
        )

    def build_schema(self, scripts: Sequence[str], conn: Any) -> Schema:
        """Built on ``conn`` as temporary tables (``pg_temp``) in a transaction rolled back:
        that needs only the TEMPORARY privilege every user has by default, neither
        CREATEDB nor CREATE on the database, and leaves nothing behind."""
        if conn is None:
            raise MigrationError("a PostgreSQL connection is needed to build the expected schema")
        try:
            with conn.transaction(force_rollback=True):
                conn.execute("SET LOCAL search_path = pg_temp")
                for script in scripts:
                    conn.execute(script)  # a whole script: no parameters, simple protocol
                return postgres_snapshot_of(conn)
        except psycopg.errors.InsufficientPrivilege as exc:
            raise PermissionDeniedError(
                "checking the schema needs the TEMPORARY privilege on the database "
                f"(GRANT TEMPORARY ON DATABASE ... TO ...): {exc}",
                privilege="TEMPORARY",
            ) from None
        except psycopg.errors.ReadOnlySqlTransaction as exc:
            raise ReadOnlyError(
                "the database is read-only: checking the schema builds the expected one in "
                f"temporary tables, which a read-only server refuses ({exc})"
            ) from None

    def present_tables(self, conn: Any) -> set[str]:
        return {str(r[0]) for r in conn.execute(_PRESENT_TABLES).fetchall()}

    def file_checks(self, settings: Settings) -> list[IntegrityCheck]:
        return []  # the server checks its pages itself (checksums, when enabled)

    def index_checks(self, settings: Settings) -> list[IntegrityCheck]:
        return [_amcheck(settings.database_url)]

    # The backup procedures live in admin/postgres/backup.py.
    backup = staticmethod(_backup.backup_postgres)
    restore = staticmethod(_backup.restore_postgres)
    backup_counted = staticmethod(_backup.backup_counted)
    scratch_database = staticmethod(_backup.scratch_database)
    row_counts = staticmethod(_backup.row_counts)

    def scratch_problems(self, database_url: str) -> list[str]:
        return [f"amcheck: {p}" for p in _amcheck(database_url)["problems"]]


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
