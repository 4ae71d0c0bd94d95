"""OpenTelemetry spans of the database's statements, on ``opentelemetry-api`` (the
``opentelemetry`` extra).

::

    from pictallion_sql.monitoring.opentelemetry import OpenTelemetryExporter

    OpenTelemetryExporter().install()   # every database, the global tracer provider

One CLIENT span per statement, a child of the span current in the caller's task (say, a
FastAPI request), timed from the statement's start to its last row decoded, with the
database semantic conventions: ``db.system`` / ``db.system.name`` (``postgresql`` or
``sqlite``), ``db.operation.name`` (the SQL verb), ``db.query.summary`` (the verb and
the registry name of the query, also the span's name) and ``db.response.returned_rows``;
``pictallion.query.name`` holds the full name of a generated statement. A failed one has
``error.type`` (the library error's type) and an error status. Never a parameter value.
"""

from __future__ import annotations

import time

from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode, TracerProvider

from pictallion_sql.drivers.base import Database
from pictallion_sql.monitoring.events import FinishedQuery, base_name

__all__ = ["OpenTelemetryExporter"]

_SYSTEMS = {"postgres": "postgresql", "sqlite": "sqlite"}


class OpenTelemetryExporter:
    """A query observer that records one span per finished statement."""

    def __init__(self, tracer_provider: TracerProvider | None = None) -> None:
        self._tracer = trace.get_tracer("pictallion_sql", tracer_provider=tracer_provider)

    def __call__(self, event: FinishedQuery) -> None:
        end = time.time_ns()
        start = end - int(event.duration * 1e9)
        system = _SYSTEMS.get(event.dialect, event.dialect)
        summary = f"{event.operation} {base_name(event.name)}".strip()
        span = self._tracer.start_span(
            summary,
            kind=SpanKind.CLIENT,
            start_time=start,
            attributes={
                "db.system": system,
                "db.system.name": system,
                "db.operation.name": event.operation,
                "db.query.summary": summary,
                "db.response.returned_rows": event.rows,
                "pictallion.query.name": event.name,
            },
        )
        if event.error is not None:
            span.set_attribute("error.type", event.error)
            span.set_status(Status(StatusCode.ERROR, event.error))
        span.end(end_time=end)

    def install(self, db: Database | None = None) -> None:
        """Trace the statements of ``db``, or of every database when none is given."""
        if db is None:
            Database.add_global_query_observer(self)
        else:
            db.add_query_observer(self)

    def uninstall(self, db: Database | None = None) -> None:
        """Stop tracing ``db`` (or every database, as ``install()`` without one)."""
        if db is None:
            Database.remove_global_query_observer(self)
        else:
            db.remove_query_observer(self)
