"""Synchronous connections to PostgreSQL for administration, and the refusals made first."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

from pictallion_sql.admin.common import scrub
from pictallion_sql.config import Settings, mask_secrets, mask_url
from pictallion_sql.errors import DatabaseError, PermissionDeniedError, ReadOnlyError

__all__ = [
    "connect_postgres",
    "create_database",
    "reach",
    "refuse_read_only",
    "refuse_without_create",
]


@contextlib.contextmanager
def connect_postgres(database_url: str) -> Iterator[psycopg.Connection[tuple[Any, ...]]]:
    """A synchronous autocommit psycopg connection; errors never show the password."""
    settings = Settings(database_url=database_url)
    try:
        # prepare_threshold=None: no server-side prepared statements, which a transaction
        # pooler would lose between one statement and the next.
        conn = psycopg.connect(
            settings.postgres_dsn, autocommit=True, connect_timeout=15, prepare_threshold=None
        )
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
            f"(GRANT CREATE ON SCHEMA {schema or 'public'} TO {user}); migrations run as the "
            "owner role (see `pictallion-db roles`), not as the application's",
            privilege="CREATE",
        )
    if not may_lock:
        raise PermissionDeniedError(
            f"permission denied: role {user} has no INSERT and DELETE privilege on table "
            f"yoyo_lock of {mask_url(database_url)}, the migration lock; migrations run as "
            "the owner of the tables (the owner role of `pictallion-db roles`), not as the "
            "application's role",
            privilege="INSERT",
        )


def reach(settings: Settings, *, create: bool) -> str | None:
    """Connect once; with ``create``, create the database the URL names if it does not exist.

    Returns the name of a database created now, else None; raises DatabaseError naming
    the masked URL when the server cannot be reached.
    """
    try:
        with connect_postgres(settings.database_url):
            return None
    except DatabaseError as exc:
        if create and "does not exist" in str(exc):
            return create_database(settings)
        raise


def create_database(settings: Settings) -> str | None:
    """Create the database the URL names, from a maintenance database on the same server.

    Returns its name, or None when another process created it meanwhile.
    """
    parts = urlsplit(settings.postgres_dsn)
    name = parts.path.lstrip("/")
    if not name:
        raise DatabaseError(f"the URL names no database: {mask_url(settings.database_url)}")
    last = ""
    for maintenance in ("postgres", "template1"):
        admin = urlunsplit(parts._replace(path="/" + maintenance))
        try:
            with psycopg.connect(admin, autocommit=True, connect_timeout=15) as conn:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            return name
        except psycopg.errors.DuplicateDatabase:
            return None
        except psycopg.Error as exc:
            last = mask_secrets(" ".join(str(exc).split()), settings.database_url)
    raise DatabaseError(
        f"database {name} does not exist and could not be created ({last}); "
        "create it, or ask its administrator to"
    )
