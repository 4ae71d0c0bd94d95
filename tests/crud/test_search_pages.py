"""Search pages: keyset cursors and the total and facets kept between pages, both dialects.

Walking a search with ``after`` must give exactly the pages ``skip`` gives (the reference
order of tests/search_reference.py), with the same total and facets on every page, whether
those come from the statement or from the values kept in the process. Kept values are
forgotten when a write commits through the same database, and never used in a transaction.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Iterator
from typing import Any

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pictallion_sql import crud
from pictallion_sql.errors import ValidationError
from pictallion_sql.monitoring.events import FinishedQuery
from tests.crud.test_search import (
    FIXED,
    FULL_SORTS,
    _version,
    libraries,
    load,
    ordered_items,
    summary,
)
from tests.search_reference import Library
from tests.search_reference import search as reference_search

# Every test here asserts the results of the statements it runs by value.
pytestmark = pytest.mark.pins


@pytest.fixture(scope="module")
def pair(writable_pair: tuple[Any, Any]) -> tuple[Any, Any]:
    return writable_pair


@pytest.fixture
def keep_every_total(pair: tuple[Any, Any]) -> Iterator[None]:
    """Totals and facets of every search are kept, however small (the default keeps 10,000+)."""
    before = [db.settings.search_totals_min for db in pair]
    for db in pair:
        db.settings.search_totals_min = 0
        db.local_results.clear()  # what earlier tests left
    yield
    for db, value in zip(pair, before, strict=True):
        db.settings.search_totals_min = value


class Statements:
    """The names of the statements a database ran, in order."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def __call__(self, event: FinishedQuery) -> None:
        self.names.append(event.name)

    def bases(self) -> list[str]:
        return [name.partition("[")[0] for name in self.names]


@pytest.fixture
async def seen(pair: tuple[Any, Any]) -> AsyncIterator[list[Statements]]:
    watchers = [Statements() for _ in pair]
    for db, watcher in zip(pair, watchers, strict=True):
        db.add_query_observer(watcher)
    yield watchers
    for db, watcher in zip(pair, watchers, strict=True):
        db.remove_query_observer(watcher)


async def walk(db: Any, filters: Any, sort: Any, size: int) -> list[Any]:
    """Every page of a search, following next_cursor from the first page."""
    pages = [await crud.file_version.search(db, filters=filters, sort=sort, limit=size)]
    while pages[-1].next_cursor is not None:
        assert len(pages) <= 20, "the cursor does not advance"
        pages.append(
            await crud.file_version.search(
                db, filters=filters, sort=sort, limit=size, after=pages[-1].next_cursor
            )
        )
    return pages


async def check_walk(
    pair: tuple[Any, Any], lib: Library, filters: Any, sort: Any, size: int
) -> None:
    """Cursor pages on both dialects: the reference order, cut into pages of ``size``."""
    ids, total, facets = ordered_items(reference_search(lib, filters, sort, 10**6, 0))
    walks = []
    for db in pair:
        pages = await walk(db, filters, sort, size)
        walked = [p for page in pages for p in page.photos]
        assert [p.id for p in walked] == ids
        # Full pages but the last; a cursor only when a photo follows.
        assert all(len(page.photos) == size for page in pages[:-1])
        assert len(pages) == max(1, -(-len(ids) // size))
        for page in pages:
            assert ordered_items(summary(page))[1:] == (total, facets)
        walks.append(pages)
    assert walks[0] == walks[1]


@given(lib=libraries(), sort=FULL_SORTS, size=st.integers(1, 4), keep=st.booleans())
@pytest.mark.slow
async def test_cursor_pages_follow_the_sort_on_both_dialects(
    pair: tuple[Any, Any], lib: Library, sort: dict[str, Any], size: int, keep: bool
) -> None:
    for db in pair:
        await load(db, lib)
        db.settings.search_totals_min = 0 if keep else 10_000
    try:
        await check_walk(pair, lib, None, sort, size)
        await check_walk(pair, lib, {"rating_max": 3}, sort, size)
    finally:
        for db in pair:
            db.settings.search_totals_min = 10_000


@pytest.fixture(scope="module")
async def fixed(pair: tuple[Any, Any]) -> tuple[Any, Any]:
    for db in pair:
        await load(db, FIXED)
    return pair


SORTS = [
    {"field": field, "direction": direction}
    for field in ("created_at", "rating", "file_size", "event_name")
    for direction in ("asc", "desc")
]


@pytest.mark.parametrize("sort", SORTS, ids=lambda s: f"{s['field']}-{s['direction']}")
@pytest.mark.parametrize("keep", [False, True], ids=["recounted", "kept"])
async def test_every_sort_walks_the_fixed_library(
    fixed: tuple[Any, Any], sort: dict[str, Any], keep: bool
) -> None:
    for db in fixed:
        db.settings.search_totals_min = 0 if keep else 10_000
    try:
        for size in (1, 2, 3, 4, 5):
            await check_walk(fixed, FIXED, None, sort, size)
        await check_walk(fixed, FIXED, {"query": "beach"}, sort, 1)
    finally:
        for db in fixed:
            db.settings.search_totals_min = 10_000


async def test_skip_counts_from_the_cursor(fixed: tuple[Any, Any]) -> None:
    for db in fixed:
        first = await crud.file_version.search(db, limit=1)
        assert [p.id for p in first.photos] == ["fv-4"]
        page = await crud.file_version.search(db, limit=1, skip=1, after=first.next_cursor)
        assert [p.id for p in page.photos] == ["fv-2"]
        assert page.total_count == 4
        last = await crud.file_version.search(db, limit=5, after=first.next_cursor)
        assert ([p.id for p in last.photos], last.next_cursor) == (["fv-3", "fv-2", "fv-1"], None)
        empty = await crud.file_version.search(db, limit=0)
        assert (empty.photos, empty.total_count, empty.next_cursor) == ([], 4, None)


async def test_following_pages_reuse_the_kept_total_and_facets(
    fixed: tuple[Any, Any], keep_every_total: None, seen: list[Statements]
) -> None:
    for db, watcher in zip(fixed, seen, strict=True):
        first = await crud.file_version.search(db, filters={"query": "beach"}, limit=1)
        second = await crud.file_version.search(
            db, filters={"query": "beach"}, limit=1, after=first.next_cursor
        )
        again = await crud.file_version.search(db, filters={"query": "beach"}, limit=1)
        # The sort is not part of what is kept: the facets are those of the filters.
        other = await crud.file_version.search(
            db, filters={"query": "beach"}, sort={"field": "rating"}, limit=2
        )
        assert [p.id for p in first.photos + second.photos] == ["fv-2", "fv-1"]
        assert [p.id for p in other.photos] == ["fv-1", "fv-2"]
        for page in (second, again, other):
            assert (page.total_count, page.facets) == (2, first.facets)
        assert again == first
        assert watcher.bases() == [
            "file_versions.search_filtered",
            "file_versions.search_page",
            "file_versions.search_page",
            "file_versions.search_page",
        ]
        assert watcher.names[1].endswith("|created_at desc|after]")


async def test_a_committed_write_is_counted_at_once(
    pair: tuple[Any, Any], keep_every_total: None, seen: list[Statements]
) -> None:
    for db, watcher in zip(pair, seen, strict=True):
        await load(db, FIXED)
        before = await crud.file_version.search(db, filters={"tier": "silver"}, limit=1)
        assert before.total_count == 2
        # A write inside a transaction that rolls back changes nothing.
        with pytest.raises(RuntimeError):
            async with db.transaction() as tx:
                await crud.file_version.create(tx, obj_in=_new_version(5))
                inside = await crud.file_version.search(tx, filters={"tier": "silver"}, limit=1)
                # In the transaction: its own write counted, nothing kept is used.
                assert inside.total_count == 3
                raise RuntimeError("roll back")
        kept = await crud.file_version.search(db, filters={"tier": "silver"}, limit=1)
        assert kept == before
        new = await crud.file_version.create(db, obj_in=_new_version(5))
        after = await crud.file_version.search(db, filters={"tier": "silver"}, limit=1)
        assert after.total_count == 3
        assert after.facets.tiers == {"silver": 3}
        assert [p.id for p in after.photos] == [new.id]
        async with db.transaction() as tx:
            await crud.file_version.update(tx, db_obj=new.id, obj_in={"tier": "gold"})
        assert (await crud.file_version.search(db, filters={"tier": "silver"})).total_count == 2
        assert watcher.bases().count("file_versions.search_filtered") == 4
    await _reload(pair)


async def test_no_total_is_kept_with_a_ttl_of_zero(
    fixed: tuple[Any, Any], keep_every_total: None, seen: list[Statements]
) -> None:
    for db, watcher in zip(fixed, seen, strict=True):
        db.settings.search_totals_ttl = 0
        try:
            for _ in range(2):
                page = await crud.file_version.search(db, filters={"tier": "silver"})
                assert page.total_count == 2
                live = await crud.file_version.search_photos(db, tier="silver")
                assert live.total_count == 2
        finally:
            db.settings.search_totals_ttl = 60
        assert watcher.bases() == ["file_versions.search_filtered", "file_versions.search"] * 2


def _new_version(n: int) -> dict[str, Any]:
    row = _version(n)
    del row["id"], row["created_at"]  # given by the library: now, after every FIXED version
    return {**row, "file_path": f"media/new-{n}.jpg"}


async def _reload(pair: tuple[Any, Any]) -> None:
    for db in pair:
        await load(db, FIXED)


# ---- the live search ---------------------------------------------------------------------


async def walk_live(db: Any, size: int, **filters: Any) -> list[Any]:
    pages = [await crud.file_version.search_photos(db, limit=size, **filters)]
    while pages[-1].next_cursor is not None:
        assert len(pages) <= 20, "the cursor does not advance"
        pages.append(
            await crud.file_version.search_photos(
                db, limit=size, after=pages[-1].next_cursor, **filters
            )
        )
    return pages


@pytest.mark.parametrize("keep", [False, True], ids=["recounted", "kept"])
async def test_live_search_cursor_pages(fixed: tuple[Any, Any], keep: bool) -> None:
    for db in fixed:
        db.settings.search_totals_min = 0 if keep else 10_000
    try:
        for db in fixed:
            for size in (1, 2, 3, 4):
                for filters, ids in (
                    ({"tier": None}, ["fv-4", "fv-3", "fv-2", "fv-1"]),
                    ({"tier": None, "query": "beach"}, ["fv-2", "fv-1"]),
                    ({"tier": "silver"}, ["fv-4", "fv-2"]),
                ):
                    pages = await walk_live(db, size, **filters)
                    assert [p.id for page in pages for p in page.photos] == ids
                    assert {page.total_count for page in pages} == {len(ids)}
                    assert len(pages) == max(1, -(-len(ids) // size))
            skipped = await crud.file_version.search_photos(
                db,
                tier=None,
                limit=1,
                skip=5,
                after=(await walk_live(db, 1, tier=None))[0].next_cursor,
            )
            assert (skipped.photos, skipped.total_count) == ([], 4)
    finally:
        for db in fixed:
            db.settings.search_totals_min = 10_000


# ---- bad cursors ---------------------------------------------------------------------------


def _token(value: Any) -> str:
    return base64.urlsafe_b64encode(msgspec.json.encode(value)).decode().rstrip("=")


async def test_a_bad_cursor_is_a_validation_error_naming_after(fixed: tuple[Any, Any]) -> None:
    db = fixed[0]
    page = await crud.file_version.search(db, filters={"tier": "silver"}, limit=1)
    live = await crud.file_version.search_photos(db, limit=1)
    good = page.next_cursor
    assert good is not None and live.next_cursor is not None
    version, fingerprint, key, last_id = msgspec.json.decode(
        base64.urlsafe_b64decode(good + "=" * (-len(good) % 4))
    )
    bad: list[Any] = [
        "",
        "not base64 at all!",
        _token("a string"),
        _token([version, fingerprint, key]),
        _token([version + 1, fingerprint, key, last_id]),
        _token([version, fingerprint, 12, last_id]),  # created_at sort: a timestamp
        _token([version, fingerprint, "yesterday", last_id]),
        _token([version, fingerprint, key + "+01:00", last_id]),
        _token([version, fingerprint, key, "nul\x00"]),
        "A" * 5000,
        12,
        b"bytes",
    ]
    for after in bad:
        with pytest.raises(ValidationError) as caught:
            await crud.file_version.search(db, filters={"tier": "silver"}, limit=1, after=after)
        assert caught.value.field == "after", after
    # Tied to its search: other filters, another sort, or the live search refuse it.
    for call in (
        crud.file_version.search(db, filters={"tier": "gold"}, after=good),
        crud.file_version.search(
            db, filters={"tier": "silver"}, sort={"field": "rating"}, after=good
        ),
        crud.file_version.search(
            db, filters={"tier": "silver"}, sort={"direction": "asc"}, after=good
        ),
        crud.file_version.search_photos(db, after=good),
        crud.file_version.search_photos(db, tier="gold", after=live.next_cursor),
        crud.file_version.search(db, after=live.next_cursor),
    ):
        with pytest.raises(ValidationError) as caught:
            await call
        assert caught.value.field == "after"
        assert "other filters" in str(caught.value)
