"""SQLite's errors: sqlite3 exceptions turned into the library's, naming table and column."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from typing import Any

import aiosqlite
import msgspec

from pictallion_sql.config import Settings
from pictallion_sql.errors import (
    DatabaseError,
    DuplicateKeyError,
    ForeignKeyError,
    PermissionDeniedError,
    PictallionError,
    ReadOnlyError,
    ValidationError,
)
from pictallion_sql.query.registry import Query

__all__ = ["SqliteErrors"]

_UNIQUE = re.compile(r"UNIQUE constraint failed: (?P<cols>.+)$")
_NOT_NULL = re.compile(r"NOT NULL constraint failed: (?P<table>\w+)\.(?P<col>\w+)")
_TARGET = re.compile(
    r"^\s*(?:(?P<insert>INSERT(?:\s+OR\s+\w+)?\s+INTO)|(?P<update>UPDATE)|(?P<delete>DELETE\s+FROM))"
    r"\s+\"?(?P<table>\w+)\"?",
    re.IGNORECASE,
)
_WHERE = re.compile(r"\bWHERE\b(?P<where>.*?)(?:\bRETURNING\b.*)?$", re.IGNORECASE | re.DOTALL)
_COLUMNS = re.compile(r"^\s*INSERT[^(]*\((?P<cols>[^)]*)\)", re.IGNORECASE)


class SqliteErrors:
    """The translation of one database's sqlite3 exceptions; it learns the foreign keys once."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._foreign_keys: dict[str, list[tuple[str, str, str]]] | None = None

    async def translate(
        self,
        exc: BaseException,
        query: Query | None,
        conn: aiosqlite.Connection | None,
        args: Sequence[Any] | Sequence[Sequence[Any]] = (),
    ) -> PictallionError:
        """Turn a sqlite3 exception into the library's own, naming table and column.

        The message is for the application's users; the query's name goes to ``query``.
        """
        error = await self._translate(exc, query, conn, args)
        if query is not None:
            error.query = query.name
        return error

    async def _translate(
        self,
        exc: BaseException,
        query: Query | None,
        conn: aiosqlite.Connection | None,
        args: Sequence[Any] | Sequence[Sequence[Any]],
    ) -> PictallionError:
        message = str(exc)
        if isinstance(exc, sqlite3.IntegrityError):
            unique = _UNIQUE.search(message)
            if unique:
                pairs = [c.strip().split(".", 1) for c in unique.group("cols").split(",")]
                table = pairs[0][0]
                column = ", ".join(p[1] for p in pairs)
                constraint = f"{table}_pkey" if column == "id" else f"{table}_{column}_unique"
                return DuplicateKeyError(
                    f"duplicate key: {table}.{column} already exists",
                    table=table,
                    column=column,
                    constraint=constraint,
                )
            not_null = _NOT_NULL.search(message)
            if not_null:
                field = f"{not_null.group('table')}.{not_null.group('col')}"
                return ValidationError(f"{field} must not be null", field=not_null.group("col"))
            if "FOREIGN KEY" in message and query is not None and conn is not None:
                return await self._diagnose_foreign_key(query, conn, args)
            if message.startswith("CHECK constraint failed"):
                return ValidationError(f"{message}")
        if isinstance(exc, OverflowError) or message == "integer overflow":
            # A value too large for 64 bits, bound or computed: a bad value, as
            # PostgreSQL's "out of range" errors are.
            return ValidationError("invalid value: integer out of range")
        code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
        if code == sqlite3.SQLITE_READONLY:
            return ReadOnlyError(f"the database is read-only (SQLite: {message})")
        if code in (sqlite3.SQLITE_PERM, sqlite3.SQLITE_AUTH, sqlite3.SQLITE_CANTOPEN):
            return PermissionDeniedError(
                f"permission denied: cannot write SQLite database {self.settings.sqlite_path} "
                f"or its folder ({message})",
                privilege="write",
            )
        if isinstance(exc, sqlite3.OperationalError) and "locked" in message:
            return DatabaseError(
                f"database is locked: another connection kept the write lock longer than "
                f"the busy timeout ({self.settings.busy_timeout_ms} ms)"
            )
        return DatabaseError(f"{type(exc).__name__}: {message}")

    async def _foreign_key_map(
        self, conn: aiosqlite.Connection
    ) -> dict[str, list[tuple[str, str, str]]]:
        if self._foreign_keys is None:
            fks: dict[str, list[tuple[str, str, str]]] = {}
            tables = await conn.execute_fetchall(
                "SELECT name FROM sqlite_master WHERE type = 'table'"
            )
            for (table,) in tables:
                # Declaration order (the pragma lists the last declared first), the order
                # PostgreSQL checks them in, so both name the same one when several break.
                listed = await conn.execute_fetchall(f'PRAGMA foreign_key_list("{table}")')
                for row in sorted(listed, key=lambda fk: -fk[0]):
                    fks.setdefault(table, []).append((row[3], row[2], row[4]))
            self._foreign_keys = fks
        return self._foreign_keys

    async def _diagnose_foreign_key(
        self,
        query: Query,
        conn: aiosqlite.Connection,
        args: Sequence[Any] | Sequence[Sequence[Any]],
    ) -> ForeignKeyError:
        # SQLite reports only "FOREIGN KEY constraint failed"; find which reference
        # broke so the error names the same table and column as on PostgreSQL.
        fks = await self._foreign_key_map(conn)
        sql = query.sqlite.text
        target = _TARGET.search(sql)
        table = target.group("table") if target else None
        rows: list[Sequence[Any]] = (
            list(args) if args and isinstance(args[0], list | tuple) else [args]
        )
        if target is not None and table is not None and not target.group("delete"):
            names = list(query.sqlite.arg_names)
            # Row by row, each row's references in declaration order: the order in which
            # PostgreSQL's checks run, so both name the same broken reference.
            for row in rows:
                for column, parent, ref in fks.get(table, []):
                    values = dict(zip(names, row, strict=False))
                    wanted = [values.get(column)]
                    if wanted == [None] and isinstance(values.get(f"{column}s"), str):
                        # A list of them sent as one JSON array (INSERT ... FROM json_each).
                        wanted = msgspec.json.decode(values[f"{column}s"])
                    for value in wanted:
                        if value is None:
                            continue
                        found = await conn.execute_fetchall(
                            f'SELECT 1 FROM "{parent}" WHERE "{ref}" = ? LIMIT 1', [value]
                        )
                        if not list(found):
                            return _missing_parent(table, column, parent, ref)
        if target is not None and table is not None and target.group("delete"):
            clause = _WHERE.search(sql[target.end() :])
            # Referencing tables by name, as PostgreSQL fires the checks of the schema's
            # constraints (created in that order).
            for child, references in sorted(fks.items()):
                for column, parent, ref in references:
                    if parent != table:
                        continue
                    condition = clause.group("where") if clause else "1"
                    for row in rows:
                        found = await conn.execute_fetchall(
                            f'SELECT 1 FROM "{child}" WHERE "{column}" IN '
                            f'(SELECT "{ref}" FROM "{table}" WHERE {condition}) LIMIT 1',
                            list(row),
                        )
                        if list(found):
                            return ForeignKeyError(
                                f"foreign key violation: {parent} row is still referenced by "
                                f"{child}.{column}",
                                table=child,
                                column=column,
                                referenced_table=parent,
                                constraint=f"{child}_{column}_{parent}_{ref}_fk",
                            )
        return ForeignKeyError(f"foreign key violation on {table or '?'}", table=table)


def _missing_parent(table: str, column: str, parent: str, ref: str) -> ForeignKeyError:
    return ForeignKeyError(
        f"foreign key violation: {table}.{column} refers to a {parent} row that does not exist",
        table=table,
        column=column,
        referenced_table=parent,
        constraint=f"{table}_{column}_{parent}_{ref}_fk",
    )
