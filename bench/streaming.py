"""Memory of a streaming read: peak RSS while streaming every file version, by table size.

    python bench/streaming.py [--rows 1000000] [--sizes 100000,500000,1000000]
                              [--dialects sqlite,postgres] [--batch-size 1000]
                              [--postgres-url URL] [--results FILE]

A fresh SQLite file and a fresh PostgreSQL database (migrated with the library's
migrations) are filled with file versions by SQL alone (a recursive CTE, generate_series),
growing to each size in turn. At each size a fresh process connects, takes its RSS as
the baseline, streams the whole table with ``crud.file_version.stream_all`` and takes its
peak RSS. The stream is flat when the growth over the baseline does not grow
with the table.

PostgreSQL: ``--postgres-url`` or ``PICTALLION_BENCH_POSTGRES_URL`` (a server where the
user may create databases), else a throwaway cluster as the tests start. The Markdown
table goes to stdout and to ``bench/results/streaming.md``; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Any

from common import (
    RESULTS,
    current_rss_kib,
    fresh_database,
    peak_rss_kib,
    postgres_admin,
    run_child,
    say,
    write_results,
)

ASSET_ID = "00000000-0000-4000-8000-000000000000"
# Rows differ in every column a photo list shows; metadata and keywords exercise the JSON
# and array decoding that a real library needs.
_SQLITE_FILL = """
INSERT INTO file_versions (id, media_asset_id, tier, file_path, file_hash, file_size,
                           mime_type, metadata, is_reviewed, rating, keywords, created_at)
WITH RECURSIVE s(g) AS (SELECT ? UNION ALL SELECT g + 1 FROM s WHERE g < ?)
SELECT printf('%08x-0000-4000-8000-%012x', g, g), ?, 'silver', 'media/' || g || '.jpg',
       hex(g), g, 'image/jpeg', '{"exif": {"camera": "Bench ' || (g % 7) || '"}}',
       g % 2 = 0, g % 6, json_array('bench', 'k' || (g % 10)),
       strftime('%Y-%m-%dT%H:%M:%S', 1704067200 + g, 'unixepoch') || '.000000'
FROM s
"""
_POSTGRES_FILL = """
INSERT INTO file_versions (id, media_asset_id, tier, file_path, file_hash, file_size,
                           mime_type, metadata, is_reviewed, rating, keywords, created_at)
SELECT lpad(to_hex(g), 8, '0') || '-0000-4000-8000-' || lpad(to_hex(g), 12, '0'),
       %(asset)s, 'silver', 'media/' || g || '.jpg', md5(g::text), g, 'image/jpeg',
       jsonb_build_object('exif', jsonb_build_object('camera', 'Bench ' || (g %% 7))),
       g %% 2 = 0, g %% 6, ARRAY['bench', 'k' || (g %% 10)],
       timestamp '2024-01-01' + g * interval '1 second'
FROM generate_series(%(start)s::int, %(stop)s::int) AS g
"""


# ---- the measuring child ------------------------------------------------------------------


async def stream_everything(url: str, batch_size: int, eager: bool) -> dict[str, Any]:
    """Connect, take the baseline, read every file version, take the peak.

    ``eager`` reads them as one list instead (``get_multi``), for contrast.
    """
    from pictallion_sql import crud
    from pictallion_sql.database import connect

    db = await connect(url)
    try:
        expected = await crud.file_version.count(db)  # drivers and codecs are loaded now
        # The baseline is the RSS now, not the peak so far: a transient peak while
        # importing would otherwise hide whatever the read adds below it.
        baseline = current_rss_kib()
        started = time.perf_counter()
        rows = 0
        if eager:
            rows = len(await crud.file_version.get_multi(db, limit=expected))
        else:
            async with crud.file_version.stream_all(db, batch_size=batch_size) as records:
                async for _ in records:
                    rows += 1
        seconds = time.perf_counter() - started
        peak = peak_rss_kib()
    finally:
        await db.close()
    if rows != expected:
        raise SystemExit(f"streamed {rows} rows of {expected}")
    return {
        "read": "get_multi (one list)" if eager else "stream_all",
        "rows": rows,
        "seconds": seconds,
        "baseline_kib": baseline,
        "peak_kib": peak,
    }


def measure_in_child(url: str, batch_size: int, *, eager: bool = False) -> dict[str, Any]:
    """Run the read in a fresh interpreter, so every size starts from the same state."""
    return run_child(
        __file__, url, "--batch-size", str(batch_size), *(["--eager"] if eager else [])
    )


# ---- filling the databases ----------------------------------------------------------------


def fill_sqlite(path: Path, start: int, stop: int) -> None:
    """Add file versions ``start..stop`` (inclusive) to the SQLite file."""
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA synchronous = OFF")  # a scratch file: durability is not measured
        with conn:
            conn.execute(
                "INSERT OR IGNORE INTO media_assets (id, original_filename) VALUES (?, ?)",
                (ASSET_ID, "bench.jpg"),
            )
            conn.execute(_SQLITE_FILL, (start, stop, ASSET_ID))


def fill_postgres(url: str, start: int, stop: int) -> None:
    """Add file versions ``start..stop`` (inclusive) to the PostgreSQL database."""
    import psycopg

    with psycopg.connect(url) as conn:
        conn.execute(
            "INSERT INTO media_assets (id, original_filename) VALUES (%s, %s) "
            "ON CONFLICT (id) DO NOTHING",
            (ASSET_ID, "bench.jpg"),
        )
        conn.execute(_POSTGRES_FILL, {"asset": ASSET_ID, "start": start, "stop": stop})
        conn.commit()
        conn.execute("ANALYZE file_versions")


def run_dialect(
    dialect: str, admin: str | None, sizes: list[int], batch_size: int
) -> list[dict[str, Any]]:
    """Grow one database through ``sizes`` and measure a stream at each size."""
    results = []
    with (
        tempfile.TemporaryDirectory() as folder,
        fresh_database(dialect, admin, Path(folder)) as url,
    ):
        filled = 0
        for size in sizes:
            started = time.perf_counter()
            if dialect == "sqlite":
                fill_sqlite(Path(url.removeprefix("sqlite:///")), filled + 1, size)
            else:
                fill_postgres(url, filled + 1, size)
            filled = size
            say(f"{dialect}: {size:,} rows filled in {time.perf_counter() - started:.1f} s")
            result = measure_in_child(url, batch_size)
            say(
                f"{dialect}: streamed {result['rows']:,} rows in {result['seconds']:.1f} s, "
                f"peak {result['peak_kib'] / 1024:.1f} MiB"
            )
            results.append({"dialect": dialect, **result})
            if size == sizes[0]:
                # The same rows read as one list: what the stream saves.
                results.append(
                    {"dialect": dialect, **measure_in_child(url, batch_size, eager=True)}
                )
    return results


# ---- report -------------------------------------------------------------------------------


def mib(kib: int) -> str:
    """KiB as MiB with one decimal."""
    return f"{kib / 1024:.1f}"


def table(results: list[dict[str, Any]], batch_size: int) -> str:
    """The Markdown report: one line per (dialect, size), and whether memory stayed flat."""
    lines = [
        f"### Streaming read: `crud.file_version.stream_all(db, batch_size={batch_size})`",
        "",
        "A fresh process per line: its RSS after connecting (baseline), its peak RSS "
        "(VmHWM) after reading every row, and the difference. `get_multi` reads the "
        "smallest table as one list, for contrast.",
        "",
        "| dialect | read | rows | baseline MiB | peak MiB | growth MiB | rows/s |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        growth = r["peak_kib"] - r["baseline_kib"]
        lines.append(
            f"| {r['dialect']} | {r['read']} | {r['rows']:,} | {mib(r['baseline_kib'])} "
            f"| {mib(r['peak_kib'])} "
            f"| {mib(growth)} | {r['rows'] / r['seconds']:,.0f} |"
        )
    lines.append("")
    for dialect in dict.fromkeys(r["dialect"] for r in results):
        mine = [r for r in results if r["dialect"] == dialect and r["read"] == "stream_all"]
        small, large = mine[0], mine[-1]
        extra = (large["peak_kib"] - large["baseline_kib"]) - (
            small["peak_kib"] - small["baseline_kib"]
        )
        factor = large["rows"] / small["rows"]
        verdict = "flat" if extra < 8 * 1024 else "NOT flat"
        lines.append(
            f"- {dialect}: {factor:g}x the rows, growth changes by {mib(extra)} MiB: {verdict}"
        )
    return "\n".join(lines)


def main() -> None:
    """Parse arguments; fill, stream and report (or, with --child, measure one stream)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="the largest table size")
    parser.add_argument("--sizes", help="comma-separated table sizes (default: rows/10,/2,1)")
    parser.add_argument("--dialects", default="sqlite,postgres")
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--postgres-url", help="a server where databases may be created")
    parser.add_argument("--results", type=Path, default=RESULTS / "streaming.md")
    parser.add_argument("--child", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--eager", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(asyncio.run(stream_everything(args.child, args.batch_size, args.eager))))
        return
    if args.sizes:
        sizes = sorted({int(s) for s in args.sizes.split(",")})
    else:
        sizes = sorted({max(1, args.rows // 10), max(1, args.rows // 2), args.rows})
    dialects = [d.strip() for d in args.dialects.split(",") if d.strip()]
    results: list[dict[str, Any]] = []
    with contextlib.ExitStack() as stack:
        admin = None
        if "postgres" in dialects:
            admin = stack.enter_context(postgres_admin(args.postgres_url))
        for dialect in dialects:
            results += run_dialect(dialect, admin, sizes, args.batch_size)
    report = table(results, args.batch_size)
    write_results(args.results, report + "\n")
    print(report)


if __name__ == "__main__":
    main()
