"""Backups and restores through ``pictallion-db``, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import stat
from pathlib import Path

import pytest

from pictallion_sql.admin.introspect import snapshot
from tests.ops.conftest import ALL, cli_command, cli_env, count, execute, ok, run_cli


def rows(url: str) -> list[tuple[object, ...]]:
    return sorted(execute(url, "SELECT id, original_filename FROM media_assets"))


def add_assets(url: str, *names: str) -> None:
    for name in names:
        execute(
            url, f"INSERT INTO media_assets (id, original_filename) VALUES ('{name}', '{name}')"
        )


def extension(dialect: str) -> str:
    return "db" if dialect == "sqlite" else "dump"


@pytest.mark.slow
def test_backup_then_restore(migrated_url: str, dialect: str, workdir: Path) -> None:
    add_assets(migrated_url, "a", "b")
    execute(
        migrated_url,
        "INSERT INTO file_versions (id, media_asset_id, tier, file_path, file_hash, file_size, "
        "mime_type, keywords) VALUES ('v', 'a', 'gold', '/p', 'h', 1, 'image/jpeg', "
        + ('\'["sea", "sun"]\')' if dialect == "sqlite" else "ARRAY['sea', 'sun'])"),
    )
    before = rows(migrated_url)
    result = ok(migrated_url, "backup", f"nightly.{extension(dialect)}", "--json", cwd=workdir).json
    backup = workdir / f"nightly.{extension(dialect)}"
    assert Path(result["path"]) == Path(f"nightly.{extension(dialect)}")
    assert result["size_bytes"] == backup.stat().st_size > 0
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    assert [p.name for p in workdir.iterdir()] == [backup.name]  # no temporary file left

    add_assets(migrated_url, "c")
    execute(migrated_url, "DELETE FROM file_versions", "DELETE FROM media_assets WHERE id = 'b'")
    restored = ok(migrated_url, "restore", backup.name, "--yes", "--json", cwd=workdir).json
    assert restored["applied"] == ALL and restored["pending"] == []
    assert rows(migrated_url) == before
    keywords = execute(migrated_url, "SELECT keywords FROM file_versions")[0][0]
    assert keywords in ('["sea", "sun"]', '["sea","sun"]', ["sea", "sun"])
    assert ok(migrated_url, "check", "--json").json["ok"] is True
    assert ok(migrated_url, "integrity", "--json").json["status"] == "ok"
    human = ok(migrated_url, "restore", backup.name, "--yes", cwd=workdir)
    assert "Restored" in human.stdout


def test_backup_into_a_folder_gets_a_timestamped_name(
    migrated_url: str, dialect: str, workdir: Path
) -> None:
    first = ok(migrated_url, "backup", "--json", cwd=workdir).json
    assert first["path"].startswith("backups/pictallion-" + dialect + "-")
    (workdir / "kept").mkdir()
    second = ok(migrated_url, "backup", "kept", "--json", cwd=workdir).json
    assert Path(second["path"]).parent == Path("kept")
    assert Path(second["path"]).suffix == "." + extension(dialect)


@pytest.mark.slow
def test_restore_needs_confirmation(migrated_url: str, dialect: str, workdir: Path) -> None:
    ok(migrated_url, "backup", "b", cwd=workdir)
    add_assets(migrated_url, "after")
    refused = run_cli(migrated_url, "restore", "b", cwd=workdir)
    assert refused.code == 2 and "confirmation" in refused.stderr
    assert rows(migrated_url) == [("after", "after")]
    missing = run_cli(migrated_url, "restore", "nope", "--yes", cwd=workdir)
    assert missing.code == 2 and "no backup file" in missing.stderr


def garble(data: bytes, start: int, end: int) -> bytes:
    out = bytearray(data)
    for i in range(start, min(end, len(out))):
        out[i] = (i * 131 + 7) % 256
    return bytes(out)


@pytest.mark.slow
def test_a_damaged_backup_is_refused_and_the_database_kept(
    migrated_url: str, dialect: str, workdir: Path
) -> None:
    execute(
        migrated_url,
        "INSERT INTO media_assets (id, original_filename) "
        + (
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000) "
            "SELECT 'id' || i, 'photo-' || i || '.jpg' FROM n"
        ),
    )
    ok(migrated_url, "backup", "good", cwd=workdir)
    data = (workdir / "good").read_bytes()
    add_assets(migrated_url, "written-after-the-backup")
    before_rows, before_schema = rows(migrated_url), snapshot(migrated_url)

    n = len(data)
    damaged = {
        "garbled": garble(data, n // 2, n // 2 + 64),
        "overwritten": garble(data, 8192, n - 512),
        "truncated": data[: n // 2],
        "header-only": data[:100],
        "not-a-backup": b"hello, I am not a database\n" * 10,
    }
    for name, content in damaged.items():
        (workdir / name).write_bytes(content)
        result = run_cli(migrated_url, "restore", name, "--yes", cwd=workdir)
        assert result.code == 1, (name, result.output)
        assert "refusing to restore" in result.stderr, (name, result.stderr)
        assert rows(migrated_url) == before_rows, name
        assert snapshot(migrated_url) == before_schema, name
    assert ok(migrated_url, "integrity", "--json").json["status"] == "ok"
    assert ok(migrated_url, "check", "--json").json["ok"] is True


@pytest.mark.slow
def test_a_backup_of_another_schema_is_refused(
    migrated_url: str, empty_url: str, dialect: str, workdir: Path
) -> None:
    ok(migrated_url, "backup", "drifted", cwd=workdir)
    # A backup whose tables differ from what its migration history says.
    other = workdir / "other"
    if dialect == "sqlite":
        import shutil

        shutil.copyfile(workdir / "drifted", other)
        execute(f"sqlite:///{other}", "ALTER TABLE people DROP COLUMN birthdate")
    else:
        execute(migrated_url, "ALTER TABLE people DROP COLUMN birthdate")
        ok(migrated_url, "backup", "other", cwd=workdir)
        execute(migrated_url, "ALTER TABLE people ADD COLUMN birthdate timestamp")
    ok(empty_url, "init")
    add_assets(empty_url, "kept")
    result = run_cli(empty_url, "restore", "other", "--yes", cwd=workdir)
    assert result.code == 1
    assert "refusing to restore" in result.stderr
    assert "missing column people.birthdate" in result.stderr
    assert rows(empty_url) == [("kept", "kept")]
    assert ok(empty_url, "check", "--json").json["ok"] is True


@pytest.mark.slow
async def test_backup_while_the_application_writes(
    migrated_url: str, empty_url: str, dialect: str, workdir: Path
) -> None:
    from pictallion_sql import crud
    from pictallion_sql.database import connect

    db = await connect(migrated_url)
    committed: list[str] = []
    stop = asyncio.Event()
    warmed_up = asyncio.Event()

    async def writer() -> None:
        i = 0
        while not stop.is_set():
            row = await crud.media_asset.create(db, obj_in={"original_filename": f"p{i}.jpg"})
            committed.append(row.id)  # committed: create runs in its own transaction
            if len(committed) >= 30:
                warmed_up.set()
            i += 1
            await asyncio.sleep(0)  # let the backup's subprocess pipes be served

    task = asyncio.create_task(writer())
    try:
        await asyncio.wait_for(warmed_up.wait(), timeout=60)
        before = list(committed)  # every row committed before the backup begins
        proc = await asyncio.create_subprocess_exec(
            *cli_command("backup", "live-backup", "--json"),
            env=cli_env(migrated_url),
            cwd=workdir,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        _, err = await proc.communicate()
    finally:
        stop.set()
        await task
        await db.close()
    assert proc.returncode == 0, err.decode()

    restored = await asyncio.to_thread(
        run_cli, empty_url, "restore", "live-backup", "--yes", cwd=workdir
    )
    assert restored.code == 0, restored.output
    integrity = await asyncio.to_thread(run_cli, empty_url, "integrity", "--json")
    assert integrity.code == 0 and integrity.json["status"] == "ok"
    ids = {row[0] for row in execute(empty_url, "SELECT id FROM media_assets")}
    # One writer commits one row at a time, so a consistent snapshot holds exactly the
    # first rows committed: every row committed before the backup began, and then no gap.
    assert set(before) <= ids
    assert ids == set(committed[: len(ids)])
    assert count(empty_url, "media_assets") == len(ids)


def test_restore_into_a_new_sqlite_file(new_sqlite_url: str, tmp_path: Path, workdir: Path) -> None:
    ok(new_sqlite_url, "init")
    add_assets(new_sqlite_url, "x")
    ok(new_sqlite_url, "backup", "b.db", cwd=workdir)
    target = f"sqlite:///{tmp_path / 'new' / 'restored.db'}"
    ok(target, "restore", "b.db", "--yes", cwd=workdir)
    assert rows(target) == [("x", "x")]
    assert ok(target, "check", "--json").json["ok"] is True
    assert os.path.isfile(tmp_path / "new" / "restored.db")
    assert not [p for p in (tmp_path / "new").iterdir() if "restore-" in p.name]
