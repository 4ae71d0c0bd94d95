"""Prometheus metrics of the database, on ``prometheus-client`` (the ``prometheus`` extra).

::

    from prometheus_client import start_http_server
    from pictallion_sql.monitoring.prometheus import PrometheusExporter

    exporter = PrometheusExporter()          # the default prometheus_client registry
    exporter.install(db)                     # its statements and its pool
    start_http_server(9100)

Metrics (``query`` is the registry name, generated statements by their builder's name,
so the label's values are bounded by the registry; ``error`` a library error type):

* ``pictallion_db_queries_total{query,dialect}``: statements run, failed ones included;
* ``pictallion_db_query_errors_total{query,dialect,error}``: statements that failed;
* ``pictallion_db_query_rows_total{query,dialect}``: rows returned or changed;
* ``pictallion_db_query_duration_seconds{query,dialect}``: a latency histogram;
* ``pictallion_db_pool_connections{pool,dialect,state}``: ``in_use`` and ``idle`` now;
* ``pictallion_db_pool_max_connections{pool,dialect}`` and
  ``pictallion_db_pool_waiting{pool,dialect}``: the pool's bound, tasks waiting now;
* ``pictallion_db_pool_waits_total``, ``pictallion_db_pool_wait_seconds_total``,
  ``pictallion_db_pool_timeouts_total`` and ``pictallion_db_pool_replaced_connections_total``
  ``{pool,dialect}``: acquisitions that waited, time spent waiting, waits that gave up,
  connections replaced after a fault.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from pictallion_sql.drivers.base import Database
from pictallion_sql.monitoring.events import FinishedQuery, base_name
from pictallion_sql.monitoring.metrics import LATENCY_BUCKETS

__all__ = ["PrometheusExporter"]


class PrometheusExporter:
    """A query observer that feeds Prometheus metrics, plus a collector of pool figures."""

    def __init__(
        self,
        registry: CollectorRegistry | None = REGISTRY,
        *,
        namespace: str = "pictallion_db",
        buckets: tuple[float, ...] = LATENCY_BUCKETS,
    ) -> None:
        labels = ("query", "dialect")
        self.queries = Counter(
            "queries", "Statements run", labels, namespace=namespace, registry=registry
        )
        self.errors = Counter(
            "query_errors",
            "Statements that failed, by library error type",
            (*labels, "error"),
            namespace=namespace,
            registry=registry,
        )
        self.rows = Counter(
            "query_rows",
            "Rows returned or changed by statements",
            labels,
            namespace=namespace,
            registry=registry,
        )
        self.duration = Histogram(
            "query_duration_seconds",
            "Time from sending a statement to its last row decoded",
            labels,
            namespace=namespace,
            registry=registry,
            buckets=buckets,
        )
        self._pools = _PoolCollector(namespace)
        if registry is not None:
            registry.register(self._pools)
        # One set of labelled children per (name, dialect): labels() costs far more than
        # a dict lookup, and the observer runs on every statement.
        self._children: dict[tuple[str, str], tuple[Any, Any, Any]] = {}

    def __call__(self, event: FinishedQuery) -> None:
        key = (event.name, event.dialect)
        children = self._children.get(key)
        if children is None:
            values = (base_name(event.name), event.dialect)
            children = self._children[key] = (
                self.queries.labels(*values),
                self.rows.labels(*values),
                self.duration.labels(*values),
            )
        calls, rows, duration = children
        calls.inc()
        if event.rows:
            rows.inc(event.rows)
        duration.observe(event.duration)
        if event.error is not None:
            self.errors.labels(base_name(event.name), event.dialect, event.error).inc()

    def install(self, db: Database | None = None, *, pool: str = "default") -> None:
        """Observe ``db`` (its statements and its pool, labelled ``pool``), or with no
        ``db`` the statements of every database (pools are added with ``watch_pool``)."""
        if db is None:
            Database.add_global_query_observer(self)
            return
        db.add_query_observer(self)
        self.watch_pool(db, pool)

    def uninstall(self, db: Database | None = None) -> None:
        """Stop observing ``db`` (or every database, as ``install()`` without one)."""
        if db is None:
            Database.remove_global_query_observer(self)
            return
        db.remove_query_observer(self)
        self._pools.forget(db)

    def watch_pool(self, db: Database, pool: str = "default") -> None:
        """Export the figures of ``db``'s pool under the label ``pool``."""
        self._pools.watch(db, pool)


class _PoolCollector(Collector):
    """Reads each watched database's pool figures when Prometheus scrapes."""

    def __init__(self, namespace: str) -> None:
        self._namespace = namespace
        self._watched: weakref.WeakKeyDictionary[Database, str] = weakref.WeakKeyDictionary()

    def watch(self, db: Database, pool: str) -> None:
        self._watched[db] = pool

    def forget(self, db: Database) -> None:
        self._watched.pop(db, None)

    def collect(self) -> Iterator[Metric]:
        ns = self._namespace
        labels = ["pool", "dialect"]
        connections = GaugeMetricFamily(
            f"{ns}_pool_connections", "Pooled connections by state", labels=[*labels, "state"]
        )
        limit = GaugeMetricFamily(
            f"{ns}_pool_max_connections", "The most connections the pool opens", labels=labels
        )
        waiting = GaugeMetricFamily(
            f"{ns}_pool_waiting", "Tasks waiting for a connection now", labels=labels
        )
        waits = CounterMetricFamily(
            f"{ns}_pool_waits", "Acquisitions that found no connection free", labels=labels
        )
        wait_seconds = CounterMetricFamily(
            f"{ns}_pool_wait_seconds", "Time spent waiting for a connection", labels=labels
        )
        timeouts = CounterMetricFamily(
            f"{ns}_pool_timeouts", "Waits that ended in PoolTimeoutError", labels=labels
        )
        replaced = CounterMetricFamily(
            f"{ns}_pool_replaced_connections",
            "Connections dropped after a fault (cut off, lost, left in a transaction)",
            labels=labels,
        )
        for db, pool in list(self._watched.items()):
            stats = db.pool_stats()
            values = [pool, db.dialect]
            connections.add_metric([*values, "in_use"], stats.in_use)
            connections.add_metric([*values, "idle"], stats.idle)
            limit.add_metric(values, stats.max_size)
            waiting.add_metric(values, stats.waiting)
            waits.add_metric(values, stats.waits)
            wait_seconds.add_metric(values, stats.wait_seconds)
            timeouts.add_metric(values, stats.timeouts)
            replaced.add_metric(values, stats.replaced)
        yield from (connections, limit, waiting, waits, wait_seconds, timeouts, replaced)
