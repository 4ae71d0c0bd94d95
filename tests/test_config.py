"""Settings from the environment: dialects, URLs, pools, and passwords kept out of sight."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pictallion_sql import crud
from pictallion_sql.config import DEFAULT_DATABASE_URL, Settings, mask_url
from pictallion_sql.database import connect
from pictallion_sql.errors import ConfigurationError, DatabaseError

SECRET = "s3cr3t-pa55"


def test_defaults_are_the_embedded_sqlite_database() -> None:
    s = Settings.from_env({})
    assert s.database_url == DEFAULT_DATABASE_URL == "sqlite:///./data/pictallion.db"
    assert s.is_sqlite and not s.is_postgres
    assert s.sqlite_path == "./data/pictallion.db"
    assert (s.pool_size, s.max_overflow, s.debug, s.environment) == (10, 20, False, "development")


@pytest.mark.parametrize(
    ("url", "db_type", "dialect"),
    [
        ("postgresql://u@h/db", None, "postgres"),
        ("postgres://u@h/db", None, "postgres"),
        ("postgres://u@h/db", "postgresql", "postgres"),
        ("postgresql://u@h/db", "POSTGRES", "postgres"),
        ("sqlite:////abs/file.db", "sqlite", "sqlite"),
        ("sqlite:///rel/file.db", None, "sqlite"),
    ],
)
def test_dialect_comes_from_the_url_and_db_type_agrees(
    url: str, db_type: str | None, dialect: str
) -> None:
    env = {"DATABASE_URL": url} | ({"DB_TYPE": db_type} if db_type else {})
    assert Settings.from_env(env).dialect == dialect


def test_sqlite_paths_absolute_and_relative() -> None:
    assert Settings(database_url="sqlite:////abs/file.db").sqlite_path == "/abs/file.db"
    assert Settings(database_url="sqlite:///rel/file.db").sqlite_path == "rel/file.db"
    assert Settings(database_url="sqlite:///:memory:").sqlite_file() is None


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DATABASE_URL": "mysql://u@h/db"}, "unsupported scheme 'mysql'"),
        (
            {"DATABASE_URL": "sqlite:///x.db", "DB_TYPE": "postgres"},
            "DB_TYPE='postgres' contradicts",
        ),
        ({"DATABASE_URL": "postgresql://u@h/db", "DB_TYPE": "sqlite"}, "contradicts DATABASE_URL"),
        ({"DB_TYPE": "oracle"}, "DB_TYPE must be 'sqlite', 'postgres' or 'postgresql'"),
    ],
)
def test_contradictions_and_unknown_schemes_are_configuration_errors(
    env: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message):
        _ = Settings.from_env(env).dialect


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DB_POOL_SIZE": "ten"}, "DB_POOL_SIZE must be an integer"),
        ({"DB_POOL_SIZE": "0"}, "DB_POOL_SIZE must be at least 1"),
        ({"PICTALLION_DB_POOL_SIZE": "2.5"}, "PICTALLION_DB_POOL_SIZE must be an integer"),
        ({"PICTALLION_DB_DEBUG": "maybe"}, "PICTALLION_DB_DEBUG must be a boolean"),
        ({"DB_POOL_TIMEOUT": "soon"}, "DB_POOL_TIMEOUT must be a number of seconds"),
        ({"PICTALLION_DB_POOL_TIMEOUT": "0"}, "must be a positive number of seconds"),
        ({"PICTALLION_DB_POOL_TIMEOUT": "nan"}, "must be a positive number of seconds"),
        ({"PICTALLION_DB_STATEMENT_CACHE_SIZE": "-1"}, "STATEMENT_CACHE_SIZE must be at least 0"),
    ],
)
def test_bad_numbers_and_flags_name_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        Settings.from_env(env)


def test_pool_sizes_and_debug_come_from_the_environment() -> None:
    s = Settings.from_env(
        {"DB_POOL_SIZE": "3", "DB_MAX_OVERFLOW": "2", "DEBUG": "1", "NODE_ENV": "production"}
    )
    assert (s.pool_size, s.max_overflow, s.max_connections, s.debug) == (3, 2, 5, True)
    assert s.is_production and not s.is_development


def test_library_names_come_first_and_the_earlier_db_names_are_still_read() -> None:
    s = Settings.from_env(
        {
            "PICTALLION_DB_POOL_SIZE": "4",
            "DB_POOL_SIZE": "9",
            "DB_MAX_OVERFLOW": "1",
            "PICTALLION_DB_BUSY_TIMEOUT_MS": "250",
            "PICTALLION_DB_STATEMENT_CACHE_SIZE": "0",
            "PICTALLION_DB_DEBUG": "yes",
        }
    )
    assert (s.pool_size, s.max_overflow, s.busy_timeout_ms) == (4, 1, 250)
    assert (s.statement_cache_size, s.debug) == (0, True)


@pytest.mark.parametrize(
    ("env", "seconds"),
    [
        ({"DB_POOL_TIMEOUT": "2.5"}, 2.5),
        ({"PICTALLION_DB_POOL_TIMEOUT": "0.25", "DB_POOL_TIMEOUT": "7"}, 0.25),
        ({"PICTALLION_DB_POOL_TIMEOUT": " 12 "}, 12.0),
        ({"PICTALLION_DB_POOL_TIMEOUT": ""}, 30.0),
    ],
)
def test_the_pool_timeout_takes_fractions_of_a_second(env: dict[str, str], seconds: float) -> None:
    assert Settings.from_env(env).pool_timeout == seconds


@pytest.mark.parametrize(
    ("env", "debug"),
    [
        ({"DEBUG": "express:*"}, False),
        ({"DEBUG": "maybe"}, False),
        ({"DEBUG": "1"}, True),
        ({"DEBUG": "true", "PICTALLION_DB_DEBUG": "0"}, False),
        ({"DEBUG": "express:*", "PICTALLION_DB_DEBUG": "on"}, True),
    ],
)
def test_the_plain_debug_variable_counts_only_as_a_boolean(
    env: dict[str, str], debug: bool
) -> None:
    assert Settings.from_env(env).debug is debug


def _python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in _CONFIG_VARIABLES}
    return subprocess.run(
        [sys.executable, "-c", code],
        env=clean | env,
        capture_output=True,
        text=True,
        timeout=60,
    )


_CONFIG_VARIABLES = {
    "DATABASE_URL",
    "DB_TYPE",
    "DEBUG",
    "PICTALLION_DB_DEBUG",
    "PICTALLION_DB_POOL_SIZE",
    "DB_POOL_SIZE",
}


def test_importing_reads_no_configuration_and_connecting_does(tmp_path: Path) -> None:
    # A bad value does not break the import; the first connection reads the environment
    # as it is then (a URL set after the import is used) and reports the bad value.
    url = f"sqlite:///{tmp_path / 'late.db'}"
    code = f"""
import asyncio, os
import pictallion_sql, pictallion_sql.crud, pictallion_sql.database
from pictallion_sql import ConfigurationError, connect
os.environ["DATABASE_URL"] = {url!r}
try:
    asyncio.run(connect())
except ConfigurationError as exc:
    print("refused:", exc)
del os.environ["PICTALLION_DB_POOL_SIZE"]  # nothing was kept from the refused read
async def main():
    db = await connect()
    print(db.settings.database_url, db.settings.debug)
    await db.close()
asyncio.run(main())
"""
    done = _python(code, {"DEBUG": "express:*", "PICTALLION_DB_POOL_SIZE": "ten"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "refused: PICTALLION_DB_POOL_SIZE must be an integer, got 'ten'",
        f"{url} False",
    ]


def test_debug_logs_queries_with_no_logging_setup(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'debug.db'}"
    code = f"""
import asyncio
from pictallion_sql import connect, crud
from pictallion_sql.migrations import upgrade_to_head
async def main():
    await upgrade_to_head({url!r})
    db = await connect({url!r})
    print(await crud.user.count(db))
    await db.close()
asyncio.run(main())
"""
    done = _python(code, {"PICTALLION_DB_DEBUG": "1"})
    assert done.returncode == 0, done.stderr
    assert done.stdout == "0\n"
    logged = [line for line in done.stderr.splitlines() if "pictallion_sql.query" in line]
    assert len(logged) == 1 and " users.count " in logged[0], done.stderr
    quiet = _python(code, {"DEBUG": "express:*"})
    assert quiet.returncode == 0 and quiet.stderr == "", quiet.stderr


def test_a_configuration_error_in_the_cli_is_one_line_with_exit_2() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pictallion_sql", "status"],
        env={k: v for k, v in os.environ.items() if k not in _CONFIG_VARIABLES}
        | {"DEBUG": "express:*", "PICTALLION_DB_POOL_SIZE": "ten"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines() == [
        "pictallion-db: error: PICTALLION_DB_POOL_SIZE must be an integer, got 'ten'"
    ]


async def test_the_statement_cache_size_reaches_the_postgres_driver(pg_admin_url: str) -> None:
    db = await connect(
        pg_admin_url, config=Settings.from_env({"PICTALLION_DB_STATEMENT_CACHE_SIZE": "0"})
    )
    try:
        assert db.settings.statement_cache_size == 0
        async with db.connection() as conn:
            raw = conn._raw  # type: ignore[attr-defined]
            assert raw.statement_limit == 0
    finally:
        await db.close()


def test_passwords_never_appear_in_repr_str_or_errors() -> None:
    url = f"postgresql://app:{SECRET}@db.example:5432/pictallion?sslmode=require"
    s = Settings.from_env({"DATABASE_URL": url, "DB_TYPE": "sqlite"})
    assert SECRET not in repr(s) and SECRET not in str(s)
    assert s.masked_url == "postgresql://app:***@db.example:5432/pictallion?sslmode=require"
    with pytest.raises(ConfigurationError) as caught:
        _ = s.dialect
    assert SECRET not in str(caught.value)
    assert mask_url("sqlite:///x.db") == "sqlite:///x.db"


def test_tls_options_reach_the_postgres_driver() -> None:
    s = Settings(database_url="postgres://u@h:5432/db?sslmode=verify-full&sslrootcert=/ca.pem")
    assert s.postgres_dsn == "postgresql://u@h:5432/db?sslmode=verify-full&sslrootcert=/ca.pem"
    assert s.postgres_options == {"sslmode": "verify-full", "sslrootcert": "/ca.pem"}


async def test_sslmode_is_honoured_against_a_server_without_tls(pg_admin_url: str) -> None:
    # The test server has no TLS: sslmode=disable connects, sslmode=require must refuse.
    base = pg_admin_url.replace("postgresql://postgres@", f"postgresql://postgres:{SECRET}@")
    db = await connect(base + "?sslmode=disable")
    assert (await db.server_version()).startswith("15")
    await db.close()
    with pytest.raises(DatabaseError) as caught:
        await connect(base + "?sslmode=require")
    assert SECRET not in str(caught.value)
    assert "***" in str(caught.value)


async def test_unreachable_postgres_is_a_database_error_without_the_password() -> None:
    url = f"postgresql://app:{SECRET}@127.0.0.1:9/nowhere"
    with pytest.raises(DatabaseError, match="cannot connect to PostgreSQL") as caught:
        await connect(url, config=Settings(pool_timeout=3))
    assert SECRET not in str(caught.value)


async def test_debug_logs_name_duration_and_rows_never_values(
    migrated_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    db = await connect(migrated_url, config=Settings(debug=True))
    try:
        with caplog.at_level(logging.DEBUG, logger="pictallion_sql.query"):
            await crud.user.create(db, obj_in={"username": "logged", "password": SECRET})
            rows: list[Any] = await crud.user.get_multi(db)
    finally:
        await db.close()
    assert len(rows) == 1
    messages = [r.getMessage() for r in caplog.records if r.name == "pictallion_sql.query"]
    assert any(
        m.startswith("users.insert[username,password] ") and m.endswith(" 1 row(s)")
        for m in messages
    ), messages
    assert any(m.startswith("users.get_multi ") and " ms " in m for m in messages), messages
    assert all(SECRET not in m and "logged" not in m for m in messages)


async def test_debug_off_logs_nothing(migrated_url: str, caplog: pytest.LogCaptureFixture) -> None:
    db = await connect(migrated_url, config=Settings(debug=False))
    try:
        with caplog.at_level(logging.DEBUG, logger="pictallion_sql.query"):
            await crud.user.count(db)
    finally:
        await db.close()
    assert not [r for r in caplog.records if r.name == "pictallion_sql.query"]


async def test_debug_switched_on_at_run_time_through_the_global_settings(
    migrated_url: str, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pictallion_sql import config

    db = await connect(migrated_url)
    try:
        monkeypatch.setattr(config.settings, "debug", True)
        with caplog.at_level(logging.DEBUG, logger="pictallion_sql.query"):
            await crud.user.count(db)
    finally:
        await db.close()
    assert [r.getMessage().split(" ")[0] for r in caplog.records] == ["users.count"]


def test_every_setting_and_variable_is_in_the_documented_table() -> None:
    root = Path(__file__).resolve().parent.parent
    doc = (root / "docs" / "configuration.md").read_text(encoding="utf-8")
    rows = [line for line in doc.splitlines() if line.startswith("| `")]
    documented = {line.split("`")[1] for line in rows}
    assert documented == set(Settings.__struct_fields__)
    source = (root / "pictallion_sql" / "config.py").read_text(encoding="utf-8")
    variables = set(
        re.findall(r'"((?:PICTALLION_)?(?:DB|DATABASE)_[A-Z_]+|NODE_ENV|DEBUG)"', source)
    )
    assert len(variables) == 34, variables
    table = "\n".join(rows)
    assert {name for name in variables if f"`{name}`" not in table} == set()


def test_the_direct_url_behind_a_transaction_pooler_is_the_admin_url() -> None:
    pooled = "postgresql://app:s3cret@pgbouncer:6432/lib"
    direct = "postgresql://owner:t0psecret@db:5432/lib"
    env = {"DATABASE_URL": pooled, "DB_POOLER": "transaction", "DATABASE_ADMIN_URL": direct}
    settings = Settings.from_env(env)
    assert settings.admin_url == direct
    assert settings.direct_url("migrating") == direct
    assert "t0psecret" not in repr(settings) and "s3cret" not in repr(settings)
    # Without it, a clear refusal naming the variable, never the password.
    bare = Settings.from_env({"DATABASE_URL": pooled, "DB_POOLER": "transaction"})
    with pytest.raises(ConfigurationError, match="set DATABASE_ADMIN_URL") as refused:
        bare.direct_url("migrating")
    assert "s3cret" not in str(refused.value)
    assert str(refused.value).startswith("migrating cannot run through a transaction pooler")
    # Directly or behind a session pooler, DATABASE_URL itself.
    for pooler in ("session", None):
        assert (
            Settings(database_url=pooled, pooler=pooler, admin_url=direct).direct_url("migrating")
            == pooled
        )
    # The admin URL belongs to DATABASE_URL: another URL keeps none.
    assert settings.with_url(pooled).admin_url == direct
    assert settings.with_url("postgresql://elsewhere/lib").admin_url is None
