"""The slow-query log: one WARNING per statement at or above ``slow_query_ms``, naming the
query, its duration, rows and caller's module, never a parameter value."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from pictallion_sql import crud
from pictallion_sql.config import Settings
from pictallion_sql.errors import ConfigurationError

SECRET = "secret-filename-7f3a.jpg"


async def test_a_slow_statement_logs_one_warning_without_parameters(
    db: Any, dialect: str, caplog: pytest.LogCaptureFixture
) -> None:
    await crud.media_asset.create(db, obj_in={"original_filename": SECRET})
    db.settings.slow_query_ms = 0.0  # every statement counts as slow
    with caplog.at_level(logging.WARNING, logger="pictallion_sql.slow_query"):
        found = await crud.media_asset.get_by_filename(db, filename=SECRET)
    assert found is not None
    (record,) = [r for r in caplog.records if r.name == "pictallion_sql.slow_query"]
    assert record.levelno == logging.WARNING
    message = record.getMessage()
    assert message.startswith(f"slow query media_assets.get_by_filename on {dialect}: ")
    assert "1 row(s)" in message and f"called from {__name__}" in message
    assert record.query_name == "media_assets.get_by_filename"  # type: ignore[attr-defined]
    assert record.rows == 1 and record.caller_module == __name__  # type: ignore[attr-defined]
    assert record.duration_ms >= 0  # type: ignore[attr-defined]
    assert SECRET not in message and SECRET not in str(record.__dict__)


async def test_fast_statements_and_a_disabled_log_write_nothing(
    db: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="pictallion_sql.slow_query"):
        db.settings.slow_query_ms = 60_000.0
        await crud.media_asset.count(db)
        db.settings.slow_query_ms = None
        await crud.media_asset.count(db)
    assert [r for r in caplog.records if r.name == "pictallion_sql.slow_query"] == []


def test_the_threshold_comes_from_the_environment() -> None:
    assert Settings.from_env({}).slow_query_ms == 1000.0
    assert Settings.from_env({"DB_SLOW_QUERY_MS": "250.5"}).slow_query_ms == 250.5
    assert Settings.from_env({"DB_SLOW_QUERY_MS": "off"}).slow_query_ms is None
    for bad in ("-1", "fast", "nan", "inf"):
        with pytest.raises(ConfigurationError, match="DB_SLOW_QUERY_MS"):
            Settings.from_env({"DB_SLOW_QUERY_MS": bad})
