"""Keyset pages (``*_page`` calls): walking every page by cursor gives the offset listing.

On both dialects, for every listing that has a ``*_page`` twin: the pages, walked by
``next_cursor`` with several page sizes, hold exactly the rows of the offset listing, in
its order, including rows that share their creation time (which ``create_many`` no longer
writes but data written by the old application holds); rows inserted between two pages
neither repeat nor skip the rows already read; a cursor that is malformed, from another
listing or from other filters is a ValidationError naming ``after``.
"""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pictallion_sql import Page, crud
from pictallion_sql.catalog.pages import Keyset
from pictallion_sql.errors import ValidationError
from pictallion_sql.query.named import queries
from tests.library import load_library, uid

# Every test here that runs statements asserts their results by value.
pytestmark = pytest.mark.pins

# Timestamps with microseconds at both ends of the range, whole seconds, and ties.
BASE = datetime(2024, 3, 1, 8, 0, 0)
TIMES = [
    BASE,
    BASE + timedelta(microseconds=1),
    BASE + timedelta(seconds=1, microseconds=999_999),
    BASE + timedelta(seconds=2),
    BASE + timedelta(days=1, microseconds=500_000),
]
ASSETS = 14
PERSON = uid("person", 1)
COLLECTION = uid("coll", 1)


def _fv(n: int, asset: int, tier: str, created_at: datetime, **extra: Any) -> dict[str, Any]:
    return {
        "id": uid("fv", n),
        "media_asset_id": uid("asset", asset),
        "tier": tier,
        "file_path": f"media/{tier}/p{n}.jpg",
        "file_hash": f"h{asset}",
        "file_size": n,
        "mime_type": "image/jpeg",
        "created_at": created_at,
        **extra,
    }


def catalogue() -> dict[str, list[dict[str, Any]]]:
    """Assets and versions whose creation times repeat (five distinct times in all)."""
    assets = [
        {"id": uid("asset", a), "original_filename": f"a{a}.jpg", "created_at": TIMES[a % 3]}
        for a in range(1, ASSETS + 1)
    ]
    versions = []
    n = 0
    for a in range(1, ASSETS + 1):
        tiers = ["bronze", "silver"] + (["gold"] if a % 3 == 0 else [])
        tiers += ["silver"] if a % 4 == 0 else []  # a second silver copy
        for tier in tiers:
            n += 1
            tags = ["beach"] if n % 2 else []
            versions.append(_fv(n, a, tier, TIMES[(n * 7) % len(TIMES)], keywords=tags))
    faces = [
        {
            "id": uid("face", f),
            "photo_id": uid("fv", 1 + f % n),
            "person_id": PERSON if f % 3 == 0 else None,
            "bounding_box": [1, 2, 3, 4],
            "confidence": 90,
            "ignored": f % 7 == 0,
            "created_at": TIMES[f % 4],
        }
        for f in range(1, 25)
    ]
    members = [
        {
            "id": uid("cp", m),
            "collection_id": COLLECTION,
            "photo_id": uid("fv", 1 + m % n),
            "added_at": TIMES[m % 2],
        }
        for m in range(1, 12)
    ]
    people = [
        {"id": uid("person", p), "name": f"P{p}", "created_at": TIMES[p % 2]} for p in range(1, 8)
    ]
    return {
        "media_assets": assets,
        "file_versions": versions,
        "people": people,
        "faces": faces,
        "collections": [{"id": COLLECTION, "name": "Album"}],
        "collection_photos": members,
    }


async def load(db: Any) -> None:
    data = catalogue()
    await crud.media_asset.import_rows(db, rows=data["media_assets"], returning=False)
    await crud.file_version.import_rows(db, rows=data["file_versions"], returning=False)
    await crud.person.import_rows(db, rows=data["people"], returning=False)
    await crud.face.import_rows(db, rows=data["faces"], returning=False)
    await crud.collection.import_rows(db, rows=data["collections"], returning=False)
    await crud.collection_photo.import_rows(db, rows=data["collection_photos"], returning=False)


Whole = Callable[[Any], Awaitable[list[Any]]]
Paged = Callable[[Any, str | None, int], Awaitable[Page[Any]]]
ALL = 10_000

# listing -> (the offset call giving every row, the keyset call)
LISTINGS: dict[str, tuple[Whole, Paged]] = {
    "file_version.get_by_tier": (
        lambda db: crud.file_version.get_by_tier(db, tier="silver", limit=ALL),
        lambda db, after, limit: crud.file_version.get_by_tier_page(
            db, tier="silver", after=after, limit=limit
        ),
    ),
    "file_version.get_all": (
        lambda db: crud.file_version.get_all(db),
        lambda db, after, limit: crud.file_version.get_all_page(db, after=after, limit=limit),
    ),
    "file_version.get_photos_by_tag": (
        lambda db: crud.file_version.get_photos_by_tag(db, tag="beach", limit=ALL),
        lambda db, after, limit: crud.file_version.get_photos_by_tag_page(
            db, tag="beach", after=after, limit=limit
        ),
    ),
    "file_version.list_photos": (
        lambda db: crud.file_version.list_photos(db, limit=ALL),
        lambda db, after, limit: crud.file_version.list_photos_page(db, after=after, limit=limit),
    ),
    "file_version.list_unprocessed": (
        lambda db: crud.file_version.list_unprocessed(db),
        lambda db, after, limit: crud.file_version.list_unprocessed_page(
            db, after=after, limit=limit
        ),
    ),
    "file_version.get_all_with_assets": (
        lambda db: crud.file_version.get_all_with_assets(db),
        lambda db, after, limit: crud.file_version.get_all_with_assets_page(
            db, after=after, limit=limit
        ),
    ),
    "file_version.list_by_tier": (
        lambda db: crud.file_version.list_by_tier(db, tier="silver"),
        lambda db, after, limit: crud.file_version.list_by_tier_page(
            db, tier="silver", after=after, limit=limit
        ),
    ),
    "file_version.list_by_tier[all versions]": (
        lambda db: crud.file_version.list_by_tier(db, tier="silver", show_all_versions=True),
        lambda db, after, limit: crud.file_version.list_by_tier_page(
            db, tier="silver", show_all_versions=True, after=after, limit=limit
        ),
    ),
    "person.get_all": (
        lambda db: crud.person.get_all(db),
        lambda db, after, limit: crud.person.get_all_page(db, after=after, limit=limit),
    ),
    "person.get_photos": (
        lambda db: crud.person.get_photos(db, person_id=PERSON),
        lambda db, after, limit: crud.person.get_photos_page(
            db, person_id=PERSON, after=after, limit=limit
        ),
    ),
    "face.get_by_person": (
        lambda db: crud.face.get_by_person(db, person_id=PERSON),
        lambda db, after, limit: crud.face.get_by_person_page(
            db, person_id=PERSON, after=after, limit=limit
        ),
    ),
    "face.get_unassigned": (
        lambda db: crud.face.get_unassigned(db, limit=None),
        lambda db, after, limit: crud.face.get_unassigned_page(db, after=after, limit=limit),
    ),
    "collection_photo.get_by_collection": (
        lambda db: crud.collection_photo.get_by_collection(db, collection_id=COLLECTION),
        lambda db, after, limit: crud.collection_photo.get_by_collection_page(
            db, collection_id=COLLECTION, after=after, limit=limit
        ),
    ),
}


async def walk(db: Any, paged: Paged, limit: int) -> list[Any]:
    """Every row of a listing, page after page by cursor."""
    rows: list[Any] = []
    after: str | None = None
    for _ in range(1000):
        page = await paged(db, after, limit)
        assert isinstance(page, Page)
        assert len(page.items) <= limit
        rows += page.items
        if page.next_cursor is None:
            return rows
        assert len(page.items) == limit  # only the last page is short
        after = page.next_cursor
    raise AssertionError("the pages never ended")


@pytest.fixture
async def loaded(db: Any) -> Any:
    await load(db)
    return db


async def test_the_catalogue_has_ties_and_every_listing_rows(loaded: Any) -> None:
    versions = await crud.file_version.get_all(loaded)
    assert len({v.created_at for v in versions}) == len(TIMES) < len(versions)
    assert {v.created_at for v in versions} == set(TIMES)  # microseconds kept exactly
    for name, (whole, _) in LISTINGS.items():
        assert len(await whole(loaded)) >= 3, name


@pytest.mark.parametrize("name", sorted(LISTINGS))
async def test_walking_the_pages_gives_the_offset_listing(loaded: Any, name: str) -> None:
    whole, paged = LISTINGS[name]
    expected = await whole(loaded)
    for limit in (1, 2, 3, 5, len(expected), len(expected) + 1):
        assert await walk(loaded, paged, limit) == expected, (name, limit)


async def test_generic_pages_of_every_table_give_get_multi(db: Any) -> None:
    await load_library(db)
    for name in sorted(n for n in crud.__all__ if n[0].islower()):
        repository = getattr(crud, name)
        expected = await repository.get_multi(db, limit=ALL)
        assert expected, name

        async def paged(db: Any, after: str | None, limit: int, repo: Any = repository) -> Any:
            return await repo.get_multi_page(db, after=after, limit=limit)

        for limit in (1, 2, len(expected)):
            assert await walk(db, paged, limit) == expected, (name, limit)


async def test_the_longest_keys_make_cursors_that_resume(db: Any) -> None:
    names = ["é" * 999 + str(n) for n in range(3)]  # 1,999 bytes: the longest indexed text
    await crud.user.create_many(db, objs=[{"username": n, "password": "x"} for n in names])
    first = await crud.user.get_multi_page(db, limit=1)
    assert first.next_cursor is not None and len(first.next_cursor) > 2_000
    rest = await crud.user.get_multi_page(db, after=first.next_cursor, limit=5)
    assert [u.username for u in first.items + rest.items] == sorted(names)
    assert rest.next_cursor is None


async def test_an_empty_listing_is_one_empty_last_page(db: Any) -> None:
    page = await crud.file_version.get_by_tier_page(db, tier="gold")
    assert page == Page(items=[], next_cursor=None)


async def test_inserts_between_pages_neither_repeat_nor_skip(loaded: Any) -> None:
    before = await crud.file_version.get_all(loaded)
    first = await crud.file_version.get_all_page(loaded, limit=4)
    assert first.items == before[:4] and first.next_cursor is not None
    newest = before[0].created_at + timedelta(days=30)
    older = before[-1].created_at - timedelta(days=30)
    # A newer row would shift every offset page by one; an older one lands ahead.
    await crud.file_version.import_rows(
        loaded,
        rows=[
            _fv(900, 1, "bronze", newest),
            _fv(901, 1, "bronze", older),
            _fv(902, 1, "bronze", first.items[-1].created_at),  # a tie of the page's last row
        ],
    )
    rest = await walk(
        loaded,
        lambda db, after, limit: crud.file_version.get_all_page(
            db, after=after or first.next_cursor, limit=limit
        ),
        3,
    )
    last = first.items[-1]
    behind = [
        r
        for r in await crud.file_version.get_all(loaded)
        if (r.created_at, r.id) < (last.created_at, last.id)
    ]
    assert rest == behind
    assert uid("fv", 901) in {r.id for r in rest}
    assert not {uid("fv", 900), uid("fv", 902)} & {r.id for r in rest}
    seen = [r.id for r in first.items + rest]
    assert len(seen) == len(set(seen))
    assert set(seen) >= {r.id for r in before}


async def test_the_offset_listings_are_unchanged(loaded: Any) -> None:
    page = await crud.file_version.get_by_tier(loaded, tier="silver", skip=2, limit=3)
    every = await crud.file_version.get_by_tier(loaded, tier="silver", limit=ALL)
    assert isinstance(page, list) and page == every[2:5]


async def test_bad_cursors_are_validation_errors_naming_after(loaded: Any) -> None:
    gold = await crud.file_version.get_by_tier_page(loaded, tier="silver", limit=1)
    other = await crud.file_version.get_all_page(loaded, limit=1)
    assert gold.next_cursor is not None and other.next_cursor is not None
    forged = msgspec.json.encode(["fv.tier", "x", "2024-03-01T08:00:00+01:00", "id"])

    cases: list[tuple[Any, str]] = [
        ("", "cursor string"),
        (42, "cursor string"),
        ("not a cursor!", "not a valid page cursor"),
        ("e30", "not a valid page cursor"),  # "{}"
        ("é" * 10, "not a valid page cursor"),
        ("A" * 9000, "cursor string"),
        ("A" * 5000, "not a valid page cursor"),
        (base64.urlsafe_b64encode(forged).decode(), "not a valid page cursor"),
        (other.next_cursor, "another listing"),
    ]
    for cursor, message in cases:
        with pytest.raises(ValidationError, match=message) as caught:
            await crud.file_version.get_by_tier_page(loaded, tier="silver", after=cursor, limit=1)
        assert caught.value.field == "after", cursor
    with pytest.raises(ValidationError, match="other filters") as caught:
        await crud.file_version.get_by_tier_page(
            loaded, tier="bronze", after=gold.next_cursor, limit=1
        )
    assert caught.value.field == "after"
    listing = await crud.file_version.list_by_tier_page(loaded, tier="silver", limit=1)
    with pytest.raises(ValidationError, match="other filters"):
        await crud.file_version.list_by_tier_page(
            loaded, tier="silver", show_all_versions=True, after=listing.next_cursor
        )
    for limit in (0, -1, True, 2**63 - 1, "5"):
        with pytest.raises(ValidationError) as caught:
            await crud.file_version.get_all_page(loaded, limit=limit)
        assert caught.value.field == "limit", limit
    with pytest.raises(ValidationError) as caught:
        await crud.file_version.get_by_tier_page(loaded, tier="plastic")
    assert caught.value.field == "tier"


# ---- the cursor alone: cheap properties, no database ---------------------------------------

_LISTING = Keyset(
    "fv.all",
    queries.rows("file_versions.get_all", crud.file_version.row),
    queries.rows("file_versions.get_all_after", crud.file_version.row),
    ("after_created_at", "after_id"),
    (datetime, str),
    lambda row: (row.created_at, row.id),
)


_TEXT = st.characters(blacklist_categories=["Cs"])  # ids are checked text: no lone surrogates


class _Row(msgspec.Struct):
    created_at: datetime
    id: str


@given(
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)),
    st.text(_TEXT, max_size=40),
    st.dictionaries(st.sampled_from(["tier", "tag"]), st.text(_TEXT, max_size=8)),
)
def test_a_cursor_round_trips_its_key_exactly(when: datetime, id: str, filters: Any) -> None:
    cursor = _LISTING.encode(_Row(when, id), filters)  # type: ignore[arg-type]
    assert cursor.isascii() and "=" not in cursor
    assert _LISTING.decode(cursor, filters) == (when, id)


@given(st.text(max_size=200))
def test_any_other_string_is_refused_as_a_validation_error(cursor: str) -> None:
    try:
        key = _LISTING.decode(cursor, {})
    except ValidationError as exc:
        assert exc.field == "after"
    else:  # only a well-formed cursor of this listing decodes
        assert _LISTING.encode(_Row(*key), {}) == cursor.rstrip("=")  # type: ignore[arg-type]
