"""What every administration module shares: the table list, progress lines, the scrubber,
and a connection for looking only.

Everything in ``admin/`` is synchronous and uses the synchronous drivers (sqlite3, psycopg
3); the public modules (``migrations``, ``db_utils``) run it in a worker thread when they
are called from async code.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

from pictallion_sql import config
from pictallion_sql.config import Settings, mask_secrets, mask_url
from pictallion_sql.errors import ConfigurationError

__all__ = [
    "CHECKSUM_TABLE",
    "KEPT_FUNCTIONS",
    "KEPT_TABLES",
    "TABLES",
    "YOYO_MIGRATION_TABLE",
    "Progress",
    "read_only_connection",
    "refuse_pooled",
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


# The library's own tables that the database keeps by triggers (migration 0006): the listing
# counts, and the change log and marks of smart refreshes. Not part of a library's data
# (copies and backup sets leave them out; the target's triggers rebuild what they need), but
# the application role reads and writes them through those triggers. SQLite has no
# file_version_asset_tiers.
KEPT_TABLES: tuple[str, ...] = (
    "file_version_counts",
    "file_version_asset_tiers",
    "file_version_changes",
    "smart_collection_refreshes",
)

# The trigger functions of migration 0006 (PostgreSQL): a restore drops them with the
# tables, and the archive's own are created again.
KEPT_FUNCTIONS: tuple[str, ...] = (
    "file_version_counts_track",
    "file_version_counts_compact",
    "collection_photos_track",
    "media_assets_track",
    "smart_collection_refreshes_forget_rules",
)


# The one scrubber of URLs and passwords, under the name this module's callers use.
scrub = mask_secrets


@contextlib.contextmanager
def read_only_connection(database_url: str) -> Iterator[Any]:
    """A connection for looking only: SQLite read-only (the file must exist), PostgreSQL."""
    from pictallion_sql.admin.backends import admin_backend

    settings = Settings(database_url=database_url)
    with admin_backend(settings.dialect).read_only_connection(settings) as conn:
        yield conn


def refuse_pooled(database_url: str, purpose: str) -> None:
    """Raise :class:`ConfigurationError` when ``database_url`` is the configured
    ``DATABASE_URL`` and that goes through a transaction pooler (``DB_POOLER=transaction``):
    ``purpose`` (migrating, a backup) keeps session state across transactions, which such
    a pooler does not carry over."""
    settings = config.get_settings()
    if database_url != settings.database_url or not settings.transaction_pooled:
        return
    raise ConfigurationError(
        f"{purpose} cannot run through a transaction pooler (DB_POOLER=transaction, "
        f"{mask_url(database_url)}): use PostgreSQL's direct URL (DATABASE_ADMIN_URL, "
        "settings.direct_url())"
    )
