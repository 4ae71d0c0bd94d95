"""The schema of a PostgreSQL database, read from the system catalogs."""

from __future__ import annotations

import re
from typing import Any

import psycopg

from pictallion_sql.admin.schema import (
    Check,
    Column,
    ForeignKey,
    Index,
    Schema,
    Table,
    UniqueConstraint,
    constraint_key,
    is_bookkeeping,
    squash,
)
from pictallion_sql.config import Settings
from pictallion_sql.errors import DatabaseError

__all__ = ["postgres_snapshot", "postgres_snapshot_of"]


_PG_TABLES = """
SELECT c.oid, c.relname
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
ORDER BY c.relname
"""

_PG_COLUMNS = """
SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
       pg_get_expr(d.adbin, d.adrelid)
FROM pg_attribute a
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attrelid = %s AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum
"""

_PG_CONSTRAINTS = """
SELECT con.conname, con.contype,
       ARRAY(SELECT a.attname::text
             FROM unnest(con.conkey) WITH ORDINALITY AS k(num, pos)
             JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num
             ORDER BY k.pos),
       ref.relname,
       ARRAY(SELECT a.attname::text
             FROM unnest(con.confkey) WITH ORDINALITY AS k(num, pos)
             JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num
             ORDER BY k.pos),
       con.confdeltype, con.confupdtype, pg_get_constraintdef(con.oid)
FROM pg_constraint con
LEFT JOIN pg_class ref ON ref.oid = con.confrelid
WHERE con.conrelid = %s
ORDER BY con.conname
"""

# Indexes that back a primary key, unique or exclusion constraint belong to the
# constraint and are not listed separately.
_PG_INDEXES = """
SELECT ic.relname, i.indisunique,
       ARRAY(SELECT pg_get_indexdef(i.indexrelid, k, true)
             FROM generate_series(1, i.indnkeyatts) AS k ORDER BY k),
       i.indoption::int2[], pg_get_expr(i.indpred, i.indrelid), am.amname
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_am am ON am.oid = ic.relam
WHERE i.indrelid = %s
  AND NOT EXISTS (SELECT 1 FROM pg_constraint con
                  WHERE con.conindid = i.indexrelid AND con.conrelid = i.indrelid
                    AND con.contype IN ('p', 'u', 'x'))
ORDER BY ic.relname
"""

_PG_ACTIONS = {
    "a": "no action",
    "r": "restrict",
    "c": "cascade",
    "n": "set null",
    "d": "set default",
}

_PG_TYPE_NAMES = [
    (re.compile(r"^character varying\b"), "varchar"),
    (re.compile(r"^character\b"), "char"),
    (re.compile(r"^timestamp(\(\d+\))? without time zone$"), r"timestamp\1"),
    (re.compile(r"^timestamp(\(\d+\))? with time zone$"), r"timestamptz\1"),
    (re.compile(r"^time(\(\d+\))? without time zone$"), r"time\1"),
    (re.compile(r"^time(\(\d+\))? with time zone$"), r"timetz\1"),
]

# 'processed'::text, '{}'::text[], 'x'::character varying -> the bare literal
_PG_CAST_LITERAL = re.compile(
    r"^('(?:[^']|'')*')::[a-z][a-z0-9_ ]*(?:\(\d+(?:,\s*\d+)?\))?(?:\[\])*$"
)


def _pg_type(formatted: str) -> str:
    """``format_type`` output in its short spelling (``varchar``, ``timestamp``, ``text[]``)."""
    base = formatted
    dims = ""
    while base.endswith("[]"):
        base, dims = base[:-2], dims + "[]"
    if base == "ARRAY":  # information_schema spelling; format_type never says this
        base = "text"
    for pattern, replacement in _PG_TYPE_NAMES:
        if pattern.search(base):
            base = pattern.sub(replacement, base)
            break
    return base + dims


def _pg_default(expression: str | None) -> str | None:
    """A column default without the cast PostgreSQL adds to literals."""
    if expression is None:
        return None
    match = _PG_CAST_LITERAL.match(expression)
    return match.group(1) if match else squash(expression)


def _pg_index_column(definition: str, option: int) -> str:
    desc = bool(option & 1)
    nulls_first = bool(option & 2)
    text = definition + (" DESC" if desc else "")
    if desc and not nulls_first:
        text += " NULLS LAST"
    elif not desc and nulls_first:
        text += " NULLS FIRST"
    return text


def _pg_check(definition: str) -> str:
    text = squash(definition)
    if text.upper().startswith("CHECK "):
        text = text[6:].strip()
    while text.startswith("(") and text.endswith(")") and _wraps(text):
        text = text[1:-1].strip()
    return text


def _wraps(text: str) -> bool:
    """True if the first "(" of ``text`` closes at its last character."""
    depth = 0
    for i, char in enumerate(text):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return i == len(text) - 1
    return False


def postgres_snapshot(settings: Settings) -> Schema:
    try:
        conn = psycopg.connect(settings.postgres_dsn, autocommit=True)
    except psycopg.Error as exc:
        raise DatabaseError(
            f"cannot connect to {settings.masked_url}: {type(exc).__name__}"
        ) from None
    with conn:
        return postgres_snapshot_of(conn)


def postgres_snapshot_of(conn: psycopg.Connection[tuple[Any, ...]]) -> Schema:
    """The schema of ``conn``'s current schema, read on that connection.

    Works inside an open transaction, so it sees objects the transaction created
    (a scratch schema in ``pg_temp``, a restore not yet committed).
    """
    tables: dict[str, Table] = {}
    for oid, name in conn.execute(_PG_TABLES).fetchall():
        if not is_bookkeeping(name):
            tables[name] = _pg_table(conn, oid, name)
    return Schema(dialect="postgres", tables=tables)


def _pg_table(conn: psycopg.Connection[tuple[Any, ...]], oid: object, name: str) -> Table:
    primary_key: tuple[str, ...] = ()
    uniques: list[UniqueConstraint] = []
    foreign_keys: list[ForeignKey] = []
    checks: list[Check] = []
    for (
        conname,
        contype,
        cols,
        ref_table,
        ref_cols,
        on_delete,
        on_update,
        definition,
    ) in conn.execute(_PG_CONSTRAINTS, (oid,)).fetchall():
        columns = tuple(str(c) for c in cols)
        if contype == "p":
            primary_key = columns
        elif contype == "u":
            uniques.append(UniqueConstraint(name=str(conname), columns=columns))
        elif contype == "f":
            foreign_keys.append(
                ForeignKey(
                    name=str(conname),
                    columns=columns,
                    ref_table=str(ref_table),
                    ref_columns=tuple(str(c) for c in ref_cols),
                    on_delete=_PG_ACTIONS.get(str(on_delete), str(on_delete)),
                    on_update=_PG_ACTIONS.get(str(on_update), str(on_update)),
                )
            )
        elif contype == "c":
            checks.append(Check(name=str(conname), expression=_pg_check(str(definition))))

    columns_out = tuple(
        Column(
            name=str(colname),
            ordinal=position,
            type=_pg_type(str(formatted)),
            not_null=bool(not_null),
            default=_pg_default(None if default is None else str(default)),
            primary_key=str(colname) in primary_key,
        )
        for position, (colname, formatted, not_null, default) in enumerate(
            conn.execute(_PG_COLUMNS, (oid,)).fetchall(), start=1
        )
    )

    indexes = [
        Index(
            name=str(index_name),
            columns=tuple(
                _pg_index_column(str(d), int(o)) for d, o in zip(defs, options, strict=False)
            ),
            unique=bool(unique),
            where=None if predicate is None else squash(str(predicate)),
            method=str(method),
        )
        for index_name, unique, defs, options, predicate, method in conn.execute(
            _PG_INDEXES, (oid,)
        ).fetchall()
    ]
    return Table(
        name=name,
        columns=columns_out,
        primary_key=primary_key,
        unique_constraints=tuple(sorted(uniques, key=constraint_key)),
        foreign_keys=tuple(sorted(foreign_keys, key=constraint_key)),
        indexes=tuple(sorted(indexes, key=lambda i: i.name)),
        checks=tuple(sorted(checks, key=lambda c: (c.name or "", c.expression))),
    )
