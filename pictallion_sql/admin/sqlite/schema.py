"""The schema of a SQLite database, read from ``sqlite_master``, its DDL and PRAGMAs."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator, Sequence
from typing import Any, NamedTuple

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
from pictallion_sql.config import Settings, mask_url
from pictallion_sql.errors import DatabaseError

__all__ = ["sqlite_snapshot"]


def sqlite_snapshot(settings: Settings) -> Schema:
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
            if not is_bookkeeping(name)
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
            type=squash(decltype or "").lower(),
            not_null=bool(notnull),
            default=None if default is None else squash(default),
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
        unique_constraints=tuple(sorted(uniques, key=constraint_key)),
        foreign_keys=tuple(sorted(foreign_keys, key=constraint_key)),
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
            expression = squash(text[tokens[i + 1].end : tokens[close].start])
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
            return squash(text[token.end :]).rstrip(";").strip() or None
    return None
