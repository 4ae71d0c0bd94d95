"""Events, locations and AI prompts: every repository method on both dialects, the location
clustering, the atomic prompt reset and seeding, and a differential test of every read.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from typing import Any

import msgspec
import pytest

from pictallion_sql import crud
from pictallion_sql.catalog import ai_prompts as ai_prompts_module
from pictallion_sql.catalog.clustering import (
    EARTH_RADIUS_M,
    GeoPoint,
    cluster,
    find_hotspots,
    haversine_m,
    suggest_name,
    to_points,
)
from pictallion_sql.config import Settings
from pictallion_sql.database import connect
from pictallion_sql.errors import DatabaseError, ForeignKeyError, ValidationError
from pictallion_sql.models import (
    ROW_TYPES,
    CombinedMetadata,
    InsertEvent,
    UpdateLocation,
)
from pictallion_sql.query.dynamic import insert_query
from pictallion_sql.query.registry import make_query
from pictallion_sql.records.composites.catalog import Hotspot, LocatedPhoto, LocationStats
from tests.conftest import FixedClock, PairMaker
from tests.library import at, load_library, uid

# Every test here asserts the results of the statements it runs by value.
pytestmark = pytest.mark.pins

# ---------------------------------------------------------------------------------------------
# Extra rows loaded on top of the fixed library: GPS edge cases, ties, byte-order names.
# ---------------------------------------------------------------------------------------------


def _gps_fv(n: int, minutes: float, metadata: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": uid("fv", n),
        "media_asset_id": uid("asset", n),
        "tier": "silver",
        "file_path": f"media/silver/gps_{n}.jpg",
        "file_hash": f"gps{n}",
        "file_size": n,
        "mime_type": "image/jpeg",
        "created_at": at(minutes),
        "metadata": metadata,
    }


def _ai(lat: Any, lon: Any, **extra: Any) -> dict[str, Any]:
    return {"ai": {"gpsCoordinates": {"latitude": lat, "longitude": lon}, **extra}}


def _exif(lat: Any, lon: Any) -> dict[str, Any]:
    return {"exif": {"gpsLatitude": lat, "gpsLongitude": lon}}


BIRTHDAY = {"detectedEvents": [{"eventType": "birthday", "eventName": "Party", "confidence": 90}]}

GPS_VERSIONS = [
    # Cluster P, seeded by library fv1 (48.8584, 2.2945, placeName Paris) with fv2.
    _gps_fv(101, 2, _ai(48.8590, 2.2945, placeName="Tour Eiffel")),  # 67 m north
    _gps_fv(102, 3, _ai(48.8584, 2.2950, placeName="Tour Eiffel")),  # 37 m east
    _gps_fv(103, 4, {**_ai(0, 0), **_exif(48.85845, 2.29455)}),  # AI 0,0 -> EXIF
    # Cluster G (Nice): a chain 89 m apart; 106 is 178 m from the seed, so it stays alone.
    _gps_fv(104, 6, {**_exif(43.7, 7.26), "ai": BIRTHDAY}),
    _gps_fv(105, 7, {**_exif(43.7008, 7.26), "ai": BIRTHDAY}),
    _gps_fv(106, 8, _exif(43.7016, 7.26)),
    _gps_fv(107, 9, {**_ai(43.70001, 0), **_exif(43.70002, 7.26001)}),  # AI lon 0 -> EXIF
    # Cluster S: AI coordinates as strings are ignored, EXIF used.
    _gps_fv(108, 10, {**_ai("12.5", "13.5"), **_exif(12.5, 13.5)}),
    _gps_fv(109, 11, _exif(12.5000001, 13.5)),
    # Cluster T: as big as S, seeded later; a non-ASCII place name; many digits.
    _gps_fv(110, 12, {**_exif(-33.8568, 151.2153), "ai": {"placeName": "Opéra de Sydney"}}),
    _gps_fv(111, 13, _exif(-33.856812345678901, 151.21531234567890)),
    # Not located: latitude out of range; half a pair; AI chosen (both non-zero) but out of
    # range, so its valid EXIF is not used.
    _gps_fv(112, 14, _exif(95, 10)),
    _gps_fv(113, 15, {"exif": {"gpsLatitude": 40.0}}),
    _gps_fv(114, 16, {**_ai(200, 2.29), **_exif(48.8584, 2.2945)}),
    # Located alone: exponent notation (jsonb prints it as 0.0000001).
    _gps_fv(115, 17, _exif(1e-07, 2.5e-05)),
]

GPS_ASSETS = [
    {"id": uid("asset", n), "original_filename": f"gps_{n}.jpg", "created_at": at(n / 100)}
    for n in range(101, 116)
]

EXTRA_LOCATIONS = [
    {
        "id": uid("loc", 101),
        "name": "beach",
        "latitude": "43.69",
        "longitude": "7.27",
        "photo_count": 0,
        "created_at": at(122),
        "updated_at": at(122),
    },
    {
        "id": uid("loc", 102),
        "name": "Élan vital",
        "latitude": "1",
        "longitude": "2",
        "photo_count": 5,
        "created_at": at(150),
        "updated_at": at(150),
    },
    {
        "id": uid("loc", 103),
        "name": "Zoo",
        "latitude": "1",
        "longitude": "2",
        "photo_count": None,
        "created_at": at(150),
        "updated_at": at(150),
    },
    {
        "id": uid("loc", 104),
        "name": "alpha",
        "latitude": "1",
        "longitude": "2",
        "photo_count": 7,
        "created_at": at(200),
        "updated_at": at(200),
    },
    {
        "id": uid("loc", 105),
        "name": "Alpha",
        "latitude": "1",
        "longitude": "2",
        "photo_count": -1,
        "created_at": at(150),
        "updated_at": at(150),
    },
]

EXTRA_PROMPTS = [
    {
        "id": uid("prompt", 101),
        "name": "alpha",
        "category": "analysis",
        "provider": "openai",
        "system_prompt": "s",
        "user_prompt": "u",
        "is_active": True,
        "created_at": at(103),
        "updated_at": at(103),
    },
    {
        "id": uid("prompt", 102),
        "name": "Élan",
        "category": "analysis",
        "provider": "both",
        "system_prompt": "s",
        "user_prompt": "u",
        "is_active": None,
        "created_at": at(103),
        "updated_at": at(103),
    },
    {
        "id": uid("prompt", 103),
        "name": "beta",
        "category": "naming",
        "provider": "ollama",
        "system_prompt": "s",
        "user_prompt": "u",
        "is_active": True,
        "is_default": None,
        "created_at": at(104),
        "updated_at": at(104),
    },
    {
        "id": uid("prompt", 104),
        "name": "Alpha",
        "category": "analysis",
        "provider": "both",
        "system_prompt": "s",
        "user_prompt": "u",
        "is_active": True,
        "created_at": at(104),
        "updated_at": at(104),
    },
]

EXTRA_EVENTS = [
    {
        "id": uid("event", 101),
        "name": "New Year",
        "type": "holiday",
        "date": datetime(2000, 12, 25),
        "is_enabled": True,
        "created_at": at(113),
    },
    {
        "id": uid("event", 102),
        "name": "Fête",
        "type": "custom",
        "date": datetime(2026, 7, 1, 9, 30),
        "is_enabled": True,
        "created_at": at(113),
    },
]

EXTRAS: dict[str, list[dict[str, Any]]] = {
    "media_assets": GPS_ASSETS,
    "file_versions": GPS_VERSIONS,
    "locations": EXTRA_LOCATIONS,
    "ai_prompts": EXTRA_PROMPTS,
    "events": EXTRA_EVENTS,
}


async def load_rows(db: Any, tables: dict[str, list[dict[str, Any]]]) -> None:
    async with db.transaction() as conn:
        for table, rows in tables.items():
            for row in rows:
                query = insert_query(table, ROW_TYPES[table], tuple(row))
                await conn.run(query, **row)


def with_rows(tables: dict[str, list[dict[str, Any]]]) -> Callable[[Any], Awaitable[None]]:
    """A loader for ``make_pair`` that adds ``tables`` (the rows of each table)."""

    async def load(db: Any) -> None:
        await load_rows(db, tables)

    return load


@pytest.fixture(scope="module")
async def catalog_pair(make_pair: PairMaker) -> AsyncIterator[tuple[Any, Any]]:
    """The library plus EXTRAS in SQLite and PostgreSQL (read only)."""
    async with make_pair(load_library, with_rows(EXTRAS)) as pair:
        yield pair


def names(rows: list[Any]) -> list[str]:
    return [r.name for r in rows]


def ids(rows: list[Any]) -> list[str]:
    return [r.id for r in rows]


async def count_rows(db: Any, repo: Any) -> int:
    return int(await repo.count(db))


# ---------------------------------------------------------------------------------------------
# Events
# ---------------------------------------------------------------------------------------------


async def test_create_event_from_dict_converts_iso_strings_to_naive_utc(db: Any) -> None:
    row = await crud.event.create(
        db, obj_in={"name": "Trip", "type": "custom", "date": "2026-12-25T10:00:00+02:00"}
    )
    assert row.date == datetime(2026, 12, 25, 8, 0)
    assert (row.is_recurring, row.is_enabled, row.recurring_type) == (False, True, None)
    assert await crud.event.get(db, id=row.id) == row


async def test_create_event_from_struct_and_port_names(db: Any) -> None:
    made = await crud.compat.event.create_event(
        db,
        InsertEvent(
            name="Anniversary",
            type="custom",
            date=datetime(2020, 5, 4),
            is_recurring=True,
            recurring_type="yearly",
            is_enabled=None,
        ),
    )
    assert made.is_enabled is None and made.recurring_type == "yearly"
    assert await crud.compat.event.get_event(db, made.id) == made
    assert await crud.compat.event.get_events(db) == [made]
    assert await crud.compat.event.get_events_by_type(db, "custom") == [made]
    updated = await crud.compat.event.update_event(db, made.id, {"date": "2021-05-04T00:00:00Z"})
    assert updated is not None and updated.date == datetime(2021, 5, 4)
    date_only = await crud.compat.event.update_event(db, made.id, {"date": "2021-05-05"})
    assert date_only is not None and date_only.date == datetime(2021, 5, 5)
    updated = await crud.compat.event.update_event(db, made.id, {"date": "2021-05-04T00:00:00Z"})
    assert updated is not None
    assert await crud.compat.event.delete_event(db, made.id) == updated
    assert await crud.compat.event.delete_event(db, made.id) is None
    assert await crud.compat.event.get_event(db, made.id) is None
    assert await crud.compat.event.update_event(db, made.id, {"name": "x"}) is None


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"name": "x", "type": "custom", "date": "2026-13-45"}, "date"),  # no such day
        ({"name": "x", "type": "party", "date": "2026-12-25T00:00:00"}, "type"),
        ({"type": "custom", "date": "2026-12-25T00:00:00"}, "name"),
        (
            {
                "name": "x",
                "type": "custom",
                "date": "2026-12-25T00:00:00",
                "recurring_type": "daily",
            },
            "recurring_type",
        ),
        ({"name": "x", "type": "custom", "date": None}, "date"),
    ],
)
@pytest.mark.slow
async def test_create_event_rejects_bad_input(db: Any, values: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        await crud.event.create(db, obj_in=values)
    assert info.value.field == field
    assert await count_rows(db, crud.event) == 0


async def test_event_person_must_exist(db: Any) -> None:
    with pytest.raises(ForeignKeyError) as info:
        await crud.event.create(
            db,
            obj_in={
                "name": "b",
                "type": "birthday",
                "date": datetime(2000, 1, 1),
                "person_id": uid("person", 99),
            },
        )
    assert (info.value.table, info.value.column) == ("events", "person_id")
    assert await count_rows(db, crud.event) == 0
    made = await crud.event.create(
        db, obj_in={"name": "b", "type": "birthday", "date": datetime(2000, 1, 1)}
    )
    with pytest.raises(ForeignKeyError):
        await crud.event.update(db, db_obj=made, obj_in={"person_id": uid("person", 99)})
    assert await crud.event.get(db, id=made.id) == made


async def test_event_lists_order_filter_and_validate(db: Any) -> None:
    await load_library(db)
    await load_rows(db, {"events": EXTRA_EVENTS})
    assert names(await crud.event.get_all(db)) == [
        "Élodie's birthday",
        "Christmas",
        "Boxing Day",
        "New Year",
        "Team offsite",
        "Fête",
    ]
    assert names(await crud.event.get_by_type(db, type="holiday")) == [
        "Christmas",
        "Boxing Day",
        "New Year",
    ]
    assert names(await crud.event.get_by_type(db, type="birthday")) == ["Élodie's birthday"]
    assert names(await crud.event.get_by_type(db, type="custom")) == ["Team offsite", "Fête"]
    # is_enabled NULL (Élodie's birthday) and false (Team offsite) are left out.
    assert names(await crud.event.get_enabled(db)) == [
        "Christmas",
        "Boxing Day",
        "New Year",
        "Fête",
    ]
    for bad in ("Holiday", "", None, 3):
        with pytest.raises(ValidationError) as info:
            await crud.event.get_by_type(db, type=bad)
        assert info.value.field == "type"


async def test_event_update_sets_only_given_fields(db: Any) -> None:
    await load_library(db)
    before = await crud.event.get(db, id=uid("event", 2))
    assert before is not None
    after = await crud.event.update(
        db, db_obj=before, obj_in={"region": "Provence", "is_recurring": None}
    )
    assert after == msgspec.structs.replace(before, region="Provence", is_recurring=None)
    with pytest.raises(ValidationError):
        await crud.event.update(db, db_obj=before, obj_in={})
    with pytest.raises(ValidationError) as info:
        await crud.event.update(db, db_obj=before, obj_in={"type": "party"})
    assert info.value.field == "type"
    assert await crud.event.get(db, id=before.id) == after


# ---------------------------------------------------------------------------------------------
# AI prompts
# ---------------------------------------------------------------------------------------------


async def test_prompt_lists_sort_by_bytes_and_filter(db: Any) -> None:
    await load_library(db)
    await load_rows(db, {"ai_prompts": EXTRA_PROMPTS})
    assert [(p.category, p.name) for p in await crud.ai_prompt.get_all(db)] == [
        ("analysis", "Alpha"),
        ("analysis", "Alt analysis"),
        ("analysis", "Image Analysis"),
        ("analysis", "alpha"),
        ("analysis", "Élan"),
        ("description", "family Description Generator"),
        ("naming", "File Naming"),
        ("naming", "beta"),
    ]
    assert names(await crud.ai_prompt.get_by_category(db, category="analysis")) == [
        "Alpha",
        "Alt analysis",
        "Image Analysis",
        "alpha",
        "Élan",
    ]
    # Inactive prompts are included.
    assert names(await crud.ai_prompt.get_by_category(db, category="description")) == [
        "family Description Generator",
    ]
    assert names(await crud.ai_prompt.get_by_provider(db, provider="openai")) == [
        "Alpha",
        "Image Analysis",
        "alpha",
        "Élan",
        "family Description Generator",
        "File Naming",
    ]
    assert names(await crud.ai_prompt.get_by_provider(db, provider="ollama")) == [
        "Alpha",
        "Alt analysis",
        "Image Analysis",
        "Élan",
        "File Naming",
        "beta",
    ]
    assert names(await crud.ai_prompt.get_by_provider(db, provider="both")) == [
        "Alpha",
        "Image Analysis",
        "Élan",
        "File Naming",
    ]
    # is_active NULL (Alt analysis, Élan) and false are not active.
    assert names(await crud.ai_prompt.get_active(db)) == [
        "Alpha",
        "Image Analysis",
        "alpha",
        "File Naming",
        "beta",
    ]
    assert names(await crud.compat.ai_prompt.get_all_ai_prompts(db)) == names(
        await crud.ai_prompt.get_all(db)
    )
    assert names(await crud.compat.ai_prompt.get_active_ai_prompts(db)) == names(
        await crud.ai_prompt.get_active(db)
    )
    assert names(await crud.compat.ai_prompt.get_ai_prompts_by_category(db, "naming")) == [
        "File Naming",
        "beta",
    ]
    assert names(await crud.compat.ai_prompt.get_ai_prompts_by_provider(db, "both")) == names(
        await crud.ai_prompt.get_by_provider(db, provider="both")
    )


@pytest.mark.parametrize("bad", ["Analysis", "vision", "", None])
async def test_prompt_filters_validate(db: Any, bad: Any) -> None:
    with pytest.raises(ValidationError) as info:
        await crud.ai_prompt.get_by_category(db, category=bad)
    assert info.value.field == "category"
    with pytest.raises(ValidationError) as info:
        await crud.ai_prompt.get_by_provider(db, provider=bad)
    assert info.value.field == "provider"


async def test_prompt_create_update_delete(db: Any, fixed_clock: FixedClock) -> None:
    made = await crud.compat.ai_prompt.create_ai_prompt(
        db,
        {
            "name": "Tags",
            "category": "analysis",
            "provider": "ollama",
            "system_prompt": "s",
            "user_prompt": "u",
        },
    )
    assert (made.is_default, made.is_active, made.description) == (False, True, None)
    assert await crud.compat.ai_prompt.get_ai_prompt(db, made.id) == made
    updated = await crud.compat.ai_prompt.update_ai_prompt(db, made.id, {"is_active": False})
    assert updated is not None
    assert updated.is_active is False and updated.updated_at == fixed_clock.now
    assert updated.created_at == made.created_at
    assert await crud.ai_prompt.update(db, db_obj=uid("prompt", 9), obj_in={"name": "x"}) is None
    with pytest.raises(ValidationError) as info:
        await crud.ai_prompt.create(
            db,
            obj_in={
                "name": "x",
                "category": "analysis",
                "provider": "gpt",
                "system_prompt": "s",
                "user_prompt": "u",
            },
        )
    assert info.value.field == "provider"
    assert await crud.compat.ai_prompt.delete_ai_prompt(db, made.id) == updated
    assert await crud.compat.ai_prompt.delete_ai_prompt(db, made.id) is None
    assert await count_rows(db, crud.ai_prompt) == 0


def _default_shape(rows: list[Any]) -> list[tuple[Any, ...]]:
    return [(p.name, p.category, p.provider, p.is_default, p.is_active) for p in rows]


DEFAULT_SHAPE = [
    ("Image Analysis", "analysis", "both", True, True),
    ("Family Description Generator", "description", "both", True, True),
    ("File Naming", "naming", "both", True, True),
]


async def test_reset_to_defaults_replaces_every_prompt(db: Any) -> None:
    await load_library(db)
    await load_rows(db, {"ai_prompts": EXTRA_PROMPTS})
    first = await crud.ai_prompt.reset_to_defaults(db)
    assert _default_shape(first) == DEFAULT_SHAPE
    assert await crud.ai_prompt.get_all(db) == first
    defaults = {p.name: p for p in ai_prompts_module.DEFAULT_PROMPTS}
    for row in first:
        default = defaults[row.name]
        assert (row.system_prompt, row.user_prompt, row.description) == (
            default.system_prompt,
            default.user_prompt,
            default.description,
        )
    second = await crud.compat.ai_prompt.reset_ai_prompts_to_defaults(db)
    assert _default_shape(second) == DEFAULT_SHAPE
    assert not set(ids(first)) & set(ids(second))  # new ids each time
    assert await crud.ai_prompt.get_all(db) == second


async def test_reset_to_defaults_is_atomic(db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    await load_library(db)
    before = await crud.ai_prompt.get_all(db)
    broken = [
        *ai_prompts_module._DEFAULT_DOCUMENTS[:2],
        {**ai_prompts_module._DEFAULT_DOCUMENTS[2], "name": None},
    ]
    monkeypatch.setattr(ai_prompts_module, "_DEFAULT_DOCUMENTS", broken)
    with pytest.raises(ValidationError) as info:  # the last insert violates NOT NULL
        await crud.ai_prompt.reset_to_defaults(db)
    assert info.value.field == "name"
    assert await crud.ai_prompt.get_all(db) == before  # the delete was rolled back too


async def test_ensure_defaults_seeds_only_an_empty_table(db: Any) -> None:
    seeded = await crud.ai_prompt.ensure_defaults(db)
    assert _default_shape(seeded) == DEFAULT_SHAPE
    assert await crud.ai_prompt.ensure_defaults(db) == []
    assert await crud.ai_prompt.get_all(db) == seeded
    await crud.ai_prompt.remove(db, id=seeded[0].id)
    assert await crud.ai_prompt.ensure_defaults(db) == []  # not empty: left alone
    assert await count_rows(db, crud.ai_prompt) == 2


async def test_ensure_defaults_inserts_nothing_on_failure(
    db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = [
        *ai_prompts_module._DEFAULT_DOCUMENTS[:2],
        {**ai_prompts_module._DEFAULT_DOCUMENTS[2], "system_prompt": None},
    ]
    monkeypatch.setattr(ai_prompts_module, "_DEFAULT_DOCUMENTS", broken)
    with pytest.raises(ValidationError) as info:
        await crud.ai_prompt.ensure_defaults(db)
    assert info.value.field == "system_prompt"
    assert await count_rows(db, crud.ai_prompt) == 0


# A seeder blocked on the table lock the seeding transaction holds (PostgreSQL).
_SEEDERS_WAITING = make_query(
    "test.seeders_waiting",
    "scalar",
    int,
    "SELECT count(*) FROM pg_locks WHERE relation = CAST('ai_prompts' AS regclass) AND NOT granted",
    "SELECT 0",
)


async def _until_a_seeder_waits(db: Any) -> None:
    """Return once another transaction waits for the seeding lock (PostgreSQL's lock table
    shows it); the loop polls an observable state, the deadline only bounds a failure."""
    for _ in range(3000):
        if await db.run(_SEEDERS_WAITING) == 1:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the second seeder never waited for the lock")


async def test_ensure_defaults_waits_for_a_concurrent_seeder(
    db: Any, migrated_url: str, dialect: str
) -> None:
    impatient = await connect(migrated_url, config=Settings(busy_timeout_ms=50))
    try:
        async with db.transaction() as conn:
            first = await crud.ai_prompt.ensure_defaults(conn)
            assert len(first) == 3
            waiting = asyncio.create_task(crud.ai_prompt.ensure_defaults(db))
            if dialect == "postgres":
                await _until_a_seeder_waits(db)
                assert not waiting.done()  # blocked on the lock held by this transaction
            else:
                # SQLite shows no lock waiters: a seeder with a short busy timeout gives up
                # while the lock is held, which shows that seeders wait for it.
                with pytest.raises(DatabaseError, match=r"^database is locked: .*\(50 ms\)"):
                    await crud.ai_prompt.ensure_defaults(impatient)
        assert await waiting == []
        assert await crud.ai_prompt.get_all(db) == first
        assert await crud.ai_prompt.ensure_defaults(impatient) == []
    finally:
        await impatient.close()


async def test_concurrent_seeders_and_resets_leave_three_defaults(db: Any) -> None:
    results = await asyncio.gather(*(crud.ai_prompt.ensure_defaults(db) for _ in range(4)))
    assert sorted(len(r) for r in results) == [0, 0, 0, 3]
    await asyncio.gather(
        crud.ai_prompt.reset_to_defaults(db),
        crud.ai_prompt.reset_to_defaults(db),
        crud.ai_prompt.ensure_defaults(db),
    )
    assert _default_shape(await crud.ai_prompt.get_all(db)) == DEFAULT_SHAPE


# ---------------------------------------------------------------------------------------------
# Locations
# ---------------------------------------------------------------------------------------------


# Every location of the library and EXTRA_LOCATIONS, as location.get_all lists them (names in
# byte order).
LOCATION_NAMES = [
    "Alpha",
    "Beach",
    "beach",
    "Eiffel Tower",
    "Office",
    "Élan vital",
    "alpha",
    "Zoo",
    "home",
]


async def test_location_create_list_update_delete(db: Any, fixed_clock: FixedClock) -> None:
    await load_library(db)
    await load_rows(db, {"locations": EXTRA_LOCATIONS})
    assert names(await crud.location.get_all(db)) == LOCATION_NAMES
    made = await crud.location.create(
        db, obj_in={"name": "Park", "latitude": "51.5", "longitude": "-0.12"}
    )
    assert (made.radius, made.is_user_defined, made.photo_count) == (100, False, 0)
    before = await crud.location.get(db, id=uid("loc", 2))
    assert before is not None
    after = await crud.location.update(
        db, db_obj=before.id, obj_in=UpdateLocation(photo_count=3, place_name=None)
    )
    assert after is not None
    assert (after.photo_count, after.place_name, after.name) == (3, None, "home")
    assert (after.created_at, after.updated_at) == (at(121), fixed_clock.now)
    assert await crud.location.update(db, db_obj=uid("loc", 99), obj_in={"name": "x"}) is None
    with pytest.raises(ValidationError) as info:
        await crud.location.update(db, db_obj=before.id, obj_in={"radius": 2**31})
    assert info.value.field == "radius"
    with pytest.raises(ValidationError) as info:
        await crud.location.create(db, obj_in={"name": "x", "longitude": "1"})
    assert info.value.field == "latitude"
    assert await crud.compat.location.delete(db, id=made.id) is True
    assert await crud.compat.location.delete(db, id=made.id) is False
    assert await crud.location.get(db, id=made.id) is None
    with pytest.raises(ValidationError):
        await crud.compat.location.delete(db, id=7)  # type: ignore[arg-type]
    assert await count_rows(db, crud.location) == 9


async def test_create_from_coordinates(db: Any) -> None:
    made = await crud.location.create_from_coordinates(db, latitude=48.8584, longitude=2)
    assert (made.name, made.latitude, made.longitude) == ("Unknown Location", "48.8584", "2")
    assert (made.is_user_defined, made.photo_count, made.radius) == (True, 0, 100)
    named = await crud.location.create_from_coordinates(
        db,
        latitude="-33.8568",
        longitude=151.2153,
        name="Opéra",
        description="d",
        place_name="Sydney Opera House",
        place_type="landmark",
    )
    assert (named.name, named.latitude, named.longitude) == ("Opéra", "-33.8568", "151.2153")
    assert (named.description, named.place_name, named.place_type) == (
        "d",
        "Sydney Opera House",
        "landmark",
    )
    blank = await crud.location.create_from_coordinates(db, latitude=1.5, longitude=2.5, name="")
    assert blank.name == "Unknown Location"
    assert await crud.location.get(db, id=named.id) == named


@pytest.mark.parametrize(
    ("latitude", "longitude", "field"),
    [
        (None, 2.0, "latitude"),
        (0, 2.0, "latitude"),
        (1.0, 0.0, "longitude"),
        ("north", 2.0, "latitude"),
        (True, 2.0, "latitude"),
        (1.0, float("nan"), "longitude"),
        (float("inf"), 1.0, "latitude"),
        (1.0, "", "longitude"),
    ],
)
@pytest.mark.slow
async def test_create_from_coordinates_validates(
    db: Any, latitude: Any, longitude: Any, field: str
) -> None:
    with pytest.raises(ValidationError) as info:
        await crud.location.create_from_coordinates(db, latitude=latitude, longitude=longitude)
    assert info.value.field == field
    assert await count_rows(db, crud.location) == 0


HOTSPOT_MEMBERS = {
    2: [[1, 101, 102, 103, 2], [104, 105, 107], [108, 109], [110, 111]],
    1: [[1, 101, 102, 103, 2], [104, 105, 107], [108, 109], [110, 111], [106], [115]],
    3: [[1, 101, 102, 103, 2], [104, 105, 107]],
}
HOTSPOT_NAMES = {
    2: ["Paris", "birthday Location", "Photo Location", "Opéra de Sydney"],
    1: [
        "Paris",
        "birthday Location",
        "Photo Location",
        "Opéra de Sydney",
        "Photo Location",
        "Photo Location",
    ],
    3: ["Paris", "birthday Location"],
}


def member_numbers(hotspots: list[Hotspot]) -> list[list[int]]:
    return [[int(p.id.rsplit("-", 1)[1]) for p in h.photos] for h in hotspots]


def check_hotspots(hotspots: list[Hotspot], min_photos: int) -> None:
    assert member_numbers(hotspots) == HOTSPOT_MEMBERS[min_photos]
    assert [h.suggested_name for h in hotspots] == HOTSPOT_NAMES[min_photos]
    assert [h.photo_count for h in hotspots] == [len(m) for m in HOTSPOT_MEMBERS[min_photos]]
    paris = hotspots[0]
    lats = [48.8584, 48.8590, 48.8584, 48.85845, 48.8584]
    lons = [2.2945, 2.2945, 2.2950, 2.29455, 2.2945]
    assert paris.latitude == sum(lats) / 5 and paris.longitude == sum(lons) / 5
    first = paris.photos[0]
    assert first.media_asset is not None
    assert first.media_asset.original_filename == "IMG_0001.jpg"
    assert first.metadata is not None and first.metadata.ai is not None


async def test_find_hotspots_and_stats(db: Any) -> None:
    await load_library(db)
    await load_rows(db, EXTRAS)
    for min_photos in (1, 2, 3):
        check_hotspots(await crud.location.find_hotspots(db, min_photos=min_photos), min_photos)
    check_hotspots(await crud.location.find_hotspots(db), 2)
    for bad in (0, -1, 2.0, None, True):
        with pytest.raises(ValidationError) as info:
            await crud.location.find_hotspots(db, min_photos=bad)
        assert info.value.field == "min_photos"
    stats = await crud.location.get_stats(db)
    assert isinstance(stats, LocationStats)
    assert stats.total_locations == 9
    assert stats.total_photos_with_location == 14
    assert names(stats.top_locations) == ["alpha", "Eiffel Tower", "Office", "Élan vital", "Beach"]
    assert names(stats.recent_locations) == ["alpha", "Élan vital", "Zoo", "Alpha", "Office"]
    check_hotspots(stats.hotspots, 2)


async def test_stats_of_an_empty_library(db: Any) -> None:
    stats = await crud.location.get_stats(db)
    assert stats == LocationStats(0, 0, [], [], [])
    assert await crud.location.find_hotspots(db) == []


# ---------------------------------------------------------------------------------------------
# Clustering (pure Python)
# ---------------------------------------------------------------------------------------------


def located(n: int, lat: float, lon: float, ai: dict[str, Any] | None = None) -> LocatedPhoto:
    metadata = CombinedMetadata.from_tree({"ai": ai} if ai is not None else {})
    return LocatedPhoto(str(n), repr(lat), repr(lon), metadata, None)


def test_haversine() -> None:
    assert haversine_m(0, 0, 0, 1) == pytest.approx(EARTH_RADIUS_M * 3.141592653589793 / 180)
    assert haversine_m(48.8584, 2.2945, 48.8584, 2.2945) == 0


def test_greedy_clusters_measure_from_the_seed() -> None:
    step = 0.0008  # 89 m of latitude
    points = to_points([located(i, 10 + i * step, 20) for i in range(4)])
    assert [[p.photo.id for p in c] for c in cluster(points)] == [["0", "1"], ["2", "3"]]
    assert cluster(points, max_distance_m=200)[0][-1].photo.id == "2"


def test_to_points_drops_unusable_coordinates() -> None:
    photos = [
        located(1, 0.0, 5),
        located(2, 91, 5),
        located(3, 5, -181),
        located(4, 5, 5),
        LocatedPhoto("5", "x", "1", None, None),
        LocatedPhoto("6", "nan", "1", None, None),
    ]
    assert [p.photo.id for p in to_points(photos)] == ["4"]


def _members(photos: list[LocatedPhoto]) -> list[GeoPoint]:
    return to_points(photos)


def test_suggested_names() -> None:
    def named(n: int, place: str | None = None, event: str | None = None) -> LocatedPhoto:
        ai: dict[str, Any] = {}
        if place is not None:
            ai["placeName"] = place
        if event is not None:
            ai["detectedEvents"] = [{"eventType": event}]
        return located(n, 1, 1, ai)

    assert suggest_name(_members([named(1, "B"), named(2, "A"), named(3, "A")])) == "A"
    assert suggest_name(_members([named(1, "B"), named(2, "A")])) == "B"  # tie: first met
    assert (
        suggest_name(_members([named(1, ""), named(2, event="wedding"), named(3, event="party")]))
        == "wedding Location"
    )
    assert suggest_name(_members([named(1, event="x"), named(2)])) == "Photo Location"  # half
    assert suggest_name(_members([named(i) for i in range(19)])) == "Photo Location"
    assert suggest_name(_members([named(i) for i in range(20)])) == "Regular Location"
    assert suggest_name(_members([named(i) for i in range(50)])) == "Frequent Location"


def test_find_hotspots_sorts_by_size_keeping_seed_order() -> None:
    photos = [
        located(1, 10, 10),
        located(2, 20, 20),
        located(3, 20, 20.0001),
        located(4, 30, 30),
        located(5, 30, 30.0001),
        located(6, 10, 10.0001),
        located(7, 30, 30.0002),
    ]
    result = find_hotspots(photos, min_photos=1)
    assert [[p.id for p in h.photos] for h in result] == [["4", "5", "7"], ["1", "6"], ["2", "3"]]
    assert result[0].latitude == 30 and result[0].longitude == (30 + 30.0001 + 30.0002) / 3


# ---------------------------------------------------------------------------------------------
# Every read method on both dialects: the expected answer, and equal records.
# ---------------------------------------------------------------------------------------------

Read = Callable[[Any], Awaitable[Any]]

READS: list[tuple[str, Read]] = [
    ("event.get_all", lambda d: crud.event.get_all(d)),
    ("event.get_events", lambda d: crud.compat.event.get_events(d)),
    ("event.get_enabled", lambda d: crud.event.get_enabled(d)),
    *[
        (f"event.get_by_type {t}", lambda d, t=t: crud.event.get_by_type(d, type=t))
        for t in ("holiday", "birthday", "custom")
    ],
    ("event.get_events_by_type", lambda d: crud.compat.event.get_events_by_type(d, "holiday")),
    ("event.get", lambda d: crud.event.get(d, id=uid("event", 2))),
    ("event.get_event", lambda d: crud.compat.event.get_event(d, uid("event", 3))),
    ("event.get missing", lambda d: crud.event.get(d, id=uid("event", 99))),
    ("event.get_multi", lambda d: crud.event.get_multi(d, skip=1, limit=3)),
    ("event.count", lambda d: crud.event.count(d)),
    ("event.exists", lambda d: crud.event.exists(d, id=uid("event", 4))),
    ("ai_prompt.get_all", lambda d: crud.ai_prompt.get_all(d)),
    ("ai_prompt.get_all_ai_prompts", lambda d: crud.compat.ai_prompt.get_all_ai_prompts(d)),
    ("ai_prompt.get_active", lambda d: crud.ai_prompt.get_active(d)),
    ("ai_prompt.get_active_ai_prompts", lambda d: crud.compat.ai_prompt.get_active_ai_prompts(d)),
    *[
        (
            f"ai_prompt.get_by_category {c}",
            lambda d, c=c: crud.ai_prompt.get_by_category(d, category=c),
        )
        for c in ("analysis", "naming", "description")
    ],
    *[
        (
            f"ai_prompt.get_by_provider {p}",
            lambda d, p=p: crud.ai_prompt.get_by_provider(d, provider=p),
        )
        for p in ("openai", "ollama", "both")
    ],
    (
        "ai_prompt.get_ai_prompts_by_category",
        lambda d: crud.compat.ai_prompt.get_ai_prompts_by_category(d, "analysis"),
    ),
    (
        "ai_prompt.get_ai_prompts_by_provider",
        lambda d: crud.compat.ai_prompt.get_ai_prompts_by_provider(d, "ollama"),
    ),
    ("ai_prompt.get", lambda d: crud.ai_prompt.get(d, id=uid("prompt", 3))),
    ("ai_prompt.get_ai_prompt", lambda d: crud.compat.ai_prompt.get_ai_prompt(d, uid("prompt", 4))),
    ("ai_prompt.get missing", lambda d: crud.ai_prompt.get(d, id=uid("prompt", 99))),
    ("location.get_all", lambda d: crud.location.get_all(d)),
    ("location.get", lambda d: crud.location.get(d, id=uid("loc", 2))),
    ("location.get missing", lambda d: crud.location.get(d, id=uid("loc", 99))),
    *[
        (f"location.find_hotspots {m}", lambda d, m=m: crud.location.find_hotspots(d, min_photos=m))
        for m in (1, 2, 3)
    ],
    ("location.get_stats", lambda d: crud.location.get_stats(d)),
]


# label -> (the answer on the library, the answer on the library plus EXTRAS), written as
# row numbers (uid(kind, n)): events by date then id; prompts by category, name (bytes),
# id; locations by photo_count (NULL last), name (bytes), id; hotspots as member lists.
EXPECTED: dict[str, tuple[Any, Any]] = {
    "event.get_all": ([2, 1, 4, 3], [2, 1, 4, 101, 3, 102]),
    "event.get_events": ([2, 1, 4, 3], [2, 1, 4, 101, 3, 102]),
    "event.get_enabled": ([1, 4], [1, 4, 101, 102]),
    "event.get_by_type holiday": ([1, 4], [1, 4, 101]),
    "event.get_by_type birthday": ([2], [2]),
    "event.get_by_type custom": ([3], [3, 102]),
    "event.get_events_by_type": ([1, 4], [1, 4, 101]),
    "event.get": (2, 2),
    "event.get_event": (3, 3),
    "event.get missing": (None, None),
    "event.get_multi": ([2, 3, 4], [2, 3, 4]),  # created_at order, skip 1, limit 3
    "event.count": (4, 6),
    "event.exists": (True, True),
    "ai_prompt.get_all": ([4, 1, 3, 2], [104, 4, 1, 101, 102, 3, 2, 103]),
    "ai_prompt.get_all_ai_prompts": ([4, 1, 3, 2], [104, 4, 1, 101, 102, 3, 2, 103]),
    "ai_prompt.get_active": ([1, 2], [104, 1, 101, 2, 103]),
    "ai_prompt.get_active_ai_prompts": ([1, 2], [104, 1, 101, 2, 103]),
    "ai_prompt.get_by_category analysis": ([4, 1], [104, 4, 1, 101, 102]),
    "ai_prompt.get_by_category naming": ([2], [2, 103]),
    "ai_prompt.get_by_category description": ([3], [3]),
    "ai_prompt.get_by_provider openai": ([1, 3, 2], [104, 1, 101, 102, 3, 2]),
    "ai_prompt.get_by_provider ollama": ([4, 1, 2], [104, 4, 1, 102, 2, 103]),
    "ai_prompt.get_by_provider both": ([1, 2], [104, 1, 102, 2]),
    "ai_prompt.get_ai_prompts_by_category": ([4, 1], [104, 4, 1, 101, 102]),
    "ai_prompt.get_ai_prompts_by_provider": ([4, 1, 2], [104, 4, 1, 102, 2, 103]),
    "ai_prompt.get": (3, 3),
    "ai_prompt.get_ai_prompt": (4, 4),
    "ai_prompt.get missing": (None, None),
    "location.get_all": ([3, 1, 4, 2], [105, 3, 101, 1, 4, 102, 104, 103, 2]),
    "location.get": (2, 2),
    "location.get missing": (None, None),
    "location.find_hotspots 1": ([[1, 2]], HOTSPOT_MEMBERS[1]),
    "location.find_hotspots 2": ([[1, 2]], HOTSPOT_MEMBERS[2]),
    "location.find_hotspots 3": ([], HOTSPOT_MEMBERS[3]),
    # (locations, located photos, top 5 by photo_count, 5 most recent, hotspots)
    "location.get_stats": (
        (4, 2, [1, 4, 3, 2], [4, 3, 2, 1], [[1, 2]]),
        (9, 14, [104, 1, 4, 102, 3], [104, 102, 103, 105, 4], HOTSPOT_MEMBERS[2]),
    ),
}


def row_number(record: Any) -> int:
    return int(record.id.rsplit("-", 1)[1])


def summary(value: Any) -> Any:
    """A read's answer as row numbers (hotspots as their members' numbers)."""
    if isinstance(value, LocationStats):
        return (
            value.total_locations,
            value.total_photos_with_location,
            [row_number(r) for r in value.top_locations],
            [row_number(r) for r in value.recent_locations],
            member_numbers(value.hotspots),
        )
    if isinstance(value, list):
        if value and isinstance(value[0], Hotspot):
            return member_numbers(value)
        return [row_number(r) for r in value]
    if value is None or isinstance(value, bool | int):
        return value
    return row_number(value)


def test_every_read_has_an_expected_answer() -> None:
    assert sorted(EXPECTED) == sorted(label for label, _ in READS)


@pytest.mark.parametrize(("label", "read"), READS, ids=[label for label, _ in READS])
async def test_reads_give_the_expected_answer_on_both_dialects(
    library_pair: tuple[Any, Any], catalog_pair: tuple[Any, Any], label: str, read: Read
) -> None:
    for (lite, pg), expected in zip((library_pair, catalog_pair), EXPECTED[label], strict=True):
        answer = await read(lite)
        assert summary(answer) == expected, label
        assert answer == await read(pg), label  # every field, not only the row numbers


async def test_differential_results_are_the_expected_ones(
    library_pair: tuple[Any, Any], catalog_pair: tuple[Any, Any]
) -> None:
    for database in library_pair:
        assert names(await crud.event.get_all(database)) == [
            "Élodie's birthday",
            "Christmas",
            "Boxing Day",
            "Team offsite",
        ]
        assert names(await crud.ai_prompt.get_all(database)) == [
            "Alt analysis",
            "Image Analysis",
            "family Description Generator",
            "File Naming",
        ]
        assert names(await crud.location.get_all(database)) == [
            "Beach",
            "Eiffel Tower",
            "Office",
            "home",
        ]
        hotspots = await crud.location.find_hotspots(database)
        assert member_numbers(hotspots) == [[1, 2]] and hotspots[0].suggested_name == "Paris"
        stats = await crud.location.get_stats(database)
        assert (stats.total_locations, stats.total_photos_with_location) == (4, 2)
        assert names(stats.top_locations) == ["Eiffel Tower", "Office", "Beach", "home"]
        assert names(stats.recent_locations) == ["Office", "Beach", "home", "Eiffel Tower"]
    for database in catalog_pair:
        assert names(await crud.event.get_enabled(database)) == [
            "Christmas",
            "Boxing Day",
            "New Year",
            "Fête",
        ]
        assert names(await crud.ai_prompt.get_by_provider(database, provider="openai")) == [
            "Alpha",
            "Image Analysis",
            "alpha",
            "Élan",
            "family Description Generator",
            "File Naming",
        ]
        assert names(await crud.location.get_all(database)) == LOCATION_NAMES
        for min_photos in (1, 2, 3):
            check_hotspots(
                await crud.location.find_hotspots(database, min_photos=min_photos), min_photos
            )
        stats = await crud.location.get_stats(database)
        assert stats.total_photos_with_location == 14
        assert names(stats.recent_locations) == ["alpha", "Élan vital", "Zoo", "Alpha", "Office"]
