"""The README's examples run as written, one after the other, and print what it says."""

from __future__ import annotations

import os
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


def check_pages(stdout: str) -> None:
    assert stdout.splitlines() == ["[2, 2, 1]", "after"]
    assert "This prints `[2, 2, 1]` and `after`." in README.read_text(encoding="utf-8")


# The README's programs whose output it documents, told by what they call.
CHECKS = {
    "print(silver.rating": check_usage,
    "PhotoFilters": check_search,
    "get_by_tier_page": check_pages,
}


def test_each_example_has_a_database_of_its_own() -> None:
    named = [found for script in scripts() if (found := SQLITE_URL.findall(script))]
    assert len(named) >= 2, "the README's programs moved; update this test"
    firsts = [found[0] for found in named]
    assert all(set(found) == {found[0]} for found in named)
    assert len(set(firsts)) == len(firsts), f"examples share a database: {firsts}"


@pytest.mark.parametrize("dialect", ["sqlite", "postgres"])
def test_the_examples_run_in_order_and_print_what_the_readme_says(
    tmp_path: Path, dialect: str, request: pytest.FixtureRequest
) -> None:
    created: list[str] = []
    admin = str(request.getfixturevalue("pg_admin_url")) if dialect == "postgres" else ""
    request.addfinalizer(lambda: [pgcluster.drop_database(admin, url) for url in created])

    def new_database() -> str:
        created.append(pgcluster.create_database(admin))
        return created[-1]

    checked = []
    for script in scripts():
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DB_TYPE")}
        if dialect == "postgres":  # each example's database becomes one of its own
            for url in set(SQLITE_URL.findall(script)):
                script = script.replace(url, new_database())
            env["DATABASE_URL"] = new_database()
        # As written on SQLite: relative paths, all in one working folder, in order.
        result = subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=tmp_path,
            env=env,
        )
        assert result.returncode == 0, result.stderr
        for marker, check in CHECKS.items():
            if marker in script:
                check(result.stdout)
                checked.append(marker)
    assert checked == list(CHECKS)
