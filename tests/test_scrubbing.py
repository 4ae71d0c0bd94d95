"""Passwords kept out of messages: one scrubber for the URL, its user-part password and its
``password=`` query parameter, as written and percent-decoded, at every place that reports
a driver's words."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import pytest

from pictallion_sql.admin.migrations import upgrade
from pictallion_sql.config import Settings, mask_secrets, mask_url
from pictallion_sql.database import connect
from pictallion_sql.errors import DatabaseError, MigrationError


def test_mask_url_masks_the_user_part_and_the_password_parameter() -> None:
    assert mask_url("postgresql://app:p%40ss@db:5432/lib?sslmode=require") == (
        "postgresql://app:***@db:5432/lib?sslmode=require"
    )
    assert mask_url("postgresql://app@db/lib?sslmode=require&password=p%40ss&x=1") == (
        "postgresql://app@db/lib?sslmode=require&password=***&x=1"
    )
    assert mask_url("postgresql://app@db/lib?passwords=kept") == (
        "postgresql://app@db/lib?passwords=kept"
    )
    assert mask_url("sqlite:///x.db") == "sqlite:///x.db"


def test_mask_secrets_masks_every_written_and_decoded_form() -> None:
    url = "postgresql://app:p%40ss@db/lib?password=q%2Bw+e"
    message = f"at {url}: p@ss, p%40ss, q+w e, q+w+e, q%2Bw+e; app@db kept"
    assert mask_secrets(message, url) == (
        "at postgresql://app:***@db/lib?password=***: ***, ***, ***, ***, ***; app@db kept"
    )
    assert mask_secrets("nothing secret", "sqlite:///x.db") == "nothing secret"
    assert mask_secrets("nothing secret", "") == "nothing secret"


def _missing_database(pg_admin_url: str, *, in_query: bool = False) -> tuple[str, str]:
    """A URL on the test server whose password is also the (missing) database's name, so
    that the server's own message quotes it decoded: (url, decoded password)."""
    secret = f"p@ss-{uuid.uuid4().hex[:8]}"
    written = secret.replace("@", "%40")
    server = pg_admin_url.rsplit("/", 1)[0]
    if in_query:
        return f"{server}/{written}?password={written}", secret
    user, _, host = server.partition("@")
    return f"{user}:{written}@{host}/{written}", secret


@pytest.mark.parametrize("in_query", [False, True], ids=["user-part", "query-parameter"])
async def test_connecting_masks_a_percent_encoded_password(
    pg_admin_url: str, in_query: bool
) -> None:
    url, _ = _missing_database(pg_admin_url, in_query=in_query)
    with pytest.raises(DatabaseError) as caught:
        await connect(url, config=Settings(pool_timeout=5))
    assert str(caught.value) == (
        f"cannot connect to PostgreSQL at {mask_url(url)}: "
        'InvalidCatalogNameError: database "***" does not exist'
    )


async def test_a_wrong_port_names_the_masked_url() -> None:
    url = "postgresql://app:p%40ss@127.0.0.1:9/lib"
    with pytest.raises(DatabaseError) as caught:
        await connect(url, config=Settings(pool_timeout=3))
    assert str(caught.value).startswith(
        "cannot connect to PostgreSQL at postgresql://app:***@127.0.0.1:9/lib: "
    )
    assert "p@ss" not in str(caught.value) and "p%40ss" not in str(caught.value)


def test_a_migration_error_masks_a_percent_encoded_password(pg_admin_url: str) -> None:
    url, secret = _missing_database(pg_admin_url)
    with pytest.raises(MigrationError) as caught:
        upgrade(url)
    message = str(caught.value)
    assert message.startswith(f"cannot connect to {mask_url(url)}: ")
    assert 'database "***" does not exist' in message
    # The database is named after the password: outside the masked URL, neither form shows.
    rest = message.replace(mask_url(url), "")
    assert secret not in rest and secret.replace("@", "%40") not in rest


def test_the_cli_error_line_masks_a_percent_encoded_password(pg_admin_url: str) -> None:
    url, secret = _missing_database(pg_admin_url)
    env = {k: v for k, v in os.environ.items() if k not in {"DB_TYPE", "PICTALLION_DEBUG"}}
    env["DATABASE_URL"] = url
    proc = subprocess.run(
        [sys.executable, "-m", "pictallion_sql", "status"],
        env=env,
        input="",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode != 0
    first = proc.stderr.splitlines()[0]
    assert first.startswith("pictallion-db: error: ")
    assert 'database "***" does not exist' in first
    rest = (proc.stderr + proc.stdout).replace(mask_url(url), "")
    assert secret not in rest and secret.replace("@", "%40") not in rest
