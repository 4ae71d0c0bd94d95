"""The README's examples run as written, one after the other, and print what it says."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests import pgcluster

README = Path(__file__).resolve().parent.parent / "README.md"
SQLITE_URL = re.compile(r"sqlite:///\./data/[\w.-]+\.db")


def scripts() -> list[str]:
    """The README's complete programs (the python blocks that run themselves), in order."""
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)
    return [b for b in blocks if "asyncio.run(main())" in b]


def check_usage(stdout: str) -> None:
    rating, keywords, created = stdout.split(" ", 2)
    assert (rating, keywords) == ("0", "['beach']")
    assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", created)


def check_search(stdout: str) -> None:
    assert stdout.splitlines() == ["1 ['gold'] {'gold': 1}", "1", "[('silver', 88)]", "2"]
    assert "This prints `1 ['gold'] {'gold': 1}`, `1`" in README.read_text(encoding="utf-8")


def test_each_example_has_a_database_of_its_own() -> None:
    urls = [SQLITE_URL.findall(script) for script in scripts()]
    assert len(urls) == 2, "the README's two programs moved; update this test"
    firsts = [found[0] for found in urls]
    assert all(set(found) == {found[0]} for found in urls)
    assert len(set(firsts)) == len(firsts), f"examples share a database: {firsts}"


@pytest.mark.parametrize("dialect", ["sqlite", "postgres"])
def test_the_examples_run_in_order_and_print_what_the_readme_says(
    tmp_path: Path, dialect: str, request: pytest.FixtureRequest
) -> None:
    checks = [check_usage, check_search]
    created: list[str] = []
    admin = str(request.getfixturevalue("pg_admin_url")) if dialect == "postgres" else ""
    request.addfinalizer(lambda: [pgcluster.drop_database(admin, url) for url in created])
    for script, check in zip(scripts(), checks, strict=True):
        if dialect == "postgres":  # each example's file becomes a database of its own
            for url in set(SQLITE_URL.findall(script)):
                created.append(pgcluster.create_database(admin))
                script = script.replace(url, created[-1])
        # As written on SQLite: relative paths, all in one working folder, in order.
        result = subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=tmp_path,
        )
        assert result.returncode == 0, result.stderr
        check(result.stdout)
