"""PostgreSQL's errors: asyncpg exceptions turned into the library's, naming table and column."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import asyncpg

from pictallion_sql.config import mask_secrets, mask_url
from pictallion_sql.drivers.connection import aborted_error
from pictallion_sql.errors import (
    ConnectionLostError,
    DatabaseError,
    DuplicateKeyError,
    ForeignKeyError,
    PermissionDeniedError,
    PictallionError,
    PoolTimeoutError,
    ReadOnlyError,
    ValidationError,
)
from pictallion_sql.query.registry import Query

__all__ = ["DRIVER_ERRORS", "LOST", "STALE", "translate"]

# Everything asyncpg raises for a failed call (InternalClientError: a protocol in a state
# it cannot go on from, say after the server went away mid-operation).
DRIVER_ERRORS = (
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
    OSError,
)

# The link to the server is gone, or the server is going away: the connection is dead.
LOST = (
    asyncpg.PostgresConnectionError,  # class 08, and ConnectionDoesNotExistError
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.CannotConnectNowError,
    asyncpg.InternalClientError,
    OSError,
    TimeoutError,
)

# A table changed since a statement was prepared: prepare it again.
STALE = (asyncpg.InvalidCachedStatementError, asyncpg.exceptions.OutdatedSchemaCacheError)

_KEY = re.compile(r"Key \((?P<cols>.*?)\)=")
_ARG = re.compile(r"query argument \$(\d+)")


def translate(
    exc: BaseException,
    query: Query | None,
    url: str,
    foreign_keys: Mapping[str, tuple[str, str, str]],
) -> PictallionError:
    """Turn a driver exception into the library's own, naming table and column.

    The message is for the application's users; the query's name goes to ``query``.
    """
    error = _translate(exc, query, url, foreign_keys)
    if query is not None:
        error.query = query.name
    return error


def _translate(
    exc: BaseException,
    query: Query | None,
    url: str,
    foreign_keys: Mapping[str, tuple[str, str, str]],
) -> PictallionError:
    if isinstance(exc, asyncpg.UniqueViolationError):
        column = _key_columns(exc)
        table = exc.table_name or "?"
        return DuplicateKeyError(
            f"duplicate key: {table}.{column} already exists",
            table=table,
            column=column,
            constraint=exc.constraint_name,
        )
    if isinstance(exc, asyncpg.ForeignKeyViolationError):
        return _foreign_key_error(exc, foreign_keys)
    if isinstance(exc, asyncpg.NotNullViolationError):
        field = f"{exc.table_name}.{exc.column_name}"
        return ValidationError(f"{field} must not be null", field=exc.column_name)
    if isinstance(exc, asyncpg.CheckViolationError):
        return ValidationError(f"{exc.table_name}: check constraint {exc.constraint_name} failed")
    if isinstance(exc, asyncpg.DataError | asyncpg.exceptions.DataError):
        return ValidationError(_argument_message(exc, query))
    if isinstance(exc, asyncpg.InFailedSQLTransactionError):
        return aborted_error()
    message = mask_secrets(exc, url)
    if isinstance(exc, LOST) and _POOLER_WAIT.search(message):
        # pgbouncer found no free server connection for this client in time and
        # dropped it; the statement never reached PostgreSQL.
        return PoolTimeoutError(
            f"the connection pooler in front of PostgreSQL at "
            f"{mask_url(url)} found no free server connection "
            f"in time ({message.splitlines()[0]}); raise its pool size (pgbouncer: "
            f"default_pool_size) or query_wait_timeout, or hold connections for less "
            f"time",
            # The pooler's own pool size and wait are not known here.
            size=0,
            timeout=0.0,
        )
    if isinstance(exc, asyncpg.ReadOnlySQLTransactionError):
        return ReadOnlyError(f"the database is read-only (PostgreSQL: {message})")
    if isinstance(exc, asyncpg.InsufficientPrivilegeError):
        privilege = _privilege(query)
        needs = f" (the statement needs {privilege})" if privilege else ""
        return PermissionDeniedError(f"{message}{needs}", privilege=privilege)
    if isinstance(exc, LOST) or (
        isinstance(exc, asyncpg.InterfaceError) and _CLOSED.search(message)
    ):
        return ConnectionLostError(
            f"lost the connection to PostgreSQL at {mask_url(url)} "
            f"({type(exc).__name__}: {message.splitlines()[0] if message else ''}); "
            f"nothing uncommitted was kept"
        )
    return DatabaseError(f"{type(exc).__name__}: {message}")


def _foreign_key_error(
    exc: Any, foreign_keys: Mapping[str, tuple[str, str, str]]
) -> ForeignKeyError:
    known = foreign_keys.get(exc.constraint_name or "")
    detail = exc.detail or ""
    if known is None:
        return ForeignKeyError(
            f"foreign key violation on {exc.table_name}",
            table=exc.table_name,
            constraint=exc.constraint_name,
        )
    child, column, parent = known
    if "still referenced" in detail:
        message = f"foreign key violation: {parent} row is still referenced by {child}.{column}"
    else:
        message = (
            f"foreign key violation: {child}.{column} refers to a {parent} row that does not exist"
        )
    return ForeignKeyError(
        message,
        table=child,
        column=column,
        constraint=exc.constraint_name,
        referenced_table=parent,
    )


def _argument_message(exc: BaseException, query: Query | None) -> str:
    text = str(exc).split("\n", 1)[0]
    match = _ARG.search(text)
    if match and query is not None:
        index = int(match.group(1)) - 1
        names = query.postgres.arg_names
        if 0 <= index < len(names):
            reason = text.split(": ", 1)[-1]
            reason = reason.split(" (", 1)[-1].rstrip(")") if " (" in reason else reason
            return f"invalid value for {names[index]}: {reason}"
    return f"invalid value: {text}"


_CLOSED = re.compile(r"connection is closed|connection was closed|another operation is in progress")
# pgbouncer's message when a client waited longer than query_wait_timeout for a server.
_POOLER_WAIT = re.compile(r"query_wait_timeout")
_VERB = re.compile(r"\s*(SELECT|INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


def _privilege(query: Query | None) -> str | None:
    # PostgreSQL names the object but not the privilege; the statement's verb is it.
    if query is None:
        return None
    match = _VERB.match(query.postgres.text)
    return match.group(1).upper() if match else None


def _key_columns(exc: Any) -> str:
    match = _KEY.search(exc.detail or "")
    if match:
        return match.group("cols")
    return exc.constraint_name or "?"
