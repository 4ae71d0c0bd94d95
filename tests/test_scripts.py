"""Scripts: the process-wide database works across several ``asyncio.run`` calls."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "scripts.md"


def _run(code: str, url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DB_", "PICTALLION_DB"))}
    return subprocess.run(
        [sys.executable, "-c", code],
        env=env | {"DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
    )


def test_the_scripts_guide_example_runs_as_written(migrated_url: str, tmp_path: Path) -> None:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)
    done = _run(blocks[0], migrated_url, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "2\n"
    assert "This prints `2` on a new database" in DOC.read_text(encoding="utf-8")


def test_a_second_asyncio_run_gets_a_database_of_its_own(migrated_url: str, tmp_path: Path) -> None:
    # No close_db() at all: the first loop's database is left behind, unusable, and the
    # second loop must not be handed it (on PostgreSQL: "attached to a different loop").
    code = """
import asyncio
from pictallion_sql import crud
from pictallion_sql.database import get_database

async def step(name):
    db = await get_database()
    await crud.media_asset.create(db, obj_in={"original_filename": name})
    return id(db), await crud.media_asset.count(db)

first, second = asyncio.run(step("a.jpg")), asyncio.run(step("b.jpg"))
print(first[0] != second[0], first[1], second[1])
"""
    done = _run(code, migrated_url, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "True 1 2\n"


def test_one_loop_shares_one_database(migrated_url: str, tmp_path: Path) -> None:
    code = """
import asyncio
from pictallion_sql.database import close_db, get_database

async def main():
    dbs = await asyncio.gather(*(get_database() for _ in range(5)))
    again = await get_database()
    await close_db()
    after = await get_database()
    await close_db()
    print(len({id(d) for d in dbs}), again is dbs[0], after is not dbs[0])

asyncio.run(main())
"""
    done = _run(code, migrated_url, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "1 True True\n"
