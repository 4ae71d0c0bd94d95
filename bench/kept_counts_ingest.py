"""What the triggers of migration 0006 (kept counts, log of version writes) add to ingest.

    python bench/kept_counts_ingest.py [--versions 100000] [--repeats 3]
                                       [--dialects sqlite,postgres] [--postgres-url URL]

For each repeat and dialect, two fresh databases: one migrated to the head, one with
0006 rolled back (no triggers, the same indexes otherwise). Each loads the same versions
(on versions/3 assets, bronze/silver/gold) through ``create_many(returning=False)`` in
batches of 5,000, in alternating order; the report gives the median seconds of each and
their ratio, and (PostgreSQL) the same for single-row ``create`` calls. Printed and
written to ``bench/results/<UTC time>-kept-counts-ingest-N<versions>.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

from run import machine  # noqa: E402

from pictallion_sql import connect, crud  # noqa: E402
from pictallion_sql.admin.migrations import apply_migrations, rollback_last  # noqa: E402

BATCH = 5000
SINGLE_ROWS = 2000


def rows(versions: int, assets: list[str], seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [
        {
            "media_asset_id": assets[n % len(assets)],
            "tier": rng.choice(("bronze", "silver", "gold")),
            "file_path": f"/photos/{n}.jpg",
            "file_hash": f"{n:032x}",
            "file_size": 1000 + n,
            "mime_type": "image/jpeg",
            "rating": rng.randint(0, 5),
            "keywords": rng.sample(["sunset", "beach", "city", "family"], 2),
        }
        for n in range(versions)
    ]


async def load(url: str, versions: int, seed: int) -> tuple[float, float]:
    """Seconds for the bulk load, then for SINGLE_ROWS single-row creates."""
    db = await connect(url)
    try:
        assets = await crud.media_asset.create_many(
            db,
            objs=[{"original_filename": f"a{n}.jpg"} for n in range(max(versions // 3, 1))],
            returning=False,
        )
        objs = rows(versions, assets, seed)
        started = time.perf_counter()
        for start in range(0, len(objs), BATCH):
            await crud.file_version.create_many(
                db, objs=objs[start : start + BATCH], returning=False
            )
        bulk = time.perf_counter() - started
        singles = rows(SINGLE_ROWS, assets, seed + 1)
        started = time.perf_counter()
        for obj in singles:
            await crud.file_version.create(db, obj_in=obj)
        return bulk, time.perf_counter() - started
    finally:
        await db.close()


def fresh(dialect: str, name: str, folder: Path, admin: str | None) -> str:
    if dialect == "sqlite":
        return f"sqlite:///{folder / (name + '.db')}"
    import psycopg

    assert admin is not None
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return admin.rsplit("/", 1)[0] + "/" + name


def drop(dialect: str, name: str, admin: str | None) -> None:
    if dialect == "postgres":
        import psycopg

        assert admin is not None
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--versions", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--dialects", default="sqlite,postgres")
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--results-dir", type=Path, default=BENCH / "results")
    args = parser.parse_args()
    results: dict[str, dict[str, list[tuple[float, float]]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for repeat in range(args.repeats):
            for dialect in args.dialects.split(","):
                order = ["without", "with"] if repeat % 2 == 0 else ["with", "without"]
                for variant in order:
                    name = f"kept_ingest_{variant}_{repeat}"
                    url = fresh(dialect, name, Path(tmp), args.postgres_url)
                    apply_migrations(url)
                    if variant == "without":
                        assert rollback_last(url) == "0006_file_version_counts"
                    timing = asyncio.run(load(url, args.versions, repeat))
                    results.setdefault(dialect, {}).setdefault(variant, []).append(timing)
                    drop(dialect, name, args.postgres_url)
                    print(dialect, variant, repeat, [round(t, 2) for t in timing], flush=True)
    stamp = datetime.now(UTC)
    lines = [
        f"# Ingest with and without the triggers of migration 0006 ({args.versions:,} versions)",
        "",
        f"{stamp:%Y-%m-%d %H:%M} UTC; {machine(args.postgres_url)}; "
        f"{args.repeats} alternating repeats; create_many(returning=False) in batches of "
        f"{BATCH:,}, then {SINGLE_ROWS:,} single create calls",
        "",
        "| dialect | bulk s without | bulk s with | ratio | single s without "
        "| single s with | ratio |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for dialect, by_variant in results.items():
        without = [statistics.median(t[i] for t in by_variant["without"]) for i in (0, 1)]
        with_ = [statistics.median(t[i] for t in by_variant["with"]) for i in (0, 1)]
        lines.append(
            f"| {dialect} | {without[0]:.2f} | {with_[0]:.2f} | {with_[0] / without[0]:.2f} "
            f"| {without[1]:.2f} | {with_[1]:.2f} | {with_[1] / without[1]:.2f} |"
        )
    text = "\n".join(lines) + "\n"
    print(text)
    args.results_dir.mkdir(parents=True, exist_ok=True)
    out = args.results_dir / f"{stamp:%Y%m%dT%H%M%SZ}-kept-counts-ingest-N{args.versions}.md"
    out.write_text(text)
    print(f"written to {out}")


if __name__ == "__main__":
    main()
