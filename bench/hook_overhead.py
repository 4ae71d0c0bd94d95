"""What reporting each statement costs: per-query metrics, the slow-query check, the hook.

    python bench/hook_overhead.py [--calls 3000] [--rounds 9] [--postgres-url URL]

In one process per dialect, rounds of ``calls`` point lookups (``crud.media_asset.get``,
the cheapest call there is, so the largest share of overhead) alternate between the
library as shipped and the library with ``Database._report_query`` replaced by a no-op
(what a statement cost before it reported anything; the clock read at its start stays).
No observer is registered. Prints the median microseconds per call of each and their
ratio. Interleaving the rounds in one process cancels most of a busy machine's drift,
which ``make bench``'s whole-workload runs cannot.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pictallion_sql import crud  # noqa: E402
from pictallion_sql.admin.migrations import apply_migrations  # noqa: E402
from pictallion_sql.database import connect  # noqa: E402
from pictallion_sql.drivers.base import Database  # noqa: E402
from tests import pgcluster  # noqa: E402


def _silent(self: Database, *args: Any) -> None:
    return None


async def measure(url: str, calls: int, rounds: int) -> tuple[float, float]:
    db = await connect(url)
    shipped = Database._report_query
    try:
        asset = await crud.media_asset.create(db, obj_in={"original_filename": "a.jpg"})
        for _ in range(calls):  # warm: statements prepared, pool filled
            await crud.media_asset.get(db, id=asset.id)
        timings: dict[bool, list[float]] = {True: [], False: []}
        for index in range(rounds * 2):
            reporting = index % 2 == 0
            Database._report_query = shipped if reporting else _silent  # type: ignore[method-assign]
            started = time.perf_counter()
            for _ in range(calls):
                await crud.media_asset.get(db, id=asset.id)
            timings[reporting].append((time.perf_counter() - started) / calls * 1e6)
    finally:
        Database._report_query = shipped  # type: ignore[method-assign]
        await db.close()
    return statistics.median(timings[True]), statistics.median(timings[False])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--postgres-url", default=os.environ.get("PICTALLION_BENCH_POSTGRES_URL"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        lite = f"sqlite:///{Path(work) / 'hook.db'}"
        apply_migrations(lite)
        urls = {"sqlite": lite}
        admin = args.postgres_url
        cluster = None
        if admin is None:
            cluster = pgcluster.throwaway_cluster()
            admin = cluster.__enter__()
            pgcluster.wait_until_ready(admin)
        pg = pgcluster.create_database(admin)
        try:
            apply_migrations(pg)
            urls["postgres"] = pg
            print(f"{'dialect':<9} {'reporting µs':>13} {'silent µs':>10} {'ratio':>7}")
            for dialect, url in urls.items():
                on, off = asyncio.run(measure(url, args.calls, args.rounds))
                print(f"{dialect:<9} {on:>13.2f} {off:>10.2f} {on / off:>6.3f}x")
        finally:
            pgcluster.drop_database(admin, pg)
            if cluster is not None:
                cluster.__exit__(None, None, None)


if __name__ == "__main__":
    main()
