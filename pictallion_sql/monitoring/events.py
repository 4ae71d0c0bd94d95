"""What the library tells observers about each statement it ran."""

from __future__ import annotations

from collections.abc import Callable

import msgspec

from pictallion_sql.config import Dialect

__all__ = ["FinishedQuery", "QueryObserver", "base_name"]


class FinishedQuery(msgspec.Struct, frozen=True, gc=False):
    """One statement the library ran, as observers see it: never its parameter values.

    ``name`` is the query's registry name, or the generated name of SQL built at run
    time (``"media_assets.insert[original_filename]"``); ``operation`` its SQL verb
    (``"SELECT"``, ``"INSERT"``, ...); ``duration`` is in seconds, from
    sending the statement to its last row decoded; ``rows`` is how many rows it returned
    or changed (0 when it failed); ``error`` is the type name of the library error it
    raised (``"DuplicateKeyError"``), or None when it succeeded.
    """

    name: str
    dialect: Dialect
    operation: str
    duration: float
    rows: int
    error: str | None = None


QueryObserver = Callable[[FinishedQuery], None]
"""Told of each statement a database ran, once it finished or failed."""


def base_name(name: str) -> str:
    """The registry part of a query name: ``"media_assets.insert"`` for a generated
    ``"media_assets.insert[original_filename]"``. Bounded by the registry and builders,
    so it suits a metric label where the full generated name would not."""
    head, _, _ = name.partition("[")
    return head
