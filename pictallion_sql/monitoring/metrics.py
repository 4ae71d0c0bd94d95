"""In-process metrics: per named query and per pool, kept by every database at little cost.

A database records each statement it runs (:meth:`QueryMetrics.record`, a few dictionary
and list operations) whether or not anything reads the figures; ``db.query_metrics`` and
``db.pool_stats()`` read them, and ``pictallion-db top`` prints them on SQLite.
"""

from __future__ import annotations

from bisect import bisect_left

import msgspec

__all__ = ["LATENCY_BUCKETS", "PoolStats", "QueryMetrics", "QueryStats", "QuerySummary"]

LATENCY_BUCKETS: tuple[float, ...] = (
    0.0005,
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
)
"""Upper bounds (seconds) of the latency histogram; a last bucket holds everything slower."""


class QueryStats:
    """Running figures of one named query (mutable; ``snapshot`` gives a frozen copy)."""

    __slots__ = ("buckets", "calls", "errors", "max_seconds", "name", "rows", "total_seconds")

    def __init__(self, name: str) -> None:
        self.name = name
        self.calls = 0
        self.rows = 0
        self.total_seconds = 0.0
        self.max_seconds = 0.0
        self.errors: dict[str, int] = {}
        self.buckets = [0] * (len(LATENCY_BUCKETS) + 1)

    def snapshot(self) -> QuerySummary:
        """The figures as they are now."""
        return QuerySummary(
            name=self.name,
            calls=self.calls,
            rows=self.rows,
            total_seconds=self.total_seconds,
            mean_seconds=self.total_seconds / self.calls if self.calls else 0.0,
            max_seconds=self.max_seconds,
            errors=dict(self.errors),
            histogram=dict(zip((*LATENCY_BUCKETS, float("inf")), self.buckets, strict=True)),
        )


class QuerySummary(msgspec.Struct, frozen=True):
    """The figures of one named query at one moment.

    ``histogram`` maps each bucket's upper bound in seconds (``inf`` for the last) to the
    number of calls that took at most that long and more than the previous bound.
    """

    name: str
    calls: int
    rows: int
    total_seconds: float
    mean_seconds: float
    max_seconds: float
    errors: dict[str, int]
    histogram: dict[float, int]


class QueryMetrics:
    """Figures per query name: calls, errors by type, rows, and a latency histogram."""

    __slots__ = ("_by_name",)

    def __init__(self) -> None:
        self._by_name: dict[str, QueryStats] = {}

    def record(self, name: str, duration: float, rows: int, error: str | None) -> None:
        """Count one finished statement (``error``: the type name of its error, if any)."""
        stats = self._by_name.get(name)
        if stats is None:
            stats = self._by_name[name] = QueryStats(name)
        stats.calls += 1
        stats.rows += rows
        stats.total_seconds += duration
        if duration > stats.max_seconds:
            stats.max_seconds = duration
        stats.buckets[bisect_left(LATENCY_BUCKETS, duration)] += 1
        if error is not None:
            stats.errors[error] = stats.errors.get(error, 0) + 1

    def snapshot(self) -> list[QuerySummary]:
        """Every query's figures, by total time spent, largest first."""
        summaries = [stats.snapshot() for stats in list(self._by_name.values())]
        summaries.sort(key=lambda s: (-s.total_seconds, s.name))
        return summaries

    def get(self, name: str) -> QuerySummary | None:
        """The figures of query ``name``, or None if it has not run."""
        stats = self._by_name.get(name)
        return None if stats is None else stats.snapshot()

    def reset(self) -> None:
        """Forget every figure."""
        self._by_name = {}


class PoolStats(msgspec.Struct, frozen=True):
    """A pool's state now and its counters since it opened.

    ``waits`` and ``wait_seconds`` count only the acquisitions that found no connection
    free and had to wait; ``timeouts`` those that gave up (PoolTimeoutError);
    ``replaced`` the connections dropped because a fault left them unusable (cut off,
    lost, or handed back inside a transaction), which the pool replaces on demand.
    """

    in_use: int
    idle: int
    waiting: int
    max_size: int
    waits: int
    wait_seconds: float
    timeouts: int
    replaced: int
