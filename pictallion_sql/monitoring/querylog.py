"""The debug query log: one DEBUG line per statement with ``settings.debug`` (never its values)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pictallion_sql.query.registry import Query

__all__ = ["enable_query_log", "log_query", "query_log"]

query_log = logging.getLogger("pictallion_sql.query")


_query_log_ready = False


def enable_query_log() -> None:
    """Make the query log visible: ``settings.debug`` needs no logging setup of the caller.

    The ``pictallion_sql.query`` logger is set to DEBUG unless it already logs that much,
    and when no handler anywhere would receive its records, one writing to stderr is added.
    Done once per process; an application's own logging configuration is left alone.
    """
    global _query_log_ready
    _query_log_ready = True
    if query_log.getEffectiveLevel() > logging.DEBUG:
        query_log.setLevel(logging.DEBUG)
    if not query_log.hasHandlers():
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s"))
        query_log.addHandler(handler)


def log_query(query: Query, duration: float, rows: int, error: str | None) -> None:
    """Log one query's name, duration and row count (never its parameter values)."""
    if not _query_log_ready:
        enable_query_log()
    if error is None:
        query_log.debug("%s %.3f ms %d row(s)", query.name, duration * 1000, rows)
    else:
        query_log.debug("%s %.3f ms failed: %s", query.name, duration * 1000, error)
