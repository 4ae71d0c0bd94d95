"""Timestamps: stored as before, read as naive UTC, written to JSON with a UTC offset."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from pictallion_sql import crud
from pictallion_sql.records.wire import to_builtins, to_json
from tests.conftest import pg_execute

UTC_NOON = datetime(2026, 7, 14, 12, 0, 0, 250000)
PARIS_NOON = datetime(2026, 7, 14, 14, 0, 0, 250000, tzinfo=timezone(timedelta(hours=2)))


@pytest.mark.parametrize("given", [UTC_NOON, PARIS_NOON, "2026-07-14T14:00:00.25+02:00"])
async def test_naive_and_aware_inputs_are_the_same_instant(
    db: Any, migrated_url: str, dialect: str, given: object
) -> None:
    event = await crud.event.create(db, obj_in={"name": "Fête", "type": "holiday", "date": given})
    assert event.date == UTC_NOON and event.date.tzinfo is None
    # Stored exactly as the TypeScript application stores it: UTC, no offset.
    if dialect == "sqlite":
        path = migrated_url.removeprefix("sqlite:///")
        with sqlite3.connect(path) as conn:
            (stored,) = conn.execute("SELECT date FROM events").fetchone()
        assert stored == "2026-07-14T12:00:00.250000"
    else:
        rows = pg_execute(migrated_url, "SELECT date::text FROM events")
        assert rows == [("2026-07-14 12:00:00.25",)]
    assert b'"date":"2026-07-14T12:00:00.250000Z"' in to_json(event)
    assert to_builtins(event)["date"] == UTC_NOON.replace(tzinfo=UTC)
