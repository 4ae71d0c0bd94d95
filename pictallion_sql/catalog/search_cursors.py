"""Search cursors: opaque, checked tokens naming where the next page of a search starts.

A cursor is the url-safe base64 of msgspec JSON [version, fingerprint, key, id]: the sort
key and id of the last photo of a page, and a fingerprint of the search (its normalised
filters and sort) it belongs to. It is opaque to callers but not secret: its values are
bound as parameters like any filter, and it is checked before any SQL runs.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import msgspec

from pictallion_sql.catalog.base import check_text
from pictallion_sql.errors import ValidationError

__all__ = ["fetch_size", "fingerprint", "live_fingerprint", "make_cursor", "read_cursor"]

_INT32 = (-(2**31), 2**31 - 1)
_MAX_ROWS = 2**63 - 1

_CURSOR_VERSION = 1
_CURSOR_MAX_CHARS = 4096


class _Cursor(msgspec.Struct, array_like=True, forbid_unknown_fields=True):
    version: int
    fingerprint: str
    key: int | str
    id: str


_CURSOR_DECODER = msgspec.json.Decoder(_Cursor)


def fingerprint(kind: str, *parts: Any) -> str:
    """A short digest of a search's normalised inputs, tying a cursor to that search."""
    digest = hashlib.blake2b(msgspec.json.encode([kind, *parts]), digest_size=9)
    return base64.urlsafe_b64encode(digest.digest()).decode("ascii")


def make_cursor(fingerprint: str, sort_type: str, key: Any, last_id: str) -> str:
    """The cursor of the page after a photo whose sort key is ``key`` and id ``last_id``."""
    value: int | str = key.isoformat() if sort_type == "timestamp" else key
    raw = msgspec.json.encode(_Cursor(_CURSOR_VERSION, fingerprint, value, last_id))
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _bad_cursor(reason: str) -> ValidationError:
    return ValidationError(f"after {reason}", field="after")


def read_cursor(token: Any, fingerprint: str, sort_type: str) -> tuple[Any, str]:
    """The (sort key, id) of cursor ``token``, checked against the search it must belong to."""
    if type(token) is not str:
        raise _bad_cursor(f"must be a cursor string, got {type(token).__name__}")
    if not token or len(token) > _CURSOR_MAX_CHARS:
        raise _bad_cursor("is not a cursor of a search page")
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        cursor = _CURSOR_DECODER.decode(raw)
    except (ValueError, TypeError, msgspec.DecodeError):
        raise _bad_cursor("is not a cursor of a search page") from None
    if cursor.version != _CURSOR_VERSION:
        raise _bad_cursor("is a cursor of another version of the library")
    if cursor.fingerprint != fingerprint:
        raise _bad_cursor("belongs to a search with other filters or another sort")
    check_text("after", cursor.id)
    key: Any = cursor.key
    if sort_type == "timestamp":
        if type(key) is not str:
            raise _bad_cursor("is not a cursor of a search page")
        try:
            key = datetime.fromisoformat(key)
        except ValueError:
            raise _bad_cursor("is not a cursor of a search page") from None
        if key.tzinfo is not None:
            raise _bad_cursor("is not a cursor of a search page")
    elif sort_type == "text":
        if type(key) is not str:
            raise _bad_cursor("is not a cursor of a search page")
        check_text("after", key)
    else:
        bounds = _INT32 if sort_type == "integer" else (-(2**63), 2**63 - 1)
        if type(key) is not int or not bounds[0] <= key <= bounds[1]:
            raise _bad_cursor("is not a cursor of a search page")
    return key, cursor.id


def live_fingerprint(params: Mapping[str, Any]) -> str:
    """The fingerprint of a live search (``search_photos``), newest first."""
    return fingerprint("live", sorted(params.items()))


def fetch_size(limit: int) -> int:
    """How many rows to read for a page of ``limit``: one more tells whether a next page exists."""
    return limit + 1 if 0 < limit < _MAX_ROWS else limit
