"""The migration manager: concurrent runs, the lock, checksums, adoption of old databases."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from pictallion_sql.admin.introspect import snapshot
from pictallion_sql.admin.migrations import (
    CHECKSUM_TABLE,
    AdoptionError,
    MigrationManager,
    create_migration,
    migration_report,
    upgrade,
)
from pictallion_sql.errors import MigrationError
from pictallion_sql.query.resources import migrations_dir, schema_file
from tests.ops.conftest import ALL, cli_command, cli_env, count, execute, ok, run_cli

DRIZZLE_SQL = Path(__file__).parent.parent / "data" / "drizzle_0000_complete_odin.sql"


@pytest.mark.slow
def test_two_concurrent_migrations_apply_the_schema_once(empty_url: str) -> None:
    procs = [
        subprocess.Popen(
            cli_command("migrate", "--json"),
            env=cli_env(empty_url),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [p.communicate(timeout=120) for p in procs]
    for proc, (_, err) in zip(procs, results, strict=True):
        assert proc.returncode == 0, err
        assert "Traceback" not in err
    applied = [json.loads(out)["applied"] for out, _ in results]
    assert sorted(applied, key=len) == [[], ALL]  # one applied everything, the other nothing
    assert count(empty_url, "_yoyo_migration") == len(ALL)
    assert count(empty_url, CHECKSUM_TABLE) == len(ALL)
    assert ok(empty_url, "check", "--json").json["ok"] is True


@pytest.mark.slow
def test_a_held_lock_makes_the_second_process_wait_then_fail_clearly(
    migrated_url: str, dialect: str
) -> None:
    ok(migrated_url, "rollback")
    execute(migrated_url, "INSERT INTO yoyo_lock (locked, ctime, pid) VALUES (1, NULL, 4242)")
    result = run_cli(migrated_url, "migrate", "--lock-timeout", "1")
    assert result.code == 1
    assert "another process holds the migration lock" in result.stderr
    assert "4242" in result.stderr
    assert count(migrated_url, "_yoyo_migration") == len(ALL) - 1  # nothing was applied
    execute(migrated_url, "DELETE FROM yoyo_lock")
    assert ok(migrated_url, "migrate", "--json").json["applied"] == [ALL[-1]]


@pytest.fixture
def own_migrations(dialect: str, tmp_path: Path) -> Path:
    folder = tmp_path / "migrations" / dialect
    shutil.copytree(migrations_dir(dialect), folder)  # type: ignore[arg-type]
    return folder


@pytest.mark.slow
def test_a_migration_edited_after_it_was_applied(empty_url: str, own_migrations: Path) -> None:
    folder = str(own_migrations)
    ok(empty_url, "--migrations-dir", folder, "init")
    edited = own_migrations / "0002_tag_library_indexes.sql"
    edited.write_text(edited.read_text() + "\n-- a comment added later\n")

    check = run_cli(empty_url, "--migrations-dir", folder, "check", "--json")
    assert check.code == 1
    assert check.json["compatible"] is True and check.json["changed"] == [ALL[1]]
    human = run_cli(empty_url, "--migrations-dir", folder, "check").stdout
    assert f"migration {ALL[1]} was edited after it was applied" in human
    assert f"--accept-changed {ALL[1]}" in human
    status = ok(empty_url, "--migrations-dir", folder, "status", "--json").json
    assert status["migrations"]["changed"] == [ALL[1]]

    # A plain migrate warns and leaves the record alone; accepting records the new checksum.
    plain = ok(empty_url, "--migrations-dir", folder, "migrate")
    assert "was edited after it was applied" in plain.stdout
    bogus = run_cli(empty_url, "--migrations-dir", folder, "migrate", "--accept-changed", "0009_x")
    assert bogus.code == 1 and "0009_x" in bogus.stderr
    accepted = ok(
        empty_url, "--migrations-dir", folder, "migrate", "--accept-changed", ALL[1], "--json"
    ).json
    assert accepted["accepted"] == [ALL[1]] and accepted["changed"] == []
    assert ok(empty_url, "--migrations-dir", folder, "check", "--json").json["ok"] is True

    # Editing the rollback counts too.
    rollback = own_migrations / "0002_tag_library_indexes.rollback.sql"
    rollback.write_text(rollback.read_text() + "\n-- edited\n")
    assert run_cli(empty_url, "--migrations-dir", folder, "check", "--json").json["changed"] == [
        ALL[1]
    ]


def test_checksums_follow_apply_and_rollback(migrated_url: str) -> None:
    assert count(migrated_url, CHECKSUM_TABLE) == len(ALL)
    ok(migrated_url, "rollback")
    recorded = execute(migrated_url, f"SELECT migration_id FROM {CHECKSUM_TABLE}")
    assert sorted(r[0] for r in recorded) == ALL[:-1]


def test_databases_migrated_before_checksums_get_them_recorded(migrated_url: str) -> None:
    execute(migrated_url, f"DROP TABLE {CHECKSUM_TABLE}")
    report = migration_report(migrated_url)
    assert report["unrecorded"] == ALL and report["is_up_to_date"] is True
    check = ok(migrated_url, "check", "--json").json
    assert any("no checksum is recorded" in w for w in check["warnings"])
    assert ok(migrated_url, "migrate", "--json").json["recorded"] == ALL
    assert migration_report(migrated_url)["unrecorded"] == []


def build_with_drizzle(url: str) -> None:
    statements = DRIZZLE_SQL.read_text().split("--> statement-breakpoint")
    execute(url, *[s for s in statements if s.strip()])


@pytest.mark.slow
def test_adopting_a_database_created_by_the_old_backend(new_pg_url: str) -> None:
    build_with_drizzle(new_pg_url)
    execute(new_pg_url, "INSERT INTO users (username, password) VALUES ('ada', 'x')")
    check = run_cli(new_pg_url, "check", "--json")
    assert check.code == 1  # compatible, but its migrations are pending
    assert check.json["compatible"] is True and check.json["adoptable"] is True
    assert check.json["expected_at"] == ALL[0]
    assert any("drizzle-kit push" in w for w in check.json["warnings"])
    assert ok(new_pg_url, "status", "--json").json["migrations"]["adoptable"] is True

    result = ok(new_pg_url, "migrate", "--json").json
    assert result["adopted"] == [ALL[0]] and result["applied"] == ALL[1:]
    assert count(new_pg_url, "users") == 1
    assert ok(new_pg_url, "check", "--json").json["ok"] is True


def test_adopting_a_database_that_also_ran_the_tag_library_sql(new_pg_url: str) -> None:
    build_with_drizzle(new_pg_url)
    execute(
        new_pg_url,
        "CREATE INDEX idx_global_tag_library_usage ON global_tag_library (usage_count DESC)",
        "CREATE INDEX idx_global_tag_library_tag ON global_tag_library (tag)",
    )
    result = ok(new_pg_url, "init").stdout
    assert f"Adopted the existing database: recorded {ALL[0]}, {ALL[1]} as applied" in result
    status = ok(new_pg_url, "status", "--json").json
    assert status["migrations"]["applied"] == ALL
    assert ok(new_pg_url, "check", "--json").json["ok"] is True


def test_an_old_database_that_differs_is_not_adopted(new_pg_url: str) -> None:
    build_with_drizzle(new_pg_url)
    execute(new_pg_url, "ALTER TABLE people DROP COLUMN birthdate")
    before = snapshot(new_pg_url)
    result = run_cli(new_pg_url, "migrate")
    assert result.code == 1
    first, *details = result.stderr.strip().splitlines()
    assert "refusing to adopt" in first and "left as they are" in first
    assert "  missing column people.birthdate" in details
    assert snapshot(new_pg_url) == before
    assert count(new_pg_url, "_yoyo_migration") == 0
    with pytest.raises(AdoptionError) as caught:
        upgrade(new_pg_url)
    assert caught.value.differences == ["missing column people.birthdate"]


def test_adopting_a_sqlite_database_built_from_the_schema_file(new_sqlite_url: str) -> None:
    import sqlite3

    from pictallion_sql.config import Settings

    conn = sqlite3.connect(Settings(database_url=new_sqlite_url).sqlite_path)
    conn.executescript(schema_file("sqlite").read_text())
    conn.close()
    assert run_cli(new_sqlite_url, "check", "--json").json["adoptable"] is True
    result = ok(new_sqlite_url, "migrate", "--json").json
    assert result["adopted"] == ALL and result["applied"] == []
    assert ok(new_sqlite_url, "check", "--json").json["ok"] is True


def test_create_migration_refuses_a_read_only_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "migrations"
    for name in ("postgres", "sqlite"):
        shutil.copytree(migrations_dir(name), root / name)
    monkeypatch.setattr("pictallion_sql.admin.migrations.os.access", lambda *_args, **_kw: False)
    with pytest.raises(MigrationError, match="not writable"):
        create_migration("Add new feature", root)
    assert sorted(p.name for p in (root / "sqlite").iterdir()) == sorted(
        p.name for p in migrations_dir("sqlite").iterdir()
    )
    with pytest.raises(MigrationError, match="folder not found"):
        create_migration("x", tmp_path / "nowhere")
    with pytest.raises(MigrationError, match="letters or digits"):
        create_migration("!!!", root)


async def test_migration_manager_from_async_code(empty_url: str, own_migrations: Path) -> None:
    manager = MigrationManager(empty_url, own_migrations)
    status = await manager.check_migration_status()
    assert status["status"] == "No migrations applied" and status["needs_upgrade"] is True
    assert await manager.get_current_revision() is None
    assert manager.get_head_revision() == ALL[-1]
    assert await manager.upgrade_to_head() == ALL
    status = await manager.check_migration_status()
    assert status["status"] == "Up to date" and status["is_up_to_date"] is True
    history = await manager.get_migration_history()
    assert [(h["id"], h["applied"]) for h in history] == [(a, True) for a in ALL]
    assert history[1]["depends"] == [ALL[0]]
    assert history[2]["depends"] == [ALL[1]]
    assert await manager.rollback_last() == ALL[-1]
    assert (await manager.check_migration_status())["status"] == "Migrations pending"
    assert await manager.reset_database() == ALL
    assert (await manager.check_migration_status())["current_revision"] == ALL[-1]
