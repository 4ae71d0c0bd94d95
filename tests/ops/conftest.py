"""Helpers of the operations tests: run ``pictallion-db`` as a subprocess, look into databases."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest

from pictallion_sql.config import Settings

ALL = [
    "0001_initial_schema",
    "0002_tag_library_indexes",
    "0003_catalogue_indexes",
    "0004_listing_indexes",
    "0005_search_order_indexes",
    "0006_file_version_counts",
]


@dataclass
class Result:
    """One finished ``pictallion-db`` run."""

    code: int
    stdout: str
    stderr: str

    @property
    def json(self) -> Any:
        return json.loads(self.stdout)

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def cli_env(url: str) -> dict[str, str]:
    """The environment of a CLI run: DATABASE_URL set, DB_TYPE unset."""
    env = {k: v for k, v in os.environ.items() if k not in {"DB_TYPE", "DATABASE_URL"}}
    env["DATABASE_URL"] = url
    env.pop("PICTALLION_DEBUG", None)
    return env


def cli_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "pictallion_sql", *args]


def run_cli(
    url: str,
    *args: str,
    cwd: Path | None = None,
    stdin: str | None = None,
    env: dict[str, str] | None = None,
) -> Result:
    """Run ``python -m pictallion_sql ARGS`` against ``url``; never a TTY on stdin.

    ``env`` adds to (or overrides) the environment of the run.
    """
    proc = subprocess.run(
        cli_command(*args),
        env={**cli_env(url), **(env or {})},
        cwd=cwd,
        input=stdin if stdin is not None else "",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    result = Result(proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def ok(url: str, *args: str, cwd: Path | None = None) -> Result:
    """Run the CLI and insist on exit code 0."""
    result = run_cli(url, *args, cwd=cwd)
    assert result.code == 0, result.output
    return result


def execute(url: str, *statements: str) -> list[tuple[Any, ...]]:
    """Run statements on ``url`` (autocommit; SQLite without foreign-key enforcement)."""
    settings = Settings(database_url=url)
    rows: list[tuple[Any, ...]] = []
    if settings.dialect == "sqlite":
        conn = sqlite3.connect(settings.sqlite_path, isolation_level=None)
        try:
            for statement in statements:
                rows = conn.execute(statement).fetchall()
        finally:
            conn.close()
        return rows
    with psycopg.connect(url, autocommit=True) as pg:
        for statement in statements:
            cur = pg.execute(statement)
            rows = list(cur.fetchall()) if cur.description else []
    return rows


def count(url: str, table: str) -> int:
    return int(execute(url, f"SELECT count(*) FROM {table}")[0][0])


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A scratch folder the CLI runs in (relative backup paths land here)."""
    folder = tmp_path / "work"
    folder.mkdir()
    return folder
