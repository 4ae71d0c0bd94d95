"""Where the SQL files and the migrations live, installed or in a checkout.

The wheel carries the top-level ``sql/`` and ``migrations/`` folders as
``pictallion_sql/_data/sql`` and ``pictallion_sql/_data/migrations``. An editable
install or a plain checkout has no ``_data`` folder, so the repository's top-level
folders are used instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pictallion_sql.errors import ConfigurationError

__all__ = ["migrations_dir", "schema_file", "sql_dir"]

_PACKAGE_DIR = Path(__file__).resolve().parent.parent
_DIALECTS = ("sqlite", "postgres")


def _data_dir(name: str) -> Path:
    bundled = _PACKAGE_DIR / "_data" / name
    if bundled.is_dir():
        return bundled
    return _PACKAGE_DIR.parent / name


def _check_dialect(dialect: str) -> None:
    if dialect not in _DIALECTS:
        raise ConfigurationError(f"unknown dialect {dialect!r} (expected 'sqlite' or 'postgres')")


def sql_dir() -> Path:
    """The folder holding ``schema/`` and ``queries/``."""
    return _data_dir("sql")


def migrations_dir(dialect: Literal["sqlite", "postgres"]) -> Path:
    """The yoyo migrations folder of ``dialect``."""
    _check_dialect(dialect)
    return _data_dir("migrations") / dialect


def schema_file(dialect: Literal["sqlite", "postgres"]) -> Path:
    """The hand-written full schema of ``dialect`` (``sql/schema/<dialect>.sql``)."""
    _check_dialect(dialect)
    return sql_dir() / "schema" / f"{dialect}.sql"
