"""Inserts and partial updates, whose column lists depend on which fields a caller gave.

Each distinct column set is built once with pypika and compiled into a Query; later calls
with the same fields reuse it, so the hot path does no SQL string work. pypika is imported
by the builders, on the first insert or update, so importing the library stays cheap.
"""

from __future__ import annotations

from functools import cache
from typing import Any, Protocol, TypeVar

import msgspec

from pictallion_sql.query.registry import Query, make_query

__all__ = ["insert_query", "returning_columns", "sql_condition", "update_query"]

RecordT = TypeVar("RecordT", bound=msgspec.Struct)


class InsertBuilder(Protocol):
    """The type of :func:`insert_query`: the new row comes back as ``record``."""

    def __call__(
        self, table: str, record: type[RecordT], columns: tuple[str, ...], /
    ) -> Query[RecordT]: ...


class UpdateBuilder(Protocol):
    """The type of :func:`update_query`: the updated row, or None when ``id`` matched none."""

    def __call__(
        self, table: str, record: type[RecordT], columns: tuple[str, ...], /
    ) -> Query[RecordT | None]: ...


@cache
def _condition_type() -> type:
    """The pypika condition class for fixed SQL (defined on first use: pypika loads lazily)."""
    from pypika import Criterion

    class SqlCondition(Criterion):
        """Fixed SQL text in parentheses: identifiers and ``:name`` placeholders, never values."""

        def __init__(self, sql: str) -> None:
            super().__init__()
            self.sql = sql

        def get_sql(self, **kwargs: Any) -> str:
            # Parenthesised so that an OR inside never binds with the AND around it.
            return f"({self.sql})"

    return SqlCondition


def sql_condition(sql: str) -> Any:
    """A pypika condition holding the fixed SQL ``sql``, for ``Criterion.all`` / ``any``."""
    return _condition_type()(sql)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@cache
def returning_columns(record: type[msgspec.Struct]) -> str:
    """The quoted column list of ``record``, in field order."""
    return ", ".join(_quote(f) for f in record.__struct_fields__)


def _insert_query(table: str, record: type[msgspec.Struct], columns: tuple[str, ...]) -> Query:
    """``INSERT INTO table (columns) VALUES (:columns) RETURNING <record's columns>``."""
    from pypika import Parameter, Table
    from pypika import Query as Builder

    target = Table(table)
    if columns:
        builder = (
            Builder.into(target).columns(*columns).insert(*(Parameter(f":{c}") for c in columns))
        )
        sql = builder.get_sql(quote_char='"')
    else:
        sql = f"INSERT INTO {_quote(table)} DEFAULT VALUES"
    sql += f" RETURNING {returning_columns(record)}"
    return make_query(f"{table}.insert[{','.join(columns)}]", "one", record, sql)


def _update_query(table: str, record: type[msgspec.Struct], columns: tuple[str, ...]) -> Query:
    """``UPDATE table SET c = :c, ... WHERE id = :id RETURNING <record's columns>``."""
    from pypika import Parameter, Table
    from pypika import Query as Builder

    target = Table(table)
    builder = Builder.update(target)
    for column in columns:
        builder = builder.set(target.field(column), Parameter(f":{column}"))
    builder = builder.where(target.id == Parameter(":id"))
    sql = builder.get_sql(quote_char='"') + f" RETURNING {returning_columns(record)}"
    return make_query(f"{table}.update[{','.join(columns)}]", "one", record, sql)


# Cached per column set; typed through the protocols, as ``cache`` keeps no signature.
insert_query: InsertBuilder = cache(_insert_query)
update_query: UpdateBuilder = cache(_update_query)
