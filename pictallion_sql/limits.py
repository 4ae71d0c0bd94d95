"""What every input must satisfy before it reaches a database, identically on both dialects.

PostgreSQL refuses NUL characters in text and lone surrogates in UTF-8, and a btree index
entry may not exceed about a third of a page; SQLite would store all three. Checking input
here, before any statement runs, makes both databases give one answer: a
:class:`~pictallion_sql.errors.ValidationError` naming the field.

The caps are generous for a photo library and documented in ``docs/limits.md``.
"""

from __future__ import annotations

import math
import reprlib
from typing import Any

__all__ = [
    "INDEXED_TEXT_COLUMNS",
    "INT8_MAX",
    "INT8_MIN",
    "MAX_DOCUMENT_BYTES",
    "MAX_FILTER_ITEMS",
    "MAX_INDEXED_TEXT_BYTES",
    "MAX_JSON_DEPTH",
    "MAX_LIST_ITEMS",
    "MAX_TEXT_BYTES",
    "json_problem",
    "shown",
    "text_problem",
]

MAX_INDEXED_TEXT_BYTES = 2_000
"""UTF-8 bytes of a value in an indexed text column (btree's entry limit is 2,704 bytes)."""

MAX_TEXT_BYTES = 1_048_576
"""UTF-8 bytes of a value in any other text column."""

MAX_LIST_ITEMS = 10_000
"""Items in a list input: a column such as ``keywords``, or a list-valued filter."""

MAX_FILTER_ITEMS = 500
"""Items in a list-valued search filter (keywords, people, collections, ...): each item is
compared with every candidate row, so the cost of a search grows with the list."""

MAX_JSON_DEPTH = 64
"""Nesting of a JSON document (the document itself is depth 1)."""

MAX_DOCUMENT_BYTES = 1_048_576
"""Encoded size of one JSON document."""

INT8_MIN = -(2**63)
INT8_MAX = 2**63 - 1
"""Integers inside JSON documents (and bigint parameters) fit 64 bits."""

INDEXED_TEXT_COLUMNS: dict[str, frozenset[str]] = {
    table: frozenset({"id", *columns})
    for table, columns in {
        "users": ("username",),
        "media_assets": (),
        "file_versions": ("media_asset_id", "tier", "file_hash", "keywords"),
        "asset_history": ("media_asset_id",),
        "collections": (),
        "collection_photos": ("collection_id", "photo_id"),
        "people": (),
        "settings": ("key",),
        "ai_prompts": (),
        "events": ("person_id",),
        "faces": ("photo_id", "person_id"),
        "global_tag_library": ("tag",),
        "relationships": ("person1_id", "person2_id"),
        "locations": (),
    }.items()
}
"""Text columns held to MAX_INDEXED_TEXT_BYTES, by table: primary keys, foreign keys, UNIQUE
and indexed columns, and ``file_versions.keywords`` (each keyword is also a tag of
``global_tag_library``, whose ``tag`` is UNIQUE)."""


def shown(value: Any) -> str:
    """``value`` as an error message shows it: its repr, shortened.

    Containers are shown to a few levels and items and long text or numbers are cut, so
    that a list of a million items or one nested 10,000 deep costs little to describe and
    cannot exhaust the stack.
    """
    try:
        return _SHORT_REPR.repr(value)
    except Exception:
        return f"a {type(value).__name__}"


_SHORT_REPR = reprlib.Repr()
_SHORT_REPR.maxlevel = 3
_SHORT_REPR.maxlist = _SHORT_REPR.maxtuple = _SHORT_REPR.maxdict = _SHORT_REPR.maxset = 8
_SHORT_REPR.maxstring = _SHORT_REPR.maxlong = _SHORT_REPR.maxother = 80


def text_problem(value: str, max_bytes: int = MAX_TEXT_BYTES) -> str | None:
    """Why ``value`` cannot be stored as text, or None when it can."""
    if "\x00" in value:
        return "contains a NUL character (U+0000), which PostgreSQL cannot store"
    if value.isascii():
        size = len(value)
    else:
        try:
            size = len(value.encode("utf-8"))
        except UnicodeEncodeError as exc:
            return f"contains a lone surrogate at position {exc.start}, which is not valid UTF-8"
    if size > max_bytes:
        return f"is {size} bytes of UTF-8, more than the limit of {max_bytes}"
    return None


def json_problem(value: Any, *, max_depth: int = MAX_JSON_DEPTH) -> tuple[str, str] | None:
    """The first place in a JSON tree that cannot be stored, as (path, reason), or None.

    The tree is built of dict (string keys), list, str, int, float, bool and None, as
    ``msgspec.to_builtins`` gives it. The path is relative, in the form ``.exif.iso`` or
    ``[3]``, empty for the root.
    """
    return _problem(value, "", 1, max_depth)


def _problem(value: Any, path: str, depth: int, max_depth: int) -> tuple[str, str] | None:
    kind = type(value)
    if kind is str:
        reason = text_problem(value)
        return None if reason is None else (path, reason)
    if kind is float:
        return None if math.isfinite(value) else (path, f"{value!r} is not a finite number")
    if kind is int:
        if INT8_MIN <= value <= INT8_MAX:
            return None
        return path, "integer does not fit 64 bits"
    if value is None or kind is bool:
        return None
    # Documents are dict subclasses; they are JSON objects like any dict.
    if kind is dict or kind is list or isinstance(value, dict):
        if depth > max_depth:
            return path, f"nested deeper than {max_depth} levels"
        if kind is not list:
            for key, item in value.items():
                if type(key) is not str:
                    return path, f"key {key!r} is not a string"
                reason = text_problem(key)
                if reason is not None:
                    return f"{path}.{key!r}", f"key {reason}"
                found = _problem(item, f"{path}.{key}", depth + 1, max_depth)
                if found is not None:
                    return found
            return None
        for index, item in enumerate(value):
            found = _problem(item, f"{path}[{index}]", depth + 1, max_depth)
            if found is not None:
                return found
        return None
    return path, f"{kind.__name__} is not a JSON value"
