"""The planner's choice for every hot query on a PostgreSQL catalogue of 100,000 file versions.

A migrated database is filled in SQL with a realistic catalogue (50,000 media assets,
100,000 file versions of mixed tiers over five years, 20,000 faces, 100,000 history
entries, 10,000 memberships of 40 collections, people, settings), then vacuumed and
analysed as autovacuum would. Each hot query's compiled PostgreSQL text then goes through
``EXPLAIN (FORMAT JSON)`` with realistic bound values, and the test fails when the plan
reads a whole large table with a sequential scan.
Nothing in the planner's configuration is changed: this is its real choice.

A few queries read whole tables by nature (counts, statistics, whole-catalogue listings,
similarity against every hash); they are listed in ``WHOLE_TABLE_READS`` with the reason
and the tables they may scan, and are held to that list. The photo search
(``crud.file_version.search``) is checked the same way for a set of filter combinations.
docs/indexes.md explains the indexes these plans rely on.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
import pytest

from pictallion_sql.catalog.search import make_cursor, plan_search
from pictallion_sql.query.named import queries
from pictallion_sql.query.registry import Query
from tests import pgcluster

LARGE_TABLES = frozenset(
    {"file_versions", "media_assets", "faces", "asset_history", "collection_photos"}
)

VERSIONS = 100_000

# Ids are deterministic UUID-shaped strings: <kind digit>-<number in hex>, so that rows
# can reference each other without lookups while loading.
CATALOGUE = """
SELECT setseed(0.25);

-- 50,000 assets, one every ~53 minutes from 2019 to 2024.
INSERT INTO media_assets (id, original_filename, created_at)
SELECT '00000000-0000-4000-8000-' || lpad(to_hex(a), 12, '0'),
       'IMG_' || lpad(a::text, 5, '0') || '.jpg',
       timestamp '2019-01-01' + (a * 3180 + floor(random() * 3000)) * interval '1 second'
FROM generate_series(1, 50000) AS a;

-- 100,000 versions: a silver copy of every asset, a bronze original of 30,000 of them
-- and a gold copy of 20,000; silver and gold copies share the original's hash.
INSERT INTO file_versions (id, media_asset_id, tier, file_path, file_hash, file_size,
                           mime_type, metadata, is_reviewed, rating, keywords, location,
                           event_type, event_name, perceptual_hash, processing_state,
                           created_at)
SELECT '00000000-0000-4000-9000-' || lpad(to_hex(v.n), 12, '0'),
       ma.id, v.tier, 'media/' || v.tier || '/' || ma.original_filename,
       md5(ma.id), 500000 + floor(random() * 8000000)::int,
       CASE WHEN v.n % 17 = 0 THEN 'image/png' ELSE 'image/jpeg' END,
       jsonb_build_object(
           'exif', jsonb_build_object(
               'camera', (ARRAY['Canon EOS R5', 'Nikon Z6', 'iPhone 14 Pro', 'Sony A7 III',
                                'Pixel 7'])[1 + v.n % 5],
               'iso', 100 * (1 + v.n % 32)),
           'ai', jsonb_build_object('aiTags', jsonb_build_array('photo', v.tier))),
       v.n % 3 = 0,
       CASE WHEN v.n % 11 = 0 THEN NULL ELSE (v.n * 7) % 6 END,
       string_to_array((ARRAY['family,beach', 'city', 'mountains,snow,ski', 'birthday,cake',
                              'dog', ''])[1 + v.n % 6], ','),
       CASE WHEN v.n % 4 = 0 THEN (ARRAY['Paris', 'Berlin', 'Lisbon', 'Oslo'])[1 + v.n / 4 % 4]
       END,
       CASE WHEN v.n % 10 = 0 THEN (ARRAY['holiday', 'birthday', 'wedding'])[1 + v.n / 10 % 3]
       END,
       CASE WHEN v.n % 10 = 0 THEN 'event ' || (v.n / 10 % 300) END,
       CASE WHEN v.tier <> 'bronze' THEN substr(md5(ma.id || v.tier), 1, 16) END,
       CASE v.tier WHEN 'bronze' THEN 'processed' ELSE 'promoted' END,
       ma.created_at + CASE v.tier WHEN 'bronze' THEN interval '0'
                                   WHEN 'silver' THEN interval '10 minutes'
                                   ELSE interval '3 days' END
FROM (SELECT n,
             CASE WHEN n <= 50000 THEN 'silver' WHEN n <= 80000 THEN 'bronze' ELSE 'gold' END
                 AS tier,
             CASE WHEN n <= 50000 THEN n WHEN n <= 80000 THEN n - 50000
                  ELSE (n - 80000) * 2 END AS asset
      FROM generate_series(1, 100000) AS n) AS v
JOIN media_assets AS ma ON ma.id = '00000000-0000-4000-8000-' || lpad(to_hex(v.asset), 12, '0');

INSERT INTO people (id, name, face_count, created_at)
SELECT '00000000-0000-4000-a000-' || lpad(to_hex(p), 12, '0'),
       (ARRAY['Anna', 'Ben', 'Chloe', 'David', 'Emma', 'Felix', 'Greta', 'Hugo'])[1 + p % 8]
           || ' ' || p,
       40, timestamp '2020-01-01' + p * interval '1 day'
FROM generate_series(1, 500) AS p;

-- 20,000 faces on silver versions: 70 % assigned, the rest unassigned; 1 in 20 ignored.
INSERT INTO faces (id, photo_id, person_id, bounding_box, confidence, ignored, created_at)
SELECT '00000000-0000-4000-b000-' || lpad(to_hex(f), 12, '0'),
       '00000000-0000-4000-9000-' || lpad(to_hex(1 + (f * 2) % 50000), 12, '0'),
       CASE WHEN f % 10 < 7
            THEN '00000000-0000-4000-a000-' || lpad(to_hex(1 + f % 500), 12, '0') END,
       jsonb_build_array(10 + f % 50, 20, 120, 140), 50 + f % 50, f % 20 = 0,
       timestamp '2019-01-01' + f * interval '2 hours'
FROM generate_series(1, 20000) AS f;

-- Two history entries per asset: the ingest, and an AI pass an hour later.
INSERT INTO asset_history (media_asset_id, action, details, "timestamp")
SELECT ma.id, h.action, 'from the load', ma.created_at + h.delay
FROM media_assets AS ma
CROSS JOIN (VALUES ('INGESTED', interval '0'), ('AI_PROCESSED', interval '1 hour'))
    AS h(action, delay);

INSERT INTO collections (id, name, is_smart_collection, created_at)
SELECT '00000000-0000-4000-c000-' || lpad(to_hex(c), 12, '0'), 'Album ' || c, c % 8 = 0,
       timestamp '2021-01-01' + c * interval '1 day'
FROM generate_series(1, 40) AS c;

INSERT INTO collection_photos (collection_id, photo_id, added_at)
SELECT '00000000-0000-4000-c000-' || lpad(to_hex(1 + m % 40), 12, '0'),
       '00000000-0000-4000-9000-' || lpad(to_hex(1 + (m * 17) % 100000), 12, '0'),
       timestamp '2021-02-01' + m * interval '1 hour'
FROM generate_series(1, 10000) AS m;

INSERT INTO events (name, type, date, person_id)
SELECT 'Event ' || e, (ARRAY['holiday', 'birthday', 'custom'])[1 + e % 3],
       timestamp '2024-01-01' + e * interval '7 days',
       CASE WHEN e % 3 = 1 THEN '00000000-0000-4000-a000-' || lpad(to_hex(e), 12, '0') END
FROM generate_series(1, 50) AS e;

INSERT INTO relationships (person1_id, person2_id, relationship_type)
SELECT '00000000-0000-4000-a000-' || lpad(to_hex(r), 12, '0'),
       '00000000-0000-4000-a000-' || lpad(to_hex(1 + r % 500), 12, '0'), 'friend'
FROM generate_series(1, 200) AS r;

INSERT INTO settings (key, value, category)
SELECT 'setting_' || s, 'value ' || s, (ARRAY['general', 'ai', 'storage'])[1 + s % 3]
FROM generate_series(1, 30) AS s;
"""

# Statistics for the planner, and the visibility map autovacuum keeps on a live database
# (it lets the planner count on index-only scans). VACUUM cannot run in a transaction, so
# it is a statement of its own.
SETTLE = "VACUUM ANALYZE"


@dataclass(frozen=True)
class Sample:
    """Existing rows to bind as query parameters."""

    version_id: str
    asset_id: str
    file_hash: str
    photo_with_faces: str
    face_id: str
    person_id: str
    history_id: str
    collection_id: str
    membership_id: str
    member_photo_id: str


SAMPLE_SQL = """
SELECT fv.id, fv.media_asset_id, fv.file_hash,
       f.photo_id, f.id, f.person_id,
       (SELECT h.id FROM asset_history h WHERE h.media_asset_id = fv.media_asset_id LIMIT 1),
       cp.collection_id, cp.id, cp.photo_id
FROM file_versions fv, faces f, collection_photos cp
WHERE fv.id = '00000000-0000-4000-9000-' || lpad(to_hex(12345), 12, '0')
  AND f.id = '00000000-0000-4000-b000-' || lpad(to_hex(1001), 12, '0')
  AND cp.id = (SELECT min(id) FROM collection_photos)
"""

Params = Callable[[Sample], Mapping[str, object]]

# Every hot query with realistic values: none of these may scan a whole large table.
HOT: dict[str, Params] = {
    "file_versions.highest_tier": lambda s: {"skip": 0, "limit": 50},
    # lookups by primary key
    "file_versions.get": lambda s: {"id": s.version_id},
    "file_versions.exists": lambda s: {"id": s.version_id},
    "media_assets.get": lambda s: {"id": s.asset_id},
    "faces.get": lambda s: {"id": s.face_id},
    "asset_history.get": lambda s: {"id": s.history_id},
    "collection_photos.get": lambda s: {"id": s.membership_id},
    "people.get": lambda s: {"id": s.person_id},
    "collections.get": lambda s: {"id": s.collection_id},
    "settings.get_by_key": lambda s: {"key": "setting_7"},
    # the catalogue's listings and lookups
    "file_versions.get_multi": lambda s: {"skip": 0, "limit": 100},
    "file_versions.get_all": lambda s: {"skip": 0, "limit": 50},
    "file_versions.get_by_tier": lambda s: {"tier": "gold", "skip": 0, "limit": 50},
    # the live search's later pages, its total known: read newest first, cut by LIMIT
    "file_versions.search_page": lambda s: {
        "query": "beach",
        "tier": "silver",
        "rating_min": None,
        "rating_max": None,
        "limit": 51,
        "offset": 0,
    },
    "file_versions.search_page_after": lambda s: {
        "query": "beach",
        "tier": "silver",
        "rating_min": None,
        "rating_max": None,
        "after_created": datetime(2022, 6, 1),
        "after_id": "00000000-0000-4000-9000-000000004000",
        "limit": 51,
        "offset": 0,
    },
    "file_versions.recent_photos": lambda s: {"limit": 24},
    "file_versions.all_with_assets": lambda s: {"skip": 100, "limit": 50},
    "file_versions.tier_listing": lambda s: {
        "tier": "silver",
        "show_all_versions": False,
        "skip": 0,
        "limit": 50,
    },
    "file_versions.get_by_asset": lambda s: {"media_asset_id": s.asset_id},
    "file_versions.sibling_versions": lambda s: {"id": s.version_id},
    "file_versions.details": lambda s: {"id": s.version_id},
    "file_versions.get_by_hash": lambda s: {"file_hash": s.file_hash},
    "file_versions.delete_faces": lambda s: {"photo_id": s.photo_with_faces},
    "media_assets.get_recent": lambda s: {"limit": 50},
    # faces and people
    "faces.get_by_person": lambda s: {"person_id": s.person_id},
    "faces.get_by_photo": lambda s: {"photo_id": s.photo_with_faces},
    "faces.get_unassigned": lambda s: {"limit": 50},
    "faces.assign": lambda s: {"face_id": s.face_id, "person_id": s.person_id},
    "people.get_photos": lambda s: {"person_id": s.person_id},
    "people.set_thumbnail": lambda s: {"person_id": s.person_id, "face_id": s.face_id},
    "people.delete_unassign_faces": lambda s: {"id": s.person_id},
    "people.search_by_name": lambda s: {"pattern": "%anna%", "limit": 20},
    # history
    "asset_history.get_by_asset": lambda s: {"media_asset_id": s.asset_id},
    "asset_history.get_recent": lambda s: {"limit": 10},
    # collections
    "collection_photos.get_by_collection": lambda s: {"collection_id": s.collection_id},
    "collection_photos.photos_of_collection": lambda s: {"collection_id": s.collection_id},
    "collection_photos.get_entry": lambda s: {
        "collection_id": s.collection_id,
        "photo_id": s.member_photo_id,
    },
    "collection_photos.remove_photo": lambda s: {
        "collection_id": s.collection_id,
        "photo_id": s.member_photo_id,
    },
    "collection_photos.delete_by_collection": lambda s: {"collection_id": s.collection_id},
    "collections.smart_photo_count": lambda s: {"collection_id": s.collection_id},
    "collections.get_all_with_stats": lambda s: {},
    # counts the database keeps (migration 0006), and a smart refresh's mark
    "file_versions.counted": lambda s: {"name": "listed_assets"},
    "file_versions.collection_stats": lambda s: {},
    "collections.refresh_mark": lambda s: {"collection_id": s.collection_id, "rules": "{}"},
    "collections.kept_photo_count": lambda s: {"collection_id": s.collection_id},
}

# Keyset pages (the *_after queries of catalog/pages.py) deep in their listing: a page
# resumes after the sort key of a row about three quarters of the way down (the listings
# run newest first; the catalogue spans 2019 to 2024). Offset 75,000 would read 75,000 rows.
DEEP = datetime(2020, 3, 1, 12, 0, 0, 123456)
DEEP_ID = "00000000-0000-4000-9000-00000000beef"
_AFTER = {"after_created_at": DEEP, "after_id": DEEP_ID, "limit": 51}
KEYSET: dict[str, Params] = {
    "file_versions.get_multi_after": lambda s: _AFTER,
    "file_versions.get_all_after": lambda s: _AFTER,
    "file_versions.get_by_tier_after": lambda s: {**_AFTER, "tier": "silver"},
    "file_versions.all_with_assets_after": lambda s: _AFTER,
    "file_versions.tier_listing_after": lambda s: {
        **_AFTER,
        "tier": "silver",
        "show_all_versions": False,
    },
    "file_versions.highest_tier_after": lambda s: {
        "after_created_at": DEEP,
        "after_asset_created_at": DEEP,
        "after_asset_id": DEEP_ID,
        "limit": 51,
    },
    "media_assets.get_multi_after": lambda s: _AFTER,
    "asset_history.get_multi_after": lambda s: {
        "after_timestamp": DEEP,
        "after_id": DEEP_ID,
        "limit": 51,
    },
    "faces.get_unassigned_after": lambda s: _AFTER,
    "faces.get_by_person_page": lambda s: {"person_id": s.person_id, "limit": 51},
    "faces.get_by_person_after": lambda s: {**_AFTER, "person_id": s.person_id},
    "people.get_photos_page": lambda s: {"person_id": s.person_id, "limit": 51},
    "people.get_photos_after": lambda s: {**_AFTER, "person_id": s.person_id},
    "collection_photos.get_by_collection_page": lambda s: {
        "collection_id": s.collection_id,
        "limit": 51,
    },
    "collection_photos.get_by_collection_after": lambda s: {
        "collection_id": s.collection_id,
        "after_added_at": DEEP,
        "after_id": DEEP_ID,
        "limit": 51,
    },
}
HOT.update(KEYSET)

# Queries that read whole tables by nature: the tables they may scan, and why.
WHOLE_TABLE_READS: dict[str, tuple[frozenset[str], str]] = {
    "file_versions.count": (
        frozenset({"file_versions"}),
        "an unfiltered count reads every row (or every index entry)",
    ),
    "file_versions.count_by_tier": (
        frozenset({"file_versions"}),
        "counts every version of a tier (half the catalogue for silver), less those whose "
        "asset has a gold copy",
    ),
    "file_versions.count_highest_tier": (
        frozenset({"file_versions"}),
        "counts the distinct assets of every gold and silver version (70 % of the rows here: "
        "the planner may prefer the heap to idx_file_versions_listed_asset); no join",
    ),
    "file_versions.unprocessed": (
        frozenset({"file_versions", "media_assets"}),
        "finds every asset with a silver and no gold version before it can sort by asset",
    ),
    "file_versions.unprocessed_after": (
        frozenset({"file_versions", "media_assets"}),
        "as file_versions.unprocessed: the asset order is known only once every asset with "
        "a silver and no gold version is found",
    ),
    "file_versions.by_tag_after": (
        frozenset({"file_versions"}),
        "as file_versions.by_tag: no index holds the tags",
    ),
    "file_versions.count_unprocessed": (
        frozenset({"file_versions", "media_assets"}),
        "counts every asset with a silver and no gold version",
    ),
    "file_versions.similar": (
        frozenset({"file_versions", "media_assets"}),
        "compares the target's perceptual hash with every other version's; a per-character "
        "Hamming similarity has no index",
    ),
    "file_versions.with_events": (
        frozenset({"file_versions"}),
        "returns every version with an event type (one in ten here), unpaged",
    ),
    "file_versions.without_events": (
        frozenset({"file_versions"}),
        "returns every version without an event type (most of the catalogue), unpaged",
    ),
    "file_versions.by_tag": (
        frozenset({"file_versions"}),
        "a tag may sit in keywords or in metadata.ai.aiTags: membership in an array or JSON "
        "value has no btree index, and the OR of the two needs both",
    ),
    "file_versions.search": (
        frozenset({"file_versions", "media_assets"}),
        "total_count counts the matches of the filters up to the count limit in table order, "
        "stopping there; a filter matching fewer reads the whole table to find them",
    ),
    "file_versions.search_count": (
        frozenset({"file_versions", "media_assets"}),
        "counts the matches of the filters up to the count limit, as file_versions.search",
    ),
    "collections.photos_for_smart_collections": (
        frozenset({"file_versions", "media_assets"}),
        "smart rules are evaluated on every version",
    ),
    "locations.located_photos": (
        frozenset({"file_versions", "media_assets"}),
        "location clustering reads the GPS position of every version",
    ),
    "faces.get_all": (frozenset({"faces"}), "returns every face"),
    "faces.get_ignored": (
        frozenset({"faces"}),
        "returns every ignored face (one in twenty), unpaged; a rarely opened list",
    ),
    "people.get_with_counts": (
        frozenset({"faces"}),
        "counts the faces of every person",
    ),
}

# Values for the whole-table readers that take parameters.
WHOLE_TABLE_PARAMS: dict[str, Params] = {
    "file_versions.count_by_tier": lambda s: {"tier": "silver", "show_all_versions": False},
    "file_versions.unprocessed": lambda s: {"skip": 0, "limit": 50},
    "file_versions.unprocessed_after": lambda s: {
        "after_asset_created_at": DEEP,
        "after_asset_id": DEEP_ID,
        "limit": 50,
    },
    "file_versions.by_tag_after": lambda s: {**_AFTER, "tag": "beach"},
    "file_versions.similar": lambda s: {"id": s.version_id, "threshold": 85, "limit": 20},
    "file_versions.by_tag": lambda s: {"tag": "beach", "skip": 0, "limit": 50},
    "file_versions.search": lambda s: {
        "query": None,
        "tier": "gold",
        "rating_min": 3,
        "rating_max": 5,
        "count_limit": 1_000,
        "limit": 50,
        "offset": 0,
    },
    "file_versions.search_count": lambda s: {
        "query": None,
        "tier": "gold",
        "rating_min": 3,
        "rating_max": 5,
        "count_limit": 1_000,
    },
}


def no_params(sample: Sample) -> Mapping[str, object]:
    """The parameters of a query that takes none."""
    return {}


# crud.file_version.search (pictallion_sql/catalog/search.py) builds one statement per filter shape;
# it returns the page and the facet counts of every match, so it reads every matching row.
# Filter sets that select a slice of the catalogue must reach it through an index.
PERSON_7 = "00000000-0000-4000-a000-000000000007"
COLLECTION_3 = "00000000-0000-4000-c000-000000000003"
SELECTIVE_SEARCHES: dict[str, dict[str, object]] = {
    "tier, rating and a year": {
        "tier": "gold",
        "rating_min": 3,
        "created_from": datetime(2022, 1, 1),
        "created_to": datetime(2022, 12, 31, 23, 59, 59),
    },
    "a month": {"created_from": datetime(2023, 6, 1), "created_to": datetime(2023, 6, 30)},
    "two tiers since a date": {"tiers": ["gold", "silver"], "created_from": datetime(2024, 1, 1)},
    "a person": {"people_ids": [PERSON_7]},
    "a collection": {"collection_ids": [COLLECTION_3]},
}

# Filter sets that read whole tables by nature, with the tables they may scan.
BROAD_SEARCHES: dict[str, tuple[dict[str, object], frozenset[str]]] = {
    # a case-insensitive substring of names, paths, descriptions: no btree serves it
    "free text": ({"query": "img_0001"}, frozenset({"file_versions", "media_assets"})),
    # a substring of a JSON value
    "camera": ({"camera": "canon"}, frozenset({"file_versions"})),
    # a whole tier, a fifth to a half of the catalogue, counted for the facets
    "tier and rating": (
        {"tier": "gold", "rating_min": 3, "rating_max": 5},
        frozenset({"file_versions"}),
    ),
}


async def explain_search(conn: asyncpg.Connection, filters: Mapping[str, object]) -> Any:
    """The plan of the search statement for ``filters``, newest first, first page."""
    plan = plan_search(filters, {"field": "created_at", "direction": "desc"})
    return await explain_query(conn, plan.query, {**plan.params, "limit": 50, "offset": 0})


@dataclass
class Catalogue:
    """The loaded database: a connection to it and the sample rows."""

    conn: asyncpg.Connection
    sample: Sample


@pytest.fixture(scope="module")
async def catalogue(pg_admin_url: str, pg_template: str) -> AsyncIterator[Catalogue]:
    """A migrated PostgreSQL database holding 100,000 file versions, analysed."""
    url = pgcluster.create_database(pg_admin_url, template=pg_template)
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(CATALOGUE)
        await conn.execute(SETTLE)
        row = await conn.fetchrow(SAMPLE_SQL)
        assert row is not None
        yield Catalogue(conn, Sample(*row))
    finally:
        await conn.close()
        pgcluster.drop_database(pg_admin_url, url)


async def explain_query(
    conn: asyncpg.Connection, query: Query, params: Mapping[str, object]
) -> Any:
    """The plan of ``query`` (its PostgreSQL text) for these parameter values."""
    compiled = query.postgres
    assert set(compiled.arg_names) == set(params), query.name
    args = [params[arg] for arg in compiled.arg_names]
    document = await conn.fetchval("EXPLAIN (FORMAT JSON) " + compiled.text, *args)
    return json.loads(document)[0]["Plan"]


async def explain(conn: asyncpg.Connection, name: str, params: Mapping[str, object]) -> Any:
    """The plan of named query ``name`` for these parameter values."""
    return await explain_query(conn, queries[name], params)


def nodes(plan: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """Every node of a plan tree, sub-plans and init-plans included."""
    yield plan
    for child in plan.get("Plans", ()):
        yield from nodes(child)


def whole_table_scans(plan: Mapping[str, Any]) -> list[str]:
    """The large tables a plan reads with a sequential scan, as 'table (alias)'."""
    return [
        f"{node['Relation Name']} ({node.get('Alias', node['Relation Name'])})"
        for node in nodes(plan)
        if node["Node Type"] == "Seq Scan" and node.get("Relation Name") in LARGE_TABLES
    ]


def hashed_subplans(plan: Mapping[str, Any]) -> list[str]:
    """The sub-plans run once as a hash of all their rows instead of probed per row."""
    return [
        str(node["Subplan Name"])
        for node in nodes(plan)
        if str(node.get("Subplan Name", "")).startswith("hashed")
    ]


def whole_sorts(plan: Mapping[str, Any]) -> list[str]:
    """Sort nodes (not incremental: those sort the ties of rows read in order) over more
    rows than a page."""
    return [
        f"Sort of ~{node['Plan Rows']} rows"
        for node in nodes(plan)
        if node["Node Type"] == "Sort" and node["Plan Rows"] > 1000
    ]


@pytest.mark.slow
async def test_the_catalogue_is_full_size(catalogue: Catalogue) -> None:
    counts = await catalogue.conn.fetchrow(
        "SELECT (SELECT count(*) FROM file_versions), (SELECT count(*) FROM media_assets), "
        "(SELECT count(*) FROM faces), (SELECT count(*) FROM faces WHERE person_id IS NULL), "
        "(SELECT count(DISTINCT tier) FROM file_versions)"
    )
    assert tuple(counts) == (VERSIONS, 50_000, 20_000, 6_000, 3)


def test_the_lists_name_real_queries_once() -> None:
    assert not set(HOT) & set(WHOLE_TABLE_READS)
    assert set(WHOLE_TABLE_PARAMS) <= set(WHOLE_TABLE_READS)
    missing = (set(HOT) | set(WHOLE_TABLE_READS)) - set(queries)
    assert not missing


@pytest.mark.parametrize("name", sorted(HOT))
@pytest.mark.slow
async def test_hot_query_reads_no_whole_large_table(catalogue: Catalogue, name: str) -> None:
    plan = await explain(catalogue.conn, name, HOT[name](catalogue.sample))
    scans = whole_table_scans(plan)
    assert not scans, f"{name}: Seq Scan on {', '.join(scans)}"


@pytest.mark.parametrize("name", sorted(HOT))
@pytest.mark.slow
async def test_hot_query_neither_hashes_a_subplan_nor_sorts_every_match(
    catalogue: Catalogue, name: str
) -> None:
    plan = await explain(catalogue.conn, name, HOT[name](catalogue.sample))
    problems = hashed_subplans(plan) + whole_sorts(plan)
    assert not problems, f"{name}: {', '.join(problems)}"


@pytest.mark.parametrize("name", sorted(WHOLE_TABLE_READS))
@pytest.mark.slow
async def test_whole_table_reads_stay_within_their_tables(catalogue: Catalogue, name: str) -> None:
    allowed, _reason = WHOLE_TABLE_READS[name]
    params = WHOLE_TABLE_PARAMS.get(name, no_params)(catalogue.sample)
    plan = await explain(catalogue.conn, name, params)
    scanned = {scan.split(" ")[0] for scan in whole_table_scans(plan)}
    assert scanned <= allowed, f"{name}: Seq Scan on {', '.join(sorted(scanned - allowed))}"


@pytest.mark.parametrize("label", sorted(SELECTIVE_SEARCHES))
@pytest.mark.slow
async def test_selective_search_reads_no_whole_large_table(
    catalogue: Catalogue, label: str
) -> None:
    plan = await explain_search(catalogue.conn, SELECTIVE_SEARCHES[label])
    scans = whole_table_scans(plan)
    assert not scans, f"search by {label}: Seq Scan on {', '.join(scans)}"


@pytest.mark.parametrize("label", sorted(BROAD_SEARCHES))
@pytest.mark.slow
async def test_broad_search_stays_within_its_tables(catalogue: Catalogue, label: str) -> None:
    filters, allowed = BROAD_SEARCHES[label]
    plan = await explain_search(catalogue.conn, filters)
    scanned = {scan.split(" ")[0] for scan in whole_table_scans(plan)}
    assert scanned <= allowed, (
        f"search by {label}: Seq Scan on {', '.join(sorted(scanned - allowed))}"
    )


def key_conditions(plan: Mapping[str, Any]) -> list[str]:
    """The index conditions that bound a scan by a keyset page's key: a row-value
    comparison (``ROW(created_at, id) < ROW(...)``) or an upper bound of created_at."""
    return [
        str(node["Index Cond"])
        for node in nodes(plan)
        if "ROW(" in str(node.get("Index Cond", ""))
        or "created_at <= " in str(node.get("Index Cond", ""))
    ]


@pytest.mark.parametrize("name", sorted(n for n in KEYSET if n.endswith("_after")))
@pytest.mark.slow
async def test_a_deep_keyset_page_starts_at_its_key(catalogue: Catalogue, name: str) -> None:
    plan = await explain(catalogue.conn, name, KEYSET[name](catalogue.sample))
    conditions = key_conditions(plan)
    if name == "people.get_photos_after":
        # A person's photos are found through the person's faces, then sorted: the key
        # filters those few rows.
        assert not conditions and not whole_sorts(plan), name
        return
    assert conditions, f"{name}: the key bounds no index scan"


# The rules of bench/scale.py's smart collection: a rating and a keyword.
SMART_RULES = {
    "rules": [
        {"field": "rating", "operator": "equals", "value": 5},
        {"field": "keywords", "operator": "contains", "value": "beach"},
    ]
}


@pytest.mark.parametrize("which", ["refresh_changed", "drop_changed"])
@pytest.mark.slow
async def test_an_incremental_smart_refresh_reads_only_the_changed_versions(
    catalogue: Catalogue, which: str
) -> None:
    from pictallion_sql.catalog.smart_rules import compile_smart_rules

    compiled = compile_smart_rules(SMART_RULES)
    seen = await catalogue.conn.fetchval("SELECT CAST(pg_current_snapshot() AS text)")
    params = {**compiled.params, "collection_id": catalogue.sample.collection_id, "seen": seen}
    if which == "refresh_changed":
        params["added_at"] = datetime(2024, 6, 1)
    plan = await explain_query(catalogue.conn, getattr(compiled, which), params)
    assert whole_table_scans(plan) == [], json.dumps(plan, indent=1)
    assert hashed_subplans(plan) == [], json.dumps(plan, indent=1)


# A search page whose total and facets are known (kept from its first page) reads only the
# page: the matches in sort order through an index, stopping at LIMIT. Every filter is then
# checked row by row along that index: a case-insensitive substring (query, keywords,
# location, camera) has no index to serve it, so a page reads about limit / selectivity
# rows (at 10% of matches, ~500 rows for 50), and a filter that matches nothing reads the
# whole index. The planner may prefer to collect a small selective set (a person, a
# collection) and sort it; what is checked is that no plan reads a whole large table or
# sorts every match.
PAGE_SEARCHES: dict[str, dict[str, object]] = {
    "no filter": {},
    "keyword text and rating": {"query": "beach", "rating_min": 4},
    "keywords": {"keywords": ["snow"]},
    "tier and rating": {"tier": "gold", "rating_min": 3},
    "a person": {"people_ids": [PERSON_7]},
    "a collection": {"collection_ids": [COLLECTION_3]},
    "a month": {"created_from": datetime(2023, 6, 1), "created_to": datetime(2023, 6, 30)},
}
PAGE_SORTS = [
    {"field": field, "direction": direction}
    for field in ("created_at", "rating", "file_size", "event_name")
    for direction in ("desc", "asc")
]
# A cursor in the middle of the catalogue, per sort field.
CURSOR_KEYS: dict[str, object] = {
    "created_at": datetime(2022, 6, 1),
    "rating": 3,
    "file_size": 4_000_000,
    "event_name": "event 150",
}


async def explain_page(
    conn: asyncpg.Connection, filters: Mapping[str, object], sort: Mapping[str, str], after: bool
) -> Any:
    """The plan of the page-only search statement, optionally after a cursor."""
    cursor = None
    if after:
        probe = plan_search(filters, sort)
        sort_type = {"created_at": "timestamp", "rating": "integer", "file_size": "bigint"}
        cursor = make_cursor(
            probe.fingerprint,
            sort_type.get(sort["field"], "text"),
            CURSOR_KEYS[sort["field"]],
            "00000000-0000-4000-9000-000000004000",
        )
    plan = plan_search(filters, sort, cursor)
    assert plan.page_query is not None
    return await explain_query(conn, plan.page_query, {**plan.params, "limit": 51, "offset": 0})


@pytest.mark.parametrize("after", [False, True], ids=["first", "after"])
@pytest.mark.parametrize("sort", PAGE_SORTS, ids=lambda s: f"{s['field']}-{s['direction']}")
@pytest.mark.parametrize("label", sorted(PAGE_SEARCHES))
@pytest.mark.slow
async def test_a_search_page_reads_one_page_in_sort_order(
    catalogue: Catalogue, label: str, sort: Mapping[str, str], after: bool
) -> None:
    plan = await explain_page(catalogue.conn, PAGE_SEARCHES[label], sort, after)
    problems = whole_table_scans(plan) + hashed_subplans(plan) + whole_sorts(plan)
    assert not problems, f"page of {label}, {sort}: {', '.join(problems)}"


# The filters an index narrows to a few matches (a month is ~1,700 versions here): the
# planner rightly sorts those rather than walk the sort order past the others.
SORTS_FEW = {"a month", "a person", "a collection"}


# The first page of a search counts its first ``count_limit`` matches for the total and the
# facets (the CTE "m"; the facets then group at most that many rows). Both the counted
# matches and the page are read in sort order through an index and cut by LIMIT, so the
# statement costs about count_limit / selectivity rows however large the catalogue, with
# no whole-table read and no sort of every match.
@pytest.mark.parametrize("sort", PAGE_SORTS, ids=lambda s: f"{s['field']}-{s['direction']}")
@pytest.mark.parametrize("label", sorted(PAGE_SEARCHES))
@pytest.mark.slow
async def test_a_capped_first_page_reads_its_counted_matches_in_sort_order(
    catalogue: Catalogue, label: str, sort: Mapping[str, str]
) -> None:
    planned = plan_search(PAGE_SEARCHES[label], sort)
    assert planned.capped_query is not None
    params = {**planned.params, "count_limit": 1_000, "limit": 51, "offset": 0}
    plan = await explain_query(catalogue.conn, planned.capped_query, params)
    counted = [node for node in nodes(plan) if node.get("Subplan Name") == "CTE m"]
    assert len(counted) == 1, json.dumps(plan, indent=1)
    # Sorting the few matches an index gives is allowed, as for a page (SORTS_FEW).
    sorts = [] if label in SORTS_FEW else [n for n in nodes(counted[0]) if n["Node Type"] == "Sort"]
    problems = whole_table_scans(plan) + hashed_subplans(plan) + [f"{len(sorts)} sorts of m"]
    assert problems == ["0 sorts of m"], f"first page of {label}, {sort}: {', '.join(problems)}"
