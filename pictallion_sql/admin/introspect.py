"""Snapshots of a live database's schema, and the differences between two snapshots.

``snapshot(url)`` reads tables, columns, keys, constraints and indexes from the system
catalogs (PostgreSQL) or the schema table and PRAGMAs (SQLite) into a ``Schema``, with
types and defaults normalised so that two snapshots of the same dialect compare
meaningfully. ``diff(expected, actual)`` lists every difference as one readable line.
yoyo's bookkeeping tables are left out.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, NamedTuple, TypeVar

import msgspec
import psycopg

from pictallion_sql.config import Dialect, Settings, mask_url
from pictallion_sql.errors import DatabaseError

__all__ = [
    "SQLITE_TYPES",
    "Check",
    "Column",
    "ForeignKey",
    "Index",
    "Schema",
    "Table",
    "UniqueConstraint",
    "diff",
    "postgres_snapshot_of",
    "snapshot",
]


# --- the snapshot ------------------------------------------------------------------


class Column(msgspec.Struct, frozen=True):
    """One column: ``type`` and ``default`` are normalised, ``ordinal`` counts from 1."""

    name: str
    ordinal: int
    type: str
    not_null: bool
    default: str | None
    primary_key: bool


class UniqueConstraint(msgspec.Struct, frozen=True):
    """A UNIQUE constraint (not a unique index created with CREATE UNIQUE INDEX)."""

    name: str | None
    columns: tuple[str, ...]


class ForeignKey(msgspec.Struct, frozen=True):
    """A foreign key; actions are lowercase (``no action``, ``cascade``, ...)."""

    name: str | None
    columns: tuple[str, ...]
    ref_table: str
    ref_columns: tuple[str, ...]
    on_delete: str
    on_update: str


class Index(msgspec.Struct, frozen=True):
    """An index that backs no constraint; columns read ``tag`` or ``usage_count DESC``."""

    name: str
    columns: tuple[str, ...]
    unique: bool
    where: str | None = None
    method: str = "btree"


class Check(msgspec.Struct, frozen=True):
    """A CHECK constraint, its expression with whitespace normalised."""

    name: str | None
    expression: str


class Table(msgspec.Struct, frozen=True):
    """A table; constraints and indexes are sorted by name."""

    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    unique_constraints: tuple[UniqueConstraint, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    indexes: tuple[Index, ...] = ()
    checks: tuple[Check, ...] = ()

    def column(self, name: str) -> Column | None:
        """The column called ``name``, or None."""
        for column in self.columns:
            if column.name == name:
                return column
        return None


class Schema(msgspec.Struct, frozen=True):
    """Every table of a database (yoyo's bookkeeping tables excluded), by name."""

    dialect: Dialect
    tables: dict[str, Table]


# SQLite declared type (lowercase) -> the PostgreSQL type it stands for; see the top
# of sql/schema/sqlite.sql for why these names.
SQLITE_TYPES: Mapping[str, str] = {
    "varchar": "varchar",
    "text": "text",
    "integer": "integer",
    "boolean": "boolean",
    "timestamp_text": "timestamp",
    "jsonb_text": "jsonb",
    "text_array": "text[]",
}


BOOKKEEPING_TABLES = ("pictallion_migration_checksums",)
"""The migration manager's own tables (besides yoyo's), left out of snapshots."""


def _is_bookkeeping(table: str) -> bool:
    """yoyo's own tables (_yoyo_migration, _yoyo_log, _yoyo_version, yoyo_lock, yoyo_tmp_*)
    and the migration manager's checksum table."""
    return table.startswith(("_yoyo", "yoyo_")) or table in BOOKKEEPING_TABLES


def _squash(text: str) -> str:
    return " ".join(text.split())


def snapshot(database_url: str) -> Schema:
    """Read the schema of the database at ``database_url``."""
    settings = Settings(database_url=database_url)
    if settings.dialect == "sqlite":
        return _sqlite_snapshot(settings)
    return _postgres_snapshot(settings)


# --- PostgreSQL ----------------------------------------------------------------------

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
    return match.group(1) if match else _squash(expression)


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
    text = _squash(definition)
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


def _postgres_snapshot(settings: Settings) -> Schema:
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
        if not _is_bookkeeping(name):
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
            where=None if predicate is None else _squash(str(predicate)),
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
        unique_constraints=tuple(sorted(uniques, key=_key)),
        foreign_keys=tuple(sorted(foreign_keys, key=_key)),
        indexes=tuple(sorted(indexes, key=lambda i: i.name)),
        checks=tuple(sorted(checks, key=lambda c: (c.name or "", c.expression))),
    )


# --- SQLite ----------------------------------------------------------------------------


def _sqlite_snapshot(settings: Settings) -> Schema:
    path = settings.sqlite_file()
    try:
        if path is None:
            conn = sqlite3.connect(":memory:")
        else:
            # read-only: looking must not create a missing file
            conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise DatabaseError(f"cannot open {mask_url(settings.database_url)}: {exc}") from None
    try:
        rows = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name"
        ).fetchall()
        tables = {
            name: _sqlite_table(conn, name, sql or "")
            for name, sql in rows
            if not _is_bookkeeping(name)
        }
    finally:
        conn.close()
    return Schema(dialect="sqlite", tables=tables)


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _primary_key(table_info: list[Any]) -> tuple[str, ...]:
    """Primary-key column names, in key order, from PRAGMA table_info rows."""
    return tuple(str(row[1]) for row in sorted((r for r in table_info if r[5]), key=lambda r: r[5]))


def _sqlite_table(conn: sqlite3.Connection, name: str, sql: str) -> Table:
    parsed = _parse_create_table(sql)
    quoted = _quote(name)
    info = conn.execute(f"PRAGMA table_info({quoted})").fetchall()
    primary_key = _primary_key(info)
    columns = tuple(
        Column(
            name=colname,
            ordinal=cid + 1,
            type=_squash(decltype or "").lower(),
            not_null=bool(notnull),
            default=None if default is None else _squash(default),
            primary_key=bool(pk),
        )
        for cid, colname, decltype, notnull, default, pk in info
    )

    grouped: dict[int, list[tuple[object, ...]]] = {}
    for row in conn.execute(f"PRAGMA foreign_key_list({quoted})").fetchall():
        grouped.setdefault(row[0], []).append(row)
    foreign_keys = []
    for rows in grouped.values():
        rows.sort(key=lambda r: int(str(r[1])))
        ref_table = str(rows[0][2])
        fk_columns = tuple(str(r[3]) for r in rows)
        ref_columns = tuple(str(r[4]) if r[4] is not None else "" for r in rows)
        if "" in ref_columns:  # REFERENCES parent without columns: the parent's primary key
            ref_info = conn.execute(f"PRAGMA table_info({_quote(ref_table)})").fetchall()
            ref_columns = tuple(
                r[1] for r in sorted((r for r in ref_info if r[5]), key=lambda r: r[5])
            )
        foreign_keys.append(
            ForeignKey(
                name=parsed.fk_names.get((fk_columns, ref_table.lower())),
                columns=fk_columns,
                ref_table=ref_table,
                ref_columns=ref_columns,
                on_delete=str(rows[0][6]).lower(),
                on_update=str(rows[0][5]).lower(),
            )
        )

    uniques = []
    indexes = []
    for _seq, index_name, unique, origin, partial in conn.execute(
        f"PRAGMA index_list({quoted})"
    ).fetchall():
        if origin == "pk":
            continue
        xinfo = conn.execute(f"PRAGMA index_xinfo({_quote(index_name)})").fetchall()
        keys = sorted((r for r in xinfo if r[5]), key=lambda r: r[0])
        if origin == "u":
            cols = tuple(str(r[2]) for r in keys)
            uniques.append(UniqueConstraint(name=parsed.unique_names.get(cols), columns=cols))
            continue
        index_sql = conn.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?", (index_name,)
        ).fetchone()
        indexes.append(
            Index(
                name=index_name,
                columns=tuple(
                    (str(r[2]) if r[2] is not None else "<expression>") + (" DESC" if r[3] else "")
                    for r in keys
                ),
                unique=bool(unique),
                where=_index_where(index_sql[0] if index_sql and index_sql[0] else "")
                if partial
                else None,
            )
        )
    return Table(
        name=name,
        columns=columns,
        primary_key=primary_key,
        unique_constraints=tuple(sorted(uniques, key=_key)),
        foreign_keys=tuple(sorted(foreign_keys, key=_key)),
        indexes=tuple(sorted(indexes, key=lambda i: i.name)),
        checks=tuple(sorted(parsed.checks, key=lambda c: (c.name or "", c.expression))),
    )


# A small tokenizer for SQLite's stored CREATE statements: SQLite keeps constraint
# names and CHECK expressions only in the statement text, not in any PRAGMA.

_TOKEN_RE = re.compile(
    r"""
      (?P<space>\s+)
    | (?P<comment>--[^\n]*|/\*.*?(?:\*/|\Z))
    | (?P<string>'(?:[^']|'')*')
    | (?P<quoted>"(?:[^"]|"")*"|`(?:[^`]|``)*`|\[[^\]]*\])
    | (?P<word>[A-Za-z0-9_$]+)
    | (?P<op>.)
    """,
    re.VERBOSE | re.DOTALL,
)


class _Token(NamedTuple):
    kind: str
    text: str
    start: int
    end: int

    @property
    def value(self) -> str:
        """Identifiers unquoted; keywords as written."""
        if self.kind == "quoted":
            inner = self.text[1:-1]
            return inner if self.text[0] == "[" else inner.replace(self.text[0] * 2, self.text[0])
        return self.text

    def is_word(self, *words: str) -> bool:
        return self.kind == "word" and self.text.upper() in words

    def is_op(self, char: str) -> bool:
        return self.kind == "op" and self.text == char


def _tokens(sql: str) -> tuple[str, list[_Token]]:
    """``sql`` with comments blanked out, and its significant tokens."""
    without_comments = _TOKEN_RE.sub(lambda m: " " if m.lastgroup == "comment" else m.group(0), sql)
    tokens = [
        _Token(str(m.lastgroup), m.group(0), m.start(), m.end())
        for m in _TOKEN_RE.finditer(without_comments)
        if m.lastgroup != "space"
    ]
    return without_comments, tokens


def _group_end(tokens: Sequence[_Token], open_at: int) -> int:
    """Index of the ")" closing the "(" at ``open_at``."""
    depth = 0
    for i in range(open_at, len(tokens)):
        if tokens[i].is_op("("):
            depth += 1
        elif tokens[i].is_op(")"):
            depth -= 1
            if depth == 0:
                return i
    return len(tokens) - 1


def _split_items(tokens: Sequence[_Token]) -> Iterator[list[_Token]]:
    """Split a parenthesised list's tokens at its top-level commas."""
    depth = 0
    item: list[_Token] = []
    for token in tokens:
        if token.is_op("("):
            depth += 1
        elif token.is_op(")"):
            depth -= 1
        if depth == 0 and token.is_op(","):
            yield item
            item = []
        else:
            item.append(token)
    if item:
        yield item


def _names_in(tokens: Sequence[_Token]) -> tuple[str, ...]:
    """Column names of a ``(a, b DESC, ...)`` list (its tokens without the parentheses)."""
    return tuple(item[0].value for item in _split_items(tokens) if item)


class _ParsedTable(NamedTuple):
    fk_names: dict[tuple[tuple[str, ...], str], str]
    unique_names: dict[tuple[str, ...], str]
    checks: list[Check]


_CONSTRAINT_WORDS = (
    "CONSTRAINT", "PRIMARY", "NOT", "NULL", "UNIQUE", "CHECK", "DEFAULT", "COLLATE",
    "REFERENCES", "FOREIGN", "GENERATED", "AS",
)  # fmt: skip


def _parse_create_table(sql: str) -> _ParsedTable:
    parsed = _ParsedTable({}, {}, [])
    text, tokens = _tokens(sql)
    start = next((i for i, t in enumerate(tokens) if t.is_op("(")), None)
    if start is None:  # CREATE TABLE ... AS SELECT: no constraints to name
        return parsed
    end = _group_end(tokens, start)
    for item in _split_items(tokens[start + 1 : end]):
        if not item:
            continue
        if item[0].is_word("CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"):
            _parse_constraints(item, None, text, parsed)
        else:
            _parse_constraints(item[1:], item[0].value, text, parsed)
    return parsed


def _parse_constraints(
    tokens: Sequence[_Token], column: str | None, text: str, parsed: _ParsedTable
) -> None:
    """Collect the named FKs, UNIQUEs and the CHECKs of one column or table constraint."""
    name: str | None = None
    fk_columns: tuple[str, ...] | None = None
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.is_op("("):  # a type's size, a DEFAULT expression, ...: skip it whole
            i = _group_end(tokens, i) + 1
            continue
        if not token.is_word(*_CONSTRAINT_WORDS):
            i += 1
            continue
        word = token.text.upper()
        if word == "CONSTRAINT" and i + 1 < len(tokens):
            name = tokens[i + 1].value
            i += 2
            continue
        if word == "UNIQUE":
            columns: tuple[str, ...] = (column,) if column else ()
            if i + 1 < len(tokens) and tokens[i + 1].is_op("("):
                close = _group_end(tokens, i + 1)
                columns = _names_in(tokens[i + 2 : close])
                i = close
            if name:
                parsed.unique_names[columns] = name
        elif word == "CHECK" and i + 1 < len(tokens) and tokens[i + 1].is_op("("):
            close = _group_end(tokens, i + 1)
            expression = _squash(text[tokens[i + 1].end : tokens[close].start])
            parsed.checks.append(Check(name=name, expression=expression))
            i = close
        elif word == "FOREIGN" and i + 2 < len(tokens) and tokens[i + 2].is_op("("):
            close = _group_end(tokens, i + 2)
            fk_columns = _names_in(tokens[i + 3 : close])
            i = close + 1
            continue  # the name stays pending for REFERENCES
        elif word == "REFERENCES" and i + 1 < len(tokens):
            ref_table = tokens[i + 1].value
            columns = fk_columns or ((column,) if column else ())
            if name:
                parsed.fk_names[(columns, ref_table.lower())] = name
            fk_columns = None
            i += 2
            if i < len(tokens) and tokens[i].is_op("("):
                i = _group_end(tokens, i) + 1
            name = None
            continue
        name = None
        i += 1


def _index_where(sql: str) -> str | None:
    """The WHERE clause of a partial index's CREATE INDEX statement."""
    text, tokens = _tokens(sql)
    depth = 0
    for token in tokens:
        if token.is_op("("):
            depth += 1
        elif token.is_op(")"):
            depth -= 1
        elif depth == 0 and token.is_word("WHERE"):
            return _squash(text[token.end :]).rstrip(";").strip() or None
    return None


# --- differences ---------------------------------------------------------------------

_T = TypeVar("_T")


def _key(item: UniqueConstraint | ForeignKey) -> str:
    """The name of a constraint, or a label for an unnamed one."""
    if item.name:
        return item.name
    kind = "foreign key" if isinstance(item, ForeignKey) else "unique"
    return f"<unnamed {kind} ({', '.join(item.columns)})>"


def _describe_column(column: Column) -> str:
    parts = [column.type]
    if column.primary_key:
        parts.append("primary key")
    if column.not_null:
        parts.append("not null")
    if column.default is not None:
        parts.append(f"default {column.default}")
    return " ".join(parts)


def _describe_fk(table: str, fk: ForeignKey) -> str:
    return (
        f"{table} ({', '.join(fk.columns)}) references {fk.ref_table} "
        f"({', '.join(fk.ref_columns)}) on delete {fk.on_delete} on update {fk.on_update}"
    )


def _describe_index(table: str, index: Index) -> str:
    text = f"{'unique ' if index.unique else ''}on {table} ({', '.join(index.columns)})"
    if index.method != "btree":
        text += f" using {index.method}"
    if index.where:
        text += f" where {index.where}"
    return text


def diff(expected: Schema, actual: Schema) -> list[str]:
    """Every difference between two snapshots, one line each; ``[]`` when they match."""
    lines: list[str] = []
    if expected.dialect != actual.dialect:
        lines.append(f"dialect: expected {expected.dialect}, found {actual.dialect}")
    lines += [f"missing table {t}" for t in expected.tables if t not in actual.tables]
    lines += [f"unexpected table {t}" for t in actual.tables if t not in expected.tables]
    for name, table in expected.tables.items():
        if name in actual.tables:
            lines += _diff_table(table, actual.tables[name])
    return lines


def _diff_table(expected: Table, actual: Table) -> list[str]:
    t = expected.name
    lines: list[str] = []
    found = {c.name: c for c in actual.columns}
    wanted = {c.name: c for c in expected.columns}
    lines += [f"missing column {t}.{c}" for c in wanted if c not in found]
    lines += [f"unexpected column {t}.{c}" for c in found if c not in wanted]
    for name, column in wanted.items():
        other = found.get(name)
        if other is not None and _describe_column(column) != _describe_column(other):
            lines.append(
                f"{t}.{name}: expected {_describe_column(column)}, found {_describe_column(other)}"
            )
    expected_order = [c for c in wanted if c in found]
    actual_order = [c for c in found if c in wanted]
    if expected_order != actual_order:
        lines.append(
            f"{t}: columns in a different order: expected {', '.join(expected_order)}; "
            f"found {', '.join(actual_order)}"
        )
    if expected.primary_key != actual.primary_key:
        lines.append(
            f"{t}: expected primary key ({', '.join(expected.primary_key)}), "
            f"found ({', '.join(actual.primary_key)})"
        )
    lines += _diff_named(
        "unique constraint",
        {_key(u): u for u in expected.unique_constraints},
        {_key(u): u for u in actual.unique_constraints},
        lambda u: f"on {t} ({', '.join(u.columns)})",
    )
    lines += _diff_named(
        "foreign key",
        {_key(f): f for f in expected.foreign_keys},
        {_key(f): f for f in actual.foreign_keys},
        lambda f: _describe_fk(t, f),
    )
    lines += _diff_named(
        "index",
        {i.name: i for i in expected.indexes},
        {i.name: i for i in actual.indexes},
        lambda i: _describe_index(t, i),
    )
    wanted_checks = set(expected.checks)
    found_checks = set(actual.checks)
    lines += [
        f"missing check constraint {_check_label(c)} on {t}: {c.expression}"
        for c in expected.checks
        if c not in found_checks
    ]
    lines += [
        f"unexpected check constraint {_check_label(c)} on {t}: {c.expression}"
        for c in actual.checks
        if c not in wanted_checks
    ]
    return lines


def _check_label(check: Check) -> str:
    return check.name or "(unnamed)"


def _diff_named(
    kind: str, wanted: Mapping[str, _T], found: Mapping[str, _T], describe: Callable[[_T], str]
) -> list[str]:
    lines = [f"missing {kind} {name}" for name in wanted if name not in found]
    lines += [f"unexpected {kind} {name}" for name in found if name not in wanted]
    for name, item in wanted.items():
        other = found.get(name)
        if other is not None and other != item:
            lines.append(f"{kind} {name}: expected {describe(item)}, found {describe(other)}")
    return lines
