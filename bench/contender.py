"""Run one contender through the workload on one fresh database; print a JSON result.

    python bench/contender.py --contender library --dialect sqlite --url sqlite:///x.db \
        --versions 2000 --seed 1 [--ingest-only]

The database must be freshly migrated and empty. Phases run in order; each is a fixed list
of operations, and a phase's time is the sum of its operations' times
(``time.perf_counter()`` and ``time.process_time()`` around each call). Before a read phase
is timed, its first two operations run once untimed (a warm-up, as in a service that has
been up for a while: statements prepared, caches filled); their answers are not compared.
Each answer is encoded to JSON bytes off the clock as soon as it arrives and the object is
dropped, as a service drops an answer once it is sent: keeping every answer of a phase
alive instead made the garbage collector's full passes over them part of the timings, in
proportion to how many objects each contender's answers hold, and not to the calls.
The printed JSON holds the seconds (wall and CPU) per phase and a digest of each phase's
answers; with ``--ingest-only`` only the ingest runs (the ids' counts stand for answers).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import Any

import aiosqlite
import asyncpg
import msgspec
import workload

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PHASES = (
    "ingest",
    "get_by_id",
    "tier_listing",
    "people_search",
    "unassigned_faces",
    "settings_upsert_read",
    "person_photos",
    "photo_listing",
    "search",
)
WARM_UP = 2

Op = Callable[[], Awaitable[Any]]


def make_contender(name: str, dialect: str, url: str) -> Any:
    """The contender object called ``name``."""
    if name == "library":
        from contender_library import LibraryContender

        return LibraryContender(dialect, url)
    if name == "raw":
        from contender_raw import RawContender

        return RawContender(dialect, url)
    if name == "orm":
        from contender_orm import OrmContender

        return OrmContender(dialect, url)
    raise SystemExit(f"unknown contender {name!r}")


async def stamp_times(
    dialect: str, url: str, w: workload.Workload, ids: dict[str, list[str]]
) -> None:
    """Give every row its workload creation time, then ANALYZE (untimed, same for all)."""
    tables = (
        ("media_assets", ids["assets"], w.asset_times),
        ("file_versions", ids["versions"], w.version_times),
        ("people", ids["people"], w.person_times),
        ("faces", ids["faces"], w.face_times),
    )
    if dialect == "postgres":
        conn = await asyncpg.connect(url)
        try:
            for table, row_ids, times in tables:
                await conn.execute(
                    f"UPDATE {table} AS t SET created_at = v.c "
                    "FROM unnest($1::varchar[], $2::timestamp[]) AS v(id, c) WHERE t.id = v.id",
                    row_ids,
                    times,
                )
            await conn.execute("ANALYZE")
        finally:
            await conn.close()
        return
    async with aiosqlite.connect(url.removeprefix("sqlite:///"), isolation_level=None) as lite:
        await lite.execute("BEGIN IMMEDIATE")
        for table, row_ids, times in tables:
            await lite.executemany(
                f"UPDATE {table} SET created_at = ? WHERE id = ?",
                [
                    (t.isoformat(timespec="microseconds"), i)
                    for i, t in zip(row_ids, times, strict=True)
                ],
            )
        await lite.execute("COMMIT")
        await lite.execute("ANALYZE")


def read_phases(c: Any, w: workload.Workload, ids: dict[str, list[str]]) -> dict[str, list[Op]]:
    """Every read phase as its list of ready-to-call operations."""
    ops = w.ops
    versions, people = ids["versions"], ids["people"]
    settings: list[Op] = []
    for key, value, category in ops["settings"]:
        settings.append(partial(c.upsert_setting, key, value, category))
        settings.append(partial(c.get_setting, key))
    return {
        "get_by_id": [partial(c.get_version, versions[i]) for i in ops["get_version"]]
        + [partial(c.get_person, people[i]) for i in ops["get_person"]],
        "tier_listing": [partial(c.tier_page, tier, skip) for tier, skip in ops["tier_page"]],
        "people_search": [partial(c.people_search, text) for text in ops["people_search"]],
        "unassigned_faces": [partial(c.unassigned_faces, n) for n in ops["unassigned_faces"]],
        "settings_upsert_read": settings,
        "person_photos": [partial(c.person_photos, people[p]) for p in ops["person_photos"]],
        "photo_listing": [partial(c.photo_listing, skip) for skip in ops["photo_listing"]],
        "search": [partial(c.search, *args) for args in ops["search"]],
    }


async def warm_up(c: Any, phase: str, phase_ops: list[Op]) -> None:
    """Run the first operations of a phase untimed (settings: on a key of its own)."""
    if phase == "settings_upsert_read":
        await c.upsert_setting("bench.warm_up", "1", "general")
        await c.get_setting("bench.warm_up")
        return
    for op in phase_ops[:WARM_UP]:
        await op()


async def run(
    contender: str, dialect: str, url: str, versions: int, seed: int, ingest_only: bool = False
) -> dict[str, Any]:
    """All phases of the workload (or the ingest alone); seconds and answer digests per phase.

    ``cpu_seconds`` is the process's CPU time per phase (every thread: SQLite's worker
    included, PostgreSQL's server not), steadier than wall time on a shared machine.
    """
    w = workload.build(versions, seed)
    c = make_contender(contender, dialect, url)
    await c.open()
    seconds: dict[str, float] = {}
    cpu: dict[str, float] = {}
    digests: dict[str, str] = {}
    counts: dict[str, int] = {}
    # Filled in as the phases run: what the parent reads back as JSON.
    measured: dict[str, Any] = {
        "contender": contender,
        "dialect": dialect,
        "versions": versions,
        "seconds": seconds,
        "cpu_seconds": cpu,
        "operations": counts,
        "digests": digests,
    }
    try:
        cpu_started, started = time.process_time(), time.perf_counter()
        ids = await c.ingest(w)
        seconds["ingest"] = time.perf_counter() - started
        cpu["ingest"] = time.process_time() - cpu_started
        counts["ingest"] = len(w.assets) + len(w.versions) + len(w.people) + len(w.faces)
        if ingest_only:
            rows = {table: len(row_ids) for table, row_ids in ids.items()}
            return {**measured, "rows": rows}
        await stamp_times(dialect, url, w, ids)
        names = workload.id_names(ids)
        for phase, phase_ops in read_phases(c, w, ids).items():
            await warm_up(c, phase, phase_ops)
            encoded: list[bytes] = []
            wall_seconds = cpu_seconds = 0.0
            for op in phase_ops:
                cpu_started, started = time.process_time(), time.perf_counter()
                answer = await op()
                wall_seconds += time.perf_counter() - started
                cpu_seconds += time.process_time() - cpu_started
                encoded.append(msgspec.json.encode(c.to_plain(phase, [answer])))
                del answer
            seconds[phase] = wall_seconds
            cpu[phase] = cpu_seconds
            counts[phase] = len(phase_ops)
            answers = [item for data in encoded for item in msgspec.json.decode(data)]
            digests[phase] = workload.digest(phase, answers, names)
    finally:
        await c.close()
    return measured


def main() -> None:
    """Parse the command line, run, print the result as one JSON line."""
    parser = argparse.ArgumentParser(description="Run one benchmark contender.")
    parser.add_argument("--contender", required=True, choices=("library", "raw", "orm"))
    parser.add_argument("--dialect", required=True, choices=("sqlite", "postgres"))
    parser.add_argument("--url", required=True)
    parser.add_argument("--versions", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--ingest-only", action="store_true", help="run the ingest phase alone (no reads)"
    )
    args = parser.parse_args()
    result = asyncio.run(
        run(args.contender, args.dialect, args.url, args.versions, args.seed, args.ingest_only)
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
