"""``pip install .`` outside the repository ships the SQL and the migrations with the code."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = """
import asyncio, sys
from pictallion_sql import connect, crud
from pictallion_sql.admin.migrations import apply_migrations
import pictallion_sql

async def main(url):
    applied = apply_migrations(url)
    db = await connect(url)
    asset = await crud.media_asset.create(db, obj_in={"original_filename": "wheel.jpg"})
    again = await crud.media_asset.get(db, id=asset.id)
    await db.close()
    print(len(applied), again.original_filename, pictallion_sql.__file__)

for url in sys.argv[1:]:
    asyncio.run(main(url))
"""


def test_installed_wheel_migrates_and_queries_both_dialects(
    tmp_path: Path, new_pg_url: str
) -> None:
    wheels = tmp_path / "wheels"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--wheel-dir",
            str(wheels),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    wheel = next(wheels.glob("pictallion_sql-*.whl"))
    env_dir = tmp_path / "env"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    # The runtime dependencies come from the test environment, so no network is needed;
    # the package itself comes only from the wheel.
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    Path(site, "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--quiet",
            "--no-deps",
            str(wheel),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "DATABASE_URL")}
    result = subprocess.run(
        [str(python), "-c", SCRIPT, f"sqlite:///{work / 'new.db'}", new_pg_url],
        capture_output=True,
        text=True,
        cwd=work,
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 2
    for line in lines:
        count, name, location = line.split(" ", 2)
        assert int(count) >= 2 and name == "wheel.jpg"
        assert location.startswith(str(env_dir)), location
