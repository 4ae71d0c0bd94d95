"""Snapshots of a live database's schema, and the differences between two snapshots.

``snapshot(url)`` reads tables, columns, keys, constraints and indexes from the system
catalogs (PostgreSQL, ``admin/postgres/schema.py``) or the schema table and PRAGMAs
(SQLite, ``admin/sqlite/schema.py``) into a ``Schema``; ``diff(expected, actual)`` lists
every difference as one readable line (``admin/schema.py``). yoyo's bookkeeping tables are
left out.
"""

from __future__ import annotations

from pictallion_sql.admin.backends import admin_backend
from pictallion_sql.admin.schema import Schema
from pictallion_sql.config import Settings

__all__ = ["snapshot"]


def snapshot(database_url: str) -> Schema:
    """Read the schema of the database at ``database_url``."""
    settings = Settings(database_url=database_url)
    return admin_backend(settings.dialect).snapshot(settings)
