"""Every page call at 10,000 versions against the same call at N versions (default 1,000,000).

    python bench/scale.py --versions 1000000 [--small 10000] [--dialects sqlite,postgres]
                          [--runs 25] [--postgres-url URL] [--results-dir DIR]

For each dialect and each size, a fresh migrated database is loaded through the
library's own ``create_many(returning=False)`` in batches: N file versions on N/3 media
assets (bronze, silver and, for two in five assets, gold), N/5 faces (seven in ten
assigned to one of N/500 people), N/3 history entries, 40 collections holding 10,000
photos at every size, one smart collection (its matches grow with N). The planner then
gets its statistics (``VACUUM ANALYZE`` on PostgreSQL, as autovacuum would; ``ANALYZE``
on SQLite, as ``pictallion-db maintenance`` does). Both sizes stay open; each hot call
runs a few times untimed, then ``--runs`` times timed on the two sizes in turn (so that
the load of a shared machine weighs on both alike; fewer runs when a call is slow: at
most about 5 s per call); the table gives p50 and p95 at both sizes, the ratio of the
p50s, and for a call over 2x the top nodes of its plan at N. The report is printed and written to
``bench/results/<UTC time>-scale-N<versions>.md``.

PostgreSQL: ``--postgres-url`` or ``PICTALLION_BENCH_POSTGRES_URL`` (a server where the
user may create databases), else a throwaway cluster as the tests start.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import BENCH, postgres_admin, write_results
from run import Databases, machine

from pictallion_sql import Database, connect, crud
from pictallion_sql.catalog import file_versions as _file_versions
from pictallion_sql.catalog.search import plan_search
from pictallion_sql.query.named import queries
from pictallion_sql.query.registry import Query

BATCH = 5000
# Collections hold the same photos at every size: their pages are compared, not their growth.
MEMBERSHIPS = 10_000
BUDGET_SECONDS = 5.0
SMART_RULES = {
    "rules": [
        {"field": "rating", "operator": "equals", "value": 5},
        {"field": "keywords", "operator": "contains", "value": "sunset"},
    ],
    "operator": "AND",
}
KEYWORDS = ["family", "beach", "city", "mountains", "snow", "birthday", "dog", "sunset", "park"]
PLACES = ["Paris", "Berlin", "Lisbon", "Oslo", "Nice", "Porto"]


@dataclass
class Loaded:
    """Ids to call the hot calls with."""

    version_id: str
    person_id: str
    collection_id: str
    smart_id: str
    seconds: float
    # Deep pages: half-way down every version (get_all) and down the silver tier
    # (get_by_tier), as an offset and as the cursor of the row just before it.
    deep_skip: int = 0
    deep_cursor: str = ""
    tier_skip: int = 0
    tier_cursor: str = ""


async def find_deep_pages(db: Database, loaded: Loaded, versions: int) -> None:
    """The offsets half-way down get_all and get_by_tier silver, and the cursors there.

    A cursor names the row before the page; it is made from that row as the previous
    page would have handed it out (walking half a million rows to get it would only
    time the walk).
    """
    loaded.deep_skip = versions // 2
    (row,) = await crud.file_version.get_all(db, skip=loaded.deep_skip - 1, limit=1)
    loaded.deep_cursor = _file_versions._ALL_PAGES.encode(row, {})
    silver = await crud.file_version.get_photos_count(db, tier="silver", show_all_versions=True)
    loaded.tier_skip = silver // 2
    (row,) = await crud.file_version.get_by_tier(
        db, tier="silver", skip=loaded.tier_skip - 1, limit=1
    )
    loaded.tier_cursor = _file_versions._TIER_PAGES.encode(row, {"tier": "silver"})


async def _bulk(repo: Any, db: Database, rows: list[dict[str, Any]]) -> list[str]:
    ids: list[str] = []
    for start in range(0, len(rows), BATCH):
        ids += await repo.create_many(db, objs=rows[start : start + BATCH], returning=False)
    return ids


async def load(db: Database, versions: int, seed: int) -> Loaded:
    """The library of ``versions`` file versions, in the proportions of the module doc."""
    rng = random.Random(seed)
    started = time.perf_counter()
    asset_count = max(versions // 3, 1)
    assets = await _bulk(
        crud.media_asset,
        db,
        [{"original_filename": f"IMG_{a:07d}.jpg"} for a in range(asset_count)],
    )
    version_ids: list[str] = []
    silver_ids: list[str] = []
    rows: list[dict[str, Any]] = []
    made = 0
    for a, asset in enumerate(assets):
        for tier in ("bronze", "silver", "gold" if a % 5 < 2 else "silver"):
            if made == versions:
                break
            made += 1
            rows.append(
                {
                    "media_asset_id": asset,
                    "tier": tier,
                    "file_path": f"media/{tier}/{a:07d}-{made}.jpg",
                    "file_hash": f"{a:032x}",
                    "file_size": rng.randrange(500_000, 8_000_000),
                    "mime_type": "image/jpeg",
                    "rating": rng.randrange(6),
                    "keywords": rng.sample(KEYWORDS, rng.randrange(4)),
                    "location": rng.choice(PLACES) if rng.random() < 0.3 else None,
                    "metadata": {"ai": {"aiTags": rng.sample(KEYWORDS, 2)}},
                }
            )
            if len(rows) == BATCH:
                ids = await crud.file_version.create_many(db, objs=rows, returning=False)
                version_ids += ids
                silver_ids += [i for i, r in zip(ids, rows, strict=True) if r["tier"] == "silver"]
                rows = []
    if rows:
        ids = await crud.file_version.create_many(db, objs=rows, returning=False)
        version_ids += ids
        silver_ids += [i for i, r in zip(ids, rows, strict=True) if r["tier"] == "silver"]
    people = await _bulk(
        crud.person, db, [{"name": f"Person {p}"} for p in range(max(versions // 500, 20))]
    )
    await _bulk(
        crud.face,
        db,
        [
            {
                "photo_id": rng.choice(silver_ids),
                "person_id": rng.choice(people) if rng.random() < 0.7 else None,
                "bounding_box": [10, 20, 120, 140],
                "confidence": rng.randrange(50, 100),
            }
            for _ in range(versions // 5)
        ],
    )
    await _bulk(
        crud.asset_history,
        db,
        [{"media_asset_id": a, "action": "INGESTED", "details": "bench"} for a in assets],
    )
    albums = await _bulk(crud.collection, db, [{"name": f"Album {c}"} for c in range(40)])
    await _bulk(
        crud.collection_photo,
        db,
        [
            {"collection_id": albums[m % 40], "photo_id": rng.choice(version_ids)}
            for m in range(MEMBERSHIPS)
        ],
    )
    smart = await crud.collection.create(
        db, obj_in={"name": "Five stars", "is_smart_collection": True, "smart_rules": SMART_RULES}
    )
    await crud.collection.refresh_smart(db, collection_id=smart.id)
    return Loaded(
        version_id=version_ids[len(version_ids) // 2],
        person_id=people[len(people) // 2],
        collection_id=albums[3],
        smart_id=smart.id,
        seconds=time.perf_counter() - started,
    )


Call = Callable[[Database, Loaded], Awaitable[Any]]
Plan = Callable[[Loaded], tuple[Query[Any], dict[str, Any]]]


def _named(name: str, **params: Any) -> Plan:
    return lambda s: (queries[name], dict(params))


def _search_plan(filters: dict[str, Any], statement: str = "page") -> Plan:
    """The statement of a search page: the page alone once the total is kept, the first
    page with its capped count ("capped"), or with every match counted ("every")."""

    def plan(s: Loaded) -> tuple[Query[Any], dict[str, Any]]:
        planned = plan_search(filters, None)
        chosen = {"page": planned.page_query, "capped": planned.capped_query}
        query: Query[Any] = chosen.get(statement) or planned.query
        extra = {"count_limit": 1_000} if statement == "capped" else {}
        return query, {**planned.params, "limit": 51, "offset": 0, **extra}

    return plan


SEARCH_FILTERS = {"query": "sunset", "rating_min": 4}
_SECOND_PAGE: dict[int, str | None] = {}


async def _search_page_2(db: Database) -> Any:
    """The page after the first, by the first page's cursor (taken once per database)."""
    if id(db) not in _SECOND_PAGE:
        first = await crud.file_version.search(db, filters=SEARCH_FILTERS)
        _SECOND_PAGE[id(db)] = first.next_cursor
    return await crud.file_version.search(db, filters=SEARCH_FILTERS, after=_SECOND_PAGE[id(db)])


async def _search_recounted(db: Database, exact_total: bool = False) -> Any:
    """A first page whose total and facets are not kept: counted up to the count limit
    (the default), or every match (``exact_total``)."""
    if db.local_results is not None:
        db.local_results.clear()
    return await crud.file_version.search(db, filters=SEARCH_FILTERS, exact_total=exact_total)


async def _live_recounted(db: Database) -> Any:
    """A first live-search page whose total is not kept: counted up to the count limit."""
    if db.local_results is not None:
        db.local_results.clear()
    return await crud.file_version.search_photos(db, query="beach")


# name -> (the call, the statement behind it for EXPLAIN)
HOT: dict[str, tuple[Call, Plan | None]] = {
    "get by id": (
        lambda db, s: crud.file_version.get(db, id=s.version_id),
        lambda s: (queries["file_versions.get"], {"id": s.version_id}),
    ),
    "tier page 1 (get_by_tier gold)": (
        lambda db, s: crud.file_version.get_by_tier(db, tier="gold", limit=50),
        _named("file_versions.get_by_tier", tier="gold", skip=0, limit=50),
    ),
    "deep page: offset N/2 (get_all)": (
        lambda db, s: crud.file_version.get_all(db, skip=s.deep_skip, limit=50),
        lambda s: (queries["file_versions.get_all"], {"skip": s.deep_skip, "limit": 50}),
    ),
    "deep page: cursor at N/2 (get_all_page)": (
        lambda db, s: crud.file_version.get_all_page(db, after=s.deep_cursor, limit=50),
        None,
    ),
    "deep tier page: offset half the silver tier (get_by_tier)": (
        lambda db, s: crud.file_version.get_by_tier(db, tier="silver", skip=s.tier_skip, limit=50),
        lambda s: (
            queries["file_versions.get_by_tier"],
            {"tier": "silver", "skip": s.tier_skip, "limit": 50},
        ),
    ),
    "deep tier page: cursor at the same depth (get_by_tier_page)": (
        lambda db, s: crud.file_version.get_by_tier_page(
            db, tier="silver", after=s.tier_cursor, limit=50
        ),
        None,
    ),
    "list_by_tier silver, page 1": (
        lambda db, s: crud.file_version.list_by_tier(db, tier="silver", limit=50),
        _named(
            "file_versions.tier_listing", tier="silver", show_all_versions=False, skip=0, limit=50
        ),
    ),
    "list_photos, page 1": (
        lambda db, s: crud.file_version.list_photos(db, limit=50),
        _named("file_versions.highest_tier", skip=0, limit=50),
    ),
    "recent photos": (
        lambda db, s: crud.file_version.get_recent_photos(db, limit=24),
        _named("file_versions.recent_photos", limit=24),
    ),
    "photos by tag, page 1": (
        lambda db, s: crud.file_version.get_photos_by_tag(db, tag="beach", limit=50),
        _named("file_versions.by_tag", tag="beach", skip=0, limit=50),
    ),
    "search, keyword + rating": (
        lambda db, s: crud.file_version.search(db, filters=SEARCH_FILTERS),
        _search_plan(SEARCH_FILTERS),
    ),
    "search, page 2 by cursor": (lambda db, s: _search_page_2(db), None),
    "search, total recounted (first time)": (
        lambda db, s: _search_recounted(db),
        _search_plan(SEARCH_FILTERS, "capped"),
    ),
    "search, exact total on request (first time)": (
        lambda db, s: _search_recounted(db, exact_total=True),
        _search_plan(SEARCH_FILTERS, "every"),
    ),
    "live search (search_photos)": (
        lambda db, s: crud.file_version.search_photos(db, query="beach"),
        _named(
            "file_versions.search_page",
            query="beach",
            tier="silver",
            rating_min=None,
            rating_max=None,
            limit=50,
            offset=0,
        ),
    ),
    "live search, total recounted (first time)": (
        lambda db, s: _live_recounted(db),
        _named(
            "file_versions.search",
            query="beach",
            tier="silver",
            rating_min=None,
            rating_max=None,
            count_limit=1_000,
            limit=51,
            offset=0,
        ),
    ),
    "listing total (get_photos_count)": (
        lambda db, s: crud.file_version.get_photos_count(db),
        _named("file_versions.count_highest_tier"),
    ),
    "tier total (get_photos_count silver)": (
        lambda db, s: crud.file_version.get_photos_count(db, tier="silver"),
        _named("file_versions.count_by_tier", tier="silver", show_all_versions=False),
    ),
    "person's photos": (
        lambda db, s: crud.person.get_photos(db, person_id=s.person_id),
        lambda s: (queries["people.get_photos"], {"person_id": s.person_id}),
    ),
    "unassigned faces": (
        lambda db, s: crud.face.get_unassigned(db, limit=50),
        _named("faces.get_unassigned", limit=50),
    ),
    "collection photos": (
        lambda db, s: crud.collection_photo.get_photos(db, collection_id=s.collection_id),
        lambda s: (
            queries["collection_photos.photos_of_collection"],
            {"collection_id": s.collection_id},
        ),
    ),
    "collections with stats": (
        lambda db, s: crud.collection.get_all_with_stats(db),
        _named("collections.get_all_with_stats"),
    ),
    "refresh_smart": (
        lambda db, s: crud.collection.refresh_smart(db, collection_id=s.smart_id),
        None,
    ),
}


# (label, the offset call, the cursor call at the same depth)
DEEP_PAIRS = [
    (
        "every version, half-way (N/2)",
        "deep page: offset N/2 (get_all)",
        "deep page: cursor at N/2 (get_all_page)",
    ),
    (
        "silver tier, half-way",
        "deep tier page: offset half the silver tier (get_by_tier)",
        "deep tier page: cursor at the same depth (get_by_tier_page)",
    ),
]


async def _settle(db: Database, url: str) -> None:
    """Statistics for the planner, as autovacuum or ``pictallion-db maintenance`` give them."""
    if url.startswith("sqlite"):
        conn = sqlite3.connect(url.removeprefix("sqlite:///"))
        conn.execute("ANALYZE")
        conn.close()
        return
    import asyncpg

    conn_pg = await asyncpg.connect(url)
    try:
        await conn_pg.execute("VACUUM ANALYZE")
    finally:
        await conn_pg.close()


async def time_calls(
    dbs: list[Database], loaded: list[Loaded], runs: int
) -> list[dict[str, list[float]]]:
    """Milliseconds of each hot call on each database, ``runs`` times (fewer when slow).

    The databases take turns, one run each, so that the load of a shared machine weighs
    on every size alike.
    """
    timings: list[dict[str, list[float]]] = [{} for _ in dbs]
    pairs = list(zip(dbs, loaded, timings, strict=True))
    for name, (call, _) in HOT.items():
        for db, sample, _ in pairs:
            for _ in range(2):
                await call(db, sample)
        spent = 0.0
        for timing in timings:
            timing[name] = []
        while len(timings[0][name]) < runs and (
            spent < BUDGET_SECONDS or len(timings[0][name]) < 3
        ):
            for db, sample, timing in pairs:
                started = time.perf_counter()
                await call(db, sample)
                elapsed = time.perf_counter() - started
                spent += elapsed
                timing[name].append(elapsed * 1000)
    return timings


async def top_of_plan(url: str, query: Query[Any], params: dict[str, Any]) -> str:
    """The plan's top nodes: PostgreSQL's node types down to the first scans, SQLite's lines."""
    if url.startswith("sqlite"):
        compiled = query.sqlite
        conn = sqlite3.connect(url.removeprefix("sqlite:///"))
        conn.create_function("pictallion_lower", 1, lambda s: None if s is None else s.lower())
        args = [
            json.dumps(v) if isinstance(v, list) else int(v) if isinstance(v, bool) else v
            for v in (params[a] for a in compiled.arg_names)
        ]
        lines = [str(r[3]) for r in conn.execute("EXPLAIN QUERY PLAN " + compiled.text, args)]
        conn.close()
        return "; ".join(lines[:4])
    import asyncpg

    compiled_pg = query.postgres
    conn_pg = await asyncpg.connect(url)
    try:
        document = await conn_pg.fetchval(
            "EXPLAIN (FORMAT JSON) " + compiled_pg.text,
            *[params[a] for a in compiled_pg.arg_names],
        )
    finally:
        await conn_pg.close()
    node = json.loads(document)[0]["Plan"]
    path = []
    while node is not None and len(path) < 4:
        label = node["Node Type"]
        if "Relation Name" in node:
            label += f" on {node['Relation Name']}"
        if "Index Name" in node:
            label += f" using {node['Index Name']}"
        path.append(label)
        node = (node.get("Plans") or [None])[0]
    return " > ".join(path)


def _pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _fmt(ms: float) -> str:
    return f"{ms:,.2f}" if ms < 100 else f"{ms:,.0f}"


async def run_dialect(
    dbs: Databases, dialect: str, small: int, large: int, runs: int, seed: int
) -> list[str]:
    with dbs.fresh(dialect) as small_url, dbs.fresh(dialect) as large_url:
        urls = {small: small_url, large: large_url}
        opened = {size: await connect(url) for size, url in urls.items()}
        try:
            loaded = {}
            for size, db in opened.items():
                print(f"{dialect}: loading {size:,} versions ...", flush=True)
                loaded[size] = await load(db, size, seed)
                print(f"{dialect}: {size:,} loaded in {loaded[size].seconds:.1f} s", flush=True)
                await _settle(db, urls[size])
                await find_deep_pages(db, loaded[size], size)
            timed = await time_calls(
                [opened[small], opened[large]], [loaded[small], loaded[large]], runs
            )
        finally:
            for db in opened.values():
                await db.close()
        results = {
            size: {"loaded": loaded[size], "timings": timing}
            for size, timing in zip((small, large), timed, strict=True)
        }
        plans = {}
        for name, (_, plan) in HOT.items():
            p50s = [statistics.median(results[n]["timings"][name]) for n in (small, large)]
            if plan is not None and p50s[1] > 2 * p50s[0]:
                query, params = plan(loaded[large])
                plans[name] = await top_of_plan(large_url, query, params)
    lines = [
        f"### {dialect}",
        "",
        f"Load through create_many(returning=False): {small:,} versions in "
        f"{results[small]['loaded'].seconds:.1f} s, {large:,} in "
        f"{results[large]['loaded'].seconds:.1f} s.",
        "",
        f"| call | p50 ms @{small:,} | p95 ms @{small:,} | p50 ms @{large:,} | "
        f"p95 ms @{large:,} | ratio p50 | plan at {large:,} (over 2x) |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for name in HOT:
        a, b = results[small]["timings"][name], results[large]["timings"][name]
        ratio = statistics.median(b) / statistics.median(a)
        lines.append(
            f"| {name} | {_fmt(statistics.median(a))} | {_fmt(_pct(a, 0.95))} | "
            f"{_fmt(statistics.median(b))} | {_fmt(_pct(b, 0.95))} | {ratio:.2f} | "
            f"{plans.get(name, '')} |"
        )
    lines += [
        "",
        "Deep pages, offset against cursor at the same depth (p50 ms, and offset / cursor):",
        "",
        f"| page | offset @{small:,} | cursor @{small:,} | x | offset @{large:,} | "
        f"cursor @{large:,} | x |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for label, offset, cursor in DEEP_PAIRS:
        cells = []
        for size in (small, large):
            o = statistics.median(results[size]["timings"][offset])
            c = statistics.median(results[size]["timings"][cursor])
            cells += [_fmt(o), _fmt(c), f"{o / c:,.1f}" if o < 100 * c else f"{o / c:,.0f}"]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return lines


async def main_async(args: argparse.Namespace) -> str:
    dialects = args.dialects.split(",")
    with postgres_admin(args.postgres_url) as admin, tempfile.TemporaryDirectory() as work:
        dbs = Databases(Path(work), admin if "postgres" in dialects else None)
        try:
            out = [
                f"# Scale: {args.small:,} against {args.versions:,} file versions",
                "",
                f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {machine(admin)}; "
                f"{args.runs} timed runs per call (fewer past {BUDGET_SECONDS:.0f} s)",
                "",
            ]
            for dialect in dialects:
                out += await run_dialect(
                    dbs, dialect, args.small, args.versions, args.runs, args.seed
                )
                out.append("")
        finally:
            dbs.close()
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--versions", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=25)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--dialects", default="sqlite,postgres")
    parser.add_argument("--postgres-url")
    parser.add_argument("--results-dir", type=Path, default=BENCH / "results")
    args = parser.parse_args()
    text = asyncio.run(main_async(args))
    print(text)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    write_results(args.results_dir / f"{stamp}-scale-N{args.versions}.md", text + "\n")


if __name__ == "__main__":
    main()
