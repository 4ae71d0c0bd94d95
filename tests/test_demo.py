"""``make demo`` writes the sample library once and prints it, on the default SQLite path."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path


def run_demo(cwd: Path) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DB_TYPE")}
    result = subprocess.run(
        [sys.executable, "-m", "pictallion_sql.admin.demo"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_demo_populates_the_default_database_once(tmp_path: Path) -> None:
    first = run_demo(tmp_path)
    assert (tmp_path / "data" / "pictallion.db").exists()
    assert "Migrations applied now: 0001_initial_schema, 0002_tag_library_indexes" in first
    assert "Wrote the sample library." in first
    assert "4 photos, 6 file versions: 4 silver, 2 gold" in first
    assert "gold   IMG_2041.jpg" in first
    # Counts agree with their nouns: one row, one face, one photo.
    assert re.search(r"^  events +1 row$", first, re.MULTILINE)
    assert "  John Smith       1 face in 1 photo\n" in first
    assert "  Élodie Martin    2 faces in 2 photos\n" in first
    assert " 1 rows" not in first and " 1 faces" not in first and " 1 photos" not in first
    assert "search 'élodie' finds: Élodie Martin" in first
    assert "Five stars   smart  3 photos" in first
    second = run_demo(tmp_path)
    assert "none (up to date)" in second and "leaving it as it is" in second
    assert "  media_assets            4 rows" in second


def test_demo_on_postgres(tmp_path: Path, new_pg_url: str) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DB_TYPE")}
    command = [sys.executable, "-m", "pictallion_sql.admin.demo", "--database-url", new_pg_url]
    result = subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "4 photos, 6 file versions: 4 silver, 2 gold" in result.stdout
    assert "search 'élodie' finds: Élodie Martin" in result.stdout
    assert not (tmp_path / "data").exists()
