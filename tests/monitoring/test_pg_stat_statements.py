"""On a cluster with pg_stat_statements loaded, every named query a mixed workload ran is
found in the server's statistics under its name, and ``pictallion-db top`` prints them."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from pictallion_sql import crud
from pictallion_sql.admin.cli import main
from pictallion_sql.admin.migrations import apply_migrations
from pictallion_sql.admin.top import top_queries
from pictallion_sql.database import connect
from pictallion_sql.monitoring import FinishedQuery
from tests import pgcluster
from tests.library import load_library, uid


@pytest.fixture(scope="module")
def stats_url() -> Iterator[str]:
    """A migrated database on a private cluster that preloads pg_stat_statements."""
    with pgcluster.throwaway_cluster(
        "shared_preload_libraries=pg_stat_statements", "pg_stat_statements.track=all"
    ) as admin:
        pgcluster.wait_until_ready(admin)
        url = pgcluster.create_database(admin)
        apply_migrations(url)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION pg_stat_statements")
        yield url


async def _mixed_workload(url: str) -> set[str]:
    """Writes, reads, searches, streams and failures; the names of the statements run."""
    ran: set[str] = set()

    def observe(event: FinishedQuery) -> None:
        ran.add(event.name)

    db = await connect(url)
    db.add_query_observer(observe)
    try:
        await load_library(db)
        await crud.file_version.get_by_tier(db, tier="gold")
        await crud.file_version.list_photos(db, limit=5)
        await crud.file_version.get_photos_count(db)
        await crud.file_version.search(db, filters={"query": "beach", "rating_min": 1}, limit=5)
        await crud.file_version.get_collection_stats(db)
        await crud.person.get_people_with_counts(db)
        await crud.face.get_unassigned(db)
        await crud.collection.get_all_with_stats(db)
        await crud.asset_history.get_recent(db, limit=5)
        await crud.media_asset.update(
            db, db_obj=uid("asset", 1), obj_in={"original_filename": "renamed.jpg"}
        )
        await crud.media_asset.create_many(db, objs=[{"original_filename": "bulk.jpg"}])
        async with crud.file_version.stream_all(db, batch_size=3) as rows:
            assert [row async for row in rows]
        assert await crud.user.get(db, id="missing") is None
    finally:
        await db.close()
    return ran


async def test_every_named_query_is_found_in_pg_stat_statements(
    stats_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with psycopg.connect(stats_url, autocommit=True) as conn:
        conn.execute("SELECT pg_stat_statements_reset()")
    ran = await _mixed_workload(stats_url)
    # asyncpg writes bulk rows with a COPY of its own making: the one statement unnamed.
    named = {name for name in ran if ".insert_many[" not in name}
    assert len(named) >= 15, sorted(ran)

    with psycopg.connect(stats_url, autocommit=True) as conn:
        texts = [
            row[0]
            for row in conn.execute(
                "SELECT query FROM pg_stat_statements "
                "WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())"
            )
        ]
    on_server = {
        text.split("/* pictallion:", 1)[1].split(" */", 1)[0]
        for text in texts
        if "/* pictallion:" in text
    }
    assert named <= on_server, sorted(named - on_server)

    db = await connect(stats_url)
    try:
        top = await top_queries(db, limit=1000)
    finally:
        await db.close()
    assert named <= {q.name for q in top}
    assert all(q.source == "pg_stat_statements" and q.calls >= 1 for q in top)
    totals = [q.total_ms for q in top]
    assert totals == sorted(totals, reverse=True)

    assert main(["top", "--json", "--limit", "1000", "--database-url", stats_url]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert named <= {q["name"] for q in printed["queries"]}
    get = next(q for q in printed["queries"] if q["name"] == "file_versions.get_by_tier")
    assert get["calls"] == 1 and get["mean_ms"] == pytest.approx(get["total_ms"])

    assert main(["top", "--limit", "3", "--database-url", stats_url]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].startswith("Source:   pg_stat_statements")
    assert lines[2].split() == ["query", "total", "ms", "mean", "ms", "calls", "rows"]
    assert len(lines) == 6


def test_top_says_how_to_enable_pg_stat_statements(
    new_pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["top", "--database-url", new_pg_url]) == 2
    error = capsys.readouterr().err
    assert "pg_stat_statements is not installed" in error
    assert "shared_preload_libraries" in error and "CREATE EXTENSION pg_stat_statements" in error


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    target = tmp_path / "migrated.db"
    shutil.copyfile(sqlite_template, target)
    return f"sqlite:///{target}"


def test_top_on_sqlite_explains_where_the_figures_are(
    sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["top", "--json", "--database-url", sqlite_url]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["queries"] == []
    assert "in-process" in printed["source"] and "top_queries(db)" in printed["source"]


async def test_top_queries_on_sqlite_come_from_the_in_process_metrics(sqlite_url: str) -> None:
    db = await connect(sqlite_url)
    try:
        for _ in range(3):
            await crud.media_asset.count(db)
        await crud.user.get_multi(db)
        top = await top_queries(db)
    finally:
        await db.close()
    by_name = {q.name: q for q in top}
    assert set(by_name) == {"media_assets.count", "users.get_multi"}
    assert (by_name["media_assets.count"].calls, by_name["media_assets.count"].rows) == (3, 3)
    assert all(q.source == "in-process" for q in top)
