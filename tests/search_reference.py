"""The photo search evaluated in plain Python over in-memory rows: what SQL must return.

Written from docs/search.md, independently of the SQL builder, so that the property tests
compare each dialect with the documented semantics and not with a copy of the query.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass
class Library:
    """Rows as plain values: versions (dicts of columns), asset names, faces and members."""

    versions: list[dict[str, Any]]
    asset_names: dict[str, str]
    faces: list[tuple[str, str | None]] = field(default_factory=list)  # (photo, person)
    members: list[tuple[str, str]] = field(default_factory=list)  # (collection, photo)


def _contains(haystack: Any, needle: str) -> bool:
    return isinstance(haystack, str) and needle.lower() in haystack.lower()


def _json_string(metadata: Any, *path: str) -> str | None:
    value = metadata
    for key in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value if isinstance(value, str) else None


def _moment(value: Any, end_of_day: bool) -> datetime:
    if isinstance(value, str) and _DATE_ONLY.fullmatch(value):
        value = date.fromisoformat(value)
    elif isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime):
        moment: datetime = value
        if moment.tzinfo is not None:
            moment = moment.astimezone(UTC).replace(tzinfo=None)
        return moment
    start = datetime(value.year, value.month, value.day)
    return start + timedelta(days=1) - timedelta(microseconds=1) if end_of_day else start


def _given(filters: Mapping[str, Any]) -> dict[str, Any]:
    # None, empty strings and empty lists are "not given".
    return {k: v for k, v in filters.items() if v is not None and v != "" and v != []}


def matches(lib: Library, v: dict[str, Any], filters: Mapping[str, Any]) -> bool:
    """Whether version ``v`` satisfies every given filter."""
    f = _given(filters)
    if "query" in f:
        q = f["query"]
        keywords = v["keywords"]
        texts = [
            v["file_path"],
            lib.asset_names.get(v["media_asset_id"]),
            v["location"],
            v["event_name"],
            " ".join(keywords) if keywords is not None else None,
            _json_string(v["metadata"], "ai", "shortDescription"),
            _json_string(v["metadata"], "ai", "longDescription"),
        ]
        if not any(_contains(t, q) for t in texts):
            return False
    rating = v["rating"] or 0
    checks: list[tuple[str, Callable[[Any], bool]]] = [
        ("tier", lambda x: v["tier"] == x),
        ("tiers", lambda x: v["tier"] in x),
        ("rating_min", lambda x: rating >= x),
        ("rating_max", lambda x: rating <= x),
        ("mime_types", lambda x: v["mime_type"] in x),
        ("location", lambda x: _contains(v["location"], x)),
        ("event_name", lambda x: _contains(v["event_name"], x)),
        ("event_types", lambda x: v["event_type"] is not None and v["event_type"] in x),
        (
            "keywords",
            lambda x: any(_contains(k, w) for k in v["keywords"] or [] for w in x),
        ),
        ("is_reviewed", lambda x: v["is_reviewed"] is x),
        ("has_gps", lambda x: bool(v["location"]) is x),
        ("created_from", lambda x: v["created_at"] >= _moment(x, False)),
        ("created_to", lambda x: v["created_at"] <= _moment(x, True)),
        ("camera", lambda x: _contains(_json_string(v["metadata"], "exif", "camera"), x)),
        ("lens", lambda x: _contains(_json_string(v["metadata"], "exif", "lens"), x)),
        (
            "people_ids",
            lambda x: any(p == v["id"] and person in x for p, person in lib.faces),
        ),
        (
            "collection_ids",
            lambda x: any(p == v["id"] and c in x for c, p in lib.members),
        ),
    ]
    return all(check(f[name]) for name, check in checks if name in f)


def _sort_key(v: dict[str, Any], field_name: str) -> Any:
    if field_name == "rating":
        return v["rating"] or 0
    if field_name == "event_name":
        return v["event_name"] or ""  # str order is code point order, i.e. UTF-8 byte order
    return v[field_name]


def _ordered(counts: Mapping[Any, int]) -> dict[Any, int]:
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def search(
    lib: Library,
    filters: Mapping[str, Any] | None,
    sort: Mapping[str, Any] | None,
    limit: int,
    offset: int,
    count_limit: int | None = None,
) -> tuple[list[str], int, dict[str, dict[Any, int]]]:
    """(ids of the page, total, facets) that the search must return.

    ``count_limit``: the total and the facets count only the first ``count_limit`` matches
    in the search's order (the page is cut from every match).
    """
    matched = [v for v in lib.versions if matches(lib, v, filters or {})]
    sort = sort or {}
    field_name = sort.get("field", "created_at")
    descending = sort.get("direction", "desc") == "desc"
    matched.sort(key=lambda v: (_sort_key(v, field_name), v["id"]), reverse=descending)
    page = [v["id"] for v in matched[offset : offset + limit]]
    if count_limit is not None:
        matched = matched[:count_limit]
    keywords: Counter[str] = Counter()
    for v in matched:
        keywords.update({k for k in v["keywords"] or [] if k})
    cameras = (_json_string(v["metadata"], "exif", "camera") for v in matched)
    facets = {
        "tiers": _ordered(Counter(v["tier"] for v in matched)),
        "ratings": _ordered(Counter(v["rating"] or 0 for v in matched)),
        "event_types": _ordered(Counter(v["event_type"] for v in matched if v["event_type"])),
        "mime_types": _ordered(Counter(v["mime_type"] for v in matched if v["mime_type"])),
        "cameras": _ordered(Counter(c for c in cameras if c)),
        "keywords": _ordered(keywords),
    }
    return page, len(matched), facets
