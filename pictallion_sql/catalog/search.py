"""Photo search: filters, sort and facets over ``file_versions``, answered by one SELECT.

:class:`PhotoFilters` and :class:`PhotoSort` describe a search (a caller may pass plain
mappings, as a JSON request body decodes). :func:`plan_search` validates them and returns the
compiled statement and its parameters; ``crud.file_version.search`` runs it. The statement
returns the page's photos and the facet counts of the whole filtered set together, so the
counts and the photos always come from one snapshot.

The SQL is built with pypika once per *shape* (which filters are present, and the sort) and
cached; values, lists included, are always bound as parameters. Dialect differences come
from :mod:`pictallion_sql.query.dialects`. docs/search.md gives each filter's semantics.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time
from functools import lru_cache
from typing import Any, Literal

import msgspec
from msgspec import UNSET, UnsetType

from pictallion_sql.catalog.search_cursors import fingerprint, make_cursor, read_cursor
from pictallion_sql.errors import ValidationError
from pictallion_sql.limits import MAX_FILTER_ITEMS, MAX_TEXT_BYTES, shown, text_problem
from pictallion_sql.models import FileVersion, Tier, lone_surrogate_error, validation_error
from pictallion_sql.query.dialects import SqlDialect, dialect_sql
from pictallion_sql.query.dynamic import sql_condition
from pictallion_sql.query.registry import Query, make_query
from pictallion_sql.records.composites.photos import (
    FileVersionWithAsset,
    PhotoSearchPage,
    SearchFacets,
    SearchRow,
)

__all__ = [
    "EVERY_MATCH",
    "PhotoFilters",
    "PhotoSort",
    "SearchPlan",
    "SortField",
    "check_filters",
    "check_rows",
    "check_sort",
    "count_limit",
    "make_cursor",
    "next_cursor",
    "page_from_rows",
    "plan_search",
    "read_cursor",
    "split_rows",
]

SortField = Literal["created_at", "rating", "file_size", "event_name"]

# Ratings are PostgreSQL integers; a bound outside int32 could not even be sent.
_INT32 = (-(2**31), 2**31 - 1)
# The largest LIMIT / OFFSET both dialects accept.
_MAX_ROWS = 2**63 - 1
_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")


class PhotoFilters(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """What a photo must match; a field left UNSET (or None) is not a condition.

    Every given filter must hold (AND). Empty strings and empty lists count as not given,
    as in the application, whose checks were JavaScript truthiness tests.
    """

    query: str | UnsetType | None = UNSET
    tier: Tier | UnsetType | None = UNSET
    tiers: list[Tier] | UnsetType | None = UNSET
    rating_min: int | UnsetType | None = UNSET
    rating_max: int | UnsetType | None = UNSET
    mime_types: list[str] | UnsetType | None = UNSET
    location: str | UnsetType | None = UNSET
    event_name: str | UnsetType | None = UNSET
    event_types: list[str] | UnsetType | None = UNSET
    keywords: list[str] | UnsetType | None = UNSET
    is_reviewed: bool | UnsetType | None = UNSET
    has_gps: bool | UnsetType | None = UNSET
    created_from: datetime | UnsetType | None = UNSET
    created_to: datetime | UnsetType | None = UNSET
    camera: str | UnsetType | None = UNSET
    lens: str | UnsetType | None = UNSET
    people_ids: list[str] | UnsetType | None = UNSET
    collection_ids: list[str] | UnsetType | None = UNSET


class PhotoSort(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The order of the results; ties are broken by the version id in the same direction."""

    field: SortField = "created_at"
    direction: Literal["asc", "desc"] = "desc"


class SearchPlan(msgspec.Struct, frozen=True):
    """The compiled search statements and every parameter they take but ``limit``/``offset``
    (and ``count_limit``, which only ``capped_query`` takes)."""

    query: Query[list[SearchRow]]
    params: dict[str, Any]
    page_query: Query[list[FileVersionWithAsset]] | None = None
    capped_query: Query[list[SearchRow]] | None = None
    sort: PhotoSort = PhotoSort()
    fingerprint: str = ""
    # The filters as JSON: what the total and facets depend on (not the sort, not the page).
    filter_key: bytes = b""


# ---- validation ---------------------------------------------------------------------------

_FILTER_FIELDS: tuple[str, ...] = PhotoFilters.__struct_fields__
_TEXT_FIELDS = ("query", "location", "event_name", "camera", "lens")
_LIST_FIELDS = (
    "tiers",
    "mime_types",
    "event_types",
    "keywords",
    "people_ids",
    "collection_ids",
)


def _as_dict(value: Any, kind: type[msgspec.Struct], name: str) -> dict[str, Any]:
    """The given fields of ``value`` (a ``kind`` instance, a mapping, or None) as a dict."""
    if value is None:
        return {}
    if isinstance(value, kind):
        return {
            k: v
            for k, v in msgspec.structs.asdict(value).items()
            if v is not UNSET and v is not None
        }
    if isinstance(value, Mapping):
        for key in value:
            if type(key) is not str:
                raise ValidationError(f"{name} keys must be strings, got {shown(key)}", field=name)
        return {k: v for k, v in value.items() if v is not None}
    raise ValidationError(
        f"{name} must be a {kind.__name__} or a mapping, got {type(value).__name__}", field=name
    )


def _full_timestamp(value: Any, end_of_day: bool) -> Any:
    """A date alone (object or 'YYYY-MM-DD') as the first or last microsecond of its UTC day."""
    if isinstance(value, str) and _DATE_ONLY.fullmatch(value):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            return value  # msgspec reports the malformed date
    if isinstance(value, date) and not isinstance(value, datetime):
        if end_of_day:
            return datetime.combine(value, time.max)
        return datetime(value.year, value.month, value.day)
    return value


def _naive_utc(name: str, value: datetime) -> datetime:
    if value.tzinfo is None:
        return value
    try:
        return value.astimezone(UTC).replace(tzinfo=None)
    except OverflowError:
        raise ValidationError(
            f"{name}: {value.isoformat()} is out of range in UTC", field=name
        ) from None


def _check_text(name: str, value: str) -> None:
    # Neither dialect can store or compare NUL characters or unpaired surrogates.
    if value.isascii() and len(value) <= MAX_TEXT_BYTES and "\x00" not in value:
        return
    reason = text_problem(value)
    if reason is not None:
        raise ValidationError(f"{name} {reason}", field=name)


def check_filters(filters: Any) -> dict[str, Any]:
    """The filters that apply, validated and normalised, by field name (in field order)."""
    values = _as_dict(filters, PhotoFilters, "filters")
    for name, end_of_day in (("created_from", False), ("created_to", True)):
        if name in values:
            values[name] = _full_timestamp(values[name], end_of_day)
    try:
        checked = msgspec.convert(values, PhotoFilters)
    except msgspec.ValidationError as exc:
        raise validation_error(exc, "PhotoFilters") from None
    except UnicodeEncodeError:
        raise lone_surrogate_error(values, "PhotoFilters") from None
    given: dict[str, Any] = {}
    for name in _FILTER_FIELDS:
        value = getattr(checked, name)
        if value is UNSET or value is None:
            continue
        if name in _TEXT_FIELDS:
            _check_text(name, value)
            if value == "":
                continue
        elif name in _LIST_FIELDS:
            if len(value) > MAX_FILTER_ITEMS:
                raise ValidationError(
                    f"{name} has {len(value)} items, more than the limit of {MAX_FILTER_ITEMS}",
                    field=name,
                )
            for item in value:
                _check_text(name, item)
            if not value:
                continue
        elif name in ("rating_min", "rating_max") and not _INT32[0] <= value <= _INT32[1]:
            raise ValidationError(
                f"{name} must be an integer from {_INT32[0]} to {_INT32[1]}, got {shown(value)}",
                field=name,
            )
        elif name in ("created_from", "created_to"):
            value = _naive_utc(name, value)
        given[name] = value
    return given


def check_sort(sort: Any) -> PhotoSort:
    """``sort`` (a PhotoSort, a mapping or None) validated into a PhotoSort."""
    values = _as_dict(sort, PhotoSort, "sort")
    try:
        return msgspec.convert(values, PhotoSort)
    except msgspec.ValidationError as exc:
        raise validation_error(exc, "PhotoSort") from None
    except UnicodeEncodeError:
        raise lone_surrogate_error(values, "PhotoSort") from None


# A count limit that counts every match (the largest LIMIT both dialects take).
EVERY_MATCH = _MAX_ROWS


def count_limit(setting: int, exact_total: Any) -> int:
    """How many matches a page counts for its total: ``setting`` (``search_count_limit``),
    or every match when the caller asks for ``exact_total`` or the setting is 0."""
    if type(exact_total) is not bool:
        raise ValidationError("exact_total must be a boolean", field="exact_total")
    return EVERY_MATCH if exact_total or setting <= 0 else setting


def check_rows(name: str, value: Any) -> None:
    """Reject a ``limit``/``skip`` that is not an integer from 0 to 2**63 - 1."""
    if type(value) is not int or not 0 <= value <= _MAX_ROWS:
        raise ValidationError(
            f"{name} must be an integer from 0 to {_MAX_ROWS}, got {shown(value)}", field=name
        )


# ---- SQL ---------------------------------------------------------------------------------

_VERSION_COLUMNS: tuple[str, ...] = FileVersion.__struct_fields__
_SORT_KEYS: dict[str, str] = {
    "created_at": '"fv"."created_at"',
    "rating": 'COALESCE("fv"."rating", 0)',
    "file_size": '"fv"."file_size"',
    "event_name": 'COALESCE("fv"."event_name", \'\')',
}


# The SQL type of each sort key, for the cursor's value.
_SORT_TYPES: dict[str, str] = {
    "created_at": "timestamp",
    "rating": "integer",
    "file_size": "bigint",
    "event_name": "text",
}

_PERSON_ID = '"f"."person_id"'
_COLLECTION_ID = '"cp"."collection_id"'
_MATCH_KEYWORDS = '"m"."keywords"'
_KEYWORD = '"kw"."value"'


def _col(name: str) -> str:
    return f'"fv"."{name}"'


def _condition(name: str, d: SqlDialect) -> str:
    """The SQL condition of filter ``name``; its value is the parameter ``:name``."""
    p = f":{name}"
    if name == "query":
        texts = [
            _col("file_path"),
            '"ma"."original_filename"',
            _col("location"),
            _col("event_name"),
            d.keywords_text(_col("keywords")),
            d.json_string(_col("metadata"), "ai", "shortDescription"),
            d.json_string(_col("metadata"), "ai", "longDescription"),
        ]
        return "(" + " OR ".join(d.contains_text(t, p) for t in texts) + ")"
    if name == "tier":
        return f"{_col('tier')} = {d.typed(p, 'text')}"
    if name in ("tiers", "mime_types", "event_types"):
        column = {"tiers": "tier", "mime_types": "mime_type", "event_types": "event_type"}[name]
        return d.in_list(_col(column), p)
    if name == "rating_min":
        return f"COALESCE({_col('rating')}, 0) >= {d.typed(p, 'integer')}"
    if name == "rating_max":
        return f"COALESCE({_col('rating')}, 0) <= {d.typed(p, 'integer')}"
    if name in ("location", "event_name"):
        return d.contains_text(_col(name), p)
    if name in ("camera", "lens"):
        return d.contains_text(d.json_string(_col("metadata"), "exif", name), p)
    if name == "keywords":
        return (
            f"EXISTS (SELECT 1 FROM {d.text_elements(_col('keywords'), 'kw')}, "
            f"{d.text_elements(d.typed(p, 'text[]'), 'wanted')} "
            f"WHERE {d.contains_text('kw.value', 'wanted.value')})"
        )
    if name == "is_reviewed":
        return f"{_col('is_reviewed')} = {d.typed(p, 'boolean')}"
    if name == "has_gps":
        has = f"{_col('location')} IS NOT NULL AND {_col('location')} <> ''"
        return f"(CASE WHEN {has} THEN TRUE ELSE FALSE END) = {d.typed(p, 'boolean')}"
    if name == "created_from":
        return f"{_col('created_at')} >= {d.typed(p, 'timestamp')}"
    if name == "created_to":
        return f"{_col('created_at')} <= {d.typed(p, 'timestamp')}"
    if name == "people_ids":
        return (
            'EXISTS (SELECT 1 FROM "faces" AS "f" WHERE "f"."photo_id" = "fv"."id" '
            f"AND {d.in_list(_PERSON_ID, p)})"
        )
    if name == "collection_ids":
        return (
            'EXISTS (SELECT 1 FROM "collection_photos" AS "cp" '
            'WHERE "cp"."photo_id" = "fv"."id" '
            f"AND {d.in_list(_COLLECTION_ID, p)})"
        )
    raise AssertionError(f"unknown filter {name!r}")


def _matches_sql(names: tuple[str, ...], sort: PhotoSort, d: SqlDialect, capped: bool) -> str:
    """The filtered set: ids, facet columns and the sort key of the matching versions.

    ``capped``: only the first ``:count_limit`` matches in the search's order, which an
    index on the sort key reaches without reading the others.
    """
    from pypika import Criterion, Table
    from pypika import Query as Builder
    from pypika.terms import LiteralValue

    fv = Table("file_versions", alias="fv")
    ma = Table("media_assets", alias="ma")
    builder = (
        Builder.from_(fv)
        .left_join(ma)
        .on(ma.id == fv.media_asset_id)
        .select(
            fv.id,
            fv.tier,
            fv.rating,
            fv.event_type,
            fv.mime_type,
            fv.keywords,
            LiteralValue(d.json_string(_col("metadata"), "exif", "camera")).as_("camera"),
            LiteralValue(_SORT_KEYS[sort.field]).as_("sort_key"),
        )
    )
    if names:
        builder = builder.where(Criterion.all([sql_condition(_condition(n, d)) for n in names]))
    matches = str(builder.get_sql(quote_char='"'))
    if not capped:
        return matches
    key, tie = _sort_terms(sort, _SORT_KEYS[sort.field], _col("id"), d)
    direction = sort.direction.upper()
    return f"{matches} ORDER BY {key} {direction}, {tie} {direction} LIMIT :count_limit"


def _sort_terms(sort: PhotoSort, key: str, id_column: str, d: SqlDialect) -> tuple[str, str]:
    """The sort key and the tie-breaking id as they are ordered (text by its bytes)."""
    if sort.field == "event_name":
        key = d.byte_order(key)
    return key, d.byte_order(id_column)


def _after_sql(sort: PhotoSort, key: str, tie: str, d: SqlDialect) -> str:
    """Rows strictly after the cursor's (key, id) in the sort order.

    The redundant ``key <= :after_key`` (``>=`` ascending) lets an index on the key start
    at the cursor instead of filtering every row before it.
    """
    op = "<" if sort.direction == "desc" else ">"
    after_key = d.typed(":after_key", _SORT_TYPES[sort.field])
    if sort.field == "event_name":
        after_key = d.byte_order(after_key)
    after_id = d.byte_order(d.typed(":after_id", "text"))
    return f"{key} {op}= {after_key} AND ({key} {op} {after_key} OR {tie} {op} {after_id})"


def _page_sql(sort: PhotoSort, after: bool, d: SqlDialect) -> str:
    """The page: ids of the matches in sort order, numbered, limited and offset."""
    from pypika import Order, Table
    from pypika import Query as Builder
    from pypika.terms import LiteralValue

    order = Order.asc if sort.direction == "asc" else Order.desc
    key, tie = _sort_terms(sort, '"m"."sort_key"', '"m"."id"', d)
    direction = sort.direction.upper()
    window = LiteralValue(f"row_number() OVER (ORDER BY {key} {direction}, {tie} {direction})")
    m = Table("m")
    builder = (
        Builder.from_(m)
        .select(m.id, window.as_("search_position"))
        .orderby(LiteralValue(key), order=order)
        .orderby(LiteralValue(tie), order=order)
    )
    if after:
        builder = builder.where(sql_condition(_after_sql(sort, key, tie, d)))
    return str(builder.get_sql(quote_char='"')) + " LIMIT :limit OFFSET :offset"


def _asset_sql(d: SqlDialect) -> str:
    return d.json_object(
        "'id'",
        '"ma"."id"',
        "'original_filename'",
        '"ma"."original_filename"',
        "'created_at'",
        '"ma"."created_at"',
    )


def _numbered_page_sql(names: tuple[str, ...], sort: PhotoSort, after: bool, d: SqlDialect) -> str:
    """The page's ids read from the table in sort order, numbered (the capped count's page).

    The page cannot come from the capped matches: it may lie past them.
    """
    key, tie = _sort_terms(sort, '"p"."page_key"', '"p"."page_tie"', d)
    direction = sort.direction.upper()
    return (
        'SELECT "p"."page_id" AS "id", '
        f'row_number() OVER (ORDER BY {key} {direction}, {tie} {direction}) AS "search_position" '
        f'FROM ({_page_ids_sql(names, sort, after, d)}) AS "p"'
    )


def _search_sql(
    names: tuple[str, ...], sort: PhotoSort, after: bool, d: SqlDialect, capped: bool
) -> str:
    """One statement: the page's photos (ordered) followed by every facet count.

    ``capped``: the total and the facets count the first ``:count_limit`` matches only.
    """
    asset = _asset_sql(d)
    version = ", ".join(_col(c) for c in _VERSION_COLUMNS)
    nulls = ", ".join("NULL" for _ in range(len(_VERSION_COLUMNS) + 2))
    photos = (
        f"SELECT {version}, "
        f'CASE WHEN "ma"."id" IS NULL THEN NULL ELSE {asset} END AS "media_asset", '
        '"page"."search_position" AS "search_position", '
        'NULL AS "facet", NULL AS "value", NULL AS "count" '
        'FROM "page" JOIN "file_versions" AS "fv" ON "fv"."id" = "page"."id" '
        'LEFT JOIN "media_assets" AS "ma" ON "ma"."id" = "fv"."media_asset_id"'
    )

    def facet(name: str, value: str, where: str | None) -> str:
        condition = f" WHERE {where}" if where else ""
        return f"SELECT {nulls}, '{name}', {value}, count(*) FROM \"m\"{condition} GROUP BY {value}"

    def non_empty(column: str) -> str:
        return f"{column} IS NOT NULL AND {column} <> ''"

    keyword = (
        f'SELECT {nulls}, \'keyword\', "kw"."value", count(DISTINCT "m"."id") '
        f'FROM "m", {d.text_elements(_MATCH_KEYWORDS, "kw")} '
        f'WHERE {non_empty(_KEYWORD)} GROUP BY "kw"."value"'
    )
    parts = [
        photos,
        facet("tier", '"m"."tier"', None),
        facet("rating", 'CAST(COALESCE("m"."rating", 0) AS TEXT)', None),
        facet("event_type", '"m"."event_type"', non_empty('"m"."event_type"')),
        facet("mime_type", '"m"."mime_type"', non_empty('"m"."mime_type"')),
        facet("camera", '"m"."camera"', non_empty('"m"."camera"')),
        keyword,
    ]
    page = _numbered_page_sql(names, sort, after, d) if capped else _page_sql(sort, after, d)
    return (
        f'WITH "m" AS ({_matches_sql(names, sort, d, capped)}), '
        f'"page" AS ({page}) ' + " UNION ALL ".join(parts) + ' ORDER BY "search_position"'
    )


_ASSET_JOIN = 'LEFT JOIN "media_assets" AS "ma" ON "ma"."id" = "fv"."media_asset_id"'


def _page_ids_sql(names: tuple[str, ...], sort: PhotoSort, after: bool, d: SqlDialect) -> str:
    """The page's ids with their sort key and tie, read in sort order and cut by LIMIT.

    With no aggregate over the matches, the database can walk an index in sort order and
    stop once the page is full instead of collecting and sorting every match (the asset
    is joined only when ``query`` searches its filename).
    """
    key, tie = _sort_terms(sort, _SORT_KEYS[sort.field], _col("id"), d)
    direction = sort.direction.upper()
    conditions = [_condition(n, d) for n in names]
    if after:
        conditions.append(_after_sql(sort, key, tie, d))
    where = f" WHERE {' AND '.join(f'({c})' for c in conditions)}" if conditions else ""
    inner_join = f" {_ASSET_JOIN}" if "query" in names else ""
    return (
        f'SELECT "fv"."id" AS "page_id", {key} AS "page_key", {tie} AS "page_tie" '
        f'FROM "file_versions" AS "fv"{inner_join}{where} '
        f"ORDER BY {key} {direction}, {tie} {direction} LIMIT :limit OFFSET :offset"
    )


def _page_only_sql(names: tuple[str, ...], sort: PhotoSort, after: bool, d: SqlDialect) -> str:
    """One page of the matches, no total, no facets: the rows and their assets are read for
    the page's ids only."""
    direction = sort.direction.upper()
    version = ", ".join(_col(c) for c in _VERSION_COLUMNS)
    outer_key, outer_tie = _sort_terms(sort, '"page"."page_key"', '"page"."page_tie"', d)
    return (
        f"SELECT {version}, "
        f'CASE WHEN "ma"."id" IS NULL THEN NULL ELSE {_asset_sql(d)} END AS "media_asset" '
        f'FROM ({_page_ids_sql(names, sort, after, d)}) AS "page" '
        f'JOIN "file_versions" AS "fv" ON "fv"."id" = "page"."page_id" {_ASSET_JOIN} '
        f"ORDER BY {outer_key} {direction}, {outer_tie} {direction}"
    )


def _shape_name(
    base: str, names: tuple[str, ...], sort: PhotoSort, after: bool, every_match: bool = False
) -> str:
    # The default, capped count is the unmarked shape; the exact count on request is marked.
    suffix = ("|after" if after else "") + ("|every match" if every_match else "")
    return f"{base}[{','.join(names)}|{sort.field} {sort.direction}{suffix}]"


@lru_cache(maxsize=1024)
def _query(
    names: tuple[str, ...], sort: PhotoSort, after: bool = False, capped: bool = False
) -> Query[list[SearchRow]]:
    """The compiled search of one shape (cached: the shape, not the values, decides the SQL)."""
    return make_query(
        _shape_name("file_versions.search_filtered", names, sort, after, not capped),
        "rows",
        SearchRow,
        _search_sql(names, sort, after, dialect_sql("postgres"), capped),
        _search_sql(names, sort, after, dialect_sql("sqlite"), capped),
    )


@lru_cache(maxsize=1024)
def _page_query(
    names: tuple[str, ...], sort: PhotoSort, after: bool
) -> Query[list[FileVersionWithAsset]]:
    """The compiled page-only statement of one shape."""
    return make_query(
        _shape_name("file_versions.search_page", names, sort, after),
        "rows",
        FileVersionWithAsset,
        _page_only_sql(names, sort, after, dialect_sql("postgres")),
        _page_only_sql(names, sort, after, dialect_sql("sqlite")),
    )


def plan_search(filters: Any = None, sort: Any = None, after: Any = None) -> SearchPlan:
    """Validate ``filters``, ``sort`` and the cursor ``after`` and return the statements.

    ``query`` answers the page with the total and the facets of every match;
    ``capped_query`` with those of the first ``count_limit`` matches; ``page_query`` the
    page alone, for a search whose total and facets are already known.
    """
    given = check_filters(filters)
    order = check_sort(sort)
    names = tuple(given)
    tied_to = fingerprint("search", given, order.field, order.direction)
    params = dict(given)
    if after is not None:
        key, last_id = read_cursor(after, tied_to, _SORT_TYPES[order.field])
        params["after_key"] = key
        params["after_id"] = last_id
    cursor = after is not None
    return SearchPlan(
        _query(names, order, cursor),
        params,
        _page_query(names, order, cursor),
        _query(names, order, cursor, True),
        order,
        tied_to,
        msgspec.json.encode(given),
    )


# ---- results -----------------------------------------------------------------------------

_FACET_NAMES = {
    "tier": "tiers",
    "rating": "ratings",
    "event_type": "event_types",
    "mime_type": "mime_types",
    "camera": "cameras",
    "keyword": "keywords",
}
_PHOTO_FIELDS = len(_VERSION_COLUMNS) + 1  # the version's columns and its media asset


def _ordered(counts: dict[Any, int]) -> dict[Any, int]:
    """``counts`` by count descending, then key ascending (code point order)."""
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def page_from_rows(rows: Sequence[SearchRow]) -> PhotoSearchPage:
    """Split the statement's rows into the page's photos, the facets and the total."""
    photos, total, facets = split_rows(rows)
    return PhotoSearchPage(photos, total, facets)


def split_rows(rows: Sequence[SearchRow]) -> tuple[list[FileVersionWithAsset], int, SearchFacets]:
    """The page's photos, the total and the facets of the search statement's rows."""
    photos: list[FileVersionWithAsset] = []
    facets: dict[str, dict[Any, int]] = {name: {} for name in _FACET_NAMES.values()}
    for row in rows:
        if row.facet is None:
            photos.append(FileVersionWithAsset(*msgspec.structs.astuple(row)[:_PHOTO_FIELDS]))
            continue
        key: Any = int(row.value or 0) if row.facet == "rating" else row.value
        facets[_FACET_NAMES[row.facet]][key] = int(row.count or 0)
    ordered = {name: _ordered(counts) for name, counts in facets.items()}
    # Every match has exactly one tier, so the tier counts add up to the number of matches.
    total = sum(ordered["tiers"].values())
    return photos, total, SearchFacets(**ordered)


# ---- cursors -----------------------------------------------------------------------------


def sort_key_of(sort: PhotoSort, photo: FileVersionWithAsset) -> Any:
    """The value the statement orders ``photo`` by (NULL rating as 0, NULL event as '')."""
    if sort.field == "created_at":
        return photo.created_at
    if sort.field == "rating":
        return photo.rating or 0
    if sort.field == "file_size":
        return photo.file_size
    return photo.event_name or ""


def next_cursor(plan: SearchPlan, photos: Sequence[FileVersionWithAsset]) -> str:
    """The cursor of the page after ``photos`` (the last photo of a full page)."""
    last = photos[-1]
    sort_type = _SORT_TYPES[plan.sort.field]
    return make_cursor(plan.fingerprint, sort_type, sort_key_of(plan.sort, last), last.id)


# ---- totals and facets kept between pages ------------------------------------------------

# What a search's total and facets are read from: a write to any of these changes them.
TOTALS_TABLES = ("file_versions", "media_assets", "faces", "collection_photos")
