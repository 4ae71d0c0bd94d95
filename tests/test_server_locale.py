# ruff: noqa: RUF001, RUF002  (dotless and dotted I are the point of these tests)
"""Answers do not depend on the PostgreSQL database's locale.

A database created with the Turkish ICU locale lowercases ``I`` to a dotless ``ı`` and
sorts letters by Turkish rules. The library's orders (byte order) and its case-insensitive
matching (Unicode's full lowercase mapping, as ``str.lower``) must give the same answers
there as on SQLite and as written below.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import psycopg
import pytest

from pictallion_sql import connect, crud
from pictallion_sql.admin.migrations import apply_migrations
from pictallion_sql.database import Database
from tests import pgcluster

pytestmark = pytest.mark.pins

USERNAMES = ["ılık", "bob", "Élodie", "Zed", "Ivan", "admin", "İlkay"]
BYTE_ORDER = ["Ivan", "Zed", "admin", "bob", "Élodie", "İlkay", "ılık"]  # U+0130 < U+0131
PEOPLE = ["ISTANBUL", "İstanbul", "istanbul", "Istanbul", "ıstanbul"]


@pytest.fixture(scope="module")
def turkish_pg_url(pg_admin_url: str) -> Iterator[str]:
    """A migrated database whose default collation and case mapping are Turkish (ICU)."""
    name = f"pt_tr_{uuid.uuid4().hex[:12]}"
    url = pgcluster.database_url(pg_admin_url, name)
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(
            f"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' "
            "LOCALE 'C.UTF-8' LOCALE_PROVIDER icu ICU_LOCALE 'tr-TR'"
        )
    apply_migrations(url)
    with psycopg.connect(url) as conn:  # the premise: this database folds the Turkish way
        assert conn.execute("SELECT lower('I')").fetchone() == ("ı",)
    yield url
    pgcluster.drop_database(pg_admin_url, url)


@pytest.fixture(params=["sqlite", "postgres-turkish"])
async def db(
    request: pytest.FixtureRequest, tmp_path: Path, turkish_pg_url: str
) -> AsyncIterator[Database]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'locale.db'}"
        apply_migrations(url)
    else:
        url = turkish_pg_url
    database = await connect(url)
    try:
        yield database
    finally:
        await database.close()
        if request.param != "sqlite":
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute("DELETE FROM users; DELETE FROM people")


async def test_usernames_page_in_byte_order(db: Database) -> None:
    for name in USERNAMES:
        await crud.user.create(db, obj_in={"username": name, "password": "x"})
    assert [u.username for u in await crud.user.get_multi(db)] == BYTE_ORDER
    assert [u.username for u in await crud.user.get_multi(db, skip=2, limit=3)] == [
        "admin",
        "bob",
        "Élodie",
    ]
    async with crud.user.stream_all(db, batch_size=2) as rows:
        assert [u.username async for u in rows] == BYTE_ORDER


@pytest.mark.parametrize(
    ("needle", "expected"),
    [
        ("istanbul", ["ISTANBUL", "Istanbul", "istanbul"]),
        ("ISTANBUL", ["ISTANBUL", "Istanbul", "istanbul"]),
        ("ıstanbul", ["ıstanbul"]),
        ("İstanbul", ["İstanbul"]),
    ],
)
async def test_people_search_folds_the_same_whatever_the_locale(
    db: Database, needle: str, expected: list[str]
) -> None:
    for name in PEOPLE:
        await crud.person.create(db, obj_in={"name": name})
    found = await crud.person.search_by_name(db, name_query=needle, limit=10)
    assert sorted(p.name for p in found) == sorted(expected)
    assert sorted(expected) == sorted(n for n in PEOPLE if needle.lower() in n.lower())
