"""What the benchmark scripts share: the PostgreSQL server, throwaway databases, memory
figures, progress lines and the results they write.

A script in ``bench/`` imports it by name (``from common import ...``): Python puts the
script's folder first on the path, and importing it puts the checkout's root there too, so
that ``pictallion_sql`` and ``tests`` import from the checkout.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def say(message: str) -> None:
    """Progress on stderr, so stdout carries only the report."""
    print(message, file=sys.stderr, flush=True)


@contextlib.contextmanager
def postgres_admin(given: str | None) -> Iterator[str]:
    """An admin URL where databases may be created: ``given``, else
    ``PICTALLION_BENCH_POSTGRES_URL``, else a throwaway cluster's (as the tests start)."""
    from tests import pgcluster

    with pgcluster.server(given or os.environ.get("PICTALLION_BENCH_POSTGRES_URL")) as url:
        yield url


@contextlib.contextmanager
def fresh_database(dialect: str, admin: str | None, folder: Path) -> Iterator[str]:
    """A new database of ``dialect`` with every migration applied, removed afterwards.

    SQLite's is ``bench.db`` in ``folder``; PostgreSQL's is created on the server ``admin``.
    """
    from pictallion_sql.admin.migrations import apply_migrations
    from tests import pgcluster

    if dialect == "sqlite":
        url = f"sqlite:///{folder / 'bench.db'}"
        apply_migrations(url)
        yield url
        return
    assert admin is not None, "PostgreSQL needs an admin URL (postgres_admin)"
    url = pgcluster.create_database(admin)
    try:
        apply_migrations(url)
        yield url
    finally:
        pgcluster.drop_database(admin, url)


def _status_kib(field: str) -> int | None:
    """One ``kB`` field of /proc/self/status (Linux), or None."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


def peak_rss_kib() -> int:
    """The process's peak resident set size so far, in KiB.

    VmHWM where Linux gives it: ``ru_maxrss`` of a process started by fork and exec also
    counts the parent's memory at the fork, which would hide what the child itself uses.
    """
    peak = _status_kib("VmHWM")
    return peak if peak is not None else int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def current_rss_kib() -> int:
    """The process's resident set size now, in KiB (the peak where /proc is missing)."""
    now = _status_kib("VmRSS")
    return now if now is not None else peak_rss_kib()


def run_child(script: str, *args: str) -> dict[str, Any]:
    """Run ``script --child ARGS`` in a fresh interpreter; the JSON object it prints.

    A fresh process per measurement starts every one from the same state (memory, caches).
    """
    done = subprocess.run(
        [sys.executable, str(Path(script).resolve()), "--child", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        timeout=3600,
    )
    if done.returncode != 0:
        raise SystemExit(f"{Path(script).name} child {args} failed:\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout))


def write_results(path: Path, text: str) -> None:
    """Write a report, making its folder if missing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
