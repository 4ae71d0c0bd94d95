"""Read-only databases and missing privileges: typed errors at once, from library and CLI."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from pictallion_sql import PermissionDeniedError, ReadOnlyError, crud
from pictallion_sql.database import connect
from pictallion_sql.query.registry import make_query
from tests.conftest import statement
from tests.ops.conftest import count, execute, run_cli

INSERT = statement(
    "test.ro_insert", "INSERT INTO media_assets (id, original_filename) VALUES (:id, :name)"
)
COUNT = make_query("test.ro_count", "scalar", int, "SELECT count(*) FROM media_assets")


def _database(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


@pytest.fixture
def read_only_url(migrated_url: str, dialect: str) -> str:
    """The test's migrated database, made read-only for every new connection."""
    if dialect == "sqlite":
        return migrated_url + "?mode=ro"
    execute(
        migrated_url,
        f"ALTER DATABASE {_database(migrated_url)} SET default_transaction_read_only = on",
    )
    return migrated_url


async def test_writes_to_a_read_only_database_raise_read_only_error(
    read_only_url: str, dialect: str
) -> None:
    db = await connect(read_only_url)
    try:
        assert await db.run(COUNT) == 0  # reading works
        reason = (
            "SQLite: attempt to write a readonly database"
            if dialect == "sqlite"
            else "PostgreSQL: cannot execute INSERT in a read-only transaction"
        )
        with pytest.raises(ReadOnlyError) as plain:
            await db.run(INSERT, id="ro-1", name="a.jpg")
        assert str(plain.value) == f"the database is read-only ({reason})"
        assert plain.value.query == "test.ro_insert"
        with pytest.raises(ReadOnlyError, match=r"^the database is read-only \("):
            async with db.transaction() as conn:
                await conn.run(INSERT, id="ro-2", name="b.jpg")
        with pytest.raises(ReadOnlyError):
            await crud.media_asset.create(db, obj_in={"original_filename": "c.jpg"})
        assert await db.run(COUNT) == 0
    finally:
        await db.close()
    if dialect == "postgres":
        from pictallion_sql.admin.manager import DatabaseManager

        with pytest.raises(
            ReadOnlyError, match="is read-only: default_transaction_read_only is on"
        ):
            await DatabaseManager(read_only_url).check_compatibility()


@pytest.mark.slow
def test_cli_refuses_a_read_only_database_at_once(read_only_url: str, dialect: str) -> None:
    started = time.monotonic()
    migrate = run_cli(read_only_url, "migrate", "--lock-timeout", "60")
    took = time.monotonic() - started
    assert migrate.code == 2, migrate.output
    assert "is read-only" in migrate.stderr
    assert "break-lock" not in migrate.output
    assert took < 30  # not the 60 s lock timeout
    if dialect == "postgres":
        assert "default_transaction_read_only is on" in migrate.stderr
        for command in ("status", "check"):
            result = run_cli(read_only_url, command)
            assert result.code == 2, result.output
            assert "is read-only: default_transaction_read_only is on" in result.stderr
            assert "unexpected" not in result.output
    else:
        assert "mode=ro" in migrate.stderr
        # Checking a SQLite file needs no write: it works on a read-only one.
        assert run_cli(read_only_url, "check").code == 0
        assert run_cli(read_only_url, "status").code == 0


@pytest.fixture
def limited_role(pg_admin_url: str) -> Iterator[str]:
    """A login role with no privileges of its own; dropped afterwards (roles are cluster-wide)."""
    role = f"pt_limited_{uuid.uuid4().hex[:12]}"
    execute(pg_admin_url, f"CREATE ROLE {role} LOGIN")
    yield role
    execute(pg_admin_url, f"DROP ROLE IF EXISTS {role}")


def _as(url: str, role: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=f"{role}@{parts.hostname}:{parts.port}"))


@pytest.mark.parametrize("dialect", ["postgres"])
def test_migrate_without_create_fails_at_once_naming_the_privilege(
    new_pg_url: str, limited_role: str, dialect: str
) -> None:
    # PostgreSQL 15 gives PUBLIC no CREATE on schema public: the role has none.
    started = time.monotonic()
    result = run_cli(_as(new_pg_url, limited_role), "migrate", "--lock-timeout", "60")
    took = time.monotonic() - started
    assert result.code == 2, result.output
    assert (
        f"permission denied: role {limited_role} has no CREATE privilege on schema public"
        in result.stderr
    )
    assert "yoyo_lock" not in result.stderr
    assert took < 30
    assert execute(new_pg_url, "SELECT to_regclass('yoyo_lock') IS NULL") == [(True,)]


@pytest.mark.parametrize("dialect", ["postgres"])
async def test_a_missing_table_privilege_raises_permission_denied(
    migrated_url: str, limited_role: str, dialect: str
) -> None:
    db = await connect(_as(migrated_url, limited_role))
    try:
        with pytest.raises(PermissionDeniedError) as denied:
            await db.run(INSERT, id="p-1", name="a.jpg")
        assert str(denied.value) == (
            "permission denied for table media_assets (the statement needs INSERT)"
        )
        assert denied.value.query == "test.ro_insert"
        assert denied.value.privilege == "INSERT"
    finally:
        await db.close()
    assert count(migrated_url, "media_assets") == 0


async def test_new_sqlite_files_are_private(tmp_path: Path) -> None:
    library = tmp_path / "lib" / "pictallion.db"
    assert run_cli(f"sqlite:///{library}", "init").code == 0
    assert library.stat().st_mode & 0o777 == 0o600

    direct = tmp_path / "direct.db"
    db = await connect(f"sqlite:///{direct}")
    try:
        await db.run(make_query("test.ro_create", "none", None, "CREATE TABLE t (x int)"))
        modes = {
            suffix: direct.with_name("direct.db" + suffix).stat().st_mode & 0o777
            for suffix in ("", "-wal", "-shm")
        }
    finally:
        await db.close()
    assert modes == {"": 0o600, "-wal": 0o600, "-shm": 0o600}


@pytest.mark.slow
async def test_a_hot_standby_is_read_only_for_the_library_and_the_cli() -> None:
    """A real standby (pg_basebackup of a dedicated cluster): typed errors at once."""
    from pictallion_sql.admin.migrations import apply_migrations
    from tests import pgcluster

    with pgcluster.throwaway_cluster() as primary:
        pgcluster.wait_until_ready(primary)
        primary_db = pgcluster.create_database(primary)
        apply_migrations(primary_db)
        name = _database(primary_db)
        with pgcluster.hot_standby(primary) as standby:
            pgcluster.wait_until_ready(standby)
            url = pgcluster.database_url(standby, name)
            db = await connect(url)
            try:
                assert await db.run(COUNT) == 0
                with pytest.raises(ReadOnlyError) as refused:
                    await db.run(INSERT, id="hs-1", name="a.jpg")
                assert str(refused.value) == (
                    "the database is read-only (PostgreSQL: cannot execute INSERT in a "
                    "read-only transaction)"
                )
                assert refused.value.query == "test.ro_insert"
            finally:
                await db.close()
            for command in (("migrate", "--lock-timeout", "60"), ("status",), ("check",)):
                result = run_cli(url, *command)
                assert result.code == 2, result.output
                assert "is read-only: the server is a hot standby (in recovery)" in result.stderr
