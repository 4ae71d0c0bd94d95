"""pictallion-sql: the raw-SQL database layer of the Pictallion photo manager.

Named SQL queries from ``sql/queries`` run on SQLite (aiosqlite) or PostgreSQL
(asyncpg) through one API and come back as msgspec records.
"""

from pictallion_sql.config import Settings
from pictallion_sql.database import (
    Connection,
    Database,
    RecordStream,
    connect,
    get_db,
    get_db_transaction,
)
from pictallion_sql.errors import (
    ConfigurationError,
    ConnectionLostError,
    DatabaseError,
    DuplicateKeyError,
    ForeignKeyError,
    IntegrityError,
    MigrationError,
    NotFoundError,
    PermissionDeniedError,
    PictallionError,
    PoolTimeoutError,
    QueryFileError,
    ReadOnlyError,
    ValidationError,
)
from pictallion_sql.records.pages import Page

__version__ = "0.1.0"

__all__ = [
    "ConfigurationError",
    "Connection",
    "ConnectionLostError",
    "Database",
    "DatabaseError",
    "DuplicateKeyError",
    "ForeignKeyError",
    "IntegrityError",
    "MigrationError",
    "NotFoundError",
    "Page",
    "PermissionDeniedError",
    "PictallionError",
    "PoolTimeoutError",
    "QueryFileError",
    "ReadOnlyError",
    "RecordStream",
    "Settings",
    "ValidationError",
    "connect",
    "get_db",
    "get_db_transaction",
    "settings",
]

settings: Settings
"""The process-wide settings (:data:`pictallion_sql.config.settings`), read on first use."""


def __getattr__(name: str) -> Settings:
    # Read lazily: importing the library never reads the environment.
    if name == "settings":
        from pictallion_sql.config import get_settings

        return get_settings()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
