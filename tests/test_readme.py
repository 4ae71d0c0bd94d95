"""The README's usage example runs as written (against a temporary SQLite file)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"


@pytest.mark.parametrize("dialect", ["sqlite", "postgres"])
def test_the_usage_example_runs(
    tmp_path: Path, dialect: str, request: pytest.FixtureRequest
) -> None:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)
    url = (
        f"sqlite:///{tmp_path / 'example.db'}"
        if dialect == "sqlite"
        else str(request.getfixturevalue("new_pg_url"))
    )
    example = blocks[0].replace("sqlite:///./data/example.db", url)
    assert url in example
    result = subprocess.run(
        [sys.executable, "-c", example], capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    rating, keywords, created = result.stdout.split(" ", 2)
    assert (rating, keywords) == ("0", "['beach']")
    assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", created)
