"""Migrations wait a bounded time for locks and statements (PostgreSQL), refuse empty files,
and read ``--migrations-dir`` one way whichever folder it names."""

from __future__ import annotations

import shutil
from pathlib import Path

import psycopg
import pytest

from pictallion_sql.admin.migrations import (
    DEFAULT_STATEMENT_TIMEOUT,
    DEFAULT_TABLE_LOCK_TIMEOUT,
    create_migration,
    rollback_last,
    upgrade,
)
from pictallion_sql.errors import ConfigurationError, MigrationError
from pictallion_sql.query.resources import migrations_dir
from tests.ops.conftest import ALL, count, execute, ok, run_cli


def copy_migrations(root: Path) -> Path:
    """A writable copy of both dialects' migrations under ``root``; returns ``root``."""
    for name in ("postgres", "sqlite"):
        shutil.copytree(migrations_dir(name), root / name)  # type: ignore[arg-type]
    return root


def add_migration(folder: Path, sql: str, rollback: str = "SELECT 1;") -> str:
    """Write migration 0004 (after the shipped ones) into one dialect's folder."""
    (folder / "0004_extra.sql").write_text(f"-- depends: {ALL[-1]}\n{sql}\n")
    (folder / "0004_extra.rollback.sql").write_text(rollback + "\n")
    return "0004_extra"


def test_migration_sessions_carry_both_timeouts(new_pg_url: str, tmp_path: Path) -> None:
    folder = copy_migrations(tmp_path) / "postgres"
    add_migration(
        folder,
        "CREATE TABLE seen AS SELECT current_setting('lock_timeout') AS lock_wait, "
        "current_setting('statement_timeout') AS run_time;",
        "DROP TABLE seen;",
    )
    upgrade(new_pg_url, folder, table_lock_timeout=1.5, statement_timeout=30)
    assert execute(new_pg_url, "SELECT lock_wait, run_time FROM seen") == [("1500ms", "30s")]
    rollback_last(new_pg_url, folder)
    upgrade(new_pg_url, folder)  # the defaults
    expected = (f"{DEFAULT_TABLE_LOCK_TIMEOUT:g}s", f"{DEFAULT_STATEMENT_TIMEOUT / 60:g}min")
    assert execute(new_pg_url, "SELECT lock_wait, run_time FROM seen") == [expected]


def test_a_migration_waiting_for_a_table_lock_fails_and_leaves_nothing(
    new_pg_url: str, tmp_path: Path
) -> None:
    folder = copy_migrations(tmp_path) / "postgres"
    upgrade(new_pg_url, folder)
    add_migration(folder, "ALTER TABLE people ADD COLUMN nickname text;")
    # A long transaction reading people holds a lock the ALTER must wait for.
    with psycopg.connect(new_pg_url) as reader:
        reader.execute("SELECT count(*) FROM people").fetchall()
        with pytest.raises(MigrationError, match="lock timeout") as caught:
            upgrade(new_pg_url, folder, table_lock_timeout=0.2)
        reader.rollback()
    assert "0004_extra failed at statement 'ALTER TABLE people" in str(caught.value)
    assert count(new_pg_url, "_yoyo_migration") == len(ALL)
    columns = execute(
        new_pg_url,
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_name = 'people' AND column_name = 'nickname'",
    )
    assert columns == []
    assert upgrade(new_pg_url, folder)["applied"] == ["0004_extra"]  # once the reader is gone


def test_a_statement_running_too_long_fails_the_migration(new_pg_url: str, tmp_path: Path) -> None:
    folder = copy_migrations(tmp_path) / "postgres"
    upgrade(new_pg_url, folder)
    add_migration(folder, "CREATE TABLE slow AS SELECT 1 AS one FROM pg_sleep(5);")
    with pytest.raises(MigrationError, match="statement timeout"):
        upgrade(new_pg_url, folder, statement_timeout=0.2)
    assert execute(new_pg_url, "SELECT to_regclass('slow') IS NULL") == [(True,)]


@pytest.mark.parametrize("bad", [-1, float("nan"), float("inf"), True, "5"])
def test_timeouts_must_be_seconds(new_sqlite_url: str, bad: object) -> None:
    with pytest.raises(ConfigurationError, match="statement_timeout must be a number of seconds"):
        upgrade(new_sqlite_url, statement_timeout=bad)  # type: ignore[arg-type]


def test_an_empty_migration_from_the_template_is_refused(
    empty_url: str, dialect: str, tmp_path: Path
) -> None:
    root = copy_migrations(tmp_path)
    upgrade(empty_url, root / dialect)
    (created, *_) = create_migration("Nothing yet", root)
    with pytest.raises(MigrationError, match="has no SQL statement") as caught:
        upgrade(empty_url, root / dialect)
    assert created.stem in str(caught.value)
    assert count(empty_url, "_yoyo_migration") == len(ALL)

    # Filled in, it applies; with its rollback still the template, it does not roll back.
    migration = root / dialect / created.name
    migration.write_text(migration.read_text() + "\nCREATE TABLE extra (id integer);\n")
    assert upgrade(empty_url, root / dialect)["applied"] == [created.stem]
    with pytest.raises(MigrationError, match=f"refusing to roll back {created.stem}"):
        rollback_last(empty_url, root / dialect)
    assert count(empty_url, "_yoyo_migration") == len(ALL) + 1


def test_the_migrations_folder_may_be_the_parent_of_both_dialects(
    empty_url: str, dialect: str, tmp_path: Path
) -> None:
    root = copy_migrations(tmp_path / "mig")
    assert upgrade(empty_url, root)["applied"] == ALL
    empty = tmp_path / "empty"
    empty.mkdir()
    for folder in (empty, tmp_path):  # no migrations in it, nor in a dialect folder below
        with pytest.raises(MigrationError, match="no migrations in"):
            upgrade(empty_url, folder)


@pytest.mark.slow
def test_the_command_line_reads_migration_folders_one_way(
    empty_url: str, dialect: str, tmp_path: Path
) -> None:
    root = copy_migrations(tmp_path / "mig")
    applied = ok(empty_url, "--migrations-dir", str(root), "migrate", "--json").json["applied"]
    assert applied == ALL
    refused = run_cli(empty_url, "--migrations-dir", str(tmp_path), "migrate", "--json")
    assert refused.code == 1 and "no migrations in" in refused.json["error"]
    assert "Nothing to migrate" not in refused.stdout

    # create-migration takes the same folder with either option, or one dialect's folder.
    first = int(ALL[-1][:4]) + 1
    for option, folder, number in [
        ("--migrations-dir", root, f"{first:04d}"),
        ("--migrations-root", root / dialect, f"{first + 1:04d}"),
    ]:
        made = ok(empty_url, "create-migration", "Step", option, str(folder), "--json").json
        assert made["id"] == f"{number}_step"
        assert (root / "postgres" / f"{number}_step.sql").is_file()
    empty = run_cli(empty_url, "--migrations-dir", str(root), "migrate")
    assert empty.code == 1 and f"{first:04d}_step: the migration file" in empty.stderr
    assert "has no SQL statement" in empty.stderr


@pytest.mark.slow
def test_errors_are_json_on_stdout_and_said_once(tmp_path: Path) -> None:
    missing = f"sqlite:///{tmp_path / 'none.db'}"
    for command in ("stats", "check", "integrity", "rollback", "backup", "maintenance"):
        result = run_cli(missing, command, "--json")
        assert result.code == 2, (command, result.output)
        assert result.json["exit_code"] == 2 and "no SQLite database at" in result.json["error"]
        assert result.stderr.count("no SQLite database at") == 1

    down = "postgresql://postgres@127.0.0.1:1/nowhere"
    status = run_cli(down, "status")
    assert status.code == 2 and status.stdout == ""
    assert len(status.stderr.strip().splitlines()) == 1, status.stderr
    as_json = run_cli(down, "status", "--json")
    assert as_json.json["health"]["status"] == "unhealthy"
    assert as_json.json["error"] == as_json.json["health"]["error"]


@pytest.mark.slow
def test_a_bad_url_scheme_names_where_the_url_came_from(tmp_path: Path) -> None:
    flag = run_cli(
        f"sqlite:///{tmp_path / 'x.db'}", "--database-url", "mysql://u@h/db", "status", "--json"
    )
    assert flag.code == 2 and "--database-url" in flag.stderr
    assert "DATABASE_URL" not in flag.stderr and "--database-url" in flag.json["error"]
    env = run_cli("mysql://u@h/db", "status")
    assert env.code == 2 and "DATABASE_URL" in env.stderr and "--database-url" not in env.stderr


def test_usage_errors_are_json_too_with_json(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    for args in [("--json", "bogus"), ("sql", "--dialect", "oracle", "--json")]:
        result = run_cli(url, *args)
        assert result.code == 2 and "invalid choice" in result.json["error"]
        assert result.json["exit_code"] == 2
    assert run_cli(url, "bogus").stdout == ""
