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


@pytest.mark.parametrize("dialect", ["sqlite", "postgres"])
def test_the_search_example_prints_what_the_readme_says(
    tmp_path: Path, dialect: str, request: pytest.FixtureRequest
) -> None:
    text = README.read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, re.DOTALL)
    example = next(b for b in blocks if "PhotoFilters" in b)
    url = (
        f"sqlite:///{tmp_path / 'example.db'}"
        if dialect == "sqlite"
        else str(request.getfixturevalue("new_pg_url"))
    )
    example = example.replace("sqlite:///./data/example.db", url)
    result = subprocess.run(
        [sys.executable, "-c", example], capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "1 ['gold'] {'gold': 1}",
        "1",
        "[('silver', 88)]",
        "2",
    ]
    assert "This prints `1 ['gold'] {'gold': 1}`, `1`" in text
