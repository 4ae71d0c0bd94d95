"""Running a photo search: one page, the total and facets kept between pages, the cursor.

``crud.file_version.search`` and ``search_photos`` check their arguments and call these.
The first page of a search answers the page, the total and the facets in one statement
(one snapshot); when the total is large they are kept in the process (``LocalResults``)
and the following pages read only their photos (docs/search.md).
"""

from __future__ import annotations

from typing import Any

import msgspec

from pictallion_sql import config
from pictallion_sql.cache.local import LocalResults
from pictallion_sql.catalog.search import (
    EVERY_MATCH,
    TOTALS_TABLES,
    check_rows,
    count_limit,
    next_cursor,
    plan_search,
    split_rows,
)
from pictallion_sql.catalog.search_cursors import (
    fetch_size,
    live_fingerprint,
    make_cursor,
    read_cursor,
)
from pictallion_sql.config import Settings
from pictallion_sql.drivers.base import Database, Executor
from pictallion_sql.drivers.connection import Connection
from pictallion_sql.query.named import queries
from pictallion_sql.records.composites.photos import (
    FileVersionWithAsset,
    PhotoSearchHit,
    PhotoSearchPage,
    PhotoSearchResult,
    SearchFacets,
)

__all__ = ["live_search_page", "search_page"]

_SEARCH = queries.rows("file_versions.search", PhotoSearchHit)
_SEARCH_COUNT = queries.scalar("file_versions.search_count", int)
_SEARCH_PAGE = queries.rows("file_versions.search_page", FileVersionWithAsset)
_SEARCH_PAGE_AFTER = queries.rows("file_versions.search_page_after", FileVersionWithAsset)


def _settings(db: Executor) -> Settings:
    return db.settings if isinstance(db, Database | Connection) else config.settings


# Where a search's totals are kept: (kind, filters) for an exact total; a capped one adds
# the order it was counted in and the limit, which decide what it covers.
_Key = tuple[Any, ...]


def _known(local: LocalResults | None, db: Executor, keys: tuple[_Key, _Key | None]) -> Any:
    """The kept totals of a search: exact ones answer any request, capped ones their own
    (no capped key when every match must be counted)."""
    if local is None or _settings(db).search_totals_ttl <= 0:
        return None
    exact_key, capped_key = keys
    known = local.get(exact_key, TOTALS_TABLES)
    if known is None and capped_key is not None:
        known = local.get(capped_key, TOTALS_TABLES)
    return known


def _keys(exact_key: _Key, limit: int, order: str) -> tuple[_Key, _Key | None]:
    return exact_key, (None if limit == EVERY_MATCH else (*exact_key, order, limit))


def _keep(
    db: Executor,
    local: LocalResults | None,
    keys: tuple[_Key, _Key | None],
    generation: tuple[int, ...],
    exact: bool,
    total: int,
    value: Any,
) -> None:
    """Keep a search's totals for its following pages: an exact one when large, a capped one
    always."""
    if local is None:
        return
    settings = _settings(db)
    exact_key, capped_key = keys
    key = exact_key if exact else capped_key
    if key is not None and (not exact or total >= settings.search_totals_min):
        local.put(key, TOTALS_TABLES, generation, settings.search_totals_ttl, value)


def _with_asset(hit: PhotoSearchHit) -> FileVersionWithAsset:
    return FileVersionWithAsset(*msgspec.structs.astuple(hit)[:-1])


async def live_search_page(
    db: Executor,
    params: dict[str, Any],
    *,
    skip: int,
    limit: int,
    after: str | None,
    exact_total: bool = False,
) -> PhotoSearchResult:
    """A page of ``search_photos`` for the checked ``params``, its total and next cursor."""
    limit_counted = count_limit(_settings(db).search_count_limit, exact_total)
    fingerprint = live_fingerprint(params)
    cursor: dict[str, Any] = {}
    if after is not None:
        key, last_id = read_cursor(after, fingerprint, "timestamp")
        cursor = {"after_created": key, "after_id": last_id}
    fetch = fetch_size(limit)
    local = db.local_results
    keys = _keys(("live", fingerprint), limit_counted, "created_at desc")
    known: tuple[int, bool] | None = _known(local, db, keys)
    total, exact = known if known is not None else (None, True)
    generation = local.generation(TOTALS_TABLES) if local is not None else ()
    if total is None and not cursor:
        # One statement answers the page and the count (one snapshot).
        hits = await db.run(_SEARCH, limit=fetch, offset=skip, count_limit=limit_counted, **params)
        photos = [_with_asset(h) for h in hits]
        if hits:
            total = hits[0].total_count
        elif skip == 0:
            total = 0
        else:
            total = await db.run(_SEARCH_COUNT, count_limit=limit_counted, **params)
        exact = total < limit_counted
        _keep(db, local, keys, generation, exact, total, (total, exact))
    else:
        page = _SEARCH_PAGE_AFTER if cursor else _SEARCH_PAGE
        photos = await db.run(page, limit=fetch, offset=skip, **params, **cursor)
        if total is None:
            total = await db.run(_SEARCH_COUNT, count_limit=limit_counted, **params)
            exact = total < limit_counted
            _keep(db, local, keys, generation, exact, total, (total, exact))
    following = None
    if len(photos) > limit:
        del photos[limit:]
        last = photos[-1]
        following = make_cursor(fingerprint, "timestamp", last.created_at, last.id)
    return PhotoSearchResult(photos, total, following, exact)


async def search_page(
    db: Executor,
    filters: Any,
    sort: Any,
    *,
    skip: int,
    limit: int,
    after: str | None,
    exact_total: bool = False,
) -> PhotoSearchPage:
    """A page of ``search`` for ``filters`` and ``sort`` (checked here), total and facets."""
    plan = plan_search(filters, sort, after)
    check_rows("limit", limit)
    check_rows("skip", skip)
    limit_counted = count_limit(_settings(db).search_count_limit, exact_total)
    fetch = fetch_size(limit)
    local = db.local_results
    order = f"{plan.sort.field} {plan.sort.direction}"
    keys = _keys(("search", plan.filter_key), limit_counted, order)
    known: tuple[int, SearchFacets, bool] | None = _known(local, db, keys)
    if known is not None and plan.page_query is not None:
        photos = await db.run(plan.page_query, limit=fetch, offset=skip, **plan.params)
        total, facets, exact = known
    else:
        generation = local.generation(TOTALS_TABLES) if local is not None else ()
        if limit_counted == EVERY_MATCH or plan.capped_query is None:
            rows = await db.run(plan.query, limit=fetch, offset=skip, **plan.params)
        else:
            rows = await db.run(
                plan.capped_query,
                limit=fetch,
                offset=skip,
                count_limit=limit_counted,
                **plan.params,
            )
        photos, total, facets = split_rows(rows)
        exact = total < limit_counted
        _keep(db, local, keys, generation, exact, total, (total, facets, exact))
    following = None
    if len(photos) > limit:
        del photos[limit:]
        following = next_cursor(plan, photos)
    return PhotoSearchPage(photos, total, facets, following, exact)
