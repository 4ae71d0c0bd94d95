"""``pictallion-db copy``: whole libraries from SQLite to PostgreSQL and back, on real servers.

Each round trip goes SQLite -> PostgreSQL -> PostgreSQL -> SQLite through the CLI and
compares every row of every table exactly (JSON documents key by key and type by type:
``1`` is not ``1.0``), and the checksums each copy printed. A copy refused or cut off
half-way leaves no row on its target.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import msgspec
import pytest

from pictallion_sql.admin.common import TABLES
from pictallion_sql.admin.copy import (
    REPOSITORIES,
    TargetNotEmptyError,
    canonical_row,
    copy_library,
)
from pictallion_sql.admin.demo import write_sample
from pictallion_sql.admin.migrations import apply_migrations
from pictallion_sql.database import connect
from pictallion_sql.errors import DatabaseError, ValidationError
from pictallion_sql.models import FileVersion
from tests import pgcluster
from tests.full_library import UNICODE, full_library
from tests.library import LIBRARY
from tests.ops.conftest import ALL, cli_env, execute, run_cli
from tests.ops.test_commands import run_with_terminal

pytestmark = pytest.mark.usefixtures("pg_admin_url")


@pytest.fixture
def pg_urls(pg_admin_url: str) -> Iterator[list[str]]:
    """Two new, empty PostgreSQL databases, dropped afterwards."""
    urls = [pgcluster.create_database(pg_admin_url) for _ in range(2)]
    yield urls
    for url in urls:
        pgcluster.drop_database(pg_admin_url, url)


def _sqlite(tmp_path: Path, name: str) -> str:
    return f"sqlite:///{tmp_path / name}"


async def _import(url: str, library: dict[str, list[dict[str, Any]]]) -> None:
    """Write ``library`` through the public import call, parents first, in one transaction."""
    db = await connect(url)
    try:
        async with db.transaction() as tx:
            for table in TABLES:
                if library.get(table):
                    await REPOSITORIES[table].import_rows(tx, rows=library[table], returning=False)
    finally:
        await db.close()


async def _demo(url: str) -> None:
    db = await connect(url)
    try:
        await write_sample(db)
    finally:
        await db.close()


def _load(url: str, kind: str) -> None:
    apply_migrations(url)
    if kind == "demo":
        asyncio.run(_demo(url))
    elif kind == "fixed":
        asyncio.run(_import(url, LIBRARY))
    else:
        asyncio.run(_import(url, full_library(40)))


async def _rows(url: str) -> dict[str, dict[str, bytes]]:
    """Every row of every table by id, as type-exact JSON with sorted keys."""
    db = await connect(url)
    out: dict[str, dict[str, bytes]] = {}
    try:
        for table in TABLES:
            async with REPOSITORIES[table].stream_all(db) as rows:
                out[table] = {r.id: msgspec.json.encode(r, order="sorted") async for r in rows}
    finally:
        await db.close()
    return out


def _copy(source: str, target: str) -> dict[str, Any]:
    result = run_cli(source, "copy", "--from", source, "--to", target, "--json")
    assert result.code == 0, result.output
    report: dict[str, Any] = result.json
    return report


def _empty(url: str) -> bool:
    return all(execute(url, f"SELECT count(*) FROM {t}")[0][0] == 0 for t in TABLES)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["demo", "fixed", "full"])
def test_round_trip_keeps_every_row_exactly(kind: str, tmp_path: Path, pg_urls: list[str]) -> None:
    first, last = _sqlite(tmp_path, "first.db"), _sqlite(tmp_path, "last.db")
    _load(first, kind)
    chain = [first, pg_urls[0], pg_urls[1], last]
    reports = [_copy(a, b) for a, b in itertools.pairwise(chain)]
    original = asyncio.run(_rows(first))
    assert sum(len(rows) for rows in original.values()) > 0
    for url in chain[1:]:
        assert asyncio.run(_rows(url)) == original, url
    checksums = {t["table"]: t["source_checksum"] for t in reports[0]["tables"]}
    for report in reports:
        assert report["verified"] is True
        for table in report["tables"]:
            assert table["source_rows"] == table["target_rows"] == len(original[table["table"]])
            assert table["source_checksum"] == table["target_checksum"]
            assert table["target_checksum"] == checksums[table["table"]]
    assert [r["source_dialect"] for r in reports] == ["sqlite", "postgres", "postgres"]
    assert [r["target_dialect"] for r in reports] == ["postgres", "postgres", "sqlite"]


@pytest.mark.slow
def test_full_library_fills_every_column_and_keeps_json_types(
    tmp_path: Path, pg_urls: list[str]
) -> None:
    source = _sqlite(tmp_path, "full.db")
    _load(source, "full")
    # A document an older writer stored with a known key of another type reads (the key
    # as UNSET), so it must copy too, exactly.
    first = execute(source, "SELECT min(id) FROM file_versions")[0][0]
    execute(
        source,
        "UPDATE file_versions SET metadata = json_set(metadata, '$.exif.iso', 400) "
        f"WHERE id = '{first}'",
    )
    _copy(source, pg_urls[0])
    back = _sqlite(tmp_path, "back.db")
    _copy(pg_urls[0], back)

    async def read() -> list[FileVersion]:
        db = await connect(back)
        try:
            return await REPOSITORIES["file_versions"].get_multi(db, limit=1000)
        finally:
            await db.close()

    versions = asyncio.run(read())
    assert versions
    for table in TABLES:  # no NULL in any column of the generated library, and some rows
        assert execute(back, f"SELECT count(*) FROM {table}")[0][0] > 0, table
        nulls = execute(back, f"SELECT count(*) FROM {table} WHERE {_any_null(table)}")
        assert nulls[0][0] == 0, table
    by_id = {v.id: v for v in versions}
    odd = by_id[first].metadata
    assert odd is not None and odd["exif"]["iso"] == 400 and type(odd["exif"]["iso"]) is int
    doc = versions[-1].metadata
    assert doc is not None
    exif, ai = doc["exif"], doc["ai"]
    assert exif["iso"] == "100" or exif["iso"].isdigit()
    assert type(exif["makerNotes"]["count"]) is int and type(exif["makerNotes"]["ratio"]) is float
    assert exif["flags"] == [True, False, None]
    assert type(ai["aiConfidenceScores"]["tags"]) is int
    assert type(ai["aiConfidenceScores"]["objects"]) is float
    assert ai["futureModel"] == {
        "version": [2, 0, "b"],
        "scores": [[0.1, 0.2], [1, 2]],
        "empty": {},
    }
    assert doc["unknownTopLevel"]["nested"][3]["deep"]["deeper"] == ["ü", 9007199254740993]
    assert doc["unicode"] == UNICODE
    assert {v.processing_state for v in versions} == {"unprocessed", "promoted"}


def _any_null(table: str) -> str:
    columns = REPOSITORIES[table].row.__struct_fields__
    return " OR ".join(f'"{c}" IS NULL' for c in columns)


def test_canonical_row_is_dialect_neutral_but_keeps_types() -> None:
    naive = datetime(2025, 1, 2, 3, 4, 5, 6)
    base = dict(
        id="x",
        media_asset_id="a",
        tier="gold",
        file_path="p",
        file_hash="h",
        file_size=1,
        mime_type="m",
        is_reviewed=True,
        rating=1,
        keywords=["k"],
        location=None,
        event_type=None,
        event_name=None,
        perceptual_hash=None,
        ai_short_description=None,
        processing_state=None,
        created_at=naive,
    )

    def row(metadata: Any) -> bytes:
        return canonical_row(FileVersion(metadata=metadata, **base))  # type: ignore[arg-type]

    # Key order does not count (jsonb reorders keys); a value's type does.
    assert row({"a": 1, "b": [1.5]}) == row({"b": [1.5], "a": 1})
    assert row({"a": 1}) != row({"a": 1.0})
    # As jsonb stores them: no negative zero, integral floats past 1e16 as integers.
    assert row({"a": -0.0}) == row({"a": 0.0})
    assert row({"a": 1e20}) == row({"a": 10**20})
    assert row({"a": 0.1}) != row({"a": 0.1000000001})


@pytest.mark.slow
def test_non_empty_target_is_refused_and_left_alone(tmp_path: Path, pg_urls: list[str]) -> None:
    source = _sqlite(tmp_path, "source.db")
    _load(source, "demo")
    for target in (pg_urls[0], _sqlite(tmp_path, "target.db")):
        _copy(source, target)
        before = asyncio.run(_rows(target))
        result = run_cli(source, "copy", "--from", source, "--to", target)
        assert result.code == 1, result.output
        lines = result.stderr.splitlines()
        assert lines[0].startswith("pictallion-db: error: the target ") and "not empty" in lines[0]
        assert any("media_assets: 4 rows" in line for line in lines[1:])
        assert result.stdout == ""
        assert asyncio.run(_rows(target)) == before


@pytest.mark.slow
def test_a_row_refused_late_leaves_the_target_empty(tmp_path: Path, pg_urls: list[str]) -> None:
    source = _sqlite(tmp_path, "source.db")
    _load(source, "full")
    # A row no application could have written, in the last table: every earlier table
    # is already written on the target when it is read.
    execute(
        source, f"UPDATE locations SET radius = {2**40} WHERE id = (SELECT max(id) FROM locations)"
    )
    (bad_id,) = execute(source, "SELECT max(id) FROM locations")[0]
    target = pg_urls[0]
    result = run_cli(source, "copy", "--from", source, "--to", target, "--json")
    assert result.code == 1, result.output
    assert "locations" in result.stderr and "radius" in result.stderr and bad_id in result.stderr
    assert "nothing was kept" in result.stderr
    assert json.loads(result.stdout)["exit_code"] == 1  # --json: the error on stdout too
    assert _empty(target)
    # The migrations stay: the target is ready for the next attempt.
    execute(source, "UPDATE locations SET radius = 5 WHERE radius > 100000")
    assert _copy(source, target)["verified"] is True


@pytest.mark.slow
def test_a_row_refused_half_way_from_postgres_leaves_sqlite_empty(
    tmp_path: Path, pg_urls: list[str]
) -> None:
    source = pg_urls[0]
    _load(source, "full")
    execute(source, "UPDATE faces SET confidence = 500 WHERE id = (SELECT max(id) FROM faces)")
    target = _sqlite(tmp_path, "target.db")
    result = run_cli(source, "copy", "--from", source, "--to", target)
    assert result.code == 1, result.output
    assert "faces" in result.stderr and "confidence" in result.stderr
    assert _empty(target)


_KILLER = textwrap.dedent(
    """
    import asyncio, os, signal, sys
    from pictallion_sql.admin.copy import copy_library

    def progress(text):
        print(text, flush=True)
        if text.startswith("copied faces"):
            os.kill(os.getpid(), signal.SIGKILL)

    asyncio.run(copy_library(sys.argv[1], sys.argv[2], batch_size=25, progress=progress))
    """
)


@pytest.mark.slow
@pytest.mark.parametrize("direction", ["sqlite-to-postgres", "postgres-to-sqlite"])
def test_a_copy_killed_half_way_leaves_the_target_empty(
    direction: str, tmp_path: Path, pg_urls: list[str], pg_admin_url: str
) -> None:
    sqlite_url = _sqlite(tmp_path, "lib.db")
    source, target = (
        (sqlite_url, pg_urls[0]) if direction == "sqlite-to-postgres" else (pg_urls[0], sqlite_url)
    )
    _load(source, "full")
    proc = subprocess.run(
        [sys.executable, "-c", _KILLER, source, target],
        env=cli_env(source),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stdout + proc.stderr
    assert "copied file_versions: 80 rows" in proc.stdout  # it was half-way
    assert "copied events" not in proc.stdout
    if target.startswith("postgresql"):
        _wait_for_no_session(pg_admin_url, target)
    assert _empty(target)
    # Nothing is left locked or half-written: the next copy goes through.
    assert _copy(source, target)["verified"] is True
    assert asyncio.run(_rows(target)) == asyncio.run(_rows(source))


def _wait_for_no_session(admin_url: str, url: str) -> None:
    name = url.rsplit("/", 1)[1]
    for _ in range(100):
        (sessions,) = execute(
            admin_url, f"SELECT count(*) FROM pg_stat_activity WHERE datname = '{name}'"
        )[0]
        if sessions == 0:
            return
        time.sleep(0.05)
    raise AssertionError(f"the killed copy's session on {name} did not end")


@pytest.mark.slow
def test_cli_json_shape_and_exit_codes(tmp_path: Path, pg_urls: list[str]) -> None:
    source = _sqlite(tmp_path, "source.db")
    _load(source, "demo")
    report = _copy(source, pg_urls[0])
    assert set(report) == {
        "source",
        "target",
        "source_dialect",
        "target_dialect",
        "migrations",
        "tables",
        "rows",
        "seconds",
        "copy_seconds",
        "rows_per_second",
        "verified",
    }
    assert [t["table"] for t in report["tables"]] == list(TABLES)
    assert report["rows"] == sum(t["source_rows"] for t in report["tables"]) > 0
    assert report["migrations"] == ALL  # the target was migrated to the source's head
    for table in report["tables"]:
        assert set(table) == {
            "table",
            "source_rows",
            "target_rows",
            "source_checksum",
            "target_checksum",
            "match",
        }
        assert len(table["source_checksum"]) == 64 and table["match"] is True
    # Human output: one line per table and the verdict.
    target = _sqlite(tmp_path, "human.db")
    human = run_cli(source, "copy", "--from", source, "--to", target)
    assert human.code == 0, human.output
    assert "Verified" in human.stdout and all(t in human.stdout for t in TABLES)
    assert human.stderr == ""  # progress goes to a terminal only
    assert (tmp_path / "human.db").stat().st_mode & 0o777 == 0o600  # it holds password hashes
    # A missing source, the same database twice, a missing option, a bad batch size.
    missing = run_cli(source, "copy", "--from", _sqlite(tmp_path, "nope.db"), "--to", target)
    assert missing.code == 2 and "no SQLite database" in missing.stderr
    assert not (tmp_path / "nope.db").exists()
    same = run_cli(source, "copy", "--from", source, "--to", source)
    assert same.code == 2 and "same database" in same.stderr
    assert run_cli(source, "copy", "--from", source).code == 2
    assert run_cli(source, "copy", "--from", source, "--to", target, "--batch-size", "0").code == 2


@pytest.mark.slow
def test_progress_is_shown_on_a_terminal(tmp_path: Path) -> None:
    source = _sqlite(tmp_path, "source.db")
    _load(source, "fixed")
    target = _sqlite(tmp_path, "target.db")
    code, out, err = run_with_terminal(source, "copy", "--from", source, "--to", target)
    assert code == 0, out + err
    assert "... copied file_versions: " in err and "... committing" in err
    assert "Verified" in out and "... " not in out


@pytest.mark.slow
def test_source_behind_the_newest_migration_is_refused(tmp_path: Path, pg_urls: list[str]) -> None:
    source = _sqlite(tmp_path, "old.db")
    _load(source, "demo")
    result = run_cli(source, "rollback", "--yes")
    assert result.code == 0, result.output
    copied = run_cli(source, "copy", "--from", source, "--to", pg_urls[0])
    assert copied.code == 1
    assert "not at the newest migration" in copied.stderr and "migrate" in copied.stderr


async def test_api_round_trip_through_postgres_keeps_every_row(
    tmp_path: Path, pg_urls: list[str]
) -> None:
    first, last = _sqlite(tmp_path, "first.db"), _sqlite(tmp_path, "last.db")
    await asyncio.to_thread(_load, first, "fixed")
    there = await copy_library(first, pg_urls[0], batch_size=7)  # several batches per table
    back = await copy_library(pg_urls[0], last)
    original = await _rows(first)
    assert await _rows(pg_urls[0]) == original
    assert await _rows(last) == original
    for report in (there, back):
        assert report["verified"] is True
        assert report["rows"] == sum(len(rows) for rows in original.values())
    assert [t["target_checksum"] for t in there["tables"]] == [
        t["target_checksum"] for t in back["tables"]
    ]
    with pytest.raises(TargetNotEmptyError) as refused:
        await copy_library(first, last)
    assert "media_assets: 6 rows" in refused.value.details


async def test_copy_api_reports_validation_error_naming_the_row(
    tmp_path: Path, pg_urls: list[str]
) -> None:
    source = _sqlite(tmp_path, "source.db")
    await asyncio.to_thread(_load, source, "fixed")
    execute(
        source,
        "UPDATE file_versions SET tier = 'platinum' WHERE id = (SELECT min(id) FROM file_versions)",
    )
    with pytest.raises(ValidationError) as caught:
        await copy_library(source, pg_urls[0])
    assert caught.value.field == "tier"
    assert "file_versions" in str(caught.value)
    assert await asyncio.to_thread(_empty, pg_urls[0])


async def test_a_source_row_that_cannot_be_read_fails_the_copy_and_keeps_nothing(
    tmp_path: Path, pg_urls: list[str]
) -> None:
    source = _sqlite(tmp_path, "source.db")
    await asyncio.to_thread(_load, source, "full")
    # Damaged on disk: the reading side fails while the writing side has rows in hand.
    (last,) = execute(source, "SELECT max(id) FROM faces")[0]
    execute(source, f"UPDATE faces SET created_at = 'yesterday' WHERE id = '{last}'")
    with pytest.raises(DatabaseError) as caught:
        await copy_library(source, pg_urls[0], batch_size=10)
    assert caught.value.query == "faces.stream_all" and "yesterday" in str(caught.value)
    assert await asyncio.to_thread(_empty, pg_urls[0])
