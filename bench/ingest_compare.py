"""Bulk ingest through ``create_many`` against one ``create`` per row (library only).

    python bench/ingest_compare.py --bulk-url URL --row-url URL --autocommit-url URL \
        --versions N --sample S

The URLs name fresh, migrated, empty databases. The workload's file versions go in
through ``crud.file_version.create_many`` in batches of ``INGEST_BATCH``; then, on the
second database, the first ``S`` of them go in through ``crud.file_version.create``, one
call each inside one transaction, and on the third (if given) the same with each call
committing on its own. Per-row rates are extrapolated to N when S < N (said so in the output).
Media assets are loaded first, untimed. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from typing import Any

import workload

from pictallion_sql import Database, connect, crud


async def _versions(db: Database, w: workload.Workload, count: int) -> list[dict[str, Any]]:
    assets: list[str] = []
    for start in range(0, len(w.assets), workload.INGEST_BATCH):
        batch = w.assets[start : start + workload.INGEST_BATCH]
        assets.extend(a.id for a in await crud.media_asset.create_many(db, objs=batch))
    return [
        {"media_asset_id": assets[a], **v}
        for a, v in zip(w.version_asset[:count], w.versions[:count], strict=True)
    ]


async def bulk(url: str, w: workload.Workload) -> float:
    """Seconds to insert every version with create_many, the ids returned (a bulk load)."""
    db = await connect(url)
    try:
        rows = await _versions(db, w, len(w.versions))
        started = time.perf_counter()
        for start in range(0, len(rows), workload.INGEST_BATCH):
            batch = rows[start : start + workload.INGEST_BATCH]
            await crud.file_version.create_many(db, objs=batch, returning=False)
        return time.perf_counter() - started
    finally:
        await db.close()


async def per_row(url: str, w: workload.Workload, sample: int, one_transaction: bool) -> float:
    """Seconds to insert the first ``sample`` versions with one create each.

    In one transaction around the loop, or each create committing on its own (the plain
    loop a service writes without thinking of transactions).
    """
    db = await connect(url)
    try:
        rows = await _versions(db, w, sample)
        started = time.perf_counter()
        if one_transaction:
            async with db.transaction() as tx:
                for row in rows:
                    await crud.file_version.create(tx, obj_in=row)
        else:
            for row in rows:
                await crud.file_version.create(db, obj_in=row)
        return time.perf_counter() - started
    finally:
        await db.close()


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    """Both measurements and the extrapolated ratio."""
    w = workload.build(args.versions, args.seed)
    sample = min(args.sample, len(w.versions))
    bulk_s = await bulk(args.bulk_url, w)
    in_tx = await per_row(args.row_url, w, sample, one_transaction=True) / sample
    versions = len(w.versions)
    result: dict[str, Any] = {
        "versions": versions,
        "bulk_seconds": bulk_s,
        "per_row_sample": sample,
        "extrapolated": sample < versions,
        "per_row_seconds": in_tx * versions,
        "speedup": in_tx * versions / bulk_s,
    }
    if args.autocommit_url:
        each = await per_row(args.autocommit_url, w, sample, one_transaction=False) / sample
        result["autocommit_seconds"] = each * versions
        result["autocommit_speedup"] = each * versions / bulk_s
    return result


def main() -> None:
    """Parse the command line, measure, print one JSON line."""
    parser = argparse.ArgumentParser(description="create_many against one create per row.")
    parser.add_argument("--bulk-url", required=True)
    parser.add_argument("--row-url", required=True)
    parser.add_argument("--autocommit-url", help="also time rows committing one by one")
    parser.add_argument("--versions", type=int, default=2000)
    parser.add_argument("--sample", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    print(json.dumps(asyncio.run(main_async(parser.parse_args()))))


if __name__ == "__main__":
    main()
