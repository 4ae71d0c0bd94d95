"""One page of a listing read by key, and the cursor that resumes after it."""

from __future__ import annotations

from typing import Generic, TypeVar

import msgspec

__all__ = ["Page"]

RowT = TypeVar("RowT")


class Page(msgspec.Struct, Generic[RowT], frozen=True, gc=False):
    """The rows of one page and the cursor of the next one.

    ``next_cursor`` is None on the last page; otherwise pass it as ``after`` to the same
    call with the same filters to get the following page. It is an opaque string: its
    content is not part of the API.
    """

    items: list[RowT]
    next_cursor: str | None
