"""The Prometheus and OpenTelemetry exporters, with their real libraries, on both dialects."""

from __future__ import annotations

import re
from typing import Any

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from prometheus_client import CollectorRegistry, generate_latest

from pictallion_sql import Database, crud
from pictallion_sql.errors import DuplicateKeyError
from pictallion_sql.monitoring.opentelemetry import OpenTelemetryExporter
from pictallion_sql.monitoring.prometheus import PrometheusExporter

SECRET = "secret-name-91c2"


async def test_prometheus_counts_queries_rows_errors_latency_and_pool(
    db: Any, dialect: str
) -> None:
    registry = CollectorRegistry()
    exporter = PrometheusExporter(registry)
    exporter.install(db, pool="main")
    user = {"username": SECRET, "password": "x"}
    await crud.user.create(db, obj_in=user)
    with pytest.raises(DuplicateKeyError):
        await crud.user.create(db, obj_in=user)
    for _ in range(2):
        await crud.user.get_multi(db)

    def value(name: str, **labels: str) -> float | None:
        return registry.get_sample_value(name, {"dialect": dialect, **labels})

    assert value("pictallion_db_pool_connections", pool="main", state="idle") == 1
    assert value("pictallion_db_pool_connections", pool="main", state="in_use") == 0
    assert value("pictallion_db_pool_max_connections", pool="main") == db.pool_stats().max_size
    assert value("pictallion_db_pool_replaced_connections_total", pool="main") == 0
    assert value("pictallion_db_pool_waits_total", pool="main") == 0
    assert value("pictallion_db_pool_waiting", pool="main") == 0
    exporter.uninstall(db)
    await crud.user.get_multi(db)  # no longer observed
    assert value("pictallion_db_pool_connections", pool="main", state="idle") is None

    # Generated statements are labelled by their builder's name: the registry bounds the
    # label's values, whatever column sets callers use.
    assert value("pictallion_db_queries_total", query="users.insert") == 2
    assert (
        value("pictallion_db_query_errors_total", query="users.insert", error="DuplicateKeyError")
        == 1
    )
    assert value("pictallion_db_query_rows_total", query="users.insert") == 1
    assert value("pictallion_db_queries_total", query="users.get_multi") == 2
    assert value("pictallion_db_query_rows_total", query="users.get_multi") == 2
    assert value("pictallion_db_query_duration_seconds_count", query="users.get_multi") == 2
    assert (
        value("pictallion_db_query_duration_seconds_bucket", query="users.get_multi", le="+Inf")
        == 2
    )
    assert value("pictallion_db_query_duration_seconds_sum", query="users.get_multi") > 0  # type: ignore[operator]
    exposition = generate_latest(registry).decode()
    assert SECRET not in exposition
    labels = set(
        re.findall(r'^pictallion_db_queries_total\{[^}]*query="([^"]+)"', exposition, re.M)
    )
    assert labels == {"users.insert", "users.get_multi"}


async def test_a_global_prometheus_exporter_sees_every_database(db: Any, dialect: str) -> None:
    registry = CollectorRegistry()
    exporter = PrometheusExporter(registry)
    exporter.install()
    try:
        await crud.media_asset.count(db)
    finally:
        exporter.uninstall()
    await crud.media_asset.count(db)
    sample = {"query": "media_assets.count", "dialect": dialect}
    assert registry.get_sample_value("pictallion_db_queries_total", sample) == 1


async def test_opentelemetry_records_one_client_span_per_query(db: Any, dialect: str) -> None:
    spans = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(spans))
    exporter = OpenTelemetryExporter(provider)
    exporter.install(db)
    tracer = provider.get_tracer("test")
    user = {"username": SECRET, "password": "x"}
    with tracer.start_as_current_span("request") as request:
        created = await crud.user.create(db, obj_in=user)
        with pytest.raises(DuplicateKeyError):
            await crud.user.create(db, obj_in=user)
        assert await crud.user.get(db, id=created.id) == created
    exporter.uninstall(db)
    await crud.user.count(db)

    finished = [s for s in spans.get_finished_spans() if s.name != "request"]
    system = "postgresql" if dialect == "postgres" else "sqlite"
    assert [s.name for s in finished] == [
        "INSERT users.insert",
        "INSERT users.insert",
        "SELECT users.get",
    ]
    for span in finished:
        attributes = dict(span.attributes or {})
        assert span.kind is SpanKind.CLIENT
        assert span.parent is not None
        assert span.parent.span_id == request.get_span_context().span_id
        assert attributes["db.system"] == attributes["db.system.name"] == system
        assert attributes["db.query.summary"] == span.name
        assert span.end_time is not None and span.start_time is not None
        assert span.end_time >= span.start_time
        assert SECRET not in str(attributes)
    ok, failed, read = finished
    assert dict(ok.attributes or {})["db.operation.name"] == "INSERT"
    assert dict(ok.attributes or {})["pictallion.query.name"] == "users.insert[username,password]"
    assert dict(read.attributes or {})["db.response.returned_rows"] == 1
    assert failed.status.status_code is StatusCode.ERROR
    assert dict(failed.attributes or {})["error.type"] == "DuplicateKeyError"
    assert ok.status.status_code is StatusCode.UNSET


def test_observers_are_not_registered_after_uninstall() -> None:
    exporter = OpenTelemetryExporter(TracerProvider())
    exporter.install()
    exporter.uninstall()
    assert exporter not in Database._global_query_observers
