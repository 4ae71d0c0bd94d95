"""Where the time of one bench phase goes: Python function calls per row, and a profile.

    python bench/phase_profile.py --dialect sqlite --versions 2000 [--contender library]
        [--phase ingest|tier_listing|...] [--postgres-url URL] [--top 25] [--json]

Runs one contender's phase of ``bench/contender.py`` (the same rows, batches and
operations) on a fresh migrated database under ``cProfile``: the ingest, or after an
unprofiled ingest a read phase (warmed up as the bench does). Function calls are
deterministic for a given workload, unlike wall time on a shared machine, so the calls
per ingested row (per operation for a read phase) compare two revisions of the code
exactly. The profile's own overhead inflates the seconds it shows; read them as shares,
not as speed. A database is made per run (a temporary SQLite file, or a database created
on the PostgreSQL server at ``--postgres-url`` / ``PICTALLION_BENCH_POSTGRES_URL``) and
removed afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import io
import json
import os
import pstats
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

import workload  # noqa: E402
from contender import PHASES, make_contender, read_phases, stamp_times, warm_up  # noqa: E402

from pictallion_sql.admin.migrations import apply_migrations  # noqa: E402
from tests import pgcluster  # noqa: E402


@contextlib.contextmanager
def fresh_database(dialect: str, pg_admin: str | None) -> Iterator[str]:
    """A migrated, empty database of ``dialect``, removed afterwards."""
    if dialect == "sqlite":
        with tempfile.TemporaryDirectory(prefix="pictallion-profile-") as work:
            url = f"sqlite:///{Path(work) / 'ingest.db'}"
            apply_migrations(url)
            yield url
        return
    admin = pg_admin or os.environ.get("PICTALLION_BENCH_POSTGRES_URL")
    if not admin:
        raise SystemExit("PostgreSQL needs --postgres-url or PICTALLION_BENCH_POSTGRES_URL")
    url = pgcluster.create_database(admin)
    try:
        apply_migrations(url)
        yield url
    finally:
        pgcluster.drop_database(admin, url)


async def profiled_phase(
    contender: str, dialect: str, url: str, w: workload.Workload, phase: str
) -> tuple[cProfile.Profile, int]:
    """The contender's ``phase`` of ``w``, profiled from its first call to its last; the
    number of rows (ingest) or operations it made."""
    c = make_contender(contender, dialect, url)
    await c.open()
    try:
        profile = cProfile.Profile()
        if phase == "ingest":
            # One untimed batch first, as a warm service has: connections open, statements
            # prepared, caches filled. It goes to a table the ingest never writes.
            await _warm_up(c, dialect)
            profile.enable()
            await c.ingest(w)
            profile.disable()
            return profile, len(w.assets) + len(w.versions) + len(w.people) + len(w.faces) + len(
                w.settings
            )
        ids = await c.ingest(w)
        await stamp_times(dialect, url, w, ids)
        ops = read_phases(c, w, ids)[phase]
        await warm_up(c, phase, ops)
        profile.enable()
        for op in ops:
            await op()
        profile.disable()
        return profile, len(ops)
    finally:
        await c.close()


async def _warm_up(c: Any, dialect: str) -> None:
    if hasattr(c, "db"):
        from pictallion_sql import crud

        await crud.global_tag.create_many(c.db, objs=[{"tag": "warm-up"}], returning=False)
        return
    if c.pg is not None:
        await c.pg.execute("SELECT 1")
    else:
        await c.lite.execute("SELECT 1")


def summary(profile: cProfile.Profile, rows: int, top: int) -> dict[str, Any]:
    """Calls per row in total and by function, and the functions taking most time."""
    stats = pstats.Stats(profile)
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    total_calls = sum(entry[1] for entry in raw.values())
    by_calls = sorted(raw.items(), key=lambda item: -item[1][1])[:top]
    out = io.StringIO()
    stats.stream = out  # type: ignore[attr-defined]
    stats.sort_stats("tottime").print_stats(top)
    return {
        "rows": rows,
        "function_calls": total_calls,
        "calls_per_row": total_calls / rows,
        "seconds_profiled": stats.total_tt,  # type: ignore[attr-defined]
        "most_called": [
            {"function": _name(key), "calls": entry[1], "per_row": entry[1] / rows}
            for key, entry in by_calls
        ],
        "by_time": out.getvalue(),
    }


def _name(key: tuple[str, int, str]) -> str:
    filename, line, function = key
    if filename == "~":
        return function
    path = Path(filename)
    with contextlib.suppress(ValueError):
        path = path.relative_to(ROOT)
    return f"{path}:{line}({function})"


def main() -> None:
    """Parse the command line, profile one ingest, print the summary."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--dialect", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--contender", choices=("library", "raw"), default="library")
    parser.add_argument("--phase", choices=PHASES, default="ingest")
    parser.add_argument("--versions", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--postgres-url", default=None)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--json", action="store_true", help="one JSON line, no profile text")
    args = parser.parse_args()
    w = workload.build(args.versions, args.seed)
    with fresh_database(args.dialect, args.postgres_url) as url:
        profile, rows = asyncio.run(
            profiled_phase(args.contender, args.dialect, url, w, args.phase)
        )
    result = summary(profile, rows, args.top)
    result["phase"] = args.phase
    if args.json:
        result.pop("by_time")
        print(json.dumps(result))
        return
    unit = "row" if args.phase == "ingest" else "operation"
    print(
        f"{args.contender} {args.phase} on {args.dialect}: {rows:,} {unit}s, "
        f"{result['function_calls']:,} Python function calls, "
        f"{result['calls_per_row']:.2f} per {unit}"
    )
    print(f"\nMost called (calls per {unit}):")
    for entry in result["most_called"]:
        print(f"  {entry['per_row']:10.2f}  {entry['function']}")
    print("\nBy own time (profiled):")
    print(result["by_time"])


if __name__ == "__main__":
    main()
