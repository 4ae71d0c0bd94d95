"""The named queries that cost the most: ``pictallion-db top`` and :func:`top_queries`.

On PostgreSQL the figures come from ``pg_stat_statements``, where every statement the
library sent is found by the comment naming its query (``/* pictallion:<name> */``);
they cover every process using the database since the statistics were last reset. On
SQLite, which keeps no such statistics, they come from a database's in-process metrics
(``db.query_metrics``): the statements that database ran in this process.
"""

from __future__ import annotations

import asyncio
from typing import Any, Literal

import msgspec
import psycopg

from pictallion_sql.admin.postgres.connection import connect_postgres
from pictallion_sql.database import Database
from pictallion_sql.errors import ConfigurationError
from pictallion_sql.monitoring.metrics import QueryMetrics

__all__ = [
    "ENABLE_PG_STAT_STATEMENTS",
    "TopQuery",
    "top_from_metrics",
    "top_from_server",
    "top_queries",
]

ENABLE_PG_STAT_STATEMENTS = (
    "add pg_stat_statements to shared_preload_libraries in postgresql.conf "
    "(shared_preload_libraries = 'pg_stat_statements'), restart the server, then run "
    "CREATE EXTENSION pg_stat_statements; in this database as a superuser"
)

Source = Literal["pg_stat_statements", "in-process"]


class TopQuery(msgspec.Struct, frozen=True):
    """One named query's figures: calls, time in milliseconds, rows returned or changed."""

    name: str
    calls: int
    total_ms: float
    mean_ms: float
    rows: int
    source: Source


# Statements of this database that carry a name, summed per name (a name may have several
# entries: one per user, or per top-level and nested call), by total time.
_SERVER_TOP = """
SELECT substring(query FROM '/\\* pictallion:(.*?) \\*/') AS name,
       sum(calls)::bigint AS calls,
       sum(total_exec_time) AS total_ms,
       sum(rows)::bigint AS rows
FROM pg_stat_statements
WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND query LIKE '%%/* pictallion:%%'
GROUP BY 1
ORDER BY total_ms DESC, name
LIMIT %s
"""


def top_from_server(database_url: str, limit: int = 20) -> list[TopQuery]:
    """The ``limit`` named queries with the most total time, from ``pg_stat_statements``.

    Raises ConfigurationError saying how to enable the extension when it is missing.
    """
    with connect_postgres(database_url) as conn:
        installed = conn.execute(
            "SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements'"
        ).fetchone()
        if installed is None:
            raise ConfigurationError(
                f"pg_stat_statements is not installed in this database: {ENABLE_PG_STAT_STATEMENTS}"
            )
        try:
            rows: list[tuple[Any, ...]] = conn.execute(_SERVER_TOP, (limit,)).fetchall()
        except psycopg.errors.ObjectNotInPrerequisiteState:
            raise ConfigurationError(
                f"pg_stat_statements is installed but not loaded: {ENABLE_PG_STAT_STATEMENTS}"
            ) from None
    return [
        TopQuery(
            name=name,
            calls=int(calls),
            total_ms=float(total),
            mean_ms=float(total) / calls if calls else 0.0,
            rows=int(count),
            source="pg_stat_statements",
        )
        for name, calls, total, count in rows
    ]


def top_from_metrics(metrics: QueryMetrics, limit: int = 20) -> list[TopQuery]:
    """The ``limit`` queries with the most total time in ``metrics`` (in-process)."""
    return [
        TopQuery(
            name=summary.name,
            calls=summary.calls,
            total_ms=summary.total_seconds * 1000,
            mean_ms=summary.mean_seconds * 1000,
            rows=summary.rows,
            source="in-process",
        )
        for summary in metrics.snapshot()[:limit]
    ]


async def top_queries(db: Database, limit: int = 20) -> list[TopQuery]:
    """The ``limit`` costliest named queries of ``db``: from ``pg_stat_statements`` on
    PostgreSQL (every process), from ``db.query_metrics`` on SQLite (this process)."""
    from pictallion_sql.admin.backends import admin_backend

    backend = admin_backend(db.dialect)
    return await asyncio.to_thread(backend.top_queries, db.settings, db.query_metrics, limit)
