"""Archiving old asset_history rows: round trip, and a crash at every step; both dialects."""

from __future__ import annotations

import gzip
import hashlib
import json
import signal
from datetime import datetime
from pathlib import Path

import pytest

from pictallion_sql.admin.archive import (
    ARCHIVABLE,
    ArchiveError,
    archive_old_rows,
    cutoff_for,
    encode_rows,
    read_archive,
)
from pictallion_sql.errors import ValidationError
from tests.ops.conftest import execute, ok, run_cli

COLUMNS = ARCHIVABLE["asset_history"][1]
NOW = datetime(2026, 6, 15, 12, 0)
OLD = 11  # rows dated more than two years before NOW
NEW = 4


def fill(url: str) -> None:
    execute(url, "INSERT INTO media_assets (id, original_filename) VALUES ('asset', 'a.jpg')")
    for i in range(OLD):
        execute(
            url,
            "INSERT INTO asset_history (id, media_asset_id, action, details, timestamp) VALUES "
            f"('old-{i:02}', 'asset', 'INGESTED', 'détail {i}', "
            f"'20{20 + i % 3}-0{1 + i % 9}-1{i % 10}T10:20:30.{i:06}')",
        )
    for i in range(NEW):
        execute(
            url,
            "INSERT INTO asset_history (id, media_asset_id, action, details, timestamp) VALUES "
            f"('new-{i}', 'asset', 'PROMOTED', NULL, '2025-0{1 + i}-01T00:00:00.000000')",
        )


def live_rows(url: str) -> list[tuple[object, ...]]:
    cols = ", ".join(f'"{c}"' for c in COLUMNS)
    return execute(url, f"SELECT {cols} FROM asset_history ORDER BY id")


def live_checksum(url: str) -> str:
    return hashlib.sha256(encode_rows(COLUMNS, live_rows(url))).hexdigest()


def archived_ids(folder: Path) -> list[str]:
    """Every id held by a complete (manifested) archive in ``folder``, with repeats."""
    ids: list[str] = []
    for archive in sorted(folder.glob("asset_history-*.jsonl.gz")):
        if archive.with_name(archive.name + ".manifest.json").is_file():
            ids += [str(row["id"]) for row in read_archive(archive)[1]]
    return ids


def archive_cli(url: str, folder: Path, **env: str) -> object:
    return run_cli(
        url,
        "archive",
        "--older-than",
        "2y",
        "--to",
        str(folder),
        "--batch-size",
        "4",
        "--json",
        env={"PICTALLION_TEST_CRASH_AT": env.get("crash", "")},
    )


def test_archive_and_restore_round_trip(migrated_url: str, dialect: str, tmp_path: Path) -> None:
    fill(migrated_url)
    before = live_checksum(migrated_url)
    folder = tmp_path / "archives"
    result = archive_old_rows(migrated_url, folder, older_than="2y", batch_size=4, now=NOW)
    assert (result["rows"], result["batches"], result["recovered"]) == (OLD, 3, 0)
    assert [r[0] for r in live_rows(migrated_url)] == [f"new-{i}" for i in range(NEW)]
    assert sorted(archived_ids(folder)) == [f"old-{i:02}" for i in range(OLD)]
    first = folder / result["files"][0]
    manifest = json.loads(first.with_name(first.name + ".manifest.json").read_text())
    assert manifest["deleted"] is True and manifest["rows"] == 4
    assert manifest["sha256"] == hashlib.sha256(first.read_bytes()).hexdigest()
    lines = gzip.decompress(first.read_bytes()).decode().splitlines()
    assert json.loads(lines[0])["details"] == "détail 0"
    files = {name: (folder / name).read_bytes() for name in result["files"]}

    for name in result["files"]:
        restored = ok(migrated_url, "archive", "restore", str(folder / name), "--json").json
        assert restored["inserted"] == restored["rows"]
    assert live_checksum(migrated_url) == before
    assert list(folder.glob("*.jsonl.gz")) == []  # set aside as *.restored

    # Archiving the same rows again writes byte-identical files under the same names.
    again = archive_old_rows(migrated_url, folder, older_than="2y", batch_size=4, now=NOW)
    assert {name: (folder / name).read_bytes() for name in again["files"]} == files


def test_restore_leaves_present_rows_alone(migrated_url: str, dialect: str, tmp_path: Path) -> None:
    fill(migrated_url)
    folder = tmp_path / "archives"
    result = archive_old_rows(migrated_url, folder, older_than="2y", batch_size=100, now=NOW)
    archive = folder / result["files"][0]
    execute(
        migrated_url,
        "INSERT INTO asset_history (id, media_asset_id, action, timestamp) "
        "VALUES ('old-03', 'asset', 'CHANGED', '2024-01-01T00:00:00.000000')",
    )
    restored = ok(migrated_url, "archive", "restore", str(archive), "--json").json
    assert (restored["rows"], restored["inserted"]) == (OLD, OLD - 1)
    assert execute(migrated_url, "SELECT action FROM asset_history WHERE id = 'old-03'") == [
        ("CHANGED",)
    ]


def test_a_damaged_archive_is_refused(migrated_url: str, dialect: str, tmp_path: Path) -> None:
    fill(migrated_url)
    folder = tmp_path / "archives"
    archive = folder / archive_old_rows(migrated_url, folder, older_than="2y", now=NOW)["files"][0]
    data = bytearray(archive.read_bytes())
    data[-12] ^= 0x01
    archive.write_bytes(bytes(data))
    refused = run_cli(migrated_url, "archive", "restore", str(archive))
    assert refused.code == 1 and "checksum" in refused.stderr
    assert [r[0] for r in live_rows(migrated_url)] == [f"new-{i}" for i in range(NEW)]
    with pytest.raises(ArchiveError, match="checksum"):
        read_archive(archive)


@pytest.mark.parametrize("point", ["after-data", "after-manifest", "after-delete"])
def test_a_killed_archive_run_loses_and_duplicates_nothing(
    migrated_url: str, dialect: str, tmp_path: Path, point: str
) -> None:
    fill(migrated_url)
    old = [f"old-{i:02}" for i in range(OLD)]
    new = [f"new-{i}" for i in range(NEW)]
    folder = tmp_path / "archives"
    killed = archive_cli(migrated_url, folder, crash=point)
    assert killed.code == -signal.SIGKILL, killed.output  # type: ignore[attr-defined]

    # Killed in the first batch: every row is still in the table or in a checked archive.
    live = [str(r[0]) for r in live_rows(migrated_url)]
    held = archived_ids(folder)
    assert sorted(set(live) | set(held)) == sorted(old + new)
    if point == "after-data":
        assert held == [] and len(live) == OLD + NEW  # the file has no manifest yet
    if point == "after-manifest":
        assert len(held) == 4 and len(live) == OLD + NEW  # archived, not yet deleted
    if point == "after-delete":
        assert len(held) == 4 and len(live) == OLD + NEW - 4  # deleted, not yet marked

    rerun = archive_cli(migrated_url, folder)
    assert rerun.code == 0, rerun.output  # type: ignore[attr-defined]
    assert [str(r[0]) for r in live_rows(migrated_url)] == new
    assert sorted(archived_ids(folder)) == old  # each archived once
    assert [p.name for p in folder.iterdir() if p.name.endswith(".tmp")] == []
    for manifest in folder.glob("*.manifest.json"):
        assert json.loads(manifest.read_text())["deleted"] is True


def test_only_history_is_archivable(migrated_url: str, dialect: str, tmp_path: Path) -> None:
    refused = run_cli(migrated_url, "archive", "--older-than", "2y", "--table", "file_versions")
    assert refused.code == 1 and "cannot be archived" in refused.stderr
    with pytest.raises(ValidationError, match="older_than"):
        archive_old_rows(migrated_url, tmp_path, older_than="two years")


def test_cutoff_ages() -> None:
    now = datetime(2024, 2, 29, 8, 30)
    assert cutoff_for("2y", now) == datetime(2022, 2, 28, 8, 30)
    assert cutoff_for("1m", now) == datetime(2024, 1, 29, 8, 30)
    assert cutoff_for("13m", now) == datetime(2023, 1, 29, 8, 30)
    assert cutoff_for("90d", now) == datetime(2023, 12, 1, 8, 30)
    assert cutoff_for("2w", now) == datetime(2024, 2, 15, 8, 30)
    assert cutoff_for("2023-05-01", now) == datetime(2023, 5, 1)
