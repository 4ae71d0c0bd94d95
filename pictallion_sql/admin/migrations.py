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
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypedDict

from pictallion_sql import config
from pictallion_sql.admin.backends import admin_backend
from pictallion_sql.admin.common import (
    CHECKSUM_TABLE,
    TABLES,
    read_only_connection,
)
from pictallion_sql.admin.compatibility import MigrationLists, adoption_point
from pictallion_sql.admin.history import load_migrations, migration_checksum, read_history
from pictallion_sql.admin.migration_runner import (
    DEFAULT_LOCK_TIMEOUT,
    DEFAULT_STATEMENT_TIMEOUT,
    DEFAULT_TABLE_LOCK_TIMEOUT,
    AdoptionError,
    Timeouts,
    adopt,
    ensure_checksum_table,
    migrating,
    ordered_migrations,
    read_checksums,
    refuse_empty,
    require_rollback,
    run_migration,
    url_dialect,
    write_checksum,
    yoyo_url,
)
from pictallion_sql.config import Dialect, Settings, mask_secrets, mask_url
from pictallion_sql.errors import (
    MigrationError,
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


class MigrationStatus(TypedDict):
    """What ``migration_status`` reports."""

    dialect: Dialect
    applied: list[str]
    pending: list[str]


class MigrationReport(MigrationLists):
    """What ``migration_report`` (and ``migration_manager.check_migration_status``) report."""

    dialect: Dialect
    url: str
    current_revision: str | None
    head_revision: str | None
    is_up_to_date: bool
    needs_upgrade: bool
    status: str  # "No migrations applied" | "Up to date" | "Migrations pending"


class UpgradeResult(TypedDict):
    """What ``upgrade`` did."""

    dialect: Dialect
    applied: list[str]  # migrations run now
    adopted: list[str]  # recorded as applied without running (old-backend database)
    accepted: list[str]  # changed migrations whose new checksum was recorded on request
    recorded: list[str]  # checksums recorded for migrations applied before checksums were kept
    changed: list[str]  # applied migrations whose files differ from their recorded checksum


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
    dialect = url_dialect(database_url)
    timeouts = Timeouts(table_lock_timeout, statement_timeout)
    with migrating(database_url, migrations_path, lock_timeout=lock_timeout, timeouts=timeouts) as (
        backend,
        migrations,
    ):
        ensure_checksum_table(backend)
        ordered = ordered_migrations(migrations)
        by_id = {m.id: m for m in ordered}
        applied_hashes = set(backend.get_applied_migration_hashes())
        adopted: list[str] = []
        if not applied_hashes:
            adopted = adopt(backend, ordered, database_url)
            applied_hashes = set(backend.get_applied_migration_hashes())
        applied_ids = [m.id for m in ordered if m.hash in applied_hashes]

        for wanted in accept_changed:
            if wanted not in by_id:
                raise MigrationError(f"--accept-changed: no migration {wanted!r} in the folder")
            if wanted not in applied_ids:
                raise MigrationError(f"--accept-changed: migration {wanted} is not applied")
        recorded_sums = read_checksums(backend)
        accepted: list[str] = []
        recorded: list[str] = []
        changed: list[str] = []
        with backend.transaction():
            for mid in applied_ids:
                current = migration_checksum(by_id[mid])
                stored = recorded_sums.get(mid)
                if stored is None:
                    write_checksum(backend, mid, current)
                    recorded.append(mid)
                elif stored != current and mid in accept_changed:
                    write_checksum(backend, mid, current)
                    accepted.append(mid)
                elif stored != current:
                    changed.append(mid)

        pending = backend.to_apply(migrations)
        for migration in pending:
            refuse_empty(migration, "apply")
        applied: list[str] = []
        for migration in pending:
            run_migration(backend, migration, "apply", database_url)
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
    timeouts = Timeouts(table_lock_timeout, statement_timeout)
    with migrating(database_url, migrations_path, lock_timeout=lock_timeout, timeouts=timeouts) as (
        backend,
        migrations,
    ):
        ensure_checksum_table(backend)
        candidates = backend.to_rollback(migrations)
        if not candidates:
            return None
        migration = candidates[0]
        require_rollback(migration)
        refuse_empty(migration, "rollback")
        run_migration(backend, migration, "rollback", database_url)
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
    timeouts = Timeouts(table_lock_timeout, statement_timeout)
    with migrating(database_url, migrations_path, lock_timeout=lock_timeout, timeouts=timeouts) as (
        backend,
        migrations,
    ):
        ensure_checksum_table(backend)
        ordered = ordered_migrations(migrations)
        for migration in ordered:
            refuse_empty(migration, "apply")
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
                run_migration(backend, migration, "apply", database_url)
        for migration in ordered[len(atomic) :]:
            run_migration(backend, migration, "apply", database_url)
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
    with migrating(database_url, migrations_path, lock=False) as (backend, migrations):
        applied_hashes = set(backend.get_applied_migration_hashes())
        pending = [str(m.id) for m in backend.to_apply(migrations)]
        applied = [str(m.id) for m in migrations if m.hash in applied_hashes]
        return {"dialect": url_dialect(database_url), "applied": applied, "pending": pending}


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
        ordered = load_migrations(url_dialect(self.database_url), self._path)
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
