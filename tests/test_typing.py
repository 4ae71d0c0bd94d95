"""The public API's inferred types, as a type checker sees them from a caller's code."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

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
    reveal_type(await crud.media_asset.create_many(db, [{"original_filename": "a"}]))
    reveal_type(await crud.media_asset.create_many(db, [], returning=False))
    reveal_type(await crud.setting.set_value(db, key="k", value="v"))
    reveal_type(await crud.media_asset.count(db))
    async with get_db_transaction() as tx:
        reveal_type(await crud.face.get_unassigned(tx, limit=5))
    await crud.file_version.get_by_tier(db, tier=3)
"""

EXPECTED = [
    "pictallion_sql._base.Database",
    "pictallion_sql.models.FileVersion | None",
    "list[pictallion_sql.models.FileVersion]",
    "list[pictallion_sql.models.FileVersion]",
    "list[pictallion_sql.models.Person]",
    "list[pictallion_sql.models.MediaAsset]",
    "list[str]",
    "pictallion_sql.models.Setting",
    "int",
    "list[pictallion_sql.models.Face]",
]


def test_callers_see_precise_types(tmp_path: Path) -> None:
    source = tmp_path / "caller.py"
    source.write_text(CALLER)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-incremental",
            "--cache-dir",
            str(tmp_path / "cache"),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    revealed = re.findall(r'Revealed type is "(.*?)"', result.stdout)
    assert revealed == EXPECTED, result.stdout
    errors = [line for line in result.stdout.splitlines() if ": error:" in line]
    assert len(errors) == 1 and "get_by_tier" in errors[0] and '"tier"' in errors[0], errors
