"""Overhead of pictallion-sql against the raw drivers, measured as ratios in one run.

For each dialect and operation, the same statement runs through the raw driver (one
asyncpg / aiosqlite connection, driver rows, no decoding) and through the library
(named query, parameter binding, typed msgspec records). The ratio library/raw is what
matters; absolute times depend on the machine.

    make bench                         # SQLite and a throwaway PostgreSQL cluster
    PICTALLION_BENCH_POSTGRES_URL=postgresql://postgres@127.0.0.1/postgres make bench
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiosqlite
import asyncpg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pictallion_sql import connect, crud  # noqa: E402
from pictallion_sql.database import Database  # noqa: E402
from pictallion_sql.migrations import apply_migrations  # noqa: E402
from tests import pgcluster  # noqa: E402

COLUMNS = (
    "id, media_asset_id, tier, file_path, file_hash, file_size, mime_type, metadata, "
    "is_reviewed, rating, keywords, location, event_type, event_name, perceptual_hash, "
    "ai_short_description, processing_state, created_at"
)
METADATA = {
    "exif": {"camera": "Canon EOS R5", "gpsLatitude": 48.85, "gpsLongitude": 2.29},
    "ai": {"aiTags": ["beach", "sunset"], "shortDescription": "Sunset at the beach"},
}

Op = Callable[[], Awaitable[Any]]


async def timed(op: Op, seconds: float) -> float:
    """Median microseconds per call over batches filling about ``seconds``."""
    for _ in range(20):
        await op()
    samples: list[float] = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline or len(samples) < 5:
        start = time.perf_counter()
        for _ in range(20):
            await op()
        samples.append((time.perf_counter() - start) / 20 * 1e6)
    return statistics.median(samples)


async def seed(db: Database, versions: int) -> tuple[str, list[str]]:
    asset = await crud.media_asset.create(db, obj_in={"original_filename": "bench.jpg"})
    ids = []
    async with db.transaction() as tx:
        for i in range(versions):
            row = await crud.file_version.create(
                tx,
                obj_in={
                    "media_asset_id": asset.id,
                    "tier": "gold" if i % 2 else "silver",
                    "file_path": f"media/{i}.jpg",
                    "file_hash": f"h{i}",
                    "file_size": 1000 + i,
                    "mime_type": "image/jpeg",
                    "metadata": METADATA,
                    "keywords": ["a", "b"],
                },
            )
            ids.append(row.id)
    return asset.id, ids


@contextlib.asynccontextmanager
async def postgres_url() -> AsyncIterator[str]:
    given = os.environ.get("PICTALLION_BENCH_POSTGRES_URL")
    if given:
        url = pgcluster.create_database(given)
        try:
            yield url
        finally:
            pgcluster.drop_database(given, url)
        return
    with pgcluster.throwaway_cluster() as admin:
        pgcluster.wait_until_ready(admin)
        yield pgcluster.create_database(admin)


async def bench_dialect(dialect: str, url: str, seconds: float) -> list[tuple[str, float, float]]:
    apply_migrations(url)
    db = await connect(url)
    asset_id, ids = await seed(db, 200)
    target = ids[len(ids) // 2]
    get_sql = f"SELECT {COLUMNS} FROM file_versions WHERE id = {{p}}"
    page_sql = f"SELECT {COLUMNS} FROM file_versions ORDER BY created_at, id LIMIT 100 OFFSET 0"
    bulk_sql = (
        "INSERT INTO file_versions (id, media_asset_id, tier, file_path, file_hash, file_size, "
        "mime_type) VALUES ({})"
    )
    bulk_rows = 500
    insert_sql = (
        "INSERT INTO media_assets (original_filename) VALUES ({p}) "
        "RETURNING id, original_filename, created_at"
    )
    results: list[tuple[str, float, float]] = []

    if dialect == "postgres":
        raw = await asyncpg.connect(url)
        raw_get: Op = lambda: raw.fetchrow(get_sql.format(p="$1"), target)  # noqa: E731
        raw_page: Op = lambda: raw.fetch(page_sql)  # noqa: E731
        raw_insert: Op = lambda: raw.fetchrow(insert_sql.format(p="$1"), "x.jpg")  # noqa: E731
        close_raw = raw.close

        async def raw_bulk() -> None:
            rows = [
                (str(uuid.uuid4()), asset_id, "silver", f"b/{i}", "h", i, "image/jpeg")
                for i in range(bulk_rows)
            ]
            async with raw.transaction():
                await raw.executemany(bulk_sql.format("$1, $2, $3, $4, $5, $6, $7"), rows)
    else:
        raw_lite = await aiosqlite.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        # The same connection settings the library uses, so only the layer differs.
        for pragma in (
            "foreign_keys = ON",
            "journal_mode = WAL",
            "synchronous = NORMAL",
            "busy_timeout = 5000",
        ):
            await raw_lite.execute(f"PRAGMA {pragma}")
        raw_get = lambda: raw_lite.execute_fetchall(get_sql.format(p="?"), (target,))  # noqa: E731
        raw_page = lambda: raw_lite.execute_fetchall(page_sql)  # noqa: E731
        raw_insert = lambda: raw_lite.execute_fetchall(  # noqa: E731
            insert_sql.format(p="?"), ("x.jpg",)
        )
        close_raw = raw_lite.close

        async def raw_bulk() -> None:
            rows = [
                (str(uuid.uuid4()), asset_id, "silver", f"b/{i}", "h", i, "image/jpeg")
                for i in range(bulk_rows)
            ]
            await raw_lite.execute("BEGIN IMMEDIATE")
            await raw_lite.executemany(bulk_sql.format("?, ?, ?, ?, ?, ?, ?"), rows)
            await raw_lite.execute("COMMIT")

    async def our_bulk() -> None:
        await crud.file_version.create_many(
            db,
            objs=[
                {
                    "media_asset_id": asset_id,
                    "tier": "silver",
                    "file_path": f"b/{i}",
                    "file_hash": "h",
                    "file_size": i,
                    "mime_type": "image/jpeg",
                }
                for i in range(bulk_rows)
            ],
        )

    async with db.connection() as conn:
        cases: list[tuple[str, Op, Op]] = [
            ("get by id (pooled)", raw_get, lambda: crud.file_version.get(db, id=target)),
            (
                "get by id (held connection)",
                raw_get,
                lambda: crud.file_version.get(conn, id=target),
            ),
            ("list 100 rows", raw_page, lambda: crud.file_version.get_multi(conn, limit=100)),
            (
                "insert one row",
                raw_insert,
                lambda: crud.media_asset.create(conn, obj_in={"original_filename": "x.jpg"}),
            ),
            (f"bulk insert {bulk_rows} rows", raw_bulk, our_bulk),
        ]
        for name, raw_op, ours in cases:
            raw_us = await timed(raw_op, seconds)
            our_us = await timed(ours, seconds)
            results.append((name, raw_us, our_us))
    await close_raw()
    await db.close()
    return results


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="time per measurement")
    args = parser.parse_args()
    rows: list[tuple[str, str, float, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, raw_us, our_us in await bench_dialect(
            "sqlite", f"sqlite:///{tmp}/bench.db", args.seconds
        ):
            rows.append(("sqlite", name, raw_us, our_us))
    async with postgres_url() as url:
        for name, raw_us, our_us in await bench_dialect("postgres", url, args.seconds):
            rows.append(("postgres", name, raw_us, our_us))
    print(f"{'dialect':9} {'operation':30} {'raw µs':>9} {'ours µs':>9} {'ratio':>6}")
    for dialect, name, raw_us, our_us in rows:
        print(f"{dialect:9} {name:30} {raw_us:9.1f} {our_us:9.1f} {our_us / raw_us:6.2f}")


if __name__ == "__main__":
    asyncio.run(main())
