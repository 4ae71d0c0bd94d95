"""Backup sets: manifests, verification, retention, listing, failures; on both dialects."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from pictallion_sql.admin.backup_sets import (
    VerificationError,
    backup_to_set,
    list_backups,
    manifest_path,
    read_manifest,
    verify_backup,
)
from pictallion_sql.admin.common import TABLES
from pictallion_sql.admin.retention import RetentionPolicy
from tests.ops.conftest import ALL, count, execute, ok, run_cli


def add_rows(url: str, assets: int, history: int) -> None:
    for i in range(assets):
        execute(url, f"INSERT INTO media_assets (id, original_filename) VALUES ('a{i}', 'f{i}')")
    for i in range(history):
        execute(
            url,
            "INSERT INTO asset_history (id, media_asset_id, action) "
            f"VALUES ('h{i}', 'a{i % assets}', 'INGESTED')",
        )


def data_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if not p.name.endswith(".manifest.json"))


def test_backup_into_a_set_writes_a_manifest_and_verifies(
    migrated_url: str, dialect: str, workdir: Path
) -> None:
    add_rows(migrated_url, assets=3, history=5)
    result = ok(migrated_url, "backup", "--to", "set", "--verify", "--json", cwd=workdir).json
    backup = workdir / result["path"]
    manifest = read_manifest(backup)
    assert result["verified"] is True and manifest["verified_at"] is not None
    assert manifest["dialect"] == dialect
    assert manifest["schema_head"] == ALL[-1] and manifest["applied"] == ALL
    assert manifest["row_counts"] == {t: count(migrated_url, t) for t in TABLES}
    assert manifest["row_counts"]["asset_history"] == 5
    assert manifest["size_bytes"] == backup.stat().st_size
    assert manifest["sha256"] == hashlib.sha256(backup.read_bytes()).hexdigest()
    for path in (backup, manifest_path(backup)):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in (workdir / "set").iterdir()) == sorted(
        [backup.name, manifest_path(backup).name]
    )  # no temporary file left
    listed = ok(migrated_url, "backups", "list", "set", "--json", cwd=workdir).json
    assert listed == [
        {
            "file": backup.name,
            "status": "verified",
            "created_at": manifest["created_at"],
            "size_bytes": manifest["size_bytes"],
            "schema_head": ALL[-1],
            "total_rows": 8,
            "verified_at": manifest["verified_at"],
        }
    ]
    human = ok(migrated_url, "backups", "list", "set", cwd=workdir).stdout
    assert backup.name in human and "verified" in human
    if dialect == "postgres":  # the scratch database is gone
        leftovers = execute(
            migrated_url,
            "SELECT datname FROM pg_database WHERE datname LIKE 'pictallion_verify_%'",
        )
        assert leftovers == []


def test_verify_catches_a_corrupted_backup(migrated_url: str, dialect: str, tmp_path: Path) -> None:
    add_rows(migrated_url, assets=2, history=2)
    backup = Path(backup_to_set(migrated_url, tmp_path / "set")["path"])
    data = bytearray(backup.read_bytes())
    data[len(data) // 2] ^= 0xFF
    backup.write_bytes(bytes(data))
    failed = run_cli(migrated_url, "backups", "verify", str(backup))
    assert failed.code == 4 and "checksum" in failed.stderr, failed.output
    assert read_manifest(backup)["verified_at"] is None


def test_verify_catches_damage_the_checksum_cannot(
    migrated_url: str, dialect: str, tmp_path: Path
) -> None:
    # Damage made before the checksum was taken: the file matches its manifest, yet it
    # does not restore. Truncating it, then recording the truncated file's checksum.
    add_rows(migrated_url, assets=2, history=2)
    backup = Path(backup_to_set(migrated_url, tmp_path / "set")["path"])
    backup.write_bytes(backup.read_bytes()[: backup.stat().st_size * 2 // 3])
    manifest = read_manifest(backup)
    manifest["size_bytes"] = backup.stat().st_size
    manifest["sha256"] = hashlib.sha256(backup.read_bytes()).hexdigest()
    manifest_path(backup).write_text(json.dumps(manifest))
    with pytest.raises(VerificationError, match="does not restore"):
        verify_backup(migrated_url, backup)
    assert read_manifest(backup)["verified_at"] is None


def test_verify_catches_row_counts_other_than_the_manifest(
    migrated_url: str, dialect: str, tmp_path: Path
) -> None:
    add_rows(migrated_url, assets=2, history=3)
    backup = Path(backup_to_set(migrated_url, tmp_path / "set")["path"])
    manifest = read_manifest(backup)
    manifest["row_counts"]["asset_history"] = 4
    manifest_path(backup).write_text(json.dumps(manifest))
    with pytest.raises(VerificationError) as caught:
        verify_backup(migrated_url, backup)
    assert caught.value.details == ["asset_history: 3 row(s) restored, the manifest says 4"]


@pytest.mark.parametrize("dialect", ["sqlite"])  # the rules do not depend on it
def test_retention_with_made_up_dates(migrated_url: str, dialect: str, tmp_path: Path) -> None:
    folder = tmp_path / "set"
    start = datetime(2026, 1, 1, 3, 0, tzinfo=UTC)
    policy = RetentionPolicy(keep_last=2, keep_weekly=2)
    written = []
    for day in range(10):  # nightly, 2026-01-01 (Thursday) .. 2026-01-10
        when = start + timedelta(days=day)
        result = backup_to_set(
            migrated_url, folder, policy=policy, verify=(day == 3), now=lambda w=when: w
        )
        written.append(Path(result["path"]).name)
    # keep_last=2: 01-10, 01-09. Weekly (ISO weeks): 01-05..01-10 -> 01-10;
    # 12-29..01-04 -> 01-04. The newest verified one, 01-04, coincides.
    assert data_files(folder) == sorted([written[9], written[8], written[3]])
    assert [e["status"] for e in list_backups(folder)] == ["verified", "unverified", "unverified"]


@pytest.mark.parametrize("dialect", ["sqlite"])  # the rules do not depend on it
def test_pruning_keeps_the_newest_verified_backup(
    migrated_url: str, dialect: str, tmp_path: Path
) -> None:
    folder = tmp_path / "set"
    start = datetime(2026, 2, 1, 3, 0, tzinfo=UTC)
    paths = [
        backup_to_set(
            migrated_url,
            folder,
            verify=(day == 0),
            policy=RetentionPolicy(keep_last=1),
            now=lambda d=day: start + timedelta(days=d),
        )["path"]
        for day in range(4)
    ]
    assert data_files(folder) == sorted([Path(paths[0]).name, Path(paths[3]).name])


def test_a_failed_backup_leaves_nothing_and_exits_3(
    migrated_url: str, dialect: str, workdir: Path
) -> None:
    env = None
    if dialect == "sqlite":
        # Damage the live file: the backup's own check refuses the copy.
        live = Path(migrated_url.removeprefix("sqlite:///"))
        data = bytearray(live.read_bytes())
        for offset in range(4096, len(data), 4096):
            data[offset : offset + 64] = b"\xa5" * 64
        live.write_bytes(bytes(data))
    else:
        # A pg_dump that writes half a file, then fails.
        tools = workdir.parent / "tools"
        tools.mkdir()
        fake = tools / "pg_dump"
        fake.write_text(
            "#!/bin/sh\n"
            'case "$1" in --version) echo "pg_dump (PostgreSQL) 99.0"; exit 0;; esac\n'
            'for a in "$@"; do case "$a" in --file=*) echo partial > "${a#--file=}";; esac; done\n'
            "echo 'pg_dump: error: simulated failure' >&2; exit 1\n"
        )
        fake.chmod(0o755)
        env = {"PG_BINDIR": str(tools)}
    result = run_cli(migrated_url, "backup", "--to", "set", "--verify", cwd=workdir, env=env)
    assert result.code == 3, result.output
    assert "no backup was written" in result.stderr
    assert sorted(os.listdir(workdir / "set")) == []


@pytest.mark.parametrize("dialect", ["sqlite"])  # the rules do not depend on it
def test_backup_set_options_need_a_set(migrated_url: str, dialect: str, workdir: Path) -> None:
    result = run_cli(migrated_url, "backup", "--verify", cwd=workdir)
    assert result.code == 2 and "--to DIR" in result.stderr
    both = run_cli(migrated_url, "backup", "file.db", "--to", "set", cwd=workdir)
    assert both.code == 2
    assert not (workdir / "set").exists() and not (workdir / "file.db").exists()
    bad = run_cli(migrated_url, "backup", "--to", "set", "--keep-last", "-1", cwd=workdir)
    assert bad.code == 2 and "keep_last" in bad.stderr


@pytest.mark.parametrize("dialect", ["sqlite"])  # file handling only
def test_an_incomplete_backup_is_listed_and_never_pruned(
    migrated_url: str, dialect: str, tmp_path: Path
) -> None:
    folder = tmp_path / "set"
    folder.mkdir()
    orphan = folder / "pictallion-sqlite-20200101T000000000000Z.db"
    orphan.write_bytes(b"crashed before its manifest")
    start = datetime(2026, 3, 1, 3, 0, tzinfo=UTC)
    for day in range(3):
        backup_to_set(
            migrated_url,
            folder,
            policy=RetentionPolicy(keep_last=1),
            now=lambda d=day: start + timedelta(days=d),
        )
    entries = list_backups(folder)
    assert [e["status"] for e in entries] == ["incomplete", "unverified"]
    assert entries[0]["file"] == orphan.name and orphan.is_file()


@pytest.mark.parametrize("dialect", ["postgres"])
def test_verifying_needs_createdb_on_postgres(
    migrated_url: str, dialect: str, workdir: Path, pg_admin_url: str
) -> None:
    role = f"backup_{os.getpid()}"
    execute(
        pg_admin_url,
        f"DROP ROLE IF EXISTS {role}",
        f"CREATE ROLE {role} LOGIN NOCREATEDB",
    )
    try:
        execute(
            migrated_url,
            f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}",
            f"GRANT SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
        )
        parts = urlsplit(migrated_url)
        url = urlunsplit(parts._replace(netloc=f"{role}@{parts.hostname}:{parts.port}"))
        result = run_cli(url, "backup", "--to", "set", "--verify", cwd=workdir)
        assert result.code == 2, result.output
        assert "CREATEDB" in result.stderr
        [entry] = list_backups(workdir / "set")  # written, not verified
        assert entry["status"] == "unverified"
    finally:
        execute(
            migrated_url,
            f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}",
            f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {role}",
        )
        execute(pg_admin_url, f"DROP ROLE IF EXISTS {role}")
