"""Helpers of the operations modules: migration files and history, expected schemas,
schema compatibility, PostgreSQL client tools, durable file writes.

Everything here is synchronous and uses the synchronous drivers (sqlite3, psycopg 3);
the public modules (``migrations``, ``db_utils``, ``database``) run it in a worker
thread when they are called from async code.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypedDict

import psycopg
from psycopg.conninfo import conninfo_to_dict
from yoyo import read_migrations
from yoyo.migrations import topological_sort

from pictallion_sql.admin.postgres.schema import postgres_snapshot_of
from pictallion_sql.admin.schema import Schema, diff
from pictallion_sql.admin.sqlite.schema import sqlite_snapshot
from pictallion_sql.config import Dialect, Settings, mask_secrets, mask_url
from pictallion_sql.errors import (
    ConfigurationError,
    DatabaseError,
    MigrationError,
    PermissionDeniedError,
    ReadOnlyError,
)
from pictallion_sql.query.resources import migrations_dir, schema_file

__all__ = [
    "CHECKSUM_TABLE",
    "TABLES",
    "Compatibility",
    "History",
    "Progress",
    "adoption_point",
    "check_compatibility",
    "compare",
    "expected_schema",
    "find_pg_tool",
    "libpq_environment",
    "load_migrations",
    "migration_checksum",
    "migrations_folder",
    "read_history",
    "scrub",
]

Progress = Callable[[str], None]
"""Receives one line of progress text (the CLI prints it on a terminal only)."""

CHECKSUM_TABLE = "pictallion_migration_checksums"
"""Content checksum of every applied migration, written with the migration."""

YOYO_MIGRATION_TABLE = "_yoyo_migration"

# The 14 tables, parents before children (drop them in reverse order).
TABLES: tuple[str, ...] = (
    "users",
    "media_assets",
    "file_versions",
    "asset_history",
    "collections",
    "collection_photos",
    "people",
    "faces",
    "events",
    "relationships",
    "settings",
    "ai_prompts",
    "global_tag_library",
    "locations",
)


# The one scrubber of URLs and passwords, under the name this module's callers use.
scrub = mask_secrets


# --- migration files -------------------------------------------------------------------


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


# --- history, read without writing ---------------------------------------------------


@dataclass(frozen=True)
class History:
    """What a database records about its migrations."""

    applied: list[str]  # migration ids, in the order they were applied
    checksums: dict[str, str]  # migration id -> checksum recorded when it was applied


def read_history(conn: Any, dialect: Dialect) -> History:
    """The applied migrations and their checksums, read on ``conn`` (sqlite3 or psycopg)."""
    if dialect == "sqlite":
        names = {
            str(r[0])
            for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
        }
    else:
        names = {
            str(r[0])
            for r in conn.execute(
                "SELECT c.relname FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')"
            ).fetchall()
        }
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


@contextlib.contextmanager
def read_only_connection(database_url: str) -> Iterator[Any]:
    """A connection for looking only: SQLite read-only (the file must exist), PostgreSQL."""
    settings = Settings(database_url=database_url)
    if settings.dialect == "sqlite":
        path = settings.sqlite_file()
        if path is None:
            raise ConfigurationError("an in-memory SQLite database has nothing to check")
        if not path.is_file():
            raise DatabaseError(
                f"no SQLite database at {path} (run `pictallion-db init` to create it)"
            )
        try:
            lite = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
        except sqlite3.Error as exc:
            raise DatabaseError(f"cannot open SQLite database {path}: {exc}") from None
        try:
            yield lite
        finally:
            lite.close()
        return
    with connect_postgres(database_url) as pg:
        yield pg


@contextlib.contextmanager
def connect_postgres(database_url: str) -> Iterator[psycopg.Connection[tuple[Any, ...]]]:
    """A synchronous autocommit psycopg connection; errors never show the password."""
    settings = Settings(database_url=database_url)
    try:
        conn = psycopg.connect(settings.postgres_dsn, autocommit=True, connect_timeout=15)
    except psycopg.Error as exc:
        reason = scrub(" ".join(str(exc).split()), database_url)
        raise DatabaseError(
            f"cannot connect to {settings.masked_url}: {type(exc).__name__}: {reason}"
        ) from None
    try:
        yield conn
    finally:
        conn.close()


def refuse_read_only(
    conn: psycopg.Connection[tuple[Any, ...]], database_url: str, purpose: str
) -> None:
    """Raise ReadOnlyError at once when the server or database refuses writes.

    A hot standby, or a database (or role) with ``default_transaction_read_only`` on:
    without this, yoyo would wait out its whole lock timeout on a lock it cannot take.
    """
    row = conn.execute(
        "SELECT pg_is_in_recovery(), current_setting('transaction_read_only')"
    ).fetchone()
    if row is None:
        return
    in_recovery, read_only = bool(row[0]), row[1] == "on"
    if not (in_recovery or read_only):
        return
    why = (
        "the server is a hot standby (in recovery); use the primary"
        if in_recovery
        else "default_transaction_read_only is on for this database or role"
    )
    raise ReadOnlyError(f"the database at {mask_url(database_url)} is read-only: {why}; {purpose}")


def refuse_without_create(conn: psycopg.Connection[tuple[Any, ...]], database_url: str) -> None:
    """Raise PermissionDeniedError at once when migrating needs a privilege the role lacks.

    yoyo keeps its lock in a table it creates: a role that may not create it (no CREATE
    on the schema) would otherwise wait out the lock timeout on a missing table.
    """
    row = conn.execute(
        "SELECT current_user, current_schema(), "
        "current_schema() IS NOT NULL AND has_schema_privilege(current_schema(), 'CREATE'), "
        "to_regclass('yoyo_lock') IS NOT NULL, "
        "to_regclass('yoyo_lock') IS NULL "
        "OR has_table_privilege(to_regclass('yoyo_lock'), 'INSERT, DELETE')"
    ).fetchone()
    if row is None:
        return
    user, schema, may_create, lock_exists, may_lock = row
    if not lock_exists and not may_create:
        raise PermissionDeniedError(
            f"permission denied: role {user} has no CREATE privilege on schema "
            f"{schema or '(none: the search_path names no existing schema)'} of "
            f"{mask_url(database_url)}; migrating creates tables there "
            f"(GRANT CREATE ON SCHEMA {schema or 'public'} TO {user})",
            privilege="CREATE",
        )
    if not may_lock:
        raise PermissionDeniedError(
            f"permission denied: role {user} has no INSERT and DELETE privilege on table "
            f"yoyo_lock of {mask_url(database_url)}, the migration lock",
            privilege="INSERT",
        )


# --- the schema a database should have ----------------------------------------------

_EXPECTED: dict[tuple[str, str], Schema] = {}


def _scripts(dialect: Dialect, migrations: Sequence[Any], applied: Sequence[str]) -> list[str]:
    """The schema file, then the rollbacks of the migrations not applied (latest first)."""
    scripts = [schema_file(dialect).read_text(encoding="utf-8")]
    done = set(applied)
    for migration in reversed(list(migrations)):
        if migration.id in done:
            continue
        rollback = rollback_path(migration)
        if rollback is None or not rollback.is_file():
            raise MigrationError(
                f"cannot tell the schema before migration {migration.id}: it has no rollback file"
            )
        scripts.append(rollback.read_text(encoding="utf-8"))
    return scripts


def expected_schema(
    dialect: Dialect,
    migrations: Sequence[Any],
    applied: Sequence[str] | None = None,
    *,
    pg_conn: psycopg.Connection[tuple[Any, ...]] | None = None,
) -> Schema:
    """The schema a database should have once ``applied`` (default: all) migrations ran.

    It is the schema file (``sql/schema/<dialect>.sql``, the head of the migrations)
    built into a scratch database, with the later migrations' rollbacks run on it.
    SQLite builds it in a temporary file. PostgreSQL builds it on ``pg_conn`` as
    temporary tables (``pg_temp``) inside a transaction that is rolled back: that needs
    only the TEMPORARY privilege every user has by default, neither CREATEDB nor CREATE
    on the database, and leaves nothing behind.
    """
    ids = [m.id for m in migrations] if applied is None else list(applied)
    scripts = _scripts(dialect, migrations, ids)
    key = (dialect, hashlib.sha256("\0".join(scripts).encode()).hexdigest())
    cached = _EXPECTED.get(key)
    if cached is not None:
        return cached
    if dialect == "sqlite":
        schema = _expected_sqlite(scripts)
    else:
        if pg_conn is None:
            raise MigrationError("a PostgreSQL connection is needed to build the expected schema")
        schema = _expected_postgres(pg_conn, scripts)
    _EXPECTED[key] = schema
    return schema


def _expected_sqlite(scripts: Sequence[str]) -> Schema:
    with tempfile.TemporaryDirectory(prefix="pictallion-expected-") as folder:
        path = Path(folder) / "expected.db"
        conn = sqlite3.connect(path)
        try:
            for script in scripts:
                conn.executescript(script)
        finally:
            conn.close()
        return sqlite_snapshot(Settings(database_url=f"sqlite:///{path}"))


def _expected_postgres(conn: psycopg.Connection[tuple[Any, ...]], scripts: Sequence[str]) -> Schema:
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


def adoption_point(
    dialect: Dialect,
    migrations: Sequence[Any],
    live: Schema,
    *,
    pg_conn: psycopg.Connection[tuple[Any, ...]] | None = None,
) -> tuple[int | None, list[str]]:
    """For a database with tables but no migration history: how many migrations it holds.

    Returns the smallest k such that the live schema equals the schema after the
    first k migrations (k >= 1), or None with the differences from the first
    migration's schema. A drizzle-kit push of the app's schema is the first
    migration (k = 1); one that also ran the old tag-library SQL file matches k = 2.
    """
    first: list[str] | None = None
    for k in range(1, len(migrations) + 1):
        expected = expected_schema(
            dialect, migrations, [m.id for m in migrations[:k]], pg_conn=pg_conn
        )
        differences = diff(expected, live)
        if not differences:
            return k, []
        if first is None:
            first = differences
    return None, first or []


# --- compatibility --------------------------------------------------------------------


class Compatibility(TypedDict):
    """What ``check_compatibility`` reports."""

    ok: bool
    compatible: bool
    dialect: Dialect
    url: str
    issues: list[str]
    warnings: list[str]
    applied: list[str]
    pending: list[str]
    changed: list[str]
    unrecorded: list[str]
    unknown: list[str]
    adoptable: bool
    expected_at: str | None


def check_compatibility(
    database_url: str, migrations_path: str | Path | None = None
) -> Compatibility:
    """Compare the live database with the schema its migration history calls for.

    Reads only: nothing is created or recorded (a missing SQLite file is an error).
    """
    settings = Settings(database_url=database_url)
    dialect = settings.dialect
    migrations = load_migrations(dialect, migrations_path)
    with read_only_connection(database_url) as conn:
        if dialect == "postgres":
            refuse_read_only(
                conn,
                database_url,
                "checking the schema builds the expected one in temporary tables, "
                "which a read-only server refuses",
            )
        history = read_history(conn, dialect)
        if dialect == "sqlite":
            return compare(settings, migrations, history, sqlite_snapshot(settings), None)
        return compare(settings, migrations, history, postgres_snapshot_of(conn), conn)


def compare(
    settings: Settings,
    migrations: Sequence[Any],
    history: History,
    live: Schema,
    pg_conn: psycopg.Connection[tuple[Any, ...]] | None,
) -> Compatibility:
    """``live`` against the schema ``history`` calls for; see ``check_compatibility``."""
    dialect = settings.dialect
    known = [m.id for m in migrations]
    by_id = {m.id: m for m in migrations}
    applied = list(history.applied)
    unknown = [a for a in applied if a not in by_id]
    pending = [k for k in known if k not in applied]
    changed = [
        a
        for a in applied
        if a in by_id and a in history.checksums
        and history.checksums[a] != migration_checksum(by_id[a])
    ]  # fmt: skip
    unrecorded = [a for a in applied if a in by_id and a not in history.checksums]
    issues: list[str] = []
    warnings: list[str] = []
    adoptable = False
    expected_at: str | None = None
    ours = [t for t in TABLES if t in live.tables]

    if not applied and not ours:
        issues.append(
            "the database holds no Pictallion tables and no migration history "
            "(run `pictallion-db init`)"
        )
    elif not applied:
        k, differences = adoption_point(dialect, migrations, live, pg_conn=pg_conn)
        if k is not None:
            adoptable = True
            expected_at = known[k - 1]
            warnings.append(
                "no migration history: the tables were created by the old backend "
                f"(drizzle-kit push); they match migration {known[k - 1]}. "
                f"`pictallion-db migrate` adopts the database: it records "
                f"{', '.join(known[:k])} as applied without running "
                f"{'it' if k == 1 else 'them'} and applies the rest"
            )
        else:
            issues.append(
                "no migration history, and the tables are not those of the first migration "
                f"({known[0] if known else '?'}):"
            )
            issues += [f"  {line}" for line in differences]
    else:
        done = [a for a in applied if a in by_id]
        expected = expected_schema(dialect, migrations, done, pg_conn=pg_conn)
        expected_at = done[-1] if done else None
        issues += diff(expected, live)
        issues += [
            f"migration {a} is recorded as applied but is not among the migration files"
            for a in unknown
        ]
    if pending and not adoptable:
        warnings.append(f"{len(pending)} pending migration(s): {', '.join(pending)}")
    elif pending:
        warnings.append(f"pending migration(s): {', '.join(pending)}")
    warnings += [
        f"migration {c} was edited after it was applied (its checksum differs); review it, "
        f"then run `pictallion-db migrate --accept-changed {c}`"
        for c in changed
    ]
    warnings += [
        f"no checksum is recorded for migration {u} (applied before checksums were kept); "
        "the next `pictallion-db migrate` records it"
        for u in unrecorded
    ]
    compatible = not issues
    return {
        "ok": compatible and not pending and not changed,
        "compatible": compatible,
        "dialect": dialect,
        "url": settings.masked_url,
        "issues": issues,
        "warnings": warnings,
        "applied": applied,
        "pending": pending,
        "changed": changed,
        "unrecorded": unrecorded,
        "unknown": unknown,
        "adoptable": adoptable,
        "expected_at": expected_at,
    }


# --- PostgreSQL client tools ------------------------------------------------------------

_VERSION_RE = re.compile(r"\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?")
_TOOL_VERSIONS: dict[str, int | None] = {}

# URL query options libpq also reads from the environment.
_LIBPQ_ENV = {
    "host": "PGHOST",
    "hostaddr": "PGHOSTADDR",
    "port": "PGPORT",
    "dbname": "PGDATABASE",
    "user": "PGUSER",
    "password": "PGPASSWORD",
    "passfile": "PGPASSFILE",
    "service": "PGSERVICE",
    "options": "PGOPTIONS",
    "application_name": "PGAPPNAME",
    "sslmode": "PGSSLMODE",
    "sslcompression": "PGSSLCOMPRESSION",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcrl": "PGSSLCRL",
    "sslcrldir": "PGSSLCRLDIR",
    "sslsni": "PGSSLSNI",
    "requirepeer": "PGREQUIREPEER",
    "ssl_min_protocol_version": "PGSSLMINPROTOCOLVERSION",
    "ssl_max_protocol_version": "PGSSLMAXPROTOCOLVERSION",
    "gssencmode": "PGGSSENCMODE",
    "krbsrvname": "PGKRBSRVNAME",
    "gsslib": "PGGSSLIB",
    "channel_binding": "PGCHANNELBINDING",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "client_encoding": "PGCLIENTENCODING",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
    "load_balance_hosts": "PGLOADBALANCEHOSTS",
}


def libpq_environment(database_url: str) -> dict[str, str]:
    """The environment for pg_dump / pg_restore: every connection setting as a PG* variable.

    Nothing goes on the command line, where other users could read it: the password
    travels in ``PGPASSWORD``, TLS options in ``PGSSLMODE``, ``PGSSLROOTCERT``...
    """
    settings = Settings(database_url=database_url)
    try:
        params = conninfo_to_dict(settings.postgres_dsn)
    except psycopg.Error as exc:
        raise ConfigurationError(
            f"DATABASE_URL is not a valid PostgreSQL URL: {settings.masked_url}: "
            f"{scrub(exc, database_url)}"
        ) from None
    env = dict(os.environ)
    for key, value in params.items():
        if value is None:
            continue
        name = _LIBPQ_ENV.get(key)
        if name is None:
            raise ConfigurationError(
                f"DATABASE_URL option {key!r} cannot be passed to the PostgreSQL client tools"
            )
        env[name] = str(value)
    return env


def _tool_major(path: Path) -> int | None:
    key = str(path)
    if key not in _TOOL_VERSIONS:
        try:
            out = subprocess.run(
                [key, "--version"], capture_output=True, text=True, timeout=30, check=False
            ).stdout
        except OSError:
            out = ""
        match = _VERSION_RE.search(out)
        _TOOL_VERSIONS[key] = int(match.group(1)) if match else None
    return _TOOL_VERSIONS[key]


def find_pg_tool(name: str, server_major: int) -> Path:
    """``pg_dump`` or ``pg_restore``: the newest found that is not older than the server.

    Looks in ``$PG_BINDIR``, on ``PATH``, then beside the server binaries
    (``/usr/lib/postgresql/<major>/bin``, ``/usr/pgsql-<major>/bin``, ``/usr/local/pgsql/bin``).
    """
    candidates: list[Path] = []
    if os.environ.get("PG_BINDIR"):
        candidates.append(Path(os.environ["PG_BINDIR"]) / name)
    on_path = shutil.which(name)
    if on_path:
        candidates.append(Path(on_path))
    for pattern in ("/usr/lib/postgresql/*/bin", "/usr/pgsql-*/bin", "/usr/local/pgsql*/bin"):
        candidates += [Path(folder) / name for folder in sorted(glob.glob(pattern))]
    found: list[tuple[int, Path]] = []
    seen: set[str] = set()
    for candidate in candidates:
        if str(candidate) in seen or not os.access(candidate, os.X_OK):
            continue
        seen.add(str(candidate))
        major = _tool_major(candidate)
        if major is not None:
            found.append((major, candidate))
    usable = sorted((f for f in found if f[0] >= server_major), key=lambda f: -f[0])
    if usable:
        return usable[0][1]
    if not found:
        raise DatabaseError(
            f"{name} not found (looked in $PG_BINDIR, on PATH and in /usr/lib/postgresql/*/bin); "
            f"install the PostgreSQL {server_major} client tools"
        )
    versions = ", ".join(f"{p} ({m})" for m, p in found)
    raise DatabaseError(
        f"{name} {server_major} or newer is needed for this PostgreSQL {server_major} server; "
        f"found only {versions}"
    )


# --- durable files -----------------------------------------------------------------------


def create_private_file(folder: Path, prefix: str) -> Path:
    """A new empty file in ``folder`` readable and writable by the owner only (0600)."""
    folder.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=folder)
    os.fchmod(fd, 0o600)
    os.close(fd)
    return Path(name)


def fsync_file(path: Path) -> None:
    """Flush ``path``'s data to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(folder: Path) -> None:
    """Flush a folder's entries (a rename in it) to disk, where the platform allows."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def publish(tmp: Path, final: Path) -> None:
    """Make ``tmp`` durable, then rename it to ``final`` in one step (same folder)."""
    fsync_file(tmp)
    os.chmod(tmp, 0o600)
    os.replace(tmp, final)
    fsync_dir(final.parent)
