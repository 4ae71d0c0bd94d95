"""Speed and memory of ``pictallion-db copy``, each direction, by library size.

    python bench/copy_library.py [--assets 300,1200] [--batch-size 2000]
                         [--postgres-url URL] [--results FILE]

For each size a SQLite library is generated with every column of every table filled
(``tests/full_library.py``: about 15 rows per asset, JSON documents in three columns)
and written through ``import_rows``. It is then copied SQLite -> PostgreSQL ->
PostgreSQL -> SQLite, each copy in a fresh process that reports the copy's rows per
second (the target's transaction: reading, checking, writing and verifying every row)
and its peak RSS. The floor is the same PostgreSQL -> PostgreSQL copy done with the raw
driver alone: asyncpg's binary ``COPY ... TO`` into ``COPY ... FROM`` per table, in one
transaction, without decoding, checks or verification.

PostgreSQL: ``--postgres-url`` or ``PICTALLION_BENCH_POSTGRES_URL`` (a server where the
user may create databases), else a throwaway cluster as the tests start. The Markdown
table goes to stdout and to ``bench/results/copy.md``; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from common import RESULTS, peak_rss_kib, postgres_admin, run_child, say, write_results

# ---- the measuring children -----------------------------------------------------------------


def child_copy(source: str, target: str, batch_size: int) -> dict[str, Any]:
    from pictallion_sql.admin.copy import copy_library

    report = asyncio.run(copy_library(source, target, batch_size=batch_size))
    assert report["verified"]
    return {
        "rows": report["rows"],
        "copy_seconds": report["copy_seconds"],
        "rows_per_second": report["rows_per_second"],
        "peak_rss_kib": peak_rss_kib(),
    }


async def _raw_postgres_copy(source: str, target: str) -> dict[str, Any]:
    import asyncpg

    from pictallion_sql.admin.common import TABLES

    src = await asyncpg.connect(source)
    dst = await asyncpg.connect(target)
    started = time.perf_counter()
    rows = 0
    try:
        async with (
            src.transaction(isolation="repeatable_read", readonly=True),
            dst.transaction(),
        ):
            for table in TABLES:
                buffer = io.BytesIO()
                await src.copy_from_table(table, output=buffer, format="binary")
                buffer.seek(0)
                status = await dst.copy_to_table(table, source=buffer, format="binary")
                rows += int(status.split()[-1])
    finally:
        await src.close()
        await dst.close()
    seconds = time.perf_counter() - started
    return {
        "rows": rows,
        "copy_seconds": round(seconds, 3),
        "rows_per_second": round(rows / seconds, 1),
        "peak_rss_kib": peak_rss_kib(),
    }


# ---- the parent ---------------------------------------------------------------------------


async def _fill(url: str, assets: int) -> None:
    from pictallion_sql.admin.common import TABLES
    from pictallion_sql.admin.copy import REPOSITORIES
    from pictallion_sql.database import connect
    from tests.full_library import full_library

    library = full_library(assets)
    db = await connect(url)
    try:
        async with db.transaction() as tx:
            for table in TABLES:
                await REPOSITORIES[table].import_rows(tx, rows=library[table], returning=False)
    finally:
        await db.close()


def measure(admin: str, assets: int, batch_size: int, folder: Path) -> list[dict[str, Any]]:
    from pictallion_sql.admin.migrations import apply_migrations
    from tests import pgcluster

    first = f"sqlite:///{folder / f'first-{assets}.db'}"
    last = f"sqlite:///{folder / f'last-{assets}.db'}"
    apply_migrations(first)
    asyncio.run(_fill(first, assets))
    pg = [pgcluster.create_database(admin) for _ in range(3)]
    try:
        results = []
        for label, source, target in (
            ("SQLite -> PostgreSQL", first, pg[0]),
            ("PostgreSQL -> PostgreSQL", pg[0], pg[1]),
            ("PostgreSQL -> SQLite", pg[1], last),
        ):
            say(f"{assets} assets: {label}")
            results.append(
                {"direction": label, **run_child(__file__, "copy", source, target, str(batch_size))}
            )
        apply_migrations(pg[2])
        say(f"{assets} assets: raw driver floor")
        floor = run_child(__file__, "raw", pg[0], pg[2])
        results.append({"direction": "PostgreSQL -> PostgreSQL, raw COPY (floor)", **floor})
        return results
    finally:
        for url in pg:
            pgcluster.drop_database(admin, url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--assets", default="300,1200", help="library sizes, comma-separated")
    parser.add_argument("--batch-size", type=int, default=2000)
    parser.add_argument("--postgres-url")
    parser.add_argument("--results", type=Path, default=RESULTS / "copy.md")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        if kind == "copy":
            out = child_copy(rest[0], rest[1], int(rest[2]))
        else:
            out = asyncio.run(_raw_postgres_copy(rest[0], rest[1]))
        print(json.dumps(out))
        return
    sizes = [int(s) for s in args.assets.split(",")]
    lines = [
        f"Copy of a generated library, every column filled; batch size {args.batch_size}.",
        "",
        "| assets | rows | direction | seconds | rows/s | peak RSS (MiB) |",
        "|---:|---:|---|---:|---:|---:|",
    ]
    with postgres_admin(args.postgres_url) as admin, tempfile.TemporaryDirectory() as tmp:
        for assets in sizes:
            for r in measure(admin, assets, args.batch_size, Path(tmp)):
                lines.append(
                    f"| {assets} | {r['rows']} | {r['direction']} | {r['copy_seconds']:.2f} | "
                    f"{r['rows_per_second']:,.0f} | {r['peak_rss_kib'] / 1024:.0f} |"
                )
    table = "\n".join(lines) + "\n"
    print(table)
    write_results(args.results, table)


if __name__ == "__main__":
    main()
