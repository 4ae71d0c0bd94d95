"""Watching the database: what each statement reports, in-process metrics, the slow-query log.

* :class:`FinishedQuery` is what a query observer receives
  (``Database.add_query_observer`` / ``add_global_query_observer``).
* ``db.query_metrics`` (:class:`QueryMetrics`) and ``db.pool_stats()`` (:class:`PoolStats`)
  are kept by every database.
* Exporters built on the observers, each an optional extra:
  ``pictallion_sql.monitoring.prometheus`` (``pip install pictallion-sql[prometheus]``) and
  ``pictallion_sql.monitoring.opentelemetry`` (``pictallion-sql[opentelemetry]``).
"""

from __future__ import annotations

from pictallion_sql.monitoring.events import FinishedQuery, QueryObserver, base_name
from pictallion_sql.monitoring.metrics import (
    LATENCY_BUCKETS,
    PoolStats,
    QueryMetrics,
    QuerySummary,
)
from pictallion_sql.monitoring.slowlog import slow_query_log

__all__ = [
    "LATENCY_BUCKETS",
    "FinishedQuery",
    "PoolStats",
    "QueryMetrics",
    "QueryObserver",
    "QuerySummary",
    "base_name",
    "slow_query_log",
]
