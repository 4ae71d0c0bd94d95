"""Keyset pages: each page resumes after the sort key of the last row of the previous one.

An offset page costs as much as every row before it (offset 500,000 reads 500,050 index
entries); a keyset page is a range of the listing's index, so a deep page costs what the
first one costs. Each ``*_page`` call of the repositories is a :class:`Keyset`: the first
page runs the listing's own query (``LIMIT limit + 1``: one row more tells whether a next
page exists), later pages its ``*_after`` twin, whose row-value comparison against the
ORDER BY tuple is the range (``sql/queries``).

The cursor is url-safe base64 (no padding) of the JSON array
``[listing tag, filter digest, *sort key of the last row]``: the tag names the listing,
the digest its filters, so that a cursor handed to another listing, or to the same
listing with other filters, is refused instead of silently resuming somewhere else.
Timestamps in the key are naive UTC with microseconds, as every timestamp column holds
them, and come back as the same ``datetime``; the drivers bind them as they bind any
other timestamp, so the comparison is exact on both dialects.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

import msgspec

from pictallion_sql.drivers.base import Executor
from pictallion_sql.errors import ValidationError
from pictallion_sql.limits import INT8_MAX, shown
from pictallion_sql.query.registry import Query
from pictallion_sql.records.pages import Page

__all__ = ["Keyset", "Page", "check_page_limit"]

RowT = TypeVar("RowT", bound=msgspec.Struct)

NaiveTimestamp = Annotated[datetime, msgspec.Meta(tz=False)]
"""A key timestamp: naive UTC, as the columns hold it (an aware one is a forged cursor)."""

# Cursors longer than this are not ours: the longest key holds two indexed texts of at most
# 2,000 bytes each (a username and an id), about 5,400 characters once in base64.
_MAX_CURSOR = 8192
_encode = msgspec.json.Encoder().encode


def check_page_limit(limit: Any) -> None:
    """Reject a keyset page size that is not an integer from 1 to 2**63 - 2."""
    if type(limit) is not int or not 1 <= limit < INT8_MAX:
        raise ValidationError(
            f"limit must be an integer from 1 to {INT8_MAX - 1}, got {shown(limit)}",
            field="limit",
        )


def _digest(tag: str, filters: Mapping[str, Any]) -> str:
    raw = hashlib.blake2b(_encode([tag, filters]), digest_size=6).digest()
    return base64.urlsafe_b64encode(raw).decode()


class Keyset(Generic[RowT]):
    """One listing read by key: its first-page query, its resume query and its key.

    :param tag: a short name of the listing, written into its cursors.
    :param first: the listing's query for the first page (``limit``, and ``skip`` if it
        takes one, bound to 0).
    :param after: the query of the page after a key; its key parameters are ``params``.
    :param params: the names of ``after``'s key parameters, in key order.
    :param types: the type of each key value (``datetime`` for timestamps, ``str``...).
    :param key: the sort key of a row, in ``params`` order.
    """

    __slots__ = ("_after", "_first", "_key", "_params", "_skip", "_type", "tag")

    def __init__(
        self,
        tag: str,
        first: Query[list[RowT]],
        after: Query[list[RowT]],
        params: tuple[str, ...],
        types: tuple[Any, ...],
        key: Callable[[RowT], tuple[Any, ...]],
    ) -> None:
        missing = set(params) - set(after.params)
        if missing or len(params) != len(types):
            raise ValueError(f"{after.name}: key parameters {params} do not fit the query")
        self.tag = tag
        self._first = first
        self._after = after
        self._params = params
        self._key = key
        self._skip = "skip" in first.params
        kinds = tuple(NaiveTimestamp if t is datetime else t for t in types)
        self._type: Any = tuple.__class_getitem__((str, str, *kinds))

    async def page(
        self, db: Executor, *, after: Any, limit: Any, filters: Mapping[str, Any]
    ) -> Page[RowT]:
        """The page after cursor ``after`` (None: the first page) of at most ``limit`` rows.

        ``filters`` are the listing's other arguments, already checked; they are bound to
        both queries and digested into the cursor.
        """
        check_page_limit(limit)
        if after is None:
            extra = {"skip": 0} if self._skip else {}
            rows = await db.run(self._first, limit=limit + 1, **extra, **filters)
        else:
            key = self.decode(after, filters)
            keys = dict(zip(self._params, key, strict=True))
            rows = await db.run(self._after, limit=limit + 1, **keys, **filters)
        if len(rows) <= limit:
            return Page(items=rows, next_cursor=None)
        del rows[limit:]
        return Page(items=rows, next_cursor=self.encode(rows[-1], filters))

    def encode(self, row: RowT, filters: Mapping[str, Any]) -> str:
        """The cursor of the page that follows ``row``."""
        payload = _encode([self.tag, _digest(self.tag, filters), *self._key(row)])
        return base64.urlsafe_b64encode(payload).rstrip(b"=").decode()

    def decode(self, cursor: Any, filters: Mapping[str, Any]) -> tuple[Any, ...]:
        """The sort key in ``cursor``; ValidationError (field ``after``) when it is not a
        cursor of this listing with these filters."""
        if type(cursor) is not str or not 0 < len(cursor) <= _MAX_CURSOR:
            raise ValidationError(
                f"after must be a cursor string from a previous page, got {shown(cursor)}",
                field="after",
            )
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            tag, digest, *key = msgspec.json.decode(raw, type=self._type)
        except (binascii.Error, ValueError, msgspec.DecodeError):
            # ValueError also covers a non-ASCII string, which b64decode rejects as such.
            raise ValidationError("after is not a valid page cursor", field="after") from None
        if tag != self.tag:
            raise ValidationError(
                f"after is a cursor of another listing ({shown(tag)}), not of {self.tag}",
                field="after",
            )
        if digest != _digest(self.tag, filters):
            raise ValidationError(
                f"after is a cursor of {self.tag} with other filters", field="after"
            )
        return tuple(key)
