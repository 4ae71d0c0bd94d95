"""The library calls behind the command: db_manager, db_utils, the ops queries."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pictallion_sql import db_utils
from pictallion_sql.admin.introspect import snapshot
from pictallion_sql.admin.manager import DatabaseManager, db_manager
from pictallion_sql.admin.migrations import CHECKSUM_TABLE, apply_migrations
from pictallion_sql.database import close_db
from pictallion_sql.errors import MigrationError
from tests.ops.conftest import ALL, count, execute

# Every test here asserts the results of the statements it runs by value.
pytestmark = pytest.mark.pins


async def test_health_check_never_raises(tmp_path: Path) -> None:
    cases = {
        "mysql://u:Secret-1@h/db": "unsupported scheme",
        "postgresql://u:Secret-1@127.0.0.1:1/db": "cannot connect",
        f"sqlite:///{tmp_path / 'missing.db'}": "no SQLite database",
    }
    for url, reason in cases.items():
        report = await DatabaseManager(url).health_check()
        assert report["status"] == "unhealthy"
        assert reason in report["error"]
        assert "Secret-1" not in json.dumps(report)
    assert not (tmp_path / "missing.db").exists()  # looking never creates the file


async def test_health_check_of_a_live_database(migrated_url: str, dialect: str) -> None:
    report = await DatabaseManager(migrated_url).health_check()
    assert report["status"] == "healthy"
    assert report["dialect"] == dialect
    assert report["server_version"]
    assert report["latency_ms"] is not None and report["latency_ms"] >= 0
    assert "error" not in report


async def test_db_manager_works_on_the_configured_database(
    migrated_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pictallion_sql import config

    monkeypatch.setattr(config.settings, "database_url", migrated_url)
    monkeypatch.setattr(config.settings, "db_type", None)
    await close_db()
    try:
        assert (await db_manager.health_check())["status"] == "healthy"
        stats = await db_manager.get_stats()
        assert stats["total_rows"] == 0 and len(stats["tables"]) == 14
        assert (await db_manager.check_compatibility())["ok"] is True
        assert (await db_manager.initialize())["applied"] == []
        assert (await db_utils.vacuum_database())["operation"] == "vacuum"
        assert (await db_utils.analyze_database())["operation"] == "analyze"
        assert (await db_utils.check_database_integrity())["status"] == "ok"
        assert await db_manager.reset() == ALL
        assert (await db_manager.get_stats())["total_rows"] == 0
    finally:
        await close_db()


async def test_manager_on_an_explicit_url(empty_url: str) -> None:
    manager = DatabaseManager(empty_url)
    assert (await manager.initialize())["applied"] == ALL
    execute(empty_url, "INSERT INTO users (id, username, password) VALUES ('u', 'ada', 'x')")
    stats = await manager.get_stats()
    assert stats["tables"]["users"] == {"count": 1}
    assert stats["total_rows"] == 1
    compat = await manager.check_compatibility()
    assert compat["ok"] is True and compat["expected_at"] == ALL[-1]
    info = await db_utils.get_table_info(empty_url)
    assert len(info) == 14 and "file_versions" in info


async def test_the_orphan_query_covers_every_foreign_key(migrated_url: str) -> None:
    from pictallion_sql.database import connect
    from pictallion_sql.query.named import queries

    expected = {
        fk.name for table in snapshot(migrated_url).tables.values() for fk in table.foreign_keys
    }
    async with await connect(migrated_url) as db:
        counts = json.loads(await db.run(queries["ops.foreign_key_orphans"]))
    assert set(counts) == expected and len(expected) == 9
    assert set(counts.values()) == {0}


async def test_stats_count_every_table(migrated_url: str) -> None:
    from pictallion_sql.admin.common import TABLES

    execute(
        migrated_url,
        "INSERT INTO users (id, username, password) VALUES ('u1', 'a', 'x'), ('u2', 'b', 'x')",
        "INSERT INTO settings (id, key, value) VALUES ('s1', 'theme', 'dark')",
        "INSERT INTO people (id, name) VALUES ('p1', 'Ada')",
    )
    stats = await db_utils.get_database_stats(migrated_url)
    assert stats["tables"]["users"]["count"] == 2
    assert stats["tables"]["settings"]["count"] == 1
    assert stats["tables"]["people"]["count"] == 1
    assert stats["total_rows"] == 4
    assert list(stats["tables"]) == list(TABLES)


def test_a_failed_migration_records_nothing(empty_url: str, dialect: str, tmp_path: Path) -> None:
    import shutil

    from pictallion_sql.query.resources import migrations_dir

    folder = tmp_path / "migrations"
    shutil.copytree(migrations_dir(dialect), folder)  # type: ignore[arg-type]
    (folder / "0006_broken.sql").write_text(
        "-- depends: 0005_search_order_indexes\n\n"
        "CREATE TABLE scratch (id integer PRIMARY KEY);\n\n"
        "INSERT INTO no_such_table VALUES (1);\n"
    )
    (folder / "0006_broken.rollback.sql").write_text("DROP TABLE scratch;\n")
    with pytest.raises(MigrationError, match="0006_broken failed"):
        apply_migrations(empty_url, folder)
    assert count(empty_url, "_yoyo_migration") == len(ALL)
    assert count(empty_url, CHECKSUM_TABLE) == len(ALL)
    assert "scratch" not in snapshot(empty_url).tables
