"""The SQL a call runs, for review: named queries, and the statements built at run time.

Inserts, partial updates, searches and smart-collection rules are built per *shape* (which
columns, filters or rule kinds are present), so their SQL is in no file. This module builds
exactly the statement the library would send for a shape, without a database, and runs
``EXPLAIN`` on it against one (``pictallion-db sql`` and ``pictallion-db explain``):

* :func:`named` — a query of ``sql/queries/`` by name;
* :func:`search` — ``crud.file_version.search`` for filters and a sort;
* :func:`smart_rules` — the SELECT and the INSERT ... SELECT of a smart collection's rules;
* :func:`insert` / :func:`update` — ``create`` / ``update`` of a table for a column set.

Each returns :class:`Selection` objects: the compiled :class:`Query` and the values known
for its parameters (those of the search filters or rules; the rest are NULL when explained).
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

import msgspec

from pictallion_sql import config
from pictallion_sql.admin.backends import admin_backend
from pictallion_sql.config import Dialect
from pictallion_sql.drivers.base import Database
from pictallion_sql.errors import ValidationError
from pictallion_sql.query.registry import CompiledSQL, Query

__all__ = [
    "PlanStep",
    "Selection",
    "explain",
    "insert",
    "named",
    "render",
    "render_plan",
    "search",
    "smart_rules",
    "statement_verb",
    "to_json",
    "update",
]

_PLACEHOLDER: dict[str, str] = {"postgres": "${n}", "sqlite": "?"}


class Selection(msgspec.Struct, frozen=True):
    """One statement to show or explain: the query and the parameter values known for it."""

    query: Query[Any]
    values: dict[str, Any] = {}

    def compiled(self, dialect: Dialect) -> CompiledSQL:
        """The statement as sent to the driver of ``dialect``."""
        return self.query.sql_for(dialect)


class PlanStep(msgspec.Struct, frozen=True):
    """One row of SQLite's ``EXPLAIN QUERY PLAN`` (its columns, in order)."""

    id: int
    parent: int
    notused: int
    detail: str


# --- building ----------------------------------------------------------------------------


def named(name: str) -> Selection:
    """The query ``name`` (``ValidationError`` naming close names if there is none)."""
    from pictallion_sql.query.named import queries

    if name not in queries:
        close = difflib.get_close_matches(name, list(queries), n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise ValidationError(f"no query named {name!r}{hint}", field="name")
    return Selection(queries[name])


def search(
    filters: Mapping[str, Any] | None,
    sort: Mapping[str, Any] | None = None,
    *,
    limit: int = 50,
    skip: int = 0,
    exact_total: bool = False,
) -> Selection:
    """The statement ``crud.file_version.search(db, filters=..., sort=..., ...)`` runs for
    a first page: counting up to the ``search_count_limit`` setting, or every match."""
    from pictallion_sql.catalog.search import EVERY_MATCH, check_rows, count_limit, plan_search

    plan = plan_search(filters, sort)
    check_rows("limit", limit)
    check_rows("skip", skip)
    # The statement names the rows skipped ``offset``, after its OFFSET clause.
    page = {"limit": limit, "offset": skip}
    counted = count_limit(config.settings.search_count_limit, exact_total)
    if counted == EVERY_MATCH or plan.capped_query is None:
        return Selection(plan.query, {**plan.params, **page})
    return Selection(plan.capped_query, {**plan.params, "count_limit": counted, **page})


def smart_rules(rules: Any) -> list[Selection]:
    """The SELECT of the photos ``rules`` match, and the INSERT ... SELECT of a refresh.

    The refresh also takes ``collection_id`` and ``added_at``, given when it runs.
    """
    from pictallion_sql.catalog.smart_rules import compile_smart_rules

    compiled = compile_smart_rules(rules)
    return [
        Selection(compiled.select, compiled.params),
        Selection(compiled.refresh, compiled.params),
    ]


def insert(table: str, columns: Sequence[str]) -> Selection:
    """The INSERT ``crud.<table>.create`` runs when ``columns`` are the fields given."""
    from pictallion_sql.query.dynamic import insert_query

    repository = _repository(table)
    ordered = _ordered_columns(repository.insert_type, columns, table)
    return Selection(insert_query(repository.table, repository.row, ordered))


def update(table: str, columns: Sequence[str]) -> Selection:
    """The UPDATE ``crud.<table>.update`` runs when ``columns`` are the fields given.

    As the repository does, ``updated_at`` is set as well on tables that have it.
    """
    from pictallion_sql.query.dynamic import update_query

    repository = _repository(table)
    if not columns:
        raise ValidationError(f"{table}: an update must set at least one column", field="columns")
    ordered = _ordered_columns(repository.update_type, columns, table)
    if "updated_at" in repository.row.__struct_fields__ and "updated_at" not in ordered:
        ordered = (*ordered, "updated_at")
    return Selection(update_query(repository.table, repository.row, ordered))


def _repository(table: str) -> Any:
    """The repository of ``table`` among ``crud``'s (``ValidationError`` listing the tables)."""
    from pictallion_sql import crud
    from pictallion_sql.catalog.base import Repository

    repositories = {
        r.table: r for r in (getattr(crud, n) for n in crud.__all__) if isinstance(r, Repository)
    }
    if table not in repositories:
        raise ValidationError(
            f"no table {table!r}; the tables are {', '.join(sorted(repositories))}",
            field="table",
        )
    return repositories[table]


def _ordered_columns(
    kind: type[msgspec.Struct], columns: Sequence[str], table: str
) -> tuple[str, ...]:
    """``columns`` in the order the repository sends them: its input struct's field order."""
    fields = kind.__struct_fields__
    unknown = [c for c in columns if c not in fields]
    if unknown:
        raise ValidationError(
            f"{table} ({kind.__name__}) has no field {', '.join(map(repr, unknown))}; "
            f"its fields are {', '.join(fields)}",
            field="columns",
        )
    wanted = set(columns)
    return tuple(f for f in fields if f in wanted)


# --- showing -----------------------------------------------------------------------------


def _placeholder(dialect: Dialect, position: int) -> str:
    return _PLACEHOLDER[dialect].format(n=position)


def _returns(query: Query[Any]) -> str:
    record = getattr(query.record, "__name__", None)
    return f"{query.returns} {record}" if record and query.returns != "none" else query.returns


def render(selection: Selection, dialect: Dialect, *, reindent: bool = False) -> str:
    """The statement as text a DBA can read: a comment header, then the SQL as sent.

    ``reindent`` lays the SQL out on several lines (sqlparse, which yoyo already brings):
    whitespace changes only, for statements built on one line.
    """
    query = selection.query
    compiled = selection.compiled(dialect)
    lines = [f"-- {query.name} ({dialect}; returns {_returns(query)}; from {query.source})"]
    for position, name in enumerate(compiled.arg_names, start=1):
        value = f" = {_shown(selection.values[name])}" if name in selection.values else ""
        lines.append(f"-- {_placeholder(dialect, position)}: {name}{value}")
    text = compiled.text.strip()
    if reindent:
        import sqlparse

        text = sqlparse.format(text, reindent=True, indent_width=2).strip()
    lines.append(text if text.endswith(";") else text + ";")
    return "\n".join(lines)


def to_json(selection: Selection, dialect: Dialect) -> dict[str, Any]:
    """The statement as plain data (``--json``)."""
    query = selection.query
    compiled = selection.compiled(dialect)
    return {
        "name": query.name,
        "dialect": dialect,
        "returns": _returns(query),
        "source": query.source,
        "sql": compiled.text.strip(),
        "parameters": [
            {
                "placeholder": _placeholder(dialect, position),
                "name": name,
                **({"value": _plain(selection.values[name])} if name in selection.values else {}),
            }
            for position, name in enumerate(compiled.arg_names, start=1)
        ],
    }


def _plain(value: Any) -> Any:
    return msgspec.to_builtins(value)


def _shown(value: Any) -> str:
    return json.dumps(_plain(value), ensure_ascii=False)


# --- explaining --------------------------------------------------------------------------


_EXPLAINABLE = frozenset({"SELECT", "INSERT", "UPDATE", "DELETE", "WITH", "VALUES"})
_LEADING_COMMENTS = re.compile(r"\A(?:\s+|--[^\n]*|/\*.*?\*/)*", re.DOTALL)


def statement_verb(query: Query[Any]) -> str:
    """The first keyword of ``query`` (SELECT, INSERT, VACUUM ...), upper case."""
    text = _LEADING_COMMENTS.sub("", query.postgres.text)
    return (text.split(None, 1) or [""])[0].strip("(;").upper()


def _explain_query(query: Query[Any], dialect: Dialect) -> Query[Any]:
    """``query`` behind ``EXPLAIN``: PostgreSQL's JSON plan (one value), SQLite's plan rows."""
    prefix, returns, record = admin_backend(dialect).explain_form()
    return Query(
        name=f"explain:{query.name}",
        returns=returns,
        record=record,
        params=query.params,
        postgres=CompiledSQL(prefix + query.postgres.text, query.postgres.arg_names),
        sqlite=CompiledSQL(prefix + query.sqlite.text, query.sqlite.arg_names),
        source=query.source,
    )


async def explain(
    database: str | Database, selection: Selection, values: Mapping[str, Any] = {}
) -> Any:
    """Run ``EXPLAIN`` (without ANALYZE: nothing is executed) on ``database``.

    ``database`` is a URL (opened and closed here) or an open :class:`Database`. Parameters
    take ``values``, then the selection's own values, else NULL. Returns the PostgreSQL plan
    as its JSON document, or SQLite's plan as a list of :class:`PlanStep`.
    """
    from pictallion_sql.database import connect

    verb = statement_verb(selection.query)
    if verb not in _EXPLAINABLE:
        raise ValidationError(
            f"query {selection.query.name!r} runs {verb}, which EXPLAIN does not take "
            f"(it takes {', '.join(sorted(_EXPLAINABLE))})",
            field="name",
        )
    unknown = sorted(set(values) - selection.query.params)
    if unknown:
        raise ValidationError(
            f"query {selection.query.name!r} takes no parameter {', '.join(unknown)}; "
            f"it takes {', '.join(sorted(selection.query.params)) or 'none'}",
            field="params",
        )
    params = {name: None for name in selection.query.params}
    params.update(selection.values)
    params.update(values)
    db = await connect(database) if isinstance(database, str) else database
    try:
        plan = await db.run(_explain_query(selection.query, db.dialect), **params)
    finally:
        if db is not database:
            await db.close()
    return admin_backend(db.dialect).read_plan(plan)


def render_plan(plan: Any, dialect: Dialect) -> str:
    """A plan as an indented tree (PostgreSQL's nodes with their conditions; SQLite's steps)."""
    return admin_backend(dialect).render_plan(plan)
