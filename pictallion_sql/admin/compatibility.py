"""The schema a database should have, and how the live one compares with it.

The expected schema is the schema file (``sql/schema/<dialect>.sql``, the head of the
migrations) built into a scratch database, with the later migrations' rollbacks run on it;
each dialect's backend builds it (``admin/sqlite/backend.py``, ``admin/postgres/backend.py``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypedDict

from pictallion_sql.admin.backends import admin_backend
from pictallion_sql.admin.common import TABLES, read_only_connection
from pictallion_sql.admin.history import (
    History,
    load_migrations,
    migration_checksum,
    read_history,
    rollback_path,
)
from pictallion_sql.admin.schema import Schema, diff
from pictallion_sql.config import Dialect, Settings
from pictallion_sql.errors import MigrationError
from pictallion_sql.query.resources import schema_file

__all__ = [
    "Compatibility",
    "MigrationLists",
    "adoption_point",
    "check_compatibility",
    "compare",
    "expected_schema",
]

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
    pg_conn: Any = None,
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
    schema = admin_backend(dialect).build_schema(scripts, pg_conn)
    _EXPECTED[key] = schema
    return schema


def adoption_point(
    dialect: Dialect,
    migrations: Sequence[Any],
    live: Schema,
    *,
    pg_conn: Any = None,
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


class MigrationLists(TypedDict):
    """A database's migrations by state: applied, pending, changed since applied (their
    checksum differs), unrecorded (applied with no checksum recorded), unknown (applied, but
    no file here), and whether an older database's schema can be adopted."""

    applied: list[str]
    pending: list[str]
    changed: list[str]
    unrecorded: list[str]
    unknown: list[str]
    adoptable: bool


class Compatibility(MigrationLists):
    """What ``check_compatibility`` reports."""

    ok: bool
    compatible: bool
    dialect: Dialect
    url: str
    issues: list[str]
    warnings: list[str]
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
    backend = admin_backend(dialect)
    with read_only_connection(database_url) as conn:
        backend.refuse_scratch_schema(conn, settings)
        history = read_history(conn, dialect)
        return compare(settings, migrations, history, backend.live_schema(conn, settings), conn)


def compare(
    settings: Settings,
    migrations: Sequence[Any],
    history: History,
    live: Schema,
    pg_conn: Any,
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
