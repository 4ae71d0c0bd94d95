"""The library's exceptions: the same types and messages on SQLite and PostgreSQL."""

from __future__ import annotations

__all__ = [
    "ConfigurationError",
    "ConnectionLostError",
    "DatabaseError",
    "DuplicateKeyError",
    "ForeignKeyError",
    "IntegrityError",
    "MigrationError",
    "NotFoundError",
    "PermissionDeniedError",
    "PictallionError",
    "PoolTimeoutError",
    "QueryFileError",
    "ReadOnlyError",
    "ValidationError",
]


class PictallionError(Exception):
    """Base class of every error this library raises.

    The message is meant for the people using the application: it names the table,
    column or value at fault, never the library's internals. ``query`` names the statement
    that failed (``"faces.insert[photo_id,confidence]"``), for logs; None when the error
    did not come from a statement.
    """

    query: str | None = None


class ConfigurationError(PictallionError):
    """A setting (environment variable, URL, option) is missing or contradictory."""


class QueryFileError(PictallionError):
    """A named-query file is malformed; the message names the file and line."""


class ValidationError(PictallionError, ValueError):
    """Input does not fit the schema: wrong type, unknown field, bad enum value, nothing to set."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class NotFoundError(PictallionError, LookupError):
    """A row the caller named does not exist."""

    def __init__(self, message: str, *, table: str | None = None) -> None:
        super().__init__(message)
        self.table = table


class IntegrityError(PictallionError):
    """A constraint rejected the statement; nothing was written."""

    def __init__(
        self,
        message: str,
        *,
        table: str | None = None,
        column: str | None = None,
        constraint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.table = table
        self.column = column
        self.constraint = constraint


class DuplicateKeyError(IntegrityError):
    """A UNIQUE or PRIMARY KEY constraint rejected the row."""


class ForeignKeyError(IntegrityError):
    """A row references a missing parent, or a delete would orphan children."""

    def __init__(
        self,
        message: str,
        *,
        table: str | None = None,
        column: str | None = None,
        constraint: str | None = None,
        referenced_table: str | None = None,
    ) -> None:
        super().__init__(message, table=table, column=column, constraint=constraint)
        self.referenced_table = referenced_table


class MigrationError(PictallionError):
    """A migration could not be applied, rolled back or verified."""


class DatabaseError(PictallionError):
    """Any other failure reported by the database or its driver."""

    retryable: bool = False
    """True when the same call may succeed if simply tried again (nothing was written)."""


class ConnectionLostError(DatabaseError):
    """The connection to the server broke (server restart, backend terminated, network).

    Whatever the call was doing did not happen: a transaction it ran in was rolled back
    by the server. The broken connection is discarded from the pool, so retrying the
    whole call (or transaction) is safe and uses a fresh connection.
    """

    retryable = True


class PoolTimeoutError(DatabaseError):
    """Every pooled connection stayed in use for the whole pool timeout; nothing ran."""

    retryable = True

    def __init__(self, message: str, *, size: int, timeout: float) -> None:
        super().__init__(message)
        self.size = size
        self.timeout = timeout


class ReadOnlyError(DatabaseError):
    """The database refuses writes: a hot standby, a read-only transaction or file."""


class PermissionDeniedError(DatabaseError):
    """The connecting role (or process, for a SQLite file) lacks a privilege; it is named."""

    def __init__(self, message: str, *, privilege: str | None = None) -> None:
        super().__init__(message)
        self.privilege = privilege
