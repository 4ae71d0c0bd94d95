"""Schema migrations: the migration manager of pictallion-sql, built on yoyo.

The migrations are plain SQL files in ``migrations/<dialect>/`` (shipped inside the
wheel), each with a ``.rollback.sql``. What this module adds to yoyo:

* **One transaction per migration, bookkeeping included.** A migration's statements,
  yoyo's record that it is applied and its content checksum are written in one
  transaction, on SQLite as on PostgreSQL: a migration that fails half-way leaves
  the database exactly as it was, and a crash can never leave a migration applied
  but unrecorded (or the reverse).
* **Content checksums.** The sha256 of each applied migration file and its rollback
  is kept in ``pictallion_migration_checksums``; a file edited after it was applied
  is reported by ``migration_report`` / ``pictallion-db check``, and accepted
  deliberately with ``upgrade(..., accept_changed=[id])``.
* **A lock with a timeout.** yoyo's lock table serialises migrating processes: the
  second waits (``lock_timeout`` seconds, 60 by default), then finds nothing to do.
* **Adoption of databases created by the old backend** (``drizzle-kit push``: the
  tables exist, there is no migration history). The live schema is compared with the
  schema after the first migration; if it matches, that migration is recorded as
  applied without running, and the rest are applied. Otherwise the database is left
  alone and the differences are reported (``AdoptionError``).
* **Bounded waits on PostgreSQL.** Every migration session runs with ``lock_timeout``
  (``table_lock_timeout``, 5 s by default) and ``statement_timeout`` (10 minutes): a
  statement that cannot get its table lock fails, and its migration is rolled back, instead
  of queueing behind a long transaction while every query on that table queues behind it.
* **No empty migrations.** A pending migration (or a rollback) whose file holds no statement,
  such as the template as written by ``create_migration``, is refused before anything runs.
* ``create_migration`` writes the paired files for both dialects from a template.

The functions are synchronous (yoyo drives sqlite3 and psycopg 3);
``migration_manager`` offers them as coroutines for async services.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import re
import string
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypedDict

from yoyo import get_backend
from yoyo.exceptions import LockTimeout

from pictallion_sql import config
from pictallion_sql.admin.backends import admin_backend
from pictallion_sql.admin.common import (
    CHECKSUM_TABLE,
    TABLES,
    read_only_connection,
    refuse_pooled,
)
from pictallion_sql.admin.compatibility import adoption_point
from pictallion_sql.admin.history import (
    load_migrations,
    migration_checksum,
    migrations_folder,
    read_history,
    rollback_path,
)
from pictallion_sql.admin.introspect import snapshot
from pictallion_sql.config import Dialect, Settings, mask_secrets, mask_url
from pictallion_sql.errors import (
    ConfigurationError,
    MigrationError,
    PictallionError,
)
from pictallion_sql.query.resources import migrations_dir

__all__ = [
    "CHECKSUM_TABLE",
    "DEFAULT_LOCK_TIMEOUT",
    "DEFAULT_STATEMENT_TIMEOUT",
    "DEFAULT_TABLE_LOCK_TIMEOUT",
    "AdoptionError",
    "MigrationManager",
    "MigrationReport",
    "MigrationStatus",
    "UpgradeResult",
    "apply_migrations",
    "create_migration",
    "migration_manager",
    "migration_report",
    "migration_status",
    "reset_database",
    "rollback_last",
    "upgrade",
    "upgrade_to_head",
    "yoyo_url",
]

DEFAULT_LOCK_TIMEOUT = 60.0
"""Seconds a migrating process waits for another one to finish."""

DEFAULT_TABLE_LOCK_TIMEOUT = 5.0
"""PostgreSQL ``lock_timeout`` of a migration session, in seconds (0: wait for ever)."""

DEFAULT_STATEMENT_TIMEOUT = 600.0
"""PostgreSQL ``statement_timeout`` of a migration session, in seconds (0: no limit)."""

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


class MigrationReport(TypedDict):
    """What ``migration_report`` (and ``migration_manager.check_migration_status``) report."""

    dialect: Dialect
    url: str
    current_revision: str | None
    head_revision: str | None
    is_up_to_date: bool
    needs_upgrade: bool
    status: str  # "No migrations applied" | "Up to date" | "Migrations pending"
    applied: list[str]
    pending: list[str]
    changed: list[str]
    unrecorded: list[str]
    unknown: list[str]
    adoptable: bool


class UpgradeResult(TypedDict):
    """What ``upgrade`` did."""

    dialect: Dialect
    applied: list[str]  # migrations run now
    adopted: list[str]  # recorded as applied without running (old-backend database)
    accepted: list[str]  # changed migrations whose new checksum was recorded on request
    recorded: list[str]  # checksums recorded for migrations applied before checksums were kept
    changed: list[str]  # applied migrations whose files differ from their recorded checksum


class AdoptionError(MigrationError):
    """An existing database without migration history does not match the first migration."""

    def __init__(self, message: str, differences: Sequence[str]) -> None:
        super().__init__(message)
        self.differences = list(differences)


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


# --- applying and rolling back ---------------------------------------------------------


def apply_migrations(
    database_url: str,
    migrations_path: str | Path | None = None,
    *,
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
    table_lock_timeout: float = DEFAULT_TABLE_LOCK_TIMEOUT,
    statement_timeout: float = DEFAULT_STATEMENT_TIMEOUT,
) -> list[str]:
    """Apply every pending migration, in dependency order; return the ids applied.

    ``migrations_path`` overrides the migrations folder of the URL's dialect. A
    database created by the old backend is adopted first (see ``upgrade``).
    """
    return upgrade(
        database_url,
        migrations_path,
        lock_timeout=lock_timeout,
        table_lock_timeout=table_lock_timeout,
        statement_timeout=statement_timeout,
    )["applied"]


def upgrade(
    database_url: str,
    migrations_path: str | Path | None = None,
    *,
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
    accept_changed: Sequence[str] = (),
    table_lock_timeout: float = DEFAULT_TABLE_LOCK_TIMEOUT,
    statement_timeout: float = DEFAULT_STATEMENT_TIMEOUT,
) -> UpgradeResult:
    """Bring the database to the newest migration and report everything that was done.

    * A database with Pictallion tables but no migration history (the old backend's
      ``drizzle-kit push``) is adopted: if its schema is that of the first migration
      (or of a later one), those migrations are recorded as applied without running;
      if it is not, ``AdoptionError`` lists the differences and nothing is changed.
    * ``accept_changed`` names applied migrations whose edited files are accepted:
      their new checksum is recorded.
    * Applied migrations without a recorded checksum get one.
    * Each pending migration then runs in its own transaction with its bookkeeping; a
      pending migration without statements is refused before any runs.
    * On PostgreSQL, ``table_lock_timeout`` and ``statement_timeout`` (seconds; 0 for no
      limit) bound each statement's wait for a table lock and its run time.
    """
    dialect = _dialect(database_url)
    timeouts = _Timeouts(table_lock_timeout, statement_timeout)
    with _migrating(
        database_url, migrations_path, lock_timeout=lock_timeout, timeouts=timeouts
    ) as (
        backend,
        migrations,
    ):
        _ensure_checksum_table(backend)
        ordered = _ordered(migrations)
        by_id = {m.id: m for m in ordered}
        applied_hashes = set(backend.get_applied_migration_hashes())
        adopted: list[str] = []
        if not applied_hashes:
            adopted = _adopt(backend, ordered, database_url)
            applied_hashes = set(backend.get_applied_migration_hashes())
        applied_ids = [m.id for m in ordered if m.hash in applied_hashes]

        for wanted in accept_changed:
            if wanted not in by_id:
                raise MigrationError(f"--accept-changed: no migration {wanted!r} in the folder")
            if wanted not in applied_ids:
                raise MigrationError(f"--accept-changed: migration {wanted} is not applied")
        recorded_sums = _read_checksums(backend)
        accepted: list[str] = []
        recorded: list[str] = []
        changed: list[str] = []
        with backend.transaction():
            for mid in applied_ids:
                current = migration_checksum(by_id[mid])
                stored = recorded_sums.get(mid)
                if stored is None:
                    _write_checksum(backend, mid, current)
                    recorded.append(mid)
                elif stored != current and mid in accept_changed:
                    _write_checksum(backend, mid, current)
                    accepted.append(mid)
                elif stored != current:
                    changed.append(mid)

        pending = backend.to_apply(migrations)
        for migration in pending:
            _refuse_empty(migration, "apply")
        applied: list[str] = []
        for migration in pending:
            _run(backend, migration, "apply", database_url)
            applied.append(str(migration.id))
        if applied and pending.post_apply:
            try:
                backend.run_post_apply(pending)
            except Exception as exc:
                raise MigrationError(
                    f"post-apply hook failed on {mask_url(database_url)}: "
                    f"{mask_secrets(exc, database_url)}"
                ) from exc
    return {
        "dialect": dialect,
        "applied": applied,
        "adopted": adopted,
        "accepted": accepted,
        "recorded": recorded,
        "changed": changed,
    }


def rollback_last(
    database_url: str,
    migrations_path: str | Path | None = None,
    *,
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
    table_lock_timeout: float = DEFAULT_TABLE_LOCK_TIMEOUT,
    statement_timeout: float = DEFAULT_STATEMENT_TIMEOUT,
) -> str | None:
    """Roll back the most recent applied migration; return its id, or None if none is applied.

    The rollback, yoyo's record and the checksum go in one transaction. A rollback file
    without statements is refused (the migration would be recorded as undone, undoing nothing).
    """
    timeouts = _Timeouts(table_lock_timeout, statement_timeout)
    with _migrating(
        database_url, migrations_path, lock_timeout=lock_timeout, timeouts=timeouts
    ) as (
        backend,
        migrations,
    ):
        _ensure_checksum_table(backend)
        candidates = backend.to_rollback(migrations)
        if not candidates:
            return None
        migration = candidates[0]
        _require_rollback(migration)
        _refuse_empty(migration, "rollback")
        _run(backend, migration, "rollback", database_url)
        return str(migration.id)


def reset_database(
    database_url: str,
    migrations_path: str | Path | None = None,
    *,
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
    table_lock_timeout: float = DEFAULT_TABLE_LOCK_TIMEOUT,
    statement_timeout: float = DEFAULT_STATEMENT_TIMEOUT,
) -> list[str]:
    """Drop every Pictallion table and the migration history, then apply every migration.

    All of it runs in one transaction: the applied migrations are rolled back (latest
    first), any of the 14 tables still there is dropped (children first), the history
    and checksums are cleared, and every migration is applied again. If any step
    fails, the database is left as it was. Returns the ids applied.

    A migration marked ``-- transactional: false`` (an index built CONCURRENTLY) cannot
    run inside that transaction: it is not rolled back (dropping the tables drops its
    indexes), and it and the migrations after it are applied once the rest is
    committed, each on its own as ``upgrade`` would.
    """
    timeouts = _Timeouts(table_lock_timeout, statement_timeout)
    with _migrating(
        database_url, migrations_path, lock_timeout=lock_timeout, timeouts=timeouts
    ) as (
        backend,
        migrations,
    ):
        _ensure_checksum_table(backend)
        ordered = _ordered(migrations)
        for migration in ordered:
            _refuse_empty(migration, "apply")
        applied_hashes = set(backend.get_applied_migration_hashes())
        atomic = list(itertools.takewhile(lambda m: m.use_transactions, ordered))
        with backend.transaction():
            for migration in reversed(ordered):
                if migration.hash not in applied_hashes or not migration.use_transactions:
                    continue
                try:
                    migration.process_steps(backend, "rollback")
                except Exception:
                    # A schema that drifted may not roll back; the tables are dropped below.
                    break
            for table in reversed(TABLES):
                backend.execute(f'DROP TABLE IF EXISTS "{table}"')
            backend.execute(f"DELETE FROM {backend.migration_table_quoted}")
            backend.execute(f'DELETE FROM "{CHECKSUM_TABLE}"')
            for migration in atomic:
                _run(backend, migration, "apply", database_url)
        for migration in ordered[len(atomic) :]:
            _run(backend, migration, "apply", database_url)
        return [str(m.id) for m in ordered]


async def upgrade_to_head(database_url: str | None = None) -> list[str]:
    """Apply pending migrations from async code (default: the configured database)."""
    url = config.settings.direct_url("migrating") if database_url is None else database_url
    return await asyncio.to_thread(apply_migrations, url)


# --- reporting -------------------------------------------------------------------------


def migration_status(
    database_url: str, migrations_path: str | Path | None = None
) -> MigrationStatus:
    """The applied and the pending migration ids, each in the order they apply."""
    with _migrating(database_url, migrations_path, lock=False) as (backend, migrations):
        applied_hashes = set(backend.get_applied_migration_hashes())
        pending = [str(m.id) for m in backend.to_apply(migrations)]
        applied = [str(m.id) for m in migrations if m.hash in applied_hashes]
        return {"dialect": _dialect(database_url), "applied": applied, "pending": pending}


def migration_report(
    database_url: str, migrations_path: str | Path | None = None
) -> MigrationReport:
    """Applied, pending, edited-after-apply and unknown migrations; reads without writing.

    Unlike ``migration_status`` this creates nothing (not even yoyo's tables or a
    missing SQLite file: that is reported as a database with nothing applied).
    """
    settings = Settings(database_url=database_url)
    dialect = settings.dialect
    ordered = load_migrations(dialect, migrations_path)
    by_id = {m.id: m for m in ordered}
    backend = admin_backend(dialect)
    adoptable = False
    if not backend.database_exists(settings):
        history_applied: list[str] = []
        checksums: dict[str, str] = {}
    else:
        with read_only_connection(database_url) as conn:
            history = read_history(conn, dialect)
            history_applied, checksums = history.applied, history.checksums
            if not history_applied:
                live = backend.live_schema(conn, settings)
                if any(t in live.tables for t in TABLES):
                    point, _ = adoption_point(dialect, ordered, live, pg_conn=conn)
                    adoptable = point is not None
    applied = [m.id for m in ordered if m.id in history_applied]
    unknown = [a for a in history_applied if a not in by_id]
    pending = [m.id for m in ordered if m.id not in history_applied]
    changed = [
        a for a in applied if a in checksums and checksums[a] != migration_checksum(by_id[a])
    ]
    unrecorded = [a for a in applied if a not in checksums]
    head = ordered[-1].id if ordered else None
    current = applied[-1] if applied else None
    if not applied:
        status = "No migrations applied"
    elif pending:
        status = "Migrations pending"
    else:
        status = "Up to date"
    return {
        "dialect": dialect,
        "url": settings.masked_url,
        "current_revision": current,
        "head_revision": head,
        "is_up_to_date": not pending and not unknown,
        "needs_upgrade": bool(pending),
        "status": status,
        "applied": applied,
        "pending": pending,
        "changed": changed,
        "unrecorded": unrecorded,
        "unknown": unknown,
        "adoptable": adoptable,
    }


# --- new migrations --------------------------------------------------------------------

_FILE_ID = re.compile(r"^(\d{4,})_[A-Za-z0-9_]+$")
_DEFAULT_TEMPLATES = {
    "migration.sql": (
        "-- $title\n"
        "--\n"
        "-- Created $created by `pictallion-db create-migration`.\n"
        "-- depends: $depends\n\n"
        "-- Write the $dialect statements here.\n"
    ),
    "rollback.sql": "-- Undo $id.\n\n-- Write the $dialect statements that undo $id here.\n",
}


def create_migration(message: str, migrations_root: str | Path | None = None) -> list[Path]:
    """Write ``000N_<slug>.sql`` and ``.rollback.sql`` for both dialects from the template.

    N is one more than the highest number in either dialect's folder; each new file
    depends on the latest migration of its dialect. ``migrations_root`` is the folder
    holding ``postgres/`` and ``sqlite/`` (default: the package's own migrations,
    which must be a writable checkout, not an installed package). Returns the paths.
    """
    slug = re.sub(r"[^a-z0-9]+", "_", message.strip().lower()).strip("_")[:60].strip("_")
    if not slug:
        raise MigrationError("a migration needs a name with letters or digits")
    root = (
        Path(migrations_root) if migrations_root is not None else migrations_dir("postgres").parent
    )
    if migrations_root is None and root.parent.name == "_data":
        raise MigrationError(
            f"cannot create migrations in {root}: it belongs to an installed package; "
            "run this command in a checkout of pictallion-sql"
        )
    folders: dict[Dialect, Path] = {"postgres": root / "postgres", "sqlite": root / "sqlite"}
    for folder in folders.values():
        if not folder.is_dir():
            raise MigrationError(f"cannot create migrations: folder not found: {folder}")
        if not os.access(folder, os.W_OK | os.X_OK):
            raise MigrationError(f"cannot create migrations in {folder}: it is not writable")
    latest: dict[Dialect, str | None] = {}
    number = 0
    for dialect, folder in folders.items():
        ids = sorted(
            (int(m.group(1)), p.stem)
            for p in folder.glob("*.sql")
            if not p.name.endswith(".rollback.sql") and (m := _FILE_ID.match(p.stem))
        )
        latest[dialect] = ids[-1][1] if ids else None
        if ids:
            number = max(number, ids[-1][0])
    new_id = f"{number + 1:04d}_{slug}"
    templates = _templates(root)
    created = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    written: list[Path] = []
    try:
        for dialect, folder in folders.items():
            values = {
                "id": new_id,
                "title": message.strip().replace("\n", " "),
                "dialect": admin_backend(dialect).display_name,
                "created": created,
                "depends": latest[dialect] or "",
            }
            for name, suffix in (("migration.sql", ".sql"), ("rollback.sql", ".rollback.sql")):
                text = templates[name].safe_substitute(values)
                if not latest[dialect]:
                    text = (
                        "\n".join(
                            line for line in text.splitlines() if line.strip() != "-- depends:"
                        )
                        + "\n"
                    )
                target = folder / f"{new_id}{suffix}"
                with open(target, "x", encoding="utf-8") as handle:
                    written.append(target)
                    handle.write(text)
    except OSError as exc:
        for path in written:
            path.unlink(missing_ok=True)
        raise MigrationError(f"cannot create migration {new_id}: {exc}") from None
    return written


def _templates(root: Path) -> dict[str, string.Template]:
    """The templates of ``root/templates/`` (or the package's), else the built-in ones."""
    candidates = [root / "templates", migrations_dir("postgres").parent / "templates"]
    out: dict[str, string.Template] = {}
    for name, default in _DEFAULT_TEMPLATES.items():
        text = default
        for folder in candidates:
            if (folder / name).is_file():
                text = (folder / name).read_text(encoding="utf-8")
                break
        out[name] = string.Template(text)
    return out


# --- async access --------------------------------------------------------------------


class MigrationManager:
    """The migrations of one database (default: the configured one), from async code.

    The method names are those of the earlier Python port's manager; they now raise
    ``MigrationError`` (or ``ConfigurationError``) instead of returning False.
    """

    def __init__(
        self, database_url: str | None = None, migrations_path: str | Path | None = None
    ) -> None:
        self._url = database_url
        self._path = migrations_path

    @property
    def database_url(self) -> str:
        """The database this manager migrates."""
        return self._url if self._url is not None else config.settings.database_url

    async def check_migration_status(self) -> MigrationReport:
        """Current and head revision, applied, pending and edited-after-apply migrations."""
        return await asyncio.to_thread(migration_report, self.database_url, self._path)

    async def get_current_revision(self) -> str | None:
        """The latest applied migration id, or None."""
        return (await self.check_migration_status())["current_revision"]

    def get_head_revision(self) -> str | None:
        """The newest migration id among the files."""
        ordered = load_migrations(_dialect(self.database_url), self._path)
        return ordered[-1].id if ordered else None

    async def get_migration_history(self) -> list[dict[str, Any]]:
        """Every migration in order: id, depends, applied (bool)."""
        report = await self.check_migration_status()
        ordered = load_migrations(report["dialect"], self._path)
        applied = set(report["applied"])
        return [
            {
                "id": m.id,
                "depends": sorted(d.id for d in m.depends),
                "applied": m.id in applied,
                "changed": m.id in report["changed"],
            }
            for m in ordered
        ]

    async def upgrade_to_head(self, *, accept_changed: Sequence[str] = ()) -> list[str]:
        """Apply pending migrations (adopting an old-backend database); the ids applied."""
        return (await self.upgrade(accept_changed=accept_changed))["applied"]

    async def upgrade(self, *, accept_changed: Sequence[str] = ()) -> UpgradeResult:
        """Like ``upgrade_to_head``, reporting adoption, accepted and recorded checksums."""
        return await asyncio.to_thread(
            upgrade, self.database_url, self._path, accept_changed=accept_changed
        )

    async def rollback_last(self) -> str | None:
        """Roll back the latest applied migration; its id, or None if none is applied."""
        return await asyncio.to_thread(rollback_last, self.database_url, self._path)

    downgrade_one = rollback_last

    async def reset_database(self) -> list[str]:
        """Drop everything and apply every migration again (one transaction)."""
        return await asyncio.to_thread(reset_database, self.database_url, self._path)

    def create_migration(
        self, message: str, migrations_root: str | Path | None = None
    ) -> list[Path]:
        """Write the paired migration files for both dialects; see ``create_migration``."""
        return create_migration(message, migrations_root)


migration_manager = MigrationManager()
"""The configured database's migrations (``settings.database_url``)."""


# --- internals ---------------------------------------------------------------------


def _ordered(migrations: Any) -> list[Any]:
    from yoyo.migrations import topological_sort

    return list(topological_sort(migrations))


@contextmanager
def _migrating(
    database_url: str,
    migrations_path: str | Path | None,
    *,
    lock: bool = True,
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
    timeouts: _Timeouts | None = None,
) -> Iterator[tuple[Any, Any]]:
    """Yield a connected yoyo backend (locked unless ``lock`` is false) and the migrations."""
    from yoyo import read_migrations

    dialect = _dialect(database_url)
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
        if dialect == "postgres" and lock:
            # Only a migrating session sets them: a report (``lock=False``) may run through
            # a transaction pooler, where a session setting would stay on a server
            # connection that other clients use next.
            (timeouts or _Timeouts()).apply(backend)
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


class _Timeouts:
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

    def apply(self, backend: Any) -> None:
        """Set both on the session; yoyo's connection autocommits, so they hold until it closes."""
        for setting, seconds in (
            ("lock_timeout", self.table_lock),
            ("statement_timeout", self.statement),
        ):
            # SET takes no bound parameter; set_config does (false: for the session).
            backend.connection.execute(
                "SELECT set_config(%s, %s, false)", (setting, f"{round(seconds * 1000)}ms")
            )


_SQL_COMMENTS = re.compile(r"--[^\n]*|/\*.*?\*/", re.DOTALL)


def _has_statements(path: Path) -> bool:
    """Whether the SQL file holds anything but comments, blanks and semicolons."""
    text = _SQL_COMMENTS.sub("", path.read_text(encoding="utf-8"))
    return bool(text.replace(";", "").strip())


def _refuse_empty(migration: Any, direction: str) -> None:
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


def _ensure_checksum_table(backend: Any) -> None:
    with backend.transaction():
        backend.execute(
            f'CREATE TABLE IF NOT EXISTS "{CHECKSUM_TABLE}" ('
            "migration_id VARCHAR(255) PRIMARY KEY, "
            "checksum VARCHAR(64) NOT NULL, "
            "recorded_at VARCHAR(32) NOT NULL)"
        )


def _read_checksums(backend: Any) -> dict[str, str]:
    rows = backend.execute(f'SELECT migration_id, checksum FROM "{CHECKSUM_TABLE}"').fetchall()
    return {str(r[0]): str(r[1]) for r in rows}


def _write_checksum(backend: Any, migration_id: str, checksum: str) -> None:
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


def _adopt(backend: Any, ordered: list[Any], database_url: str) -> list[str]:
    """Record the migrations an old-backend database already holds; [] if it has no tables."""
    dialect = _dialect(database_url)
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
            _write_checksum(backend, migration.id, migration_checksum(migration))
    return [m.id for m in adopted]


def _require_rollback(migration: Any) -> None:
    rollback = rollback_path(migration)
    if rollback is not None and not rollback.is_file():
        raise MigrationError(
            f"migration {migration.id} has no rollback file ({rollback.name}); "
            "it cannot be rolled back"
        )


def _run(backend: Any, migration: Any, direction: str, database_url: str) -> None:
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
                    _write_checksum(backend, migration.id, migration_checksum(migration))
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
                _write_checksum(backend, migration.id, migration_checksum(migration))
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
