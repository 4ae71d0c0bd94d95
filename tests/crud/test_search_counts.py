"""The count limit of a search page: "at least N" instead of counting every match, both dialects.

A page counts the first ``search_count_limit`` matches in the search's order for its total
and facets (``total_exact`` False when there are more), and every match when the caller
asks for ``exact_total``. The answers are compared with tests/search_reference.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pictallion_sql import crud
from pictallion_sql.errors import ValidationError
from tests.crud.test_search import FIXED, FULL_SORTS, libraries, load, ordered_items, summary
from tests.crud.test_search_pages import Statements, keep_every_total, seen
from tests.search_reference import Library
from tests.search_reference import search as reference_search

# Every test here asserts the results of the statements it runs by value.
pytestmark = pytest.mark.pins

__all__ = ["keep_every_total", "seen"]  # fixtures shared with test_search_pages


@pytest.fixture(scope="module")
def pair(writable_pair: tuple[Any, Any]) -> tuple[Any, Any]:
    return writable_pair


@pytest.fixture
def count_limit(pair: tuple[Any, Any]) -> Iterator[None]:
    """Each test sets its own limit; the setting and the kept totals are restored after."""
    before = [db.settings.search_count_limit for db in pair]
    for db in pair:
        db.local_results.clear()
    yield
    for db, value in zip(pair, before, strict=True):
        db.settings.search_count_limit = value
        db.local_results.clear()


def _set_limit(pair: tuple[Any, Any], limit: int) -> None:
    for db in pair:
        db.settings.search_count_limit = limit
        db.local_results.clear()


async def _check_capped(
    pair: tuple[Any, Any], lib: Library, filters: Any, sort: Any, limit: int, size: int
) -> None:
    everything = reference_search(lib, filters, sort, 10**6, 0)
    ids, total, facets = ordered_items(reference_search(lib, filters, sort, size, 0, limit))
    exact = ordered_items(reference_search(lib, filters, sort, size, 0))
    pages = []
    for db in pair:
        page = await crud.file_version.search(db, filters=filters, sort=sort, limit=size)
        assert ordered_items(summary(page)) == (ids, total, facets)
        assert page.total_exact is (len(everything[0]) < limit)
        full = await crud.file_version.search(
            db, filters=filters, sort=sort, limit=size, exact_total=True
        )
        assert ordered_items(summary(full)) == exact
        assert full.total_exact is True
        pages.append((page, full))
    assert pages[0] == pages[1]


@given(lib=libraries(), sort=FULL_SORTS, limit=st.integers(1, 6), size=st.integers(1, 4))
@pytest.mark.slow
async def test_a_page_counts_the_first_matches_in_its_order_on_both_dialects(
    pair: tuple[Any, Any], lib: Library, sort: dict[str, Any], limit: int, size: int
) -> None:
    for db in pair:
        await load(db, lib)
    _set_limit(pair, limit)
    try:
        await _check_capped(pair, lib, None, sort, limit, size)
        await _check_capped(pair, lib, {"rating_max": 3}, sort, limit, size)
    finally:
        _set_limit(pair, 1_000)


@pytest.fixture(scope="module")
async def fixed(pair: tuple[Any, Any]) -> tuple[Any, Any]:
    for db in pair:
        await load(db, FIXED)
    return pair


@pytest.mark.parametrize("limit", [1, 2, 3, 4, 5, 0])
async def test_the_fixed_library_at_every_limit(
    fixed: tuple[Any, Any], count_limit: None, limit: int
) -> None:
    """FIXED holds 4 versions: a limit of 4 or less says "at least", 5 and 0 count them all."""
    _set_limit(fixed, limit)
    for sort in ({"field": "created_at"}, {"field": "rating", "direction": "asc"}):
        await _check_capped(fixed, FIXED, None, sort, limit or 10**6, 2)
    for db in fixed:
        page = await crud.file_version.search(db, limit=1)
        assert (page.total_count, page.total_exact) == (
            (limit, False) if 0 < limit <= 4 else (4, True)
        )


@pytest.mark.parametrize("limit", [1, 3, 4, 5])
async def test_the_live_search_counts_up_to_the_limit(
    fixed: tuple[Any, Any], count_limit: None, limit: int
) -> None:
    _set_limit(fixed, limit)
    answers = []
    for db in fixed:
        page = await crud.file_version.search_photos(db, tier=None, limit=2)
        assert [p.id for p in page.photos] == ["fv-4", "fv-3"]
        assert (page.total_count, page.total_exact) == (min(limit, 4), limit > 4)
        # A page past the last match counts with a statement of its own, capped the same way.
        past = await crud.file_version.search_photos(db, tier=None, limit=2, skip=9)
        assert (past.photos, past.total_count, past.total_exact) == ([], min(limit, 4), limit > 4)
        exact = await crud.file_version.search_photos(db, tier=None, limit=2, exact_total=True)
        assert (exact.total_count, exact.total_exact) == (4, True)
        answers.append((page, past, exact))
    assert answers[0] == answers[1]


async def test_a_kept_exact_total_answers_a_capped_page(
    fixed: tuple[Any, Any], count_limit: None, keep_every_total: None, seen: list[Statements]
) -> None:
    _set_limit(fixed, 2)
    for db, watcher in zip(fixed, seen, strict=True):
        exact = await crud.file_version.search(db, limit=1, exact_total=True)
        capped = await crud.file_version.search(db, limit=1)
        assert (exact.total_count, exact.total_exact) == (4, True)
        # The exact figure kept from the first call is the better answer: no recount.
        assert (capped.total_count, capped.total_exact, capped.facets) == (4, True, exact.facets)
        assert watcher.bases() == ["file_versions.search_filtered", "file_versions.search_page"]
        assert watcher.names[0].endswith("|every match]")


async def test_a_capped_total_is_kept_for_the_following_pages(
    fixed: tuple[Any, Any], count_limit: None, seen: list[Statements]
) -> None:
    """However small the search: a capped total says "at least" and is kept as such."""
    _set_limit(fixed, 2)
    for db, watcher in zip(fixed, seen, strict=True):
        first = await crud.file_version.search(db, limit=1)
        second = await crud.file_version.search(db, limit=1, after=first.next_cursor)
        for page in (first, second):
            assert (page.total_count, page.total_exact) == (2, False)
            assert page.facets == first.facets
        assert [p.id for p in first.photos + second.photos] == ["fv-4", "fv-3"]
        # An exact total is not answered from a capped one.
        exact = await crud.file_version.search(db, limit=1, exact_total=True)
        assert (exact.total_count, exact.total_exact) == (4, True)
        live = [await crud.file_version.search_photos(db, tier=None, limit=1) for _ in range(2)]
        assert {(p.total_count, p.total_exact) for p in live} == {(2, False)}
        assert watcher.bases() == [
            "file_versions.search_filtered",
            "file_versions.search_page",
            "file_versions.search_filtered",
            "file_versions.search",
            "file_versions.search_page",
        ]


@pytest.mark.parametrize("value", [1, 0, "yes", None, 1.0])
async def test_exact_total_must_be_a_boolean(fixed: tuple[Any, Any], value: Any) -> None:
    for db in fixed:
        with pytest.raises(ValidationError) as caught:
            await crud.file_version.search(db, exact_total=value)
        assert caught.value.field == "exact_total"
        with pytest.raises(ValidationError) as caught:
            await crud.file_version.search_photos(db, exact_total=value)
        assert caught.value.field == "exact_total"
