"""Reads by id with and without the Redis cache, side by side, on both dialects.

    python bench/cache.py [--rows 1000] [--reads 5000] [--repeats 5] [--postgres-url URL]

A throwaway redis-server (the installed binary) on a loopback port; PostgreSQL from
``--postgres-url`` / ``PICTALLION_BENCH_POSTGRES_URL``, else a throwaway cluster. Each
contender reads the same random ids: ``crud.file_version.get`` and
``crud.setting.get_by_key``, uncached, then cached with every entry already in Redis
(hits only). The report gives the median microseconds per call and cached/uncached.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from common import fresh_database, postgres_admin

from pictallion_sql import crud
from pictallion_sql.config import Settings
from pictallion_sql.database import Database, connect
from tests.redis_server import RedisServer


async def fill(url: str, rows: int) -> tuple[list[str], list[str]]:
    db = await connect(url, config=Settings())
    try:
        asset = await crud.media_asset.create(db, obj_in={"original_filename": "a.jpg"})
        versions = await crud.file_version.create_many(
            db,
            objs=[
                {
                    "media_asset_id": asset.id,
                    "tier": "gold",
                    "file_path": f"/gold/{i}.jpg",
                    "file_hash": f"h{i}",
                    "file_size": 1000 + i,
                    "mime_type": "image/jpeg",
                    "metadata": {"exif": {"camera": "X100"}, "ai": {"tags": ["sea", "sun"]}},
                    "keywords": ["holiday", f"k{i}"],
                }
                for i in range(rows)
            ],
            returning=False,
        )
        keys = [f"setting.{i}" for i in range(50)]
        for key in keys:
            await crud.setting.set_value(db, key=key, value="on")
        return versions, keys
    finally:
        await db.close()


async def timed(reads: int, call: Callable[[int], Awaitable[object]]) -> float:
    started = time.perf_counter()
    for i in range(reads):
        await call(i)
    return (time.perf_counter() - started) / reads * 1e6


async def measure(
    url: str, redis_url: str, ids: list[str], keys: list[str], reads: int, repeats: int
) -> dict[str, list[float]]:
    rng = random.Random(1)
    order = [rng.choice(ids) for _ in range(reads)]
    key_order = [rng.choice(keys) for _ in range(reads)]
    plain = await connect(url, config=Settings())
    cached = await connect(url, config=Settings(redis_url=redis_url))
    results: dict[str, list[float]] = {}
    try:
        contenders: dict[str, tuple[Database, Callable[[Database, int], Awaitable[object]]]] = {}
        for label, db in (("uncached", plain), ("cached", cached)):
            contenders[f"file_version.get {label}"] = (
                db,
                lambda d, i: crud.file_version.get(d, id=order[i]),
            )
            contenders[f"setting.get_by_key {label}"] = (
                db,
                lambda d, i: crud.setting.get_by_key(d, key=key_order[i]),
            )
        for db, call in contenders.values():  # warm: statements prepared, Redis filled
            await timed(reads, lambda i, d=db, c=call: c(d, i))  # type: ignore[misc]
        for _ in range(repeats):
            for name, (db, call) in contenders.items():
                per_call = await timed(reads, lambda i, d=db, c=call: c(d, i))  # type: ignore[misc]
                results.setdefault(name, []).append(per_call)
        assert cached.cache is not None and cached.cache.stats.errors == 0
    finally:
        await plain.close()
        await cached.close()
    return results


NAMES = {"sqlite": "SQLite", "postgres": "PostgreSQL"}


def report(dialect: str, results: dict[str, list[float]]) -> list[str]:
    lines = [
        f"### {dialect}",
        "",
        "| read | uncached µs/call | cached µs/call | cached/uncached |",
        "|---|---:|---:|---:|",
    ]
    for read in ("file_version.get", "setting.get_by_key"):
        plain = statistics.median(results[f"{read} uncached"])
        cached = statistics.median(results[f"{read} cached"])
        lines.append(f"| {read} | {plain:.1f} | {cached:.1f} | {cached / plain:.2f} |")
    return [*lines, ""]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--reads", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--dialects", default="sqlite,postgres")
    parser.add_argument("--postgres-url", default=None)
    args = parser.parse_args()
    server = RedisServer()
    server.start()
    lines = [f"Reads by id, {args.reads} per run, median of {args.repeats} runs", ""]
    try:
        with (
            tempfile.TemporaryDirectory(prefix="pictallion-bench-cache-") as work,
            contextlib.ExitStack() as stack,
        ):
            for dialect in args.dialects.split(","):
                admin = None
                if dialect == "postgres":
                    admin = stack.enter_context(postgres_admin(args.postgres_url))
                with fresh_database(dialect, admin, Path(work)) as url:
                    ids, keys = asyncio.run(fill(url, args.rows))
                    results = asyncio.run(
                        measure(url, server.url, ids, keys, args.reads, args.repeats)
                    )
                lines += report(NAMES[dialect], results)
    finally:
        server.remove()
    print("\n".join(lines))


if __name__ == "__main__":
    main()
