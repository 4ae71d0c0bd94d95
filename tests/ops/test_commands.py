"""Every ``pictallion-db`` command end to end, as a subprocess, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests import pgcluster
from tests.ops.conftest import ALL, count, execute, ok, run_cli

TABLES = [
    "users", "media_assets", "file_versions", "asset_history", "collections",
    "collection_photos", "people", "faces", "events", "relationships", "settings",
    "ai_prompts", "global_tag_library", "locations",
]  # fmt: skip


def add_photo(url: str, tier: str = "gold", state: str = "processed") -> None:
    execute(
        url,
        "INSERT INTO media_assets (id, original_filename) VALUES ('a1', 'one.jpg')",
        "INSERT INTO file_versions (id, media_asset_id, tier, file_path, file_hash, file_size, "
        f"mime_type, processing_state) VALUES ('v1', 'a1', '{tier}', '/p/one.jpg', 'h1', 10, "
        f"'image/jpeg', '{state}')",
    )


@pytest.mark.slow
def test_init_then_status_stats_check_integrity(empty_url: str, dialect: str) -> None:
    first = ok(empty_url, "init", "--json").json
    assert first["applied"] == ALL and first["adopted"] == []
    assert ok(empty_url, "init", "--json").json["applied"] == []
    assert "up to date" in ok(empty_url, "init").stdout

    status = ok(empty_url, "status", "--json").json
    assert status["health"]["status"] == "healthy"
    assert status["health"]["dialect"] == dialect
    assert status["health"]["latency_ms"] >= 0
    assert status["migrations"]["applied"] == ALL
    assert status["migrations"]["status"] == "Up to date"
    assert status["compatibility"]["compatible"] is True
    human = ok(empty_url, "status").stdout
    assert "Health:     healthy" in human and "Schema:     compatible" in human

    add_photo(empty_url)
    stats = ok(empty_url, "stats", "--json").json
    assert list(stats["tables"]) == TABLES
    assert stats["tables"]["file_versions"] == {"count": 1}
    assert stats["total_rows"] == 2
    assert stats["file_version_tiers"] == {"gold": 1}
    assert stats["processing_states"] == {"processed": 1}
    assert stats["size_bytes"] > 0
    assert stats["database_type"] == dialect
    assert "file_versions" in ok(empty_url, "stats").stdout

    check = ok(empty_url, "check", "--json").json
    assert check["ok"] is True and check["issues"] == [] and check["pending"] == []
    assert "OK:" in ok(empty_url, "check").stdout

    integrity = ok(empty_url, "integrity", "--json").json
    assert integrity["status"] == "ok"
    names = [c["name"] for c in integrity["checks"]]
    assert "tables" in names and "foreign_keys" in names
    if dialect == "sqlite":
        assert {"integrity_check", "foreign_key_check"} <= set(names)
    else:
        assert "amcheck" in names  # ok or skipped, never failed
    assert ok(empty_url, "integrity").stdout.strip().endswith("OK")


@pytest.mark.slow
def test_maintenance(migrated_url: str, dialect: str) -> None:
    add_photo(migrated_url)
    result = ok(migrated_url, "maintenance", "--json").json
    assert [r["operation"] for r in result["operations"]] == ["vacuum", "analyze"]
    assert (
        ok(migrated_url, "maintenance", "--vacuum-only", "--json").json["operations"][0][
            "operation"
        ]
        == "vacuum"
    )
    human = ok(migrated_url, "maintenance")
    assert "VACUUM done" in human.stdout and "ANALYZE done" in human.stdout
    assert human.stderr == ""  # no progress when stderr is not a terminal
    assert count(migrated_url, "file_versions") == 1


@pytest.mark.slow
def test_rollback_and_migrate(migrated_url: str) -> None:
    assert ok(migrated_url, "rollback", "--json").json == {"rolled_back": ALL[-1]}
    check = run_cli(migrated_url, "check", "--json")
    assert check.code == 1
    assert check.json["compatible"] is True and check.json["pending"] == [ALL[-1]]
    assert "pending" in run_cli(migrated_url, "check").stdout
    for later in reversed(ALL[1:-1]):
        assert ok(migrated_url, "rollback", "--json").json == {"rolled_back": later}

    # Rolling back the first migration drops every table: it wants a confirmation.
    refused = run_cli(migrated_url, "rollback")
    assert refused.code == 2 and "confirmation" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    assert ok(migrated_url, "rollback", "--yes", "--json").json == {"rolled_back": ALL[0]}
    assert ok(migrated_url, "rollback", "--json").json == {"rolled_back": None}

    assert ok(migrated_url, "migrate", "--json").json["applied"] == ALL
    assert "Nothing to migrate" in ok(migrated_url, "migrate").stdout
    assert ok(migrated_url, "check").code == 0


def test_reset_asks_for_confirmation(migrated_url: str) -> None:
    add_photo(migrated_url)
    refused = run_cli(migrated_url, "reset")
    assert refused.code == 2
    assert "stdin is not a terminal" in refused.stderr and "--yes" in refused.stderr
    assert count(migrated_url, "file_versions") == 1

    done = ok(migrated_url, "reset", "--yes", "--json").json
    assert done == {"reset": True, "applied": ALL}
    assert count(migrated_url, "file_versions") == 0
    assert count(migrated_url, "media_assets") == 0
    assert ok(migrated_url, "check", "--json").json["ok"] is True


def test_reset_of_a_drifted_database(migrated_url: str) -> None:
    execute(migrated_url, "DROP INDEX idx_global_tag_library_usage")
    assert run_cli(migrated_url, "check").code == 1
    ok(migrated_url, "reset", "--yes")
    assert ok(migrated_url, "check", "--json").json["ok"] is True


@pytest.mark.slow
def test_drift_after_a_dropped_column(migrated_url: str) -> None:
    execute(migrated_url, "ALTER TABLE people DROP COLUMN birthdate")
    result = run_cli(migrated_url, "check")
    assert result.code == 1
    assert "missing column people.birthdate" in result.stdout
    data = run_cli(migrated_url, "check", "--json").json
    assert data["compatible"] is False and data["ok"] is False
    assert data["issues"] == ["missing column people.birthdate"]
    status = ok(migrated_url, "status", "--json").json  # status informs, check judges
    assert status["compatibility"]["issues"] == ["missing column people.birthdate"]


def test_drift_after_a_missing_index(migrated_url: str) -> None:
    execute(migrated_url, "DROP INDEX idx_global_tag_library_usage")
    result = run_cli(migrated_url, "check", "--json")
    assert result.code == 1
    assert result.json["issues"] == ["missing index idx_global_tag_library_usage"]


def test_drift_in_a_column_type_is_one_precise_line(new_pg_url: str) -> None:
    ok(new_pg_url, "init")
    execute(
        new_pg_url,
        "ALTER TABLE file_versions ALTER COLUMN keywords DROP DEFAULT, "
        "ALTER COLUMN keywords TYPE text",
    )
    result = run_cli(new_pg_url, "check")
    assert result.code == 1
    assert "file_versions.keywords: expected text[] default '{}', found text" in result.stdout


def test_check_of_an_empty_database(empty_url: str, dialect: str) -> None:
    if dialect == "sqlite":
        missing = run_cli(empty_url, "check")
        assert missing.code == 2 and "pictallion-db init" in missing.stderr
        execute(empty_url, "CREATE TABLE unrelated (id integer)")
    result = run_cli(empty_url, "check", "--json")
    assert result.code == 1
    assert result.json["pending"] == ALL
    assert "no Pictallion tables" in result.json["issues"][0]


def test_integrity_finds_broken_references(migrated_url: str, dialect: str) -> None:
    if dialect == "sqlite":
        # SQLite checks foreign keys only on connections that ask for it.
        execute(
            migrated_url,
            "INSERT INTO faces (id, photo_id, bounding_box, confidence) "
            "VALUES ('f1', 'no-such-photo', '[1,2,3,4]', 90)",
        )
    else:
        execute(
            migrated_url,
            "ALTER TABLE faces DISABLE TRIGGER ALL",
            "INSERT INTO faces (id, photo_id, bounding_box, confidence) "
            "VALUES ('f1', 'no-such-photo', '[1,2,3,4]', 90)",
            "ALTER TABLE faces ENABLE TRIGGER ALL",
        )
    result = run_cli(migrated_url, "integrity", "--json")
    assert result.code == 1
    assert result.json["status"] == "problems"
    failed = {c["name"]: c for c in result.json["checks"] if c["status"] == "failed"}
    assert failed["foreign_keys"]["problems"] == [
        "faces_photo_id_file_versions_id_fk: 1 row(s) refer to a missing parent row"
    ]
    if dialect == "sqlite":
        assert "foreign_key_check" in failed
    assert "PROBLEMS FOUND" in run_cli(migrated_url, "integrity").stdout


@pytest.mark.slow
def test_create_migration_and_apply_it(empty_url: str, dialect: str, tmp_path: Path) -> None:
    import shutil

    from pictallion_sql.query.resources import migrations_dir

    root = tmp_path / "migrations"
    for name in ("postgres", "sqlite"):
        shutil.copytree(migrations_dir(name), root / name)
    created = ok(
        empty_url, "create-migration", "Add new feature", "--migrations-root", str(root), "--json"
    ).json
    assert created["id"] == "0007_add_new_feature"
    assert sorted(Path(p).relative_to(root).as_posix() for p in created["files"]) == [
        "postgres/0007_add_new_feature.rollback.sql",
        "postgres/0007_add_new_feature.sql",
        "sqlite/0007_add_new_feature.rollback.sql",
        "sqlite/0007_add_new_feature.sql",
    ]
    migration = root / dialect / "0007_add_new_feature.sql"
    text = migration.read_text()
    assert "-- depends: 0006_file_version_counts" in text
    migration.write_text(text + "\nCREATE INDEX idx_people_name ON people (name);\n")
    rollback = root / dialect / "0007_add_new_feature.rollback.sql"
    rollback.write_text(rollback.read_text() + "\nDROP INDEX idx_people_name;\n")

    folder = str(root / dialect)
    applied = ok(empty_url, "--migrations-dir", folder, "migrate", "--json").json["applied"]
    assert applied == [*ALL, "0007_add_new_feature"]
    status = ok(empty_url, "status", "--migrations-dir", folder, "--json").json
    assert status["migrations"]["current_revision"] == "0007_add_new_feature"
    assert ok(empty_url, "--migrations-dir", folder, "rollback", "--json").json == {
        "rolled_back": "0007_add_new_feature"
    }
    # The next number counts both dialects' folders.
    (root / "postgres" / "0008_elsewhere.sql").write_text("-- depends: 0007_add_new_feature\n")
    again = ok(empty_url, "create-migration", "Second one", "--migrations-root", str(root))
    assert "0009_second_one" in again.stdout


def test_bad_url_scheme_is_a_usage_error(tmp_path: Path) -> None:
    result = run_cli("mysql://app:Hunter2-secret@db.example.com/pictallion", "status")
    assert result.code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "unsupported scheme" in lines[0]
    assert "Hunter2-secret" not in result.output


def test_unreachable_postgres_is_a_connection_error(pg_admin_url: str) -> None:
    url = "postgresql://app:Hunter2-secret@127.0.0.1:1/pictallion"
    for command in ("status", "check", "stats", "migrate", "integrity", "backup"):
        result = run_cli(url, command)
        assert result.code == 2, (command, result.output)
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert "Hunter2-secret" not in result.output
        assert "***" in result.stderr


def test_usage_errors(new_sqlite_url: str) -> None:
    assert run_cli(new_sqlite_url, "no-such-command").code == 2
    assert run_cli(new_sqlite_url).code == 2
    missing = run_cli(new_sqlite_url, "stats")
    assert missing.code == 2 and "run `pictallion-db init` first" in missing.stderr


def with_password(url: str, password: str) -> str:
    parts = urlsplit(url)
    netloc = f"{parts.username or 'postgres'}:{password}@{parts.hostname}:{parts.port or 5432}"
    return urlunsplit(parts._replace(netloc=netloc))


@pytest.mark.slow
def test_passwords_are_never_printed(new_pg_url: str, pg_admin_url: str, workdir: Path) -> None:
    secret = "S3cret-Passw0rd"
    url = with_password(new_pg_url, secret)  # trust auth ignores it; nothing may show it
    outputs = []
    for args in (
        ("init",), ("status",), ("status", "--json"), ("stats",), ("stats", "--json"),
        ("check",), ("check", "--json"), ("integrity", "--json"), ("maintenance",),
        ("backup", "b.dump"), ("restore", "b.dump", "--yes"), ("rollback",),
        ("migrate", "--json"), ("reset", "--yes"),
    ):  # fmt: skip
        outputs.append(ok(url, *args, cwd=workdir).output)
    execute(new_pg_url, "ALTER TABLE people DROP COLUMN birthdate")
    outputs.append(run_cli(url, "check", cwd=workdir).output)
    outputs.append(run_cli(url, "restore", "missing.dump", "--yes", cwd=workdir).output)
    (workdir / "bad.dump").write_text("not an archive")
    outputs.append(run_cli(url, "restore", "bad.dump", "--yes", cwd=workdir).output)
    unknown = pgcluster.database_url(url, "pt_no_such_database")
    outputs.append(run_cli(unknown, "status", cwd=workdir).output)
    for output in outputs:
        assert secret not in output
    assert any("postgres:***@" in output for output in outputs)


def test_init_creates_a_missing_postgres_database(pg_admin_url: str) -> None:
    # A name of its own, so that runs sharing one server never race for it.
    name = f"pt_created_by_init_{uuid.uuid4().hex[:12]}"
    url = pgcluster.database_url(pg_admin_url, name)
    try:
        result = ok(url, "init")
        assert f"Created database {name}" in result.stdout
        assert ok(url, "check", "--json").json["ok"] is True
    finally:
        pgcluster.drop_database(pg_admin_url, url)


@pytest.mark.parametrize("command", ["status", "stats", "check", "integrity"])
@pytest.mark.slow
def test_json_is_the_only_stdout(migrated_url: str, command: str) -> None:
    result = ok(migrated_url, command, "--json")
    assert isinstance(result.json, dict)
    assert result.stderr == ""


# --- on a terminal ------------------------------------------------------------------------


def run_with_terminal(
    url: str, *args: str, answer: str | None = None, cwd: Path | None = None
) -> tuple[int, str, str]:
    """Run the CLI with a terminal on stdin (typing ``answer``) or on stderr."""
    import os
    import pty
    import subprocess

    from tests.ops.conftest import cli_command, cli_env

    master, slave = pty.openpty()
    try:
        if answer is not None:  # a terminal on stdin; stderr piped
            proc = subprocess.Popen(
                cli_command(*args), env=cli_env(url), cwd=cwd, stdin=slave,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            )  # fmt: skip
            os.write(master, answer.encode() + b"\n")
            out, err = proc.communicate(timeout=120)
            return proc.returncode, out, err
        proc = subprocess.Popen(
            cli_command(*args), env=cli_env(url), cwd=cwd, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=slave, text=True,
        )  # fmt: skip
        os.close(slave)
        slave = -1
        chunks: list[bytes] = []
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        out = proc.stdout.read() if proc.stdout else ""
        proc.wait(timeout=120)
        return proc.returncode, out, b"".join(chunks).decode()
    finally:
        os.close(master)
        if slave != -1:
            os.close(slave)


def test_confirmation_on_a_terminal(migrated_url: str) -> None:
    add_photo(migrated_url)
    code, _, err = run_with_terminal(migrated_url, "reset", answer="no")
    assert code == 1 and "Type 'yes' to reset the database" in err and "cancelled" in err
    assert count(migrated_url, "file_versions") == 1
    code, out, err = run_with_terminal(migrated_url, "reset", answer="yes")
    assert code == 0, err
    assert "Reset" in out and count(migrated_url, "file_versions") == 0


def test_progress_shows_on_a_terminal_only(migrated_url: str, workdir: Path) -> None:
    code, out, err = run_with_terminal(migrated_url, "backup", "b", cwd=workdir)
    assert code == 0, err
    assert "... backing up" in err and "Backed up" in out
    code, _, err = run_with_terminal(migrated_url, "maintenance", cwd=workdir)
    assert code == 0 and "... vacuuming" in err and "... analyzing" in err
    piped = ok(migrated_url, "backup", "c", cwd=workdir)
    assert piped.stderr == ""
