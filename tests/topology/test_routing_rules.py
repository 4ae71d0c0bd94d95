"""The settings of poolers and replicas, which statements count as reads, and which stream
queries read by key: checked without the extra servers."""

from __future__ import annotations

import pytest

from pictallion_sql.config import Settings
from pictallion_sql.database import connect
from pictallion_sql.drivers.keyset import keyset_plan
from pictallion_sql.drivers.postgres import PostgresDatabase
from pictallion_sql.drivers.routing import is_read
from pictallion_sql.errors import ConfigurationError
from pictallion_sql.models import MediaAsset
from pictallion_sql.query.named import queries
from pictallion_sql.query.registry import make_query


@pytest.mark.parametrize(
    ("raw", "pooler", "pooled"),
    [("transaction", "transaction", True), (" Session ", "session", False), ("", None, False)],
)
def test_db_pooler_from_the_environment(raw: str, pooler: str | None, pooled: bool) -> None:
    settings = Settings.from_env({"DB_POOLER": raw})
    assert (settings.pooler, settings.transaction_pooled) == (pooler, pooled)
    assert settings.prepared_statement_limit == (0 if pooled else 1024)


def test_a_bad_pooler_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="DB_POOLER must be 'session' or 'transaction'"):
        Settings.from_env({"DB_POOLER": "statement"})
    with pytest.raises(ConfigurationError, match="pooler must be"):
        _ = Settings(pooler="statement").transaction_pooled


def test_replica_settings_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            "DATABASE_URL": "postgresql://app@primary/lib",
            "DATABASE_REPLICA_URLS": " postgresql://app:pw@r1/lib , ,postgresql://app@r2/lib",
            "DB_REPLICA_MAX_LAG": "2.5",
            "DB_REPLICA_RETRY_SECONDS": "1",
        }
    )
    assert settings.replica_urls == ("postgresql://app:pw@r1/lib", "postgresql://app@r2/lib")
    assert (settings.replica_max_lag, settings.replica_retry_interval) == (2.5, 1.0)
    assert "pw" not in repr(settings) and "app:***@r1" in repr(settings)
    # Replicas belong to DATABASE_URL: another database keeps none.
    assert settings.with_url(settings.database_url).replica_urls == settings.replica_urls
    assert settings.with_url("postgresql://app@elsewhere/lib").replica_urls == ()
    with pytest.raises(ConfigurationError, match="DB_REPLICA_MAX_LAG must be a positive number"):
        Settings.from_env({"DB_REPLICA_MAX_LAG": "0"})
    with pytest.raises(ConfigurationError, match="DB_REPLICA_RETRY_SECONDS must be a number"):
        Settings.from_env({"DB_REPLICA_RETRY_SECONDS": "soon"})


def _query(sql: str, returns: str = "rows") -> object:
    return make_query("test.routing", returns, MediaAsset if returns != "scalar" else int, sql)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("sql", "returns", "reads"),
    [
        ("SELECT id, original_filename, created_at FROM media_assets", "rows", True),
        ("  -- a comment\n/* another */ WITH x AS (SELECT 1) SELECT 1", "scalar", True),
        ("SELECT id, original_filename, created_at FROM media_assets FOR UPDATE", "rows", False),
        ("SELECT 1 FROM media_assets FOR NO KEY UPDATE SKIP LOCKED", "scalar", False),
        ("SELECT 1 FROM media_assets FOR SHARE", "scalar", False),
        ("WITH gone AS (DELETE FROM media_assets RETURNING 1) SELECT count(*) FROM gone",
         "scalar", False),
        ("SELECT nextval('some_sequence')", "scalar", False),
        ("SELECT pg_advisory_lock(1)", "scalar", False),
        ("INSERT INTO media_assets (id) VALUES ('x') RETURNING 1", "scalar", False),
        ("SELECT 1", "none", False),
    ],
)  # fmt: skip
def test_which_statements_count_as_reads(sql: str, returns: str, reads: bool) -> None:
    assert is_read(_query(sql, returns)) is reads  # type: ignore[arg-type]


def test_the_library_reads_and_writes_are_told_apart() -> None:
    for name in queries:
        query = queries[name]
        verb = name.rsplit(".", 1)[1]
        if verb.startswith(("get", "count", "exists", "stream_all", "search")):
            assert is_read(query) or "for_update" in verb, name
        if verb.startswith(("remove", "delete", "insert", "set_", "update", "upsert", "add")):
            assert not is_read(query), name


def test_every_stream_all_reads_by_key_behind_a_transaction_pooler() -> None:
    names = [name for name in queries if name.endswith(".stream_all")]
    assert len(names) == 14
    for name in names:
        plan = keyset_plan(queries[name])
        assert plan is not None, name
        assert plan.key_columns[-1] == "id"
    users = keyset_plan(queries["users.stream_all"])
    assert users is not None and users.key_columns == ("username", "id")
    assert 'keyset.username COLLATE "C"' in users.next


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT id, original_filename, created_at FROM media_assets",
        "SELECT id, original_filename, created_at FROM media_assets ORDER BY created_at",
        "SELECT id, original_filename, created_at FROM media_assets ORDER BY created_at DESC, id",
        "SELECT id, original_filename, created_at FROM media_assets ORDER BY lower(id), id",
        "SELECT id, original_filename, created_at FROM media_assets ORDER BY id LIMIT 5",
    ],
)
def test_streams_without_a_plain_key_order_keep_a_cursor(sql: str) -> None:
    assert keyset_plan(_query(sql)) is None  # type: ignore[arg-type]


async def test_without_replicas_the_database_is_the_plain_one(pg_admin_url: str) -> None:
    db = await connect(pg_admin_url, config=Settings())
    try:
        assert type(db) is PostgresDatabase
        assert db.primary() is db and db.replica() is db
    finally:
        await db.close()
