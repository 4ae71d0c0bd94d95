"""The public API's inferred types, as a type checker sees them from a caller's code."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from pictallion_sql.errors import QueryFileError
from pictallion_sql.models import Face, FileVersion
from pictallion_sql.query.named import queries

CALLER = """
from pictallion_sql import connect, crud
from pictallion_sql.database import get_db_transaction

async def caller() -> None:
    db = await connect("sqlite:///x.db")
    reveal_type(db)
    reveal_type(await crud.file_version.get(db, id="x"))
    reveal_type(await crud.file_version.get_multi(db, skip=0, limit=10))
    reveal_type(await crud.file_version.get_by_tier(db, tier="gold"))
    reveal_type(await crud.person.search_by_name(db, name_query="jo"))
    reveal_type(await crud.media_asset.create_many(db, objs=[{"original_filename": "a"}]))
    reveal_type(await crud.media_asset.create_many(db, objs=[], returning=False))
    reveal_type(await crud.setting.set_value(db, key="k", value="v"))
    reveal_type(await crud.media_asset.count(db))
    async with get_db_transaction() as tx:
        reveal_type(await crud.face.get_unassigned(tx, limit=5))
    await crud.file_version.get_by_tier(db, tier=3)
"""

EXPECTED = [
    "pictallion_sql.drivers.base.Database",
    "pictallion_sql.records.tables.FileVersion | None",
    "list[pictallion_sql.records.tables.FileVersion]",
    "list[pictallion_sql.records.tables.FileVersion]",
    "list[pictallion_sql.records.tables.Person]",
    "list[pictallion_sql.records.tables.MediaAsset]",
    "list[str]",
    "pictallion_sql.records.tables.Setting",
    "int",
    "list[pictallion_sql.records.tables.Face]",
]


def test_callers_see_precise_types(tmp_path: Path) -> None:
    revealed, errors = run_mypy(tmp_path, "caller.py", CALLER)
    assert revealed == EXPECTED, errors
    assert len(errors) == 1 and "get_by_tier" in errors[0] and '"tier"' in errors[0], errors


TYPED_QUERIES = """
from pictallion_sql import connect, crud
from pictallion_sql.query.dynamic import insert_query, update_query
from pictallion_sql.query.named import queries
from pictallion_sql.models import Face, FileVersion

async def caller() -> None:
    db = await connect("sqlite:///x.db")
    by_tier = queries.rows("file_versions.get_by_tier", FileVersion)
    reveal_type(by_tier)
    reveal_type(await db.run(by_tier, tier="gold", skip=0, limit=10))
    reveal_type(await db.run(queries.one("file_versions.get_by_hash", FileVersion), file_hash="h"))
    reveal_type(await db.run(queries.scalar("file_versions.count", int)))
    reveal_type(await db.run(queries.scalar_or_none("settings.get_value", str), key="k"))
    reveal_type(await db.run(queries.command("faces.set_ignored"), id="f", ignored=True))
    reveal_type(await db.run(insert_query("faces", Face, ("photo_id",)), photo_id="p"))
    reveal_type(await db.run(update_query("faces", Face, ("ignored",)), id="f", ignored=True))
    reveal_type(await db.run(queries["file_versions.count"]))
    async with db.transaction() as conn:
        reveal_type(await conn.run(by_tier, tier="gold", skip=0, limit=10))
        async with conn.stream(queries.rows("faces.get_all", Face)) as faces:
            async for face in faces:
                reveal_type(face)
    reveal_type(await crud.file_version.get_by_hash(db, file_hash="h"))
    reveal_type(await crud.file_version.get_collection_stats(db))
    reveal_type(await crud.compat.setting.get_setting_value(db, "k"))
    reveal_type(await crud.file_version.delete_faces(db, photo_id="p"))
    reveal_type(crud.face.stream_all(db))
    wrong: list[Face] = await db.run(by_tier, tier="gold", skip=0, limit=10)
    db.stream(queries.scalar("file_versions.count", int))
"""

TYPED_EXPECTED = [
    "pictallion_sql.query.registry.Query[list[pictallion_sql.records.tables.FileVersion]]",
    "list[pictallion_sql.records.tables.FileVersion]",
    "pictallion_sql.records.tables.FileVersion | None",
    "int",
    "str | None",
    "int",
    "pictallion_sql.records.tables.Face",
    "pictallion_sql.records.tables.Face | None",
    "Any",
    "list[pictallion_sql.records.tables.FileVersion]",
    "pictallion_sql.records.tables.Face",
    "pictallion_sql.records.tables.FileVersion | None",
    "pictallion_sql.records.composites.photos.CollectionStats",
    "str | None",
    "int",
    "pictallion_sql.drivers.base.RecordStream[pictallion_sql.records.tables.Face]",
]


def test_a_query_carries_its_result_type(tmp_path: Path) -> None:
    revealed, errors = run_mypy(tmp_path, "typed.py", TYPED_QUERIES)
    assert revealed == TYPED_EXPECTED, errors
    assert len(errors) == 2, errors
    assert "list[FileVersion]" in errors[0] and "list[Face]" in errors[0], errors
    assert '"stream"' in errors[1] and "Query[int]" in errors[1], errors


def test_a_typed_accessor_is_the_loaded_query() -> None:
    # The result type is static only: the accessor hands back the very object the
    # registry holds, so running a typed query costs what running the untyped one does.
    assert (
        queries.rows("file_versions.get_by_tier", FileVersion)
        is queries["file_versions.get_by_tier"]
    )
    assert (
        queries.one("file_versions.get_by_hash", FileVersion)
        is queries["file_versions.get_by_hash"]
    )
    assert queries.scalar("file_versions.count", int) is queries["file_versions.count"]
    assert queries.command("faces.set_ignored") is queries["faces.set_ignored"]


@pytest.mark.parametrize(
    ("take", "declared", "expected"),
    [
        (lambda: queries.rows("file_versions.get_by_tier", Face), "rows FileVersion", "rows Face"),
        (
            lambda: queries.one("file_versions.get_by_tier", FileVersion),
            "rows FileVersion",
            "one FileVersion",
        ),
        (lambda: queries.scalar("file_versions.count", str), "scalar int", "scalar str"),
        (lambda: queries.single("faces.set_ignored", Face), "none", "one Face"),
        (lambda: queries.command("file_versions.count"), "scalar int", "none"),
    ],
)
def test_an_accessor_disagreeing_with_the_header_fails_at_once(
    take: Callable[[], object], declared: str, expected: str
) -> None:
    with pytest.raises(QueryFileError) as caught:
        take()
    message = str(caught.value)
    assert f"returns {declared!r}" in message, message
    assert f"expects {expected!r}" in message, message
    assert ".sql:" in message, message


def run_mypy(folder: Path, name: str, text: str) -> tuple[list[str], list[str]]:
    """mypy --strict over ``text`` as a module: its revealed types and its error lines."""
    source = folder / name
    source.write_text(text)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-incremental",
            "--cache-dir",
            str(folder / "cache"),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    revealed = re.findall(r'Revealed type is "(.*?)"', result.stdout)
    errors = [line for line in result.stdout.splitlines() if ": error:" in line]
    return revealed, errors
