"""Schema migrations: apply, roll back and list the yoyo migrations of a database's dialect.

The migrations are plain SQL files in ``migrations/<dialect>/`` (shipped inside the
wheel). yoyo runs each statement of a migration as one step and the whole migration in
one transaction, on SQLite as on PostgreSQL, so a migration that fails half-way leaves
the database as it was. yoyo's lock table keeps two processes from migrating at once.

The functions here are synchronous (yoyo drives the synchronous drivers: sqlite3 and
psycopg 3); ``upgrade_to_head`` runs them in a worker thread for async services.
"""

from __future__ import annotations

import asyncio
import glob
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypedDict
from urllib.parse import unquote, urlsplit

from yoyo import get_backend, read_migrations
from yoyo.exceptions import LockTimeout

from . import config
from ._resources import migrations_dir
from .config import Dialect, Settings, mask_url
from .errors import MigrationError

__all__ = [
    "MigrationStatus",
    "apply_migrations",
    "migration_status",
    "rollback_last",
    "upgrade_to_head",
    "yoyo_url",
]

_YOYO_SCHEMES: dict[Dialect, str] = {
    "sqlite": "sqlite",
    # psycopg 3, the synchronous PostgreSQL driver yoyo supports natively
    "postgres": "postgresql+psycopg",
}


class MigrationStatus(TypedDict):
    """What ``migration_status`` reports."""

    dialect: Dialect
    applied: list[str]
    pending: list[str]


def _dialect(database_url: str) -> Dialect:
    """The URL's dialect; ``ConfigurationError`` for an unsupported scheme."""
    return Settings(database_url=database_url).dialect


def yoyo_url(database_url: str) -> str:
    """``database_url`` in the form yoyo connects with.

    SQLite URLs (``sqlite:///relative``, ``sqlite:////absolute``) keep their path;
    ``postgres://`` and ``postgresql://`` become ``postgresql+psycopg://`` with user,
    password, host, port, database and query options (``sslmode``...) unchanged.
    """
    dialect = _dialect(database_url)
    # Only the scheme changes; the rest is kept byte for byte (urlunsplit would
    # normalise away the slashes of sqlite:////absolute/path).
    rest = database_url[database_url.index(":") :]
    return _YOYO_SCHEMES[dialect] + rest


def apply_migrations(database_url: str, migrations_path: str | Path | None = None) -> list[str]:
    """Apply every pending migration, in dependency order; return the ids applied.

    ``migrations_path`` overrides the migrations folder of the URL's dialect.
    """
    applied: list[str] = []
    with _migrating(database_url, migrations_path) as (backend, migrations):
        pending = backend.to_apply(migrations)
        for migration in pending:
            _run(backend, migration, "apply", database_url)
            applied.append(str(migration.id))
        if applied and pending.post_apply:
            try:
                backend.run_post_apply(pending)
            except Exception as exc:
                raise MigrationError(
                    f"post-apply hook failed on {mask_url(database_url)}: "
                    f"{_scrub(exc, database_url)}"
                ) from exc
    return applied


def rollback_last(database_url: str, migrations_path: str | Path | None = None) -> str | None:
    """Roll back the most recent applied migration; return its id, or None if none is applied."""
    with _migrating(database_url, migrations_path) as (backend, migrations):
        candidates = backend.to_rollback(migrations)
        if not candidates:
            return None
        migration = candidates[0]
        _run(backend, migration, "rollback", database_url)
        return str(migration.id)


def migration_status(
    database_url: str, migrations_path: str | Path | None = None
) -> MigrationStatus:
    """The applied and the pending migration ids, each in the order they apply."""
    with _migrating(database_url, migrations_path, lock=False) as (backend, migrations):
        applied_hashes = set(backend.get_applied_migration_hashes())
        pending = [str(m.id) for m in backend.to_apply(migrations)]
        applied = [str(m.id) for m in migrations if m.hash in applied_hashes]
        return {"dialect": _dialect(database_url), "applied": applied, "pending": pending}


async def upgrade_to_head(database_url: str | None = None) -> list[str]:
    """Apply pending migrations from async code (default: the configured database)."""
    url = config.settings.database_url if database_url is None else database_url
    return await asyncio.to_thread(apply_migrations, url)


# --- internals ---------------------------------------------------------------------


@contextmanager
def _migrating(
    database_url: str, migrations_path: str | Path | None, *, lock: bool = True
) -> Iterator[tuple[Any, Any]]:
    """Yield a connected yoyo backend (locked unless ``lock`` is false) and the migrations."""
    dialect = _dialect(database_url)
    folder = Path(migrations_path) if migrations_path is not None else migrations_dir(dialect)
    if not folder.is_dir():
        raise MigrationError(f"migrations folder not found: {folder}")
    try:
        # yoyo globs the source: escape folder names containing * ? [
        migrations = read_migrations(glob.escape(str(folder)))
    except Exception as exc:
        raise MigrationError(f"cannot read migrations in {folder}: {exc}") from exc
    if dialect == "sqlite":
        path = Settings(database_url=database_url).sqlite_file()
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
    try:
        backend = get_backend(yoyo_url(database_url))
    except Exception as exc:
        # Chained from None: a driver's connection error may quote the connection string.
        raise MigrationError(
            f"cannot connect to {mask_url(database_url)}: "
            f"{type(exc).__name__}: {_scrub(exc, database_url)}"
        ) from None
    try:
        if not lock:
            yield backend, migrations
            return
        try:
            with backend.lock():
                yield backend, migrations
        except LockTimeout as exc:
            raise MigrationError(
                f"another process holds the migration lock on {mask_url(database_url)}: {exc}"
            ) from exc
    except MigrationError:
        raise
    except Exception as exc:
        raise MigrationError(
            f"migration bookkeeping failed on {mask_url(database_url)}: {_scrub(exc, database_url)}"
        ) from exc
    finally:
        backend.connection.close()


def _run(backend: Any, migration: Any, direction: str, database_url: str) -> None:
    """Apply or roll back one migration, turning any failure into ``MigrationError``."""
    tracker = _StatementTracker()
    try:
        tracker.watch(migration)
        if direction == "apply":
            backend.apply_one(migration)
        else:
            backend.rollback_one(migration)
    except Exception as exc:
        where = f" at statement {tracker.first_line!r}" if tracker.first_line else ""
        verb = "failed" if direction == "apply" else "could not be rolled back"
        undone = " (its changes were undone)" if getattr(migration, "use_transactions", 0) else ""
        raise MigrationError(
            f"migration {migration.id} {verb}{where} on {mask_url(database_url)}{undone}: "
            f"{_scrub(exc, database_url)}"
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


def _scrub(exc: BaseException | str, database_url: str) -> str:
    """The text of ``exc`` with the URL's password (if any) masked."""
    text = str(exc)
    try:
        password = urlsplit(database_url).password
    except ValueError:
        return text
    if password:
        for secret in {password, unquote(password)}:
            text = text.replace(secret, "***")
    return text
