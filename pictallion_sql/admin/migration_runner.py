"""Running migrations under yoyo: the connection, the lock, and one migration at a time.

``admin/migrations.py`` holds the calls (upgrade, rollback, reset, reports); this module
holds how they run: a connected, locked yoyo backend with the session limits of the
dialect (``migrating``), each migration applied or rolled back with its bookkeeping in one
transaction (``run_migration``), content checksums, the adoption of databases created by
the old backend, and the refusal of migrations without statements.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from yoyo import get_backend
from yoyo.exceptions import LockTimeout

from pictallion_sql.admin.backends import admin_backend
from pictallion_sql.admin.common import (
    CHECKSUM_TABLE,
    TABLES,
    read_only_connection,
    refuse_pooled,
)
from pictallion_sql.admin.compatibility import adoption_point
from pictallion_sql.admin.history import migration_checksum, migrations_folder, rollback_path
from pictallion_sql.admin.introspect import snapshot
from pictallion_sql.config import Dialect, Settings, mask_secrets, mask_url
from pictallion_sql.errors import ConfigurationError, MigrationError, PictallionError

__all__ = [
    "DEFAULT_LOCK_TIMEOUT",
    "DEFAULT_STATEMENT_TIMEOUT",
    "DEFAULT_TABLE_LOCK_TIMEOUT",
    "AdoptionError",
    "Timeouts",
    "adopt",
    "ensure_checksum_table",
    "migrating",
    "ordered_migrations",
    "read_checksums",
    "refuse_empty",
    "require_rollback",
    "run_migration",
    "url_dialect",
    "write_checksum",
    "yoyo_url",
]

DEFAULT_LOCK_TIMEOUT = 60.0
"""Seconds a migrating process waits for another one to finish."""

DEFAULT_TABLE_LOCK_TIMEOUT = 5.0
"""PostgreSQL ``lock_timeout`` of a migration session, in seconds (0: wait for ever)."""

DEFAULT_STATEMENT_TIMEOUT = 600.0
"""PostgreSQL ``statement_timeout`` of a migration session, in seconds (0: no limit)."""


class AdoptionError(MigrationError):
    """An existing database without migration history does not match the first migration."""

    def __init__(self, message: str, differences: Sequence[str]) -> None:
        super().__init__(message)
        self.differences = list(differences)


def url_dialect(database_url: str) -> Dialect:
    """The URL's dialect; ``ConfigurationError`` for an unsupported scheme."""
    return Settings(database_url=database_url).dialect


def yoyo_url(database_url: str) -> str:
    """``database_url`` in the form yoyo connects with.

    SQLite URLs (``sqlite:///relative``, ``sqlite:////absolute``) keep their path;
    ``postgres://`` and ``postgresql://`` become ``postgresql+psycopg://`` with user,
    password, host, port, database and query options (``sslmode``...) unchanged.
    """
    dialect = url_dialect(database_url)
    # Only the scheme changes; the rest is kept byte for byte (urlunsplit would
    # normalise away the slashes of sqlite:////absolute/path).
    rest = database_url[database_url.index(":") :]
    return admin_backend(dialect).yoyo_scheme + rest


# --- running ---------------------------------------------------------------------------


def ordered_migrations(migrations: Any) -> list[Any]:
    """The migrations in the order they apply (dependencies first)."""
    from yoyo.migrations import topological_sort

    return list(topological_sort(migrations))


@contextmanager
def migrating(
    database_url: str,
    migrations_path: str | Path | None,
    *,
    lock: bool = True,
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
    timeouts: Timeouts | None = None,
) -> Iterator[tuple[Any, Any]]:
    """Yield a connected yoyo backend (locked unless ``lock`` is false) and the migrations."""
    from yoyo import read_migrations

    dialect = url_dialect(database_url)
    folder = migrations_folder(dialect, migrations_path)
    try:
        import glob

        # yoyo globs the source: escape folder names containing * ? [
        migrations = read_migrations(glob.escape(str(folder)))
    except Exception as exc:
        raise MigrationError(f"cannot read migrations in {folder}: {exc}") from exc
    if lock:
        refuse_pooled(database_url, "migrating")
        _preflight(database_url)
    admin_backend(dialect).create_if_missing(Settings(database_url=database_url))
    try:
        backend = get_backend(yoyo_url(database_url))
    except Exception as exc:
        # Chained from None: a driver's connection error may quote the connection string.
        raise MigrationError(
            f"cannot connect to {mask_url(database_url)}: "
            f"{type(exc).__name__}: {mask_secrets(exc, database_url)}"
        ) from None
    try:
        if lock:
            # Only a migrating session sets them: a report (``lock=False``) may run through
            # a transaction pooler, where a session setting would stay on a server
            # connection that other clients use next.
            limits = timeouts or Timeouts()
            admin_backend(dialect).limit_migration_session(
                backend.connection, limits.table_lock, limits.statement
            )
        if not lock:
            yield backend, migrations
            return
        try:
            with backend.lock(timeout=lock_timeout):
                yield backend, migrations
        except LockTimeout as exc:
            raise MigrationError(
                f"another process holds the migration lock on {mask_url(database_url)} "
                f"(waited {lock_timeout:g} s): {exc}"
            ) from exc
    except PictallionError:
        raise
    except Exception as exc:
        raise MigrationError(
            f"migration bookkeeping failed on {mask_url(database_url)}: "
            f"{mask_secrets(exc, database_url)}"
        ) from exc
    finally:
        backend.connection.close()


def _preflight(database_url: str) -> None:
    """Fail at once, with a typed error, where migrating could only wait and then fail."""
    settings = Settings(database_url=database_url)
    admin_backend(settings.dialect).refuse_migrating(
        settings, "migrations must run on a writable database"
    )


class Timeouts:
    """The PostgreSQL ``lock_timeout`` and ``statement_timeout`` of a migration session."""

    def __init__(
        self,
        table_lock: float = DEFAULT_TABLE_LOCK_TIMEOUT,
        statement: float = DEFAULT_STATEMENT_TIMEOUT,
    ) -> None:
        for name, value in (("table_lock_timeout", table_lock), ("statement_timeout", statement)):
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not (0 <= value < 2**31 / 1000)
            ):
                raise ConfigurationError(
                    f"{name} must be a number of seconds from 0 (no limit) up to 2147483, "
                    f"got {value!r}"
                )
        self.table_lock = table_lock
        self.statement = statement


_SQL_COMMENTS = re.compile(r"--[^\n]*|/\*.*?\*/", re.DOTALL)


def _has_statements(path: Path) -> bool:
    """Whether the SQL file holds anything but comments, blanks and semicolons."""
    text = _SQL_COMMENTS.sub("", path.read_text(encoding="utf-8"))
    return bool(text.replace(";", "").strip())


def refuse_empty(migration: Any, direction: str) -> None:
    """Refuse a SQL migration (or rollback) without a statement: it would change nothing."""
    path = Path(str(migration.path)) if direction == "apply" else rollback_path(migration)
    if path is None or path.suffix != ".sql" or not path.is_file():
        return
    if not _has_statements(path):
        verb, what = ("apply", "migration") if direction == "apply" else ("roll back", "rollback")
        raise MigrationError(
            f"refusing to {verb} {migration.id}: the {what} "
            f"file {path} has no SQL statement (only comments, as the template is written); "
            "write its statements, or delete the migration's files"
        )


def ensure_checksum_table(backend: Any) -> None:
    """Create the table of content checksums if it is not there yet."""
    with backend.transaction():
        backend.execute(
            f'CREATE TABLE IF NOT EXISTS "{CHECKSUM_TABLE}" ('
            "migration_id VARCHAR(255) PRIMARY KEY, "
            "checksum VARCHAR(64) NOT NULL, "
            "recorded_at VARCHAR(32) NOT NULL)"
        )


def read_checksums(backend: Any) -> dict[str, str]:
    """The recorded checksum of each applied migration, by id."""
    rows = backend.execute(f'SELECT migration_id, checksum FROM "{CHECKSUM_TABLE}"').fetchall()
    return {str(r[0]): str(r[1]) for r in rows}


def write_checksum(backend: Any, migration_id: str, checksum: str) -> None:
    """Record ``checksum`` for ``migration_id`` (inside the caller's transaction)."""
    backend.execute(
        f'DELETE FROM "{CHECKSUM_TABLE}" WHERE migration_id = :id', {"id": migration_id}
    )
    backend.execute(
        f'INSERT INTO "{CHECKSUM_TABLE}" (migration_id, checksum, recorded_at) '
        "VALUES (:id, :checksum, :at)",
        {
            "id": migration_id,
            "checksum": checksum,
            "at": datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="seconds"),
        },
    )


def _delete_checksum(backend: Any, migration_id: str) -> None:
    backend.execute(
        f'DELETE FROM "{CHECKSUM_TABLE}" WHERE migration_id = :id', {"id": migration_id}
    )


def adopt(backend: Any, ordered: list[Any], database_url: str) -> list[str]:
    """Record the migrations an old-backend database already holds; [] if it has no tables."""
    dialect = url_dialect(database_url)
    live = snapshot(database_url)
    if not any(t in live.tables for t in TABLES):
        return []
    with read_only_connection(database_url) as conn:
        point, differences = adoption_point(dialect, ordered, live, pg_conn=conn)
    if point is None:
        first = ordered[0].id if ordered else "?"
        raise AdoptionError(
            f"refusing to adopt {mask_url(database_url)}: it has Pictallion tables but no "
            f"migration history, and its schema differs from migration {first} in "
            f"{len(differences)} place(s); its tables were left as they are",
            differences,
        )
    adopted = ordered[:point]
    with backend.transaction():
        for migration in adopted:
            backend.mark_one(migration)
            write_checksum(backend, migration.id, migration_checksum(migration))
    return [m.id for m in adopted]


def require_rollback(migration: Any) -> None:
    """Refuse to roll back a migration whose rollback file is missing."""
    rollback = rollback_path(migration)
    if rollback is not None and not rollback.is_file():
        raise MigrationError(
            f"migration {migration.id} has no rollback file ({rollback.name}); "
            "it cannot be rolled back"
        )


def run_migration(backend: Any, migration: Any, direction: str, database_url: str) -> None:
    """Apply or roll back one migration with its bookkeeping, in one transaction.

    yoyo's own ``apply_one`` commits the migration and records it in two separate
    transactions; here the statements, yoyo's log and record, and the checksum
    commit together. Migrations marked ``-- transactional: false`` cannot share a
    transaction: they go through yoyo's path, and the checksum follows right after.
    Any failure becomes a ``MigrationError`` naming the failing statement.
    """
    tracker = _StatementTracker()
    try:
        tracker.watch(migration)
        if not migration.use_transactions:
            if direction == "apply":
                backend.apply_one(migration)
                with backend.transaction():
                    write_checksum(backend, migration.id, migration_checksum(migration))
            else:
                backend.rollback_one(migration)
                with backend.transaction():
                    _delete_checksum(backend, migration.id)
            return
        with backend.transaction():
            migration.process_steps(backend, direction)
            backend.log_migration(migration, direction)
            if direction == "apply":
                backend.mark_one(migration, log=False)
                write_checksum(backend, migration.id, migration_checksum(migration))
            else:
                backend.unmark_one(migration, log=False)
                _delete_checksum(backend, migration.id)
    except Exception as exc:
        where = f" at statement {tracker.first_line!r}" if tracker.first_line else ""
        verb = "failed" if direction == "apply" else "could not be rolled back"
        undone = " (its changes were undone)" if getattr(migration, "use_transactions", 0) else ""
        raise MigrationError(
            f"migration {migration.id} {verb}{where} on {mask_url(database_url)}{undone}: "
            f"{mask_secrets(exc, database_url)}"
        ) from exc


class _StatementTracker:
    """Remembers the statement a migration is running, so errors can name it.

    yoyo's errors carry the driver's message but not the statement; each step of the
    migration is wrapped to note its SQL before it runs.
    """

    def __init__(self) -> None:
        self.statement: str | None = None

    @property
    def first_line(self) -> str | None:
        """The first non-blank line of the running statement."""
        if not self.statement:
            return None
        for line in self.statement.splitlines():
            if line.strip():
                return line.strip()
        return None

    def watch(self, migration: Any) -> None:
        migration.load()
        for wrapper in migration.steps or ():
            self._wrap(wrapper)

    def _wrap(self, wrapper: Any) -> None:
        inner = getattr(wrapper, "step", None)
        if inner is None or isinstance(inner, _TrackedStep):
            return
        if isinstance(getattr(inner, "steps", None), list):  # a group of steps
            for item in inner.steps:
                self._wrap(item)
        else:
            wrapper.step = _TrackedStep(inner, self)


class _TrackedStep:
    """A yoyo step that tells its tracker which statement it runs."""

    def __init__(self, step: Any, tracker: _StatementTracker) -> None:
        self._step = step
        self._tracker = tracker

    def _note(self, sql: object) -> None:
        self._tracker.statement = sql if isinstance(sql, str) else getattr(sql, "__name__", None)

    def apply(self, backend: Any, force: bool = False) -> None:
        self._note(getattr(self._step, "_apply", None))
        self._step.apply(backend, force)

    def rollback(self, backend: Any, force: bool = False) -> None:
        self._note(getattr(self._step, "_rollback", None))
        self._step.rollback(backend, force)
