"""The schema files, the migrations and drizzle's schema all describe the same database."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec
import psycopg
import pytest
from yoyo.migrations import read_sql_migration

from pictallion_sql.admin.common import KEPT_TABLES
from pictallion_sql.admin.introspect import snapshot
from pictallion_sql.admin.migrations import apply_migrations
from pictallion_sql.admin.schema import SQLITE_TYPES, Index, Schema, diff
from pictallion_sql.config import Settings
from pictallion_sql.query.resources import migrations_dir, schema_file
from tests import pgcluster

DATA = Path(__file__).parent / "data"
DRIZZLE_SQL = DATA / "drizzle_0000_complete_odin.sql"
DRIZZLE_SNAPSHOT = DATA / "drizzle_snapshot.json"

TAG_INDEXES = {
    "idx_global_tag_library_tag": ("tag",),
    "idx_global_tag_library_usage": ("usage_count DESC",),
}

# Migration 0003: (table, columns, partial-index condition) by index name, in the spelling
# of ``comparable`` below.
CATALOGUE_INDEXES = {
    "idx_file_versions_media_asset_id": ("file_versions", ("media_asset_id",), None),
    "idx_file_versions_gold_asset": ("file_versions", ("media_asset_id",), "tier = 'gold'"),
    "idx_file_versions_tier_created_at": (
        "file_versions",
        ("tier", "created_at DESC", "id DESC"),
        None,
    ),
    "idx_file_versions_created_at": ("file_versions", ("created_at DESC", "id DESC"), None),
    "idx_file_versions_file_hash": ("file_versions", ("file_hash",), None),
    "idx_media_assets_created_at": ("media_assets", ("created_at DESC", "id DESC"), None),
    "idx_faces_photo_id": ("faces", ("photo_id",), None),
    "idx_faces_person_id": ("faces", ("person_id", "created_at", "id"), None),
    "idx_faces_unassigned": ("faces", ("created_at", "id"), "person_id IS NULL"),
    "idx_asset_history_media_asset_id": (
        "asset_history",
        ("media_asset_id", "timestamp DESC", "id DESC"),
        None,
    ),
    "idx_asset_history_timestamp": ("asset_history", ("timestamp DESC", "id DESC"), None),
    "idx_collection_photos_collection_id": (
        "collection_photos",
        ("collection_id", "added_at DESC", "id DESC"),
        None,
    ),
    "idx_collection_photos_photo_id": ("collection_photos", ("photo_id",), None),
    "idx_events_person_id": ("events", ("person_id",), None),
    "idx_relationships_person1_id": ("relationships", ("person1_id",), None),
    "idx_relationships_person2_id": ("relationships", ("person2_id",), None),
}

# Migration 0004, spelled the same way.
LISTING_INDEXES = {
    "idx_file_versions_listed_asset": (
        "file_versions",
        ("media_asset_id", "tier"),
        "tier IN ('gold', 'silver')",
    ),
}

# Migration 0005, as PostgreSQL prints its columns (it prints no collation; SQLite gives
# no text for an expression column, which comparable() spells "<expression>").
SEARCH_ORDER_COLUMNS = {
    "idx_file_versions_rating_order": ("COALESCE(rating, 0)", "id"),
    "idx_file_versions_size_order": ("file_size", "id"),
    "idx_file_versions_event_order": ("COALESCE(event_name, ''::text)", "id"),
}
SEARCH_ORDER_INDEXES = {
    name: ("file_versions", tuple("<expression>" if "(" in c else c for c in columns), None)
    for name, columns in SEARCH_ORDER_COLUMNS.items()
}

UUID_V4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$")


# --- helpers -------------------------------------------------------------------------


@pytest.fixture
def other_url(dialect: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A second empty database of the test's dialect."""
    if dialect == "sqlite":
        yield f"sqlite:///{tmp_path / 'other.db'}"
        return
    admin: str = request.getfixturevalue("pg_admin_url")
    url = pgcluster.create_database(admin)
    yield url
    pgcluster.drop_database(admin, url)


def run_sql(url: str, script: str) -> None:
    """Run a multi-statement script on the database at ``url``."""
    settings = Settings(database_url=url)
    if settings.dialect == "sqlite":
        conn = sqlite3.connect(settings.sqlite_path)
        try:
            conn.executescript(script)
        finally:
            conn.close()
    else:
        with psycopg.connect(url, autocommit=True) as pg:
            pg.execute(script)


def comparable(index: Index) -> Index:
    """An index as both dialects can spell it: PostgreSQL prints ``"timestamp"`` quoted and
    a partial index's condition with parentheses and casts (``(tier = 'gold'::text)``), and
    an IN list as ``= ANY (ARRAY[...])``."""
    where = index.where
    if where is not None:
        where = re.sub(r"::[a-z ]+(\[\])?", "", where)
        where = re.sub(r"= ANY \(ARRAY\[(.*?)\]\)", r"IN (\1)", where)
        while where.startswith("(") and where.endswith(")"):
            where = where[1:-1]
    columns = tuple("<expression>" if "(" in c else c.replace('"', "") for c in index.columns)
    return msgspec.structs.replace(index, columns=columns, where=where)


def all_indexes(schema: Schema) -> dict[str, tuple[str, tuple[str, ...], str | None]]:
    """Every index of ``schema`` by name: (table, columns, condition), spelled by ``comparable``."""
    return {
        i.name: (t.name, i.columns, i.where)
        for t in schema.tables.values()
        for i in map(comparable, t.indexes)
    }


def build_from_schema_file(url: str) -> None:
    run_sql(url, schema_file(Settings(database_url=url).dialect).read_text())


def squash(statement: str) -> str:
    """A statement with whitespace collapsed and the final semicolon dropped."""
    return " ".join(statement.split()).rstrip(";").strip()


def drizzle_default(value: Any) -> str:
    """A drizzle snapshot default in the spelling ``snapshot`` normalises to."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def sqlite_connect(url: str) -> sqlite3.Connection:
    conn = sqlite3.connect(Settings(database_url=url).sqlite_path)
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


# --- migrations versus schema file ------------------------------------------------


def test_migrations_and_schema_file_build_the_same_schema(
    empty_url: str, other_url: str, dialect: str
) -> None:
    apply_migrations(empty_url)
    build_from_schema_file(other_url)
    migrated, from_file = snapshot(empty_url), snapshot(other_url)

    assert diff(from_file, migrated) == []
    assert migrated == from_file
    # The 14 tables, and those 0006 keeps by triggers: counts (name, n) on SQLite, delta
    # rows (id, name, n) with their index and per-asset tiers on PostgreSQL; the change log
    # (2 or 3 columns) and the marks of smart refreshes (3 columns).
    counts = {"sqlite": (3, 7), "postgres": (4, 12)}[dialect]
    assert len(migrated.tables) == 14 + counts[0]
    assert sum(len(t.columns) for t in migrated.tables.values()) == 110 + counts[1]
    assert sum(len(t.foreign_keys) for t in migrated.tables.values()) == 9
    tag_indexes = {
        name: ("global_tag_library", columns, None) for name, columns in TAG_INDEXES.items()
    }
    count_indexes = {
        "sqlite": {},
        "postgres": {
            "idx_file_version_counts_name": ("file_version_counts", ("name",), None),
            "idx_file_version_changes_xid": ("file_version_changes", ("xid",), None),
        },
    }[dialect]
    assert all_indexes(migrated) == {
        **tag_indexes,
        **CATALOGUE_INDEXES,
        **LISTING_INDEXES,
        **SEARCH_ORDER_INDEXES,
        **count_indexes,
    }


def test_diff_reports_drift(empty_url: str, other_url: str, dialect: str) -> None:
    build_from_schema_file(empty_url)
    apply_migrations(other_url)
    if dialect == "postgres":
        run_sql(
            other_url,
            """
            DROP INDEX idx_global_tag_library_tag;
            ALTER TABLE file_versions ALTER COLUMN keywords DROP DEFAULT,
                ALTER COLUMN keywords TYPE text USING array_to_string(keywords, ',');
            ALTER TABLE settings ALTER COLUMN category SET DEFAULT 'misc';
            ALTER TABLE people ADD COLUMN updated_at timestamp;
            """,
        )
        keywords = "file_versions.keywords: expected text[] default '{}', found text"
    else:
        # SQLite cannot alter a column: recreate the (empty) tables from edited DDL.
        conn = sqlite3.connect(Settings(database_url=other_url).sqlite_path)
        try:
            ddl = dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'"))
            conn.executescript(
                "DROP INDEX idx_global_tag_library_tag;"
                "DROP TABLE file_versions;"
                + ddl["file_versions"].replace("keywords TEXT_ARRAY DEFAULT '[]'", "keywords TEXT")
                + ";DROP TABLE settings;"
                + ddl["settings"].replace("DEFAULT 'general'", "DEFAULT 'misc'")
                + ";ALTER TABLE people ADD COLUMN updated_at TIMESTAMP_TEXT;"
            )
            # Dropping the table dropped its indexes too: build them again.
            schema_sql = schema_file("sqlite").read_text()
            conn.executescript(
                "".join(re.findall(r"^CREATE INDEX \w+ ON file_versions [^;]*;", schema_sql, re.M))
            )
        finally:
            conn.close()
        keywords = "file_versions.keywords: expected text_array default '[]', found text"

    lines = diff(snapshot(empty_url), snapshot(other_url))
    assert sorted(lines) == sorted(
        [
            keywords,
            "missing index idx_global_tag_library_tag",
            "unexpected column people.updated_at",
            "settings.category: expected text not null default 'general', "
            "found text not null default 'misc'",
        ]
    )
    # and the other way round
    assert "unexpected index idx_global_tag_library_tag" in diff(
        snapshot(other_url), snapshot(empty_url)
    )


def test_diff_names_missing_and_unexpected_tables(empty_url: str, other_url: str) -> None:
    build_from_schema_file(empty_url)
    apply_migrations(other_url)
    run_sql(other_url, "DROP TABLE relationships; CREATE TABLE extra (id integer PRIMARY KEY);")
    assert diff(snapshot(empty_url), snapshot(other_url)) == [
        "missing table relationships",
        "unexpected table extra",
    ]


def test_snapshot_ignores_yoyo_bookkeeping(empty_url: str) -> None:
    apply_migrations(empty_url)
    assert not any("yoyo" in name for name in snapshot(empty_url).tables)


def test_every_foreign_key_leads_an_index(empty_url: str) -> None:
    """Deleting a parent row looks its children up by the foreign key: never a table scan."""
    apply_migrations(empty_url)
    schema = snapshot(empty_url)
    unindexed = [
        f"{table.name}.{','.join(fk.columns)}"
        for table in schema.tables.values()
        for fk in table.foreign_keys
        if not any(
            comparable(i).columns[: len(fk.columns)] == fk.columns and i.where is None
            for i in table.indexes
        )
    ]
    assert unindexed == []
    assert sum(len(t.foreign_keys) for t in schema.tables.values()) == 9


# --- PostgreSQL versus drizzle ------------------------------------------------------


def test_postgres_schema_matches_drizzle_snapshot(new_pg_url: str) -> None:
    apply_migrations(new_pg_url)
    schema = snapshot(new_pg_url)
    drizzle = json.loads(DRIZZLE_SNAPSHOT.read_text())["tables"]

    # The old application's tables, and the library's own tables of kept counts (0006).
    ours = set(schema.tables) - set(KEPT_TABLES)
    assert set(KEPT_TABLES) <= set(schema.tables)
    assert sorted(ours) == sorted(t["name"] for t in drizzle.values())
    for spec in drizzle.values():
        table = schema.tables[spec["name"]]
        expected_columns = [
            (c["name"], c["type"], c["notNull"], drizzle_default(c["default"]) if "default" in c
             else None, c["primaryKey"])
            for c in spec["columns"].values()
        ]  # fmt: skip
        actual_columns = [
            (c.name, c.type, c.not_null, c.default, c.primary_key) for c in table.columns
        ]
        assert actual_columns == expected_columns, spec["name"]

        expected_fks = sorted(
            (fk["name"], fk["tableFrom"], tuple(fk["columnsFrom"]), fk["tableTo"],
             tuple(fk["columnsTo"]), fk["onDelete"], fk["onUpdate"])
            for fk in spec["foreignKeys"].values()
        )  # fmt: skip
        actual_fks = sorted(
            (fk.name, table.name, fk.columns, fk.ref_table, fk.ref_columns, fk.on_delete,
             fk.on_update)
            for fk in table.foreign_keys
        )  # fmt: skip
        assert actual_fks == expected_fks, spec["name"]

        expected_uniques = sorted(
            (u["name"], tuple(u["columns"])) for u in spec["uniqueConstraints"].values()
        )
        assert sorted((u.name, u.columns) for u in table.unique_constraints) == expected_uniques
        assert spec["checkConstraints"] == {} and table.checks == ()
        assert spec["compositePrimaryKeys"] == {}
        assert table.primary_key == ("id",)
        assert spec["indexes"] == {}

    # The only objects drizzle does not create: the two tag-library indexes and the
    # catalogue, listing and search order indexes of migrations 0003 to 0005, none of them unique
    # (besides the kept counts' own tables of 0006).
    extra = {
        (t.name, i.name): (i.columns, i.unique)
        for t in schema.tables.values()
        if t.name not in KEPT_TABLES
        for i in t.indexes
    }
    assert {key: columns for key, (columns, _) in extra.items()} == {
        **{("global_tag_library", name): columns for name, columns in TAG_INDEXES.items()},
        **{
            (table, name): tuple(c.replace("timestamp", '"timestamp"') for c in columns)
            for name, (table, columns, _) in {**CATALOGUE_INDEXES, **LISTING_INDEXES}.items()
        },
        **{("file_versions", name): columns for name, columns in SEARCH_ORDER_COLUMNS.items()},
    }
    assert not any(unique for _, unique in extra.values())


def test_first_postgres_migration_is_drizzles_statements() -> None:
    drizzle = [
        squash(s) for s in DRIZZLE_SQL.read_text().split("--> statement-breakpoint") if s.strip()
    ]
    _, _, statements = read_sql_migration(
        str(migrations_dir("postgres") / "0001_initial_schema.sql")
    )
    assert len(drizzle) == 23
    assert [squash(s) for s in statements] == drizzle


def test_migration_files_are_where_the_package_looks() -> None:
    for dialect in ("sqlite", "postgres"):
        folder = migrations_dir(dialect)
        names = sorted(p.name for p in folder.iterdir())
        assert names == [
            "0001_initial_schema.rollback.sql",
            "0001_initial_schema.sql",
            "0002_tag_library_indexes.rollback.sql",
            "0002_tag_library_indexes.sql",
            "0003_catalogue_indexes.rollback.sql",
            "0003_catalogue_indexes.sql",
            "0004_listing_indexes.rollback.sql",
            "0004_listing_indexes.sql",
            "0005_search_order_indexes.rollback.sql",
            "0005_search_order_indexes.sql",
            "0006_file_version_counts.rollback.sql",
            "0006_file_version_counts.sql",
        ]
        assert schema_file(dialect).is_file()


# --- SQLite --------------------------------------------------------------------------


def test_sqlite_schema_is_the_postgres_schema_in_sqlite_terms(
    new_sqlite_url: str, new_pg_url: str
) -> None:
    apply_migrations(new_sqlite_url)
    apply_migrations(new_pg_url)
    lite, pg = snapshot(new_sqlite_url), snapshot(new_pg_url)

    # The tables 0006 keeps by triggers differ by design: each dialect's own bookkeeping.
    assert sorted(lite.tables) == sorted(set(pg.tables) - {"file_version_asset_tiers"})
    for name, pg_table in pg.tables.items():
        if name in KEPT_TABLES:
            continue
        lite_table = lite.tables[name]
        assert [
            (c.name, SQLITE_TYPES[c.type], c.not_null, c.primary_key, c.default is None)
            for c in lite_table.columns
        ] == [
            (c.name, c.type, c.not_null, c.primary_key, c.default is None) for c in pg_table.columns
        ], name
        assert lite_table.foreign_keys == pg_table.foreign_keys, name
        assert lite_table.unique_constraints == pg_table.unique_constraints, name
        lite_indexes = tuple(map(comparable, lite_table.indexes))
        assert lite_indexes == tuple(map(comparable, pg_table.indexes)), name
        assert lite_table.primary_key == pg_table.primary_key, name


def test_sqlite_defaults_make_raw_inserts_work(new_sqlite_url: str) -> None:
    apply_migrations(new_sqlite_url)
    conn = sqlite_connect(new_sqlite_url)
    try:
        before = datetime.now(UTC).replace(tzinfo=None)
        asset_id, created_at = conn.execute(
            "INSERT INTO media_assets (original_filename) VALUES ('a.jpg') RETURNING id, created_at"
        ).fetchone()
        assert len(asset_id) == 36 and UUID_V4.match(asset_id)
        assert TIMESTAMP.match(created_at)
        stamp = datetime.fromisoformat(created_at)
        assert before - timedelta(seconds=1) <= stamp <= before + timedelta(minutes=1)

        row = conn.execute(
            "INSERT INTO file_versions "
            "(media_asset_id, tier, file_path, file_hash, file_size, mime_type) "
            "VALUES (?, 'silver', 'media/silver/a.jpg', 'abc', 10, 'image/jpeg') "
            "RETURNING id, keywords, is_reviewed, typeof(is_reviewed), rating, "
            "processing_state, metadata, created_at",
            (asset_id,),
        ).fetchone()
        version_id, keywords, reviewed, reviewed_type, rating, state, metadata, created = row
        assert UUID_V4.match(version_id)
        defaults = (keywords, reviewed, reviewed_type, rating, state, metadata)
        assert defaults == ("[]", 0, "integer", 0, "processed", None)
        assert TIMESTAMP.match(created)

        ids = {conn.execute("INSERT INTO users (username, password) VALUES (?, 'x') RETURNING id",
                            (f"u{i}",)).fetchone()[0] for i in range(300)}  # fmt: skip
        assert len(ids) == 300 and all(UUID_V4.match(i) for i in ids)
        assert {i[19] for i in ids} == set("89ab")  # every variant digit occurs

        faces_defaults = conn.execute(
            "INSERT INTO faces (photo_id, bounding_box, confidence) VALUES (?, '[1, 2, 3, 4]', 90) "
            "RETURNING ignored, person_id",
            (version_id,),
        ).fetchone()
        assert faces_defaults == (0, None)
        conn.commit()
    finally:
        conn.close()


def test_sqlite_foreign_keys_are_declared_and_enforced(new_sqlite_url: str) -> None:
    apply_migrations(new_sqlite_url)
    conn = sqlite_connect(new_sqlite_url)
    try:
        fks = {
            (table, row[3], row[2], row[4], row[5], row[6])
            for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            for row in conn.execute(f"PRAGMA foreign_key_list({table})")
        }
        assert fks == {
            ("asset_history", "media_asset_id", "media_assets", "id", "NO ACTION", "NO ACTION"),
            ("collection_photos", "collection_id", "collections", "id", "NO ACTION", "NO ACTION"),
            ("collection_photos", "photo_id", "file_versions", "id", "NO ACTION", "NO ACTION"),
            ("events", "person_id", "people", "id", "NO ACTION", "NO ACTION"),
            ("faces", "photo_id", "file_versions", "id", "NO ACTION", "NO ACTION"),
            ("faces", "person_id", "people", "id", "NO ACTION", "NO ACTION"),
            ("file_versions", "media_asset_id", "media_assets", "id", "NO ACTION", "NO ACTION"),
            ("relationships", "person1_id", "people", "id", "NO ACTION", "NO ACTION"),
            ("relationships", "person2_id", "people", "id", "NO ACTION", "NO ACTION"),
        }
        with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
            conn.execute(
                "INSERT INTO asset_history (media_asset_id, action) VALUES ('nope', 'INGESTED')"
            )
        with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
            conn.execute("INSERT INTO settings (key, value) VALUES ('k', 'v'), ('k', 'w')")
    finally:
        conn.close()


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("is_reviewed", "'yes'"),
        ("is_reviewed", "2"),
        ("metadata", "'{not json'"),
        ("keywords", "'{}'"),
        ("keywords", "'not json'"),
    ],
)
def test_sqlite_checks_keep_values_postgres_shaped(
    new_sqlite_url: str, column: str, value: str
) -> None:
    apply_migrations(new_sqlite_url)
    conn = sqlite_connect(new_sqlite_url)
    try:
        (asset_id,) = conn.execute(
            "INSERT INTO media_assets (original_filename) VALUES ('a.jpg') RETURNING id"
        ).fetchone()
        insert = (
            "INSERT INTO file_versions "
            f"(media_asset_id, tier, file_path, file_hash, file_size, mime_type, {column}) "
            "VALUES (?, 'gold', 'p', 'h', 1, 'image/png', {})"
        )
        with pytest.raises(sqlite3.IntegrityError, match="CHECK constraint failed"):
            conn.execute(insert.format(value), (asset_id,))
        # NULL stays allowed where PostgreSQL allows it, and good values pass
        good = {"is_reviewed": "1", "metadata": "'{\"exif\": {}}'", "keywords": "'[\"a\"]'"}
        conn.execute(insert.format("NULL"), (asset_id,))
        conn.execute(insert.format(good[column]), (asset_id,))
    finally:
        conn.close()


def test_schema_snapshot_is_comparable_value(new_sqlite_url: str) -> None:
    apply_migrations(new_sqlite_url)
    first, second = snapshot(new_sqlite_url), snapshot(new_sqlite_url)
    assert isinstance(first, Schema) and first == second
    assert first.tables["file_versions"].column("keywords") is not None
    assert first.tables["file_versions"].column("tags") is None
