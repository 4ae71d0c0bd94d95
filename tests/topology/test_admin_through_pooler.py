"""``pictallion-db`` and the administration calls behind a real transaction-pooling
pgbouncer (``DB_POOLER=transaction``): status, check, stats and copy work through it; the
commands that keep session state run on ``DATABASE_ADMIN_URL``, or are refused at once
without it, changing nothing."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from pictallion_sql import config
from pictallion_sql.admin.maintenance import backup_database
from pictallion_sql.config import Settings
from pictallion_sql.errors import ConfigurationError
from pictallion_sql.migrations import apply_migrations, upgrade_to_head
from tests import pgcluster
from tests.topology.servers import pgbouncer

REFUSED = "cannot run through a transaction pooler"


@pytest.fixture
def server_db(pg_admin_url: str, pg_template: str) -> Iterator[str]:
    """A migrated database on the test server (reached directly), with one row."""
    url = pgcluster.create_database(pg_admin_url, template=pg_template)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO media_assets (id, original_filename) "
            "VALUES (gen_random_uuid(), 'pooled.jpg')"
        )
    yield url
    pgcluster.drop_database(pg_admin_url, url)


@pytest.fixture
def bouncer(server_db: str) -> Iterator[str]:
    """The database through pgbouncer in transaction mode with ONE server connection:
    every client's statements share it, so a session setting left behind would show."""
    with pgbouncer(server_db, pool_size=1) as url:
        yield url


def _run(
    *args: str, url: str, admin_url: str | None = None, pooler: str | None = "transaction"
) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DB_POOLER", "DATABASE_ADMIN_URL", "DATABASE_REPLICA_URLS")
    }
    env["DATABASE_URL"] = url
    if pooler is not None:
        env["DB_POOLER"] = pooler
    if admin_url is not None:
        env["DATABASE_ADMIN_URL"] = admin_url
    return subprocess.run(
        [sys.executable, "-m", "pictallion_sql", *args],
        env=env, capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip


def _session_settings(url: str) -> tuple[str, str]:
    with psycopg.connect(url, autocommit=True, prepare_threshold=None) as conn:
        row = conn.execute(
            "SELECT current_setting('lock_timeout'), current_setting('statement_timeout')"
        ).fetchone()
    assert row is not None
    return str(row[0]), str(row[1])


def test_status_check_and_stats_work_through_the_pooler(bouncer: str) -> None:
    for _ in range(2):  # again on the server connection the first run used
        status = _run("status", "--json", url=bouncer)
        assert status.returncode == 0, status.stderr
        data = json.loads(status.stdout)
        assert data["health"]["status"] == "healthy"
        assert data["migrations"]["pending"] == []
        assert data["migrations"]["applied"]
        assert data["compatibility"]["compatible"]
        check = _run("check", url=bouncer)
        assert check.returncode == 0, check.stderr
        assert "OK: the schema matches the migrations" in check.stdout
        stats = _run("stats", "--json", url=bouncer)
        assert stats.returncode == 0, stats.stderr
        assert json.loads(stats.stdout)["tables"]["media_assets"]["count"] == 1
    # None of them left a session setting on the pooler's one server connection.
    assert _session_settings(bouncer) == ("0", "0")


def test_copy_works_out_of_and_into_databases_behind_the_pooler(
    bouncer: str, pg_admin_url: str, pg_template: str, tmp_path: Path
) -> None:
    sqlite = f"sqlite:///{tmp_path / 'copy.db'}"
    out = _run("copy", "--from", bouncer, "--to", sqlite, "--json", url=bouncer)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["verified"] is True
    empty = pgcluster.create_database(pg_admin_url, template=pg_template)
    bare = pgcluster.create_database(pg_admin_url)  # no migration applied
    try:
        name = empty.rsplit("/", 1)[1]
        into = _run(
            "copy", "--from", sqlite, "--to", pgcluster.database_url(bouncer, name), "--json",
            url=bouncer,
        )  # fmt: skip
        assert into.returncode == 0, into.stderr
        report = json.loads(into.stdout)
        assert report["verified"] is True and report["rows"] >= 1
        with psycopg.connect(empty, autocommit=True) as conn:
            assert conn.execute("SELECT original_filename FROM media_assets").fetchall() == [
                ("pooled.jpg",)
            ]
        # A target that needs migrating is refused: migrations cannot run there.
        bare_pooled = pgcluster.database_url(bouncer, bare.rsplit("/", 1)[1])
        refused = _run("copy", "--from", sqlite, "--to", bare_pooled, url=bouncer)
        assert refused.returncode == 2
        assert "migrate it first on its direct URL" in refused.stderr
        with psycopg.connect(bare, autocommit=True) as conn:
            tables = conn.execute(
                "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
            ).fetchone()
        assert tables == (0,)
    finally:
        pgcluster.drop_database(pg_admin_url, empty)
        pgcluster.drop_database(pg_admin_url, bare)
    assert _session_settings(bouncer) == ("0", "0")


# Each command that keeps session state (or is not verified through a pooler), with the
# arguments it needs to get as far as touching the database.
DIRECT_COMMANDS = [
    ("migrate",),
    ("init",),
    ("rollback", "--yes"),
    ("reset", "--yes"),
    ("backup",),
    ("restore", "--yes", "missing.dump"),
    ("backups", "verify", "missing.dump"),
    ("maintenance",),
    ("integrity",),
    ("roles", "--yes"),
    ("top",),
    ("explain", "media_assets.get"),
    ("archive",),
]


@pytest.mark.parametrize("command", DIRECT_COMMANDS, ids=lambda c: c[0])
def test_session_commands_are_refused_through_the_pooler_without_an_admin_url(
    bouncer: str, server_db: str, command: tuple[str, ...], tmp_path: Path
) -> None:
    before = _run("status", "--json", url=server_db, pooler=None)
    done = subprocess.run(  # from an empty folder: a refused backup writes nothing
        [sys.executable, "-m", "pictallion_sql", *command, "--json"],
        env={
            **{k: v for k, v in os.environ.items() if k != "DATABASE_ADMIN_URL"},
            "DATABASE_URL": bouncer,
            "DB_POOLER": "transaction",
        },
        cwd=tmp_path, capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert done.returncode == 2, (done.stdout, done.stderr)
    [line] = done.stderr.splitlines()
    assert REFUSED in line and "set DATABASE_ADMIN_URL" in line
    assert json.loads(done.stdout)["exit_code"] == 2
    assert list(tmp_path.iterdir()) == []
    after = _run("status", "--json", url=server_db, pooler=None)
    assert json.loads(after.stdout)["migrations"] == json.loads(before.stdout)["migrations"]
    with psycopg.connect(server_db, autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM media_assets").fetchone() == (1,)


def test_session_commands_use_the_admin_url(bouncer: str, server_db: str, tmp_path: Path) -> None:
    migrate = _run("migrate", url=bouncer, admin_url=server_db)
    assert migrate.returncode == 0, migrate.stderr
    backup = _run("backup", "--to", str(tmp_path), "--json", url=bouncer, admin_url=server_db)
    assert backup.returncode == 0, backup.stderr
    assert [p.suffix for p in tmp_path.iterdir() if p.suffix == ".dump"] == [".dump"]
    integrity = _run("integrity", url=bouncer, admin_url=server_db)
    assert integrity.returncode == 0, integrity.stderr
    # The direct URL is the one the command names.
    assert server_db.rsplit("/", 1)[1] in integrity.stdout + migrate.stdout


def test_migration_and_backup_calls_refuse_a_pooled_database_url(
    bouncer: str, server_db: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    pooled = Settings(database_url=bouncer, pooler="transaction")
    monkeypatch.setattr(config, "_settings", pooled)
    with pytest.raises(ConfigurationError, match=REFUSED):
        apply_migrations(bouncer)
    with pytest.raises(ConfigurationError, match="set DATABASE_ADMIN_URL"):
        asyncio.run(upgrade_to_head())
    with pytest.raises(ConfigurationError, match=REFUSED):
        asyncio.run(backup_database(tmp_path, database_url=bouncer))
    assert list(tmp_path.iterdir()) == []
    # With the direct URL configured, the same calls run there.
    pooled.admin_url = server_db
    assert asyncio.run(upgrade_to_head()) == []
    result = asyncio.run(backup_database(tmp_path))
    assert Path(result["path"]).exists()


async def test_a_lifespan_migrates_on_the_admin_url_and_serves_through_the_pooler(
    bouncer: str, server_db: str
) -> None:
    from pictallion_sql import crud
    from pictallion_sql.fastapi.lifespan import database_lifespan

    pooled = Settings(database_url=bouncer, pooler="transaction")
    with pytest.raises(ConfigurationError, match="set DATABASE_ADMIN_URL"):
        async with database_lifespan(config=pooled, migrate=True)(None):
            pass
    pooled.admin_url = server_db
    async with database_lifespan(config=pooled, migrate=True)(None) as state:
        database = state["database"]
        assert database.settings.database_url == bouncer
        assert await crud.media_asset.count(database) == 1
