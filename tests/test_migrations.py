"""Applying, rolling back and reporting migrations on real SQLite and PostgreSQL databases."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import msgspec
import psycopg
import pytest

from pictallion_sql.admin.introspect import snapshot
from pictallion_sql.admin.migrations import (
    apply_migrations,
    migration_status,
    rollback_last,
    upgrade_to_head,
    yoyo_url,
)
from pictallion_sql.config import Settings
from pictallion_sql.errors import ConfigurationError, MigrationError
from pictallion_sql.query.resources import migrations_dir
from tests.ops.conftest import ALL

# The tables the database keeps by triggers (0006), per dialect.
KEPT_TABLES = {
    "sqlite": {"file_version_counts", "file_version_changes", "smart_collection_refreshes"},
    "postgres": {
        "file_version_counts",
        "file_version_asset_tiers",
        "file_version_changes",
        "smart_collection_refreshes",
    },
}

TAG_INDEXES = {"idx_global_tag_library_tag", "idx_global_tag_library_usage"}
CATALOGUE_INDEXES = {
    "idx_file_versions_media_asset_id",
    "idx_file_versions_gold_asset",
    "idx_file_versions_tier_created_at",
    "idx_file_versions_created_at",
    "idx_file_versions_file_hash",
    "idx_media_assets_created_at",
    "idx_faces_photo_id",
    "idx_faces_person_id",
    "idx_faces_unassigned",
    "idx_asset_history_media_asset_id",
    "idx_asset_history_timestamp",
    "idx_collection_photos_collection_id",
    "idx_collection_photos_photo_id",
    "idx_events_person_id",
    "idx_relationships_person1_id",
    "idx_relationships_person2_id",
}
LISTING_INDEXES = {"idx_file_versions_listed_asset"}
SEARCH_ORDER_INDEXES = {
    "idx_file_versions_rating_order",
    "idx_file_versions_size_order",
    "idx_file_versions_event_order",
}

BROKEN_MIGRATION = """\
-- A migration that fails at its last statement, after changing the schema and data.
-- depends: 0006_file_version_counts

CREATE TABLE scratch (id integer PRIMARY KEY);

INSERT INTO users (username, password) VALUES ('ada', 'secret');

ALTER TABLE people ADD COLUMN nickname text;

INSERT INTO no_such_table
VALUES (1);
"""


def count_rows(url: str, table: str) -> int:
    sql = f"SELECT count(*) FROM {table}"
    settings = Settings(database_url=url)
    if settings.dialect == "sqlite":
        conn = sqlite3.connect(settings.sqlite_path)
        try:
            return int(conn.execute(sql).fetchone()[0])
        finally:
            conn.close()
    with psycopg.connect(url) as pg:
        row = pg.execute(sql).fetchone()
        assert row is not None
        return int(row[0])


def tag_indexes(url: str) -> list[str]:
    return [i.name for i in snapshot(url).tables["global_tag_library"].indexes]


def all_indexes(url: str) -> set[str]:
    return {i.name for t in snapshot(url).tables.values() for i in t.indexes}


def test_apply_is_idempotent(empty_url: str, dialect: str) -> None:
    assert migration_status(empty_url) == {"dialect": dialect, "applied": [], "pending": ALL}
    assert apply_migrations(empty_url) == ALL
    assert apply_migrations(empty_url) == []
    assert migration_status(empty_url) == {"dialect": dialect, "applied": ALL, "pending": []}
    assert len(snapshot(empty_url).tables) == 14 + len(KEPT_TABLES[dialect])


def test_rollback_of_indexes_and_reapply(empty_url: str) -> None:
    apply_migrations(empty_url)
    before = snapshot(empty_url)
    assert tag_indexes(empty_url) == ["idx_global_tag_library_tag", "idx_global_tag_library_usage"]

    assert rollback_last(empty_url) == "0006_file_version_counts"
    assert rollback_last(empty_url) == "0005_search_order_indexes"
    assert rollback_last(empty_url) == "0004_listing_indexes"
    assert rollback_last(empty_url) == "0003_catalogue_indexes"
    assert rollback_last(empty_url) == "0002_tag_library_indexes"
    assert tag_indexes(empty_url) == []
    assert migration_status(empty_url)["pending"] == ALL[1:]

    assert apply_migrations(empty_url) == ALL[1:]
    assert snapshot(empty_url) == before


def test_rollback_of_catalogue_indexes_and_reapply(empty_url: str) -> None:
    apply_migrations(empty_url)
    head = snapshot(empty_url)
    assert all_indexes(empty_url) >= CATALOGUE_INDEXES | LISTING_INDEXES | SEARCH_ORDER_INDEXES

    assert rollback_last(empty_url) == "0006_file_version_counts"
    assert rollback_last(empty_url) == "0005_search_order_indexes"
    assert rollback_last(empty_url) == "0004_listing_indexes"
    assert all_indexes(empty_url) == TAG_INDEXES | CATALOGUE_INDEXES
    assert rollback_last(empty_url) == "0003_catalogue_indexes"
    assert all_indexes(empty_url) == set(TAG_INDEXES)
    assert migration_status(empty_url)["pending"] == ALL[2:]
    # Only indexes went: every table, column and constraint is as before.
    after_rollback = snapshot(empty_url)
    for name, table in head.tables.items():
        if name in KEPT_TABLES["postgres"]:
            assert name not in after_rollback.tables
            continue
        assert after_rollback.tables[name] == msgspec.structs.replace(
            table, indexes=tuple(i for i in table.indexes if i.name in TAG_INDEXES)
        )

    assert apply_migrations(empty_url) == ALL[2:]
    assert snapshot(empty_url) == head
    assert rollback_last(empty_url) == "0006_file_version_counts"
    assert rollback_last(empty_url) == "0005_search_order_indexes"
    assert rollback_last(empty_url) == "0004_listing_indexes"
    assert rollback_last(empty_url) == "0003_catalogue_indexes"
    assert apply_migrations(empty_url) == ALL[2:]
    assert snapshot(empty_url) == head


def test_catalogue_indexes_built_by_hand_beforehand_are_kept(empty_url: str, dialect: str) -> None:
    """A DBA may build some indexes first (CONCURRENTLY, on a live table); 0003 builds the rest."""
    apply_migrations(empty_url)
    head = snapshot(empty_url)
    for _ in ALL[2:]:
        rollback_last(empty_url)
    by_hand = [
        "CREATE INDEX idx_file_versions_file_hash ON file_versions (file_hash)",
        "CREATE INDEX idx_faces_unassigned ON faces (created_at, id) WHERE person_id IS NULL",
    ]
    if dialect == "sqlite":
        conn = sqlite3.connect(Settings(database_url=empty_url).sqlite_path)
        conn.executescript(";".join(by_hand))
        conn.close()
    else:
        with psycopg.connect(empty_url, autocommit=True) as pg:
            for statement in by_hand:
                pg.execute(statement.replace("CREATE INDEX", "CREATE INDEX CONCURRENTLY"))
    assert apply_migrations(empty_url) == ALL[2:]
    assert snapshot(empty_url) == head


# A unique index that fails on an asset's two versions, built as a migration's index would
# be (concurrently), so that it stays behind, invalid, under that index's name.
_FAILING_BUILDS = {
    "0004_listing_indexes": (
        "CREATE UNIQUE INDEX CONCURRENTLY idx_file_versions_listed_asset "
        "ON file_versions (media_asset_id)"
    ),
    "0005_search_order_indexes": (
        "CREATE UNIQUE INDEX CONCURRENTLY idx_file_versions_size_order ON file_versions (file_size)"
    ),
}


@pytest.mark.parametrize("migration", sorted(_FAILING_BUILDS))
def test_an_index_left_invalid_by_a_failed_build_is_rebuilt(
    new_pg_url: str, migration: str
) -> None:
    """0004 and 0005 build concurrently; an invalid index a failed build left behind is
    replaced when the migration runs again."""
    apply_migrations(new_pg_url)
    head = snapshot(new_pg_url)
    later = ALL[ALL.index(migration) :]
    for name in reversed(later):
        assert rollback_last(new_pg_url) == name
    if migration == "0005_search_order_indexes":
        assert not all_indexes(new_pg_url) & SEARCH_ORDER_INDEXES
    with psycopg.connect(new_pg_url, autocommit=True) as pg:
        pg.execute("INSERT INTO media_assets (id, original_filename) VALUES ('a', 'a.jpg')")
        pg.execute(
            "INSERT INTO file_versions (id, media_asset_id, tier, file_path, file_hash, "
            "file_size, mime_type) VALUES ('v1', 'a', 'gold', 'p', 'h', 1, 'image/jpeg'), "
            "('v2', 'a', 'gold', 'p', 'h', 1, 'image/jpeg')"
        )
        with pytest.raises(psycopg.errors.UniqueViolation):
            pg.execute(_FAILING_BUILDS[migration])
        invalid = "SELECT count(*) FROM pg_index WHERE NOT indisvalid"
        assert pg.execute(invalid).fetchone() == (1,)
        assert apply_migrations(new_pg_url) == later
        assert pg.execute(invalid).fetchone() == (0,)
        pg.execute("DELETE FROM file_versions")
        pg.execute("DELETE FROM media_assets")
    assert snapshot(new_pg_url) == head


def test_rollback_everything(empty_url: str) -> None:
    apply_migrations(empty_url)
    assert rollback_last(empty_url) == "0006_file_version_counts"
    assert rollback_last(empty_url) == "0005_search_order_indexes"
    assert rollback_last(empty_url) == "0004_listing_indexes"
    assert rollback_last(empty_url) == "0003_catalogue_indexes"
    assert rollback_last(empty_url) == "0002_tag_library_indexes"
    assert rollback_last(empty_url) == "0001_initial_schema"
    assert snapshot(empty_url).tables == {}
    assert rollback_last(empty_url) is None
    assert apply_migrations(empty_url) == ALL


def test_indexes_migration_accepts_existing_indexes(empty_url: str, dialect: str) -> None:
    """Databases set up by the old hand-written SQL file already have both indexes."""
    folder = migrations_dir(dialect)  # type: ignore[arg-type]
    apply_migrations(empty_url)
    for _ in ALL[1:]:
        rollback_last(empty_url)
    statements = (folder / "0002_tag_library_indexes.sql").read_text()
    old_style = statements.replace(" IF NOT EXISTS", "")
    if dialect == "sqlite":
        conn = sqlite3.connect(Settings(database_url=empty_url).sqlite_path)
        conn.executescript(old_style)
        conn.close()
    else:
        with psycopg.connect(empty_url, autocommit=True) as pg:
            pg.execute(old_style)
    assert apply_migrations(empty_url) == ALL[1:]


def test_broken_migration_changes_nothing(empty_url: str, dialect: str, tmp_path: Path) -> None:
    apply_migrations(empty_url)
    before = snapshot(empty_url)

    folder = tmp_path / "migrations"
    shutil.copytree(migrations_dir(dialect), folder)  # type: ignore[arg-type]
    (folder / "0099_broken.sql").write_text(BROKEN_MIGRATION)

    with pytest.raises(MigrationError) as caught:
        apply_migrations(empty_url, migrations_path=folder)
    message = str(caught.value)
    assert "migration 0099_broken failed" in message
    assert "'INSERT INTO no_such_table'" in message

    # Every statement before the failing one was undone, schema and data alike.
    assert snapshot(empty_url) == before
    assert count_rows(empty_url, "users") == 0
    status = migration_status(empty_url, migrations_path=folder)
    assert status["applied"] == ALL and status["pending"] == ["0099_broken"]

    # The lock was released: the next run gets as far as the broken migration again.
    with pytest.raises(MigrationError, match="0099_broken"):
        apply_migrations(empty_url, migrations_path=folder)


def test_failure_on_a_fresh_database_keeps_the_earlier_migrations(
    empty_url: str, dialect: str, tmp_path: Path
) -> None:
    folder = tmp_path / "migrations"
    shutil.copytree(migrations_dir(dialect), folder)  # type: ignore[arg-type]
    (folder / "0099_broken.sql").write_text(BROKEN_MIGRATION)
    with pytest.raises(MigrationError, match="0099_broken"):
        apply_migrations(empty_url, migrations_path=folder)
    assert migration_status(empty_url, migrations_path=folder)["applied"] == ALL
    assert "scratch" not in snapshot(empty_url).tables


def test_bad_scheme_is_a_configuration_error() -> None:
    for call in (apply_migrations, rollback_last, migration_status, yoyo_url):
        with pytest.raises(ConfigurationError, match="unsupported scheme"):
            call("mysql://user:pw@localhost/pictallion")


def test_missing_migrations_folder(new_sqlite_url: str, tmp_path: Path) -> None:
    with pytest.raises(MigrationError, match="migrations folder not found"):
        apply_migrations(new_sqlite_url, migrations_path=tmp_path / "nowhere")


def test_connection_failure_hides_the_password(pg_admin_url: str) -> None:
    parts = urlsplit(pg_admin_url)
    netloc = f"{parts.username or 'postgres'}:Sup3r-s3cret@{parts.hostname}:{parts.port or 5432}"
    url = urlunsplit(parts._replace(netloc=netloc, path="/pt_no_such_database"))
    with pytest.raises(MigrationError) as caught:
        apply_migrations(url)
    message = str(caught.value)
    assert "Sup3r-s3cret" not in message
    assert "***" in message
    assert caught.value.__cause__ is None


def test_sqlite_parent_folders_are_created(tmp_path: Path) -> None:
    target = tmp_path / "data" / "nested" / "pictallion.db"
    assert apply_migrations(f"sqlite:///{target}") == ALL
    assert target.is_file()


def test_relative_sqlite_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert apply_migrations("sqlite:///./data/pictallion.db") == ALL
    assert (tmp_path / "data" / "pictallion.db").is_file()


async def test_upgrade_to_head(new_sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert await upgrade_to_head(new_sqlite_url) == ALL
    assert await upgrade_to_head(new_sqlite_url) == []

    from pictallion_sql import config

    monkeypatch.setattr(config.settings, "database_url", new_sqlite_url)
    assert await upgrade_to_head() == []


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///data/pictallion.db", "sqlite:///data/pictallion.db"),
        ("sqlite:////var/lib/pictallion.db", "sqlite:////var/lib/pictallion.db"),
        (
            "postgres://app:p%40ss@db.example.com:6432/pictallion?sslmode=require",
            "postgresql+psycopg://app:p%40ss@db.example.com:6432/pictallion?sslmode=require",
        ),
        ("postgresql://localhost/pictallion", "postgresql+psycopg://localhost/pictallion"),
        ("postgresql+asyncpg://u@h/db", "postgresql+psycopg://u@h/db"),
    ],
)
def test_yoyo_url(url: str, expected: str) -> None:
    assert yoyo_url(url) == expected
