"""Every named query compiles against a freshly migrated database of each dialect, and its
result columns match the record it decodes into (names, order, count, types), so a typo in
a ``.sql`` file or a drifted struct fails here rather than in production.

Nullability is checked by the differential tests, which decode the fixed library (NULLs in
every nullable column) and validate each record with msgspec.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg
import msgspec
import pytest

from pictallion_sql.drivers.base import base_type, is_json_kind
from pictallion_sql.query.named import queries
from pictallion_sql.query.registry import Query
from tests import pgcluster

NAMES = sorted(queries)

# PostgreSQL result types each Python field type accepts.
PG_TYPES: dict[type, set[str]] = {
    int: {"int2", "int4", "int8"},
    float: {"float4", "float8", "numeric", "int4", "int8"},
    str: {"text", "varchar", "bpchar", "name"},
    bool: {"bool"},
    datetime: {"timestamp"},
}


KINDS: tuple[tuple[type[msgspec.inspect.Type], set[str]], ...] = (
    (msgspec.inspect.IntType, PG_TYPES[int]),
    (msgspec.inspect.FloatType, PG_TYPES[float]),
    (msgspec.inspect.StrType, PG_TYPES[str]),
    (msgspec.inspect.LiteralType, PG_TYPES[str]),
    (msgspec.inspect.BoolType, PG_TYPES[bool]),
    (msgspec.inspect.DateTimeType, PG_TYPES[datetime]),
)


def expected_pg_types(annotation: Any) -> set[str]:
    if is_json_kind(annotation):
        info = base_type(annotation)
        if isinstance(info, msgspec.inspect.ListType) and isinstance(
            info.item_type, msgspec.inspect.StrType
        ):
            return {"text[]", "varchar[]", "json", "jsonb"}
        return {"json", "jsonb"}
    info = msgspec.inspect.type_info(annotation)
    members = info.types if isinstance(info, msgspec.inspect.UnionType) else (info,)
    accepted: set[str] = set()
    for member in members:
        if isinstance(member, msgspec.inspect.NoneType):
            continue
        names = next((n for kind, n in KINDS if isinstance(member, kind)), None)
        assert names is not None, f"no PostgreSQL type known for {annotation!r}"
        accepted |= names
    return accepted


def record_fields(query: Query) -> list[tuple[str, Any]] | None:
    record = query.record
    if query.returns in ("one", "rows") and record is not None:
        assert isinstance(record, type) and issubclass(record, msgspec.Struct)
        return [(f.name, f.type) for f in msgspec.structs.fields(record)]
    return None


@pytest.fixture(scope="module")
def pg_url(pg_admin_url: str, pg_template: str) -> Iterator[str]:
    url = pgcluster.create_database(pg_admin_url, template=pg_template)
    yield url
    pgcluster.drop_database(pg_admin_url, url)


@pytest.fixture(scope="module")
async def pg_conn(pg_url: str) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(pg_url)
    yield conn
    await conn.close()


@pytest.fixture(scope="module")
def sqlite_conn(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[sqlite3.Connection]:
    path = tmp_path_factory.mktemp("queries") / "q.db"
    shutil.copyfile(sqlite_template, path)
    conn = sqlite3.connect(path)
    conn.create_function(
        "pictallion_lower", 1, lambda v: v.lower() if isinstance(v, str) else v, deterministic=True
    )
    yield conn
    conn.close()


@pytest.mark.parametrize("name", NAMES)
async def test_postgres_result_columns_match_the_record(
    pg_conn: asyncpg.Connection, name: str
) -> None:
    query = queries[name]
    statement = await pg_conn.prepare(query.postgres.text)
    columns = [(a.name, a.type.name) for a in statement.get_attributes()]
    fields = record_fields(query)
    if fields is not None:
        assert [c for c, _ in columns] == [f for f, _ in fields], query.source
        for (column, pg_type), (_, annotation) in zip(columns, fields, strict=True):
            assert pg_type in expected_pg_types(annotation), (
                f"{query.source}: column {column} is {pg_type}, record field is {annotation}"
            )
    elif query.returns == "scalar":
        assert len(columns) == 1, query.source
        if query.record is not None:
            assert columns[0][1] in expected_pg_types(query.record), query.source
    else:
        assert columns == [], f"{query.source}: 'returns: none' but the statement returns rows"


@pytest.mark.parametrize("name", NAMES)
def test_sqlite_compiles_and_selects_match_the_record(
    sqlite_conn: sqlite3.Connection, name: str
) -> None:
    query = queries[name]
    sql = query.sqlite.text.rstrip().rstrip(";")
    nulls = [None] * len(query.sqlite.arg_names)
    sqlite_conn.execute("EXPLAIN " + sql, nulls)  # compiles: tables, columns, functions exist
    if query.returns == "none" or not re.match(r"\s*(SELECT|WITH)\b", sql, re.IGNORECASE):
        return
    cursor = sqlite_conn.execute(f"SELECT * FROM ({sql}) LIMIT 0", nulls)
    columns = [d[0] for d in cursor.description]
    fields = record_fields(query)
    if fields is not None:
        assert columns == [f for f, _ in fields], query.source
    elif query.returns == "scalar":
        assert len(columns) == 1, query.source


def test_every_record_query_names_its_columns() -> None:
    star = re.compile(r"SELECT\s+(\w+\.)?\*", re.IGNORECASE)
    offenders = [
        n
        for n in NAMES
        if star.search(queries[n].postgres.text) or star.search(queries[n].sqlite.text)
    ]
    assert offenders == []
