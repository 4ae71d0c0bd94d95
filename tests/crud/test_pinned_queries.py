"""Named queries pinned by value where the SQL mutation run (``make mutate``) found gaps.

Each test fixes an answer of the documented behaviour on the fixed library (or on a few
rows written for the case), on both dialects: a flipped order key, a moved comparison
boundary, a dropped WHERE conjunct or a shifted page would change the ids asserted here.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import psycopg
import pytest

from pictallion_sql import crud
from pictallion_sql.config import Settings
from pictallion_sql.database import connect
from pictallion_sql.models import ROW_TYPES
from pictallion_sql.query.dynamic import insert_query
from pictallion_sql.query.named import queries
from tests.library import LIBRARY, at, load_library, uid

# ---------------------------------------------------------------------------------------
# ops.foreign_key_orphans: one dangling reference per foreign key
# ---------------------------------------------------------------------------------------

# constraint -> (table, column, the row whose reference is made to dangle)
DANGLING = {
    "asset_history_media_asset_id_media_assets_id_fk": (
        "asset_history",
        "media_asset_id",
        uid("hist", 1),
    ),
    "collection_photos_collection_id_collections_id_fk": (
        "collection_photos",
        "collection_id",
        uid("cp", 1),
    ),
    "collection_photos_photo_id_file_versions_id_fk": (
        "collection_photos",
        "photo_id",
        uid("cp", 2),
    ),
    "events_person_id_people_id_fk": ("events", "person_id", uid("event", 1)),
    "faces_photo_id_file_versions_id_fk": ("faces", "photo_id", uid("face", 1)),
    "faces_person_id_people_id_fk": ("faces", "person_id", uid("face", 2)),
    "file_versions_media_asset_id_media_assets_id_fk": (
        "file_versions",
        "media_asset_id",
        uid("fv", 1),
    ),
    "relationships_person1_id_people_id_fk": ("relationships", "person1_id", uid("rel", 1)),
    "relationships_person2_id_people_id_fk": ("relationships", "person2_id", uid("rel", 2)),
}


def _execute_unchecked(url: str, statements: list[str]) -> None:
    """Run statements with foreign-key enforcement off, as a careless restore would."""
    settings = Settings(database_url=url)
    if settings.dialect == "sqlite":
        conn = sqlite3.connect(settings.sqlite_path, isolation_level=None)
        try:
            conn.execute("PRAGMA foreign_keys = OFF")
            for statement in statements:
                conn.execute(statement)
        finally:
            conn.close()
        return
    with psycopg.connect(url, autocommit=True) as pg:
        pg.execute("SET session_replication_role = replica")
        for statement in statements:
            pg.execute(statement)


async def test_orphan_counts_name_each_dangling_reference_once(migrated_url: str) -> None:
    # The library keeps faces and events with no person (NULL is no dangling reference),
    # and every table here has rows whose parent exists.
    assert any(row["person_id"] is None for row in LIBRARY["faces"])
    assert any(row["person_id"] is None for row in LIBRARY["events"])
    async with await connect(migrated_url) as db:
        await load_library(db)
    _execute_unchecked(
        migrated_url,
        [
            f"UPDATE {table} SET {column} = 'gone-{n}' WHERE id = '{row}'"
            for n, (table, column, row) in enumerate(DANGLING.values())
        ],
    )
    async with await connect(migrated_url) as db:
        counts = json.loads(await db.run(queries["ops.foreign_key_orphans"]))
    assert counts == dict.fromkeys(DANGLING, 1)


# ---------------------------------------------------------------------------------------
# file_versions.search_count: the total of a live-search page past the last match
# ---------------------------------------------------------------------------------------

# Ratings of the 10 library versions, NULL counting as 0: fv1 3, fv2 5, fv3 0, fv4 0,
# fv5 1, fv6 4, fv7 0, fv8 2, fv9 2, fv10 3.
SEARCH_TOTALS: list[tuple[dict[str, Any], int]] = [
    ({}, 10),
    ({"rating_min": 3}, 4),  # fv1, fv2, fv6, fv10: the bound itself counts
    ({"rating_max": 2}, 6),  # fv3, fv4, fv5, fv7, fv8, fv9
    ({"rating_min": 2, "rating_max": 3}, 4),  # fv1, fv8, fv9, fv10
    ({"query": "img_0006"}, 3),  # filename of asset 6: fv8, fv9, fv10
    ({"query": "NICE"}, 1),  # location of fv6
    ({"query": "sunset"}, 1),  # a keyword of fv2
    ({"query": "sunset", "rating_min": 5}, 1),
    ({"query": "sunset", "rating_max": 4}, 0),
    ({"query": "no such text"}, 0),
]


async def test_search_total_past_the_last_page(db: Any) -> None:
    await load_library(db)
    for filters, total in SEARCH_TOTALS:
        page = await crud.file_version.search_photos(db, tier=None, skip=50, **filters)
        assert (page.photos, page.total_count) == ([], total), filters
        first = await crud.file_version.search_photos(db, tier=None, **filters)
        assert first.total_count == total == len(first.photos), filters


# ---------------------------------------------------------------------------------------
# Photo listings: best version per asset, unprocessed assets, siblings, counts
# ---------------------------------------------------------------------------------------


async def _insert(db: Any, table: str, rows: list[dict[str, Any]]) -> None:
    async with db.transaction() as conn:
        for row in rows:
            await conn.run(insert_query(table, ROW_TYPES[table], tuple(row)), **row)


def _asset(n: int, minutes: float) -> dict[str, Any]:
    return {"id": uid("asset", n), "original_filename": f"photo_{n}.jpg", "created_at": at(minutes)}


def _version(n: int, asset: int, tier: str, minutes: float, **extra: Any) -> dict[str, Any]:
    return {
        "id": uid("fv", n),
        "media_asset_id": uid("asset", asset),
        "tier": tier,
        "file_path": f"media/{tier}/v{n}.jpg",
        "file_hash": f"hash{n}",
        "file_size": n,
        "mime_type": "image/jpeg",
        "created_at": at(minutes),
        **extra,
    }


# Ties on purpose: gold 12 and 13 of asset 1 share a time (the higher id is the newer), as do
# silvers 61 and 62 of asset 6; versions 22 and 31 share a time and their assets 2 and 3
# too; versions 13 and 62 share a time but not their assets' times.
LISTING_ASSETS = [_asset(1, 0), _asset(2, 10), _asset(3, 10), _asset(4, 20), _asset(5, 30)]
LISTING_ASSETS.append(_asset(6, 40))
LISTING_VERSIONS = [
    _version(11, 1, "silver", 5),
    _version(12, 1, "gold", 6),
    _version(13, 1, "gold", 6),
    _version(21, 2, "silver", 7),
    _version(22, 2, "silver", 8),
    _version(23, 2, "bronze", 9),
    _version(31, 3, "silver", 8),
    _version(41, 4, "bronze", 1),
    _version(51, 5, "gold", 2),
    _version(52, 5, "silver", 3),  # newer than the gold, still not the asset's best
    _version(61, 6, "silver", 6),
    _version(62, 6, "silver", 6),
]


def _ids(rows: list[Any]) -> list[str]:
    return [row.id for row in rows]


def _fv(*numbers: int) -> list[str]:
    return [uid("fv", n) for n in numbers]


async def test_photo_listing_unprocessed_and_siblings_by_value(db: Any) -> None:
    await _insert(db, "media_assets", LISTING_ASSETS)
    await _insert(db, "file_versions", LISTING_VERSIONS)
    repo = crud.file_version
    # Best version per asset (gold over silver, then newest, then highest id), sorted by
    # its created_at DESC, the asset's created_at DESC, the asset's id DESC.
    assert _ids(await repo.list_photos(db)) == _fv(31, 22, 62, 13, 51)
    assert _ids(await repo.list_photos(db, skip=1, limit=2)) == _fv(22, 62)
    assert _ids(await repo.list_photos(db, skip=4, limit=2)) == _fv(51)
    assert await repo.list_photos(db, skip=5) == []
    assert await repo.get_photos_count(db) == 5
    # Assets with silver and no gold (2, 3, 6; not 4, bronze only), newest asset first, each
    # with its newest silver.
    assert _ids(await repo.list_unprocessed(db)) == _fv(62, 31, 22)
    assert _ids(await repo.list_unprocessed(db, skip=1, limit=1)) == _fv(31)
    assert await repo.get_photos_count(db, tier="unprocessed") == 3
    # Gold first, then silver, then the rest; newest first within a tier.
    assert _ids(await repo.get_sibling_versions(db, id=uid("fv", 21))) == _fv(22, 21, 23)
    assert _ids(await repo.get_sibling_versions(db, id=uid("fv", 11))) == _fv(13, 12, 11)


async def test_photo_count_of_a_single_asset(db: Any) -> None:
    await _insert(db, "media_assets", [_asset(1, 0)])
    await _insert(db, "file_versions", [_version(1, 1, "silver", 1), _version(2, 1, "gold", 2)])
    assert await crud.file_version.get_photos_count(db) == 1
    assert await crud.file_version.get_photos_count(db, tier="unprocessed") == 0


async def test_photos_with_events_skip_empty_types_and_break_ties_by_id(db: Any) -> None:
    await _insert(db, "media_assets", [_asset(1, 0)])
    await _insert(
        db,
        "file_versions",
        [
            _version(1, 1, "silver", 3, event_type="holiday"),
            _version(2, 1, "silver", 3, event_type="birthday"),
            _version(3, 1, "silver", 4, event_type="custom"),
            _version(4, 1, "silver", 5, event_type=""),
            _version(5, 1, "silver", 5, event_type=None),
        ],
    )
    assert _ids(await crud.file_version.get_photos_with_events(db)) == _fv(3, 2, 1)


# ---------------------------------------------------------------------------------------
# locations.located_photos: usable coordinates only, oldest first, ties by id
# ---------------------------------------------------------------------------------------


def _gps(latitude: float, longitude: float) -> dict[str, Any]:
    return {"exif": {"gpsLatitude": latitude, "gpsLongitude": longitude}}


async def test_located_photos_keep_only_usable_coordinates(db: Any) -> None:
    await _insert(db, "media_assets", [_asset(1, 0)])
    ai_and_exif = {
        "ai": {"gpsCoordinates": {"latitude": 12.5, "longitude": -3.75}},
        "exif": {"gpsLatitude": 1.5, "gpsLongitude": 2.5},
    }
    await _insert(
        db,
        "file_versions",
        [
            _version(1, 1, "silver", 1, metadata=_gps(0, 10)),
            _version(2, 1, "silver", 1, metadata=_gps(10, 0)),
            _version(3, 1, "silver", 1, metadata=_gps(95, 10)),
            _version(4, 1, "silver", 1, metadata=_gps(10, 190)),
            _version(5, 1, "silver", 2, metadata=_gps(45.5, 7.25)),
            _version(6, 1, "silver", 2, metadata=ai_and_exif),
            _version(7, 1, "silver", 1, metadata=_gps(-45.5, -170.25)),
        ],
    )
    located = await db.run(queries["locations.located_photos"])
    assert [(p.id, p.latitude, p.longitude) for p in located] == [
        (uid("fv", 7), "-45.5", "-170.25"),
        (uid("fv", 5), "45.5", "7.25"),
        (uid("fv", 6), "12.5", "-3.75"),
    ]


# ---------------------------------------------------------------------------------------
# Documented orders down to their last key: rows tied on every key but the last
# ---------------------------------------------------------------------------------------


def _prompt(n: int, category: str, name: str, provider: str, active: bool) -> dict[str, Any]:
    return {
        "id": uid("prompt", n),
        "name": name,
        "category": category,
        "provider": provider,
        "system_prompt": "s",
        "user_prompt": "u",
        "is_active": active,
    }


def _face(n: int, person: int | None, minutes: float, ignored: bool = False) -> dict[str, Any]:
    return {
        "id": uid("face", n),
        "photo_id": uid("fv", 1),
        "person_id": None if person is None else uid("person", person),
        "bounding_box": [1, 2, 3, 4],
        "confidence": 90,
        "ignored": ignored,
        "created_at": at(minutes),
    }


def _person(n: int, name: str, minutes: float = 1) -> dict[str, Any]:
    return {"id": uid("person", n), "name": name, "created_at": at(minutes)}


def _location(n: int, name: str, photo_count: int | None) -> dict[str, Any]:
    return {
        "id": uid("loc", n),
        "name": name,
        "latitude": "1",
        "longitude": "2",
        "photo_count": photo_count,
        "created_at": at(1),
    }


ONE_PHOTO = {"media_assets": [_asset(1, 0)], "file_versions": [_version(1, 1, "silver", 0)]}

PROMPTS = {
    "ai_prompts": [
        _prompt(1, "analysis", "Tags", "openai", True),
        _prompt(2, "analysis", "Tags", "openai", True),
        _prompt(3, "analysis", "Alpha", "both", True),
        _prompt(4, "naming", "Tags", "ollama", False),
    ]
}
FACES = {
    **ONE_PHOTO,
    "people": [_person(1, "Ann")],
    "faces": [
        _face(1, 1, 1),
        _face(2, 1, 1),
        _face(3, 1, 0),
        _face(4, None, 1),
        _face(5, None, 1, ignored=True),
        _face(6, None, 1),
        _face(7, None, 1, ignored=True),
    ],
}
LOCATIONS = {
    "locations": [
        _location(1, "Paris", 2),
        _location(2, "Paris", 2),
        _location(3, "Nice", None),
        _location(4, "Zurich", 0),
        _location(5, "Berlin", 2),
    ]
}
PEOPLE = {
    "media_assets": [_asset(1, 0)],
    "file_versions": [_version(1, 1, "silver", 1), _version(2, 1, "silver", 1)],
    "people": [_person(1, "Ann"), _person(2, "Ann"), _person(3, "Joan"), _person(4, "Bob")],
    "faces": [
        {**_face(1, 1, 1), "photo_id": uid("fv", 2)},
        _face(2, 1, 1),
        _face(3, 1, 0, ignored=True),
    ],
}
SAME_TIME = [
    _version(2, 1, "silver", 1, keywords=["sea"], perceptual_hash="ff00"),
    _version(3, 1, "silver", 1, keywords=["sea"], perceptual_hash="ff00"),
]

# (data, named query, arguments, expected ids in order)
ORDERS: dict[str, tuple[dict[str, list[dict[str, Any]]], str, dict[str, Any], list[str]]] = {
    "prompts, all": (
        PROMPTS,
        "ai_prompts.get_all",
        {},
        ["prompt:3", "prompt:1", "prompt:2", "prompt:4"],
    ),
    "prompts of a category": (
        PROMPTS,
        "ai_prompts.get_by_category",
        {"category": "analysis"},
        ["prompt:3", "prompt:1", "prompt:2"],
    ),
    "prompts of a provider": (
        PROMPTS,
        "ai_prompts.get_by_provider",
        {"provider": "openai"},
        ["prompt:3", "prompt:1", "prompt:2"],
    ),
    "active prompts": (PROMPTS, "ai_prompts.get_active", {}, ["prompt:3", "prompt:1", "prompt:2"]),
    "faces of a person": (
        FACES,
        "faces.get_by_person",
        {"person_id": uid("person", 1)},
        ["face:3", "face:1", "face:2"],
    ),
    "faces of a photo": (
        FACES,
        "faces.get_by_photo",
        {"photo_id": uid("fv", 1)},
        ["face:3", "face:1", "face:2", "face:4", "face:5", "face:6", "face:7"],
    ),
    "unassigned faces": (FACES, "faces.get_unassigned", {"limit": 10}, ["face:4", "face:6"]),
    "ignored faces": (FACES, "faces.get_ignored", {}, ["face:5", "face:7"]),
    # photo_count ASC with NULL last, then name, then id.
    "locations, all": (
        LOCATIONS,
        "locations.get_all",
        {},
        ["loc:4", "loc:5", "loc:1", "loc:2", "loc:3"],
    ),
    # photo_count DESC with NULL after a real 0, then name, then id; recent ties likewise.
    "top locations": (
        LOCATIONS,
        "locations.top",
        {"limit": 10},
        ["loc:5", "loc:1", "loc:2", "loc:4", "loc:3"],
    ),
    "recent locations": (
        LOCATIONS,
        "locations.recent",
        {"limit": 10},
        ["loc:5", "loc:1", "loc:2", "loc:4", "loc:3"],
    ),
    "people by name": (
        PEOPLE,
        "people.search_by_name",
        {"pattern": "%an%", "limit": 10},
        ["person:1", "person:2", "person:3"],
    ),
    "photos of a person": (
        PEOPLE,
        "people.get_photos",
        {"person_id": uid("person", 1)},
        ["fv:2", "fv:1"],
    ),
    "events of a type": (
        {
            "events": [
                {"id": uid("event", n), "name": "e", "type": kind, "date": at(minutes)}
                for n, kind, minutes in (
                    (1, "holiday", 5),
                    (2, "holiday", 1),
                    (3, "holiday", 5),
                    (4, "custom", 0),
                )
            ]
        },
        "events.get_by_type",
        {"type": "holiday"},
        ["event:2", "event:1", "event:3"],
    ),
    "settings": (
        {
            "settings": [
                {"id": uid("setting", 1), "key": "b", "value": "1", "category": "general"},
                {"id": uid("setting", 2), "key": "a", "value": "1", "category": "general"},
                {"id": uid("setting", 3), "key": "z", "value": "1", "category": "ai"},
            ]
        },
        "settings.get_all",
        {},
        ["setting:3", "setting:2", "setting:1"],
    ),
    "versions by tag": (
        {"media_assets": [_asset(1, 0)], "file_versions": SAME_TIME},
        "file_versions.by_tag",
        {"tag": "sea", "skip": 0, "limit": 10},
        ["fv:3", "fv:2"],
    ),
    "similar versions": (
        {
            "media_assets": [_asset(1, 0)],
            "file_versions": [_version(1, 1, "silver", 0, perceptual_hash="ff00"), *SAME_TIME],
        },
        "file_versions.similar",
        {"id": uid("fv", 1), "threshold": 50, "limit": 10},
        ["fv:3", "fv:2"],
    ),
}

# (data, named query, arguments, the expected row's id)
FIRST_OF_SEVERAL: dict[str, tuple[dict[str, list[dict[str, Any]]], str, dict[str, Any], str]] = {
    "asset by filename": (
        {
            "media_assets": [
                {**_asset(n, minutes), "original_filename": "x.jpg"}
                for n, minutes in ((1, 1), (2, 0), (3, 0))
            ]
        },
        "media_assets.get_by_filename",
        {"original_filename": "x.jpg"},
        "asset:2",
    ),
    "person by name": (PEOPLE, "people.get_by_name", {"name": "Ann"}, "person:1"),
    "collection by name": (
        {
            "collections": [
                {"id": uid("coll", n), "name": "Trips", "created_at": at(m)}
                for n, m in ((1, 2), (2, 1), (3, 1))
            ]
        },
        "collections.get_by_name",
        {"name": "Trips"},
        "coll:2",
    ),
    "collection entry": (
        {
            **ONE_PHOTO,
            "collections": [{"id": uid("coll", 1), "name": "c"}],
            "collection_photos": [
                {
                    "id": uid("cp", n),
                    "collection_id": uid("coll", 1),
                    "photo_id": uid("fv", 1),
                    "added_at": at(5),
                }
                for n in (1, 2)
            ],
        },
        "collection_photos.get_entry",
        {"collection_id": uid("coll", 1), "photo_id": uid("fv", 1)},
        "cp:2",
    ),
}


def _uid(short: str) -> str:
    kind, n = short.split(":")
    return uid(kind, int(n))


async def _load(db: Any, data: dict[str, list[dict[str, Any]]]) -> None:
    for table in ("media_assets", "file_versions", "collections", "people"):
        if table in data:
            await _insert(db, table, data[table])
    for table, rows in data.items():
        if table not in ("media_assets", "file_versions", "collections", "people"):
            await _insert(db, table, rows)


@pytest.mark.parametrize("case", sorted(ORDERS))
async def test_documented_order_down_to_the_last_key(db: Any, case: str) -> None:
    data, name, arguments, expected = ORDERS[case]
    await _load(db, data)
    rows = await db.run(queries[name], **arguments)
    assert [row.id for row in rows] == [_uid(e) for e in expected]


@pytest.mark.parametrize("case", sorted(FIRST_OF_SEVERAL))
async def test_first_of_several_matches(db: Any, case: str) -> None:
    data, name, arguments, expected = FIRST_OF_SEVERAL[case]
    await _load(db, data)
    row = await db.run(queries[name], **arguments)
    assert row is not None and row.id == _uid(expected)


async def test_cover_face_and_thumbnail_of_one_person_only(db: Any) -> None:
    await _load(db, PEOPLE)
    people = await db.run(queries["people.get_with_counts"])
    # Newest first, ties by id DESC; the cover is the first face not ignored (created_at, id).
    assert [(p.id, p.cover_face_id) for p in people] == [
        (uid("person", 4), None),
        (uid("person", 3), None),
        (uid("person", 2), None),
        (uid("person", 1), uid("face", 1)),
    ]
    updated = await crud.person.set_thumbnail(
        db, person_id=uid("person", 1), face_id=uid("face", 2)
    )
    assert updated is not None and updated.selected_thumbnail_face_id == uid("face", 2)
    others = [await crud.person.get(db, id=uid("person", n)) for n in (2, 3, 4)]
    assert [p.selected_thumbnail_face_id for p in others if p is not None] == [None, None, None]


async def test_a_page_of_relationships_holds_limit_rows(db: Any) -> None:
    await _load(db, {"people": [_person(1, "a"), _person(2, "b")]})
    await _insert(
        db,
        "relationships",
        [
            {
                "id": uid("rel", n),
                "person1_id": uid("person", 1),
                "person2_id": uid("person", 2),
                "relationship_type": "friend",
                "created_at": at(n),
            }
            for n in (1, 2, 3)
        ],
    )
    page = await crud.relationship.get_multi(db, skip=0, limit=2)
    assert [r.id for r in page] == [uid("rel", 1), uid("rel", 2)]
