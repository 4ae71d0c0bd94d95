"""A database schema as plain data, and the differences between two of them.

``diff(expected, actual)`` lists every difference as one readable line. The snapshots are
read per dialect (``admin/sqlite/schema.py``, ``admin/postgres/schema.py``), with types and
defaults normalised so that two snapshots of the same dialect compare meaningfully.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar

import msgspec

from pictallion_sql.config import Dialect

__all__ = [
    "BOOKKEEPING_TABLES",
    "SQLITE_TYPES",
    "Check",
    "Column",
    "ForeignKey",
    "Index",
    "Schema",
    "Table",
    "UniqueConstraint",
    "constraint_key",
    "diff",
    "is_bookkeeping",
    "squash",
]


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


def is_bookkeeping(table: str) -> bool:
    """yoyo's own tables (_yoyo_migration, _yoyo_log, _yoyo_version, yoyo_lock, yoyo_tmp_*)
    and the migration manager's checksum table."""
    return table.startswith(("_yoyo", "yoyo_")) or table in BOOKKEEPING_TABLES


def squash(text: str) -> str:
    return " ".join(text.split())


# --- differences ---------------------------------------------------------------------

_T = TypeVar("_T")


def constraint_key(item: UniqueConstraint | ForeignKey) -> str:
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
        {constraint_key(u): u for u in expected.unique_constraints},
        {constraint_key(u): u for u in actual.unique_constraints},
        lambda u: f"on {t} ({', '.join(u.columns)})",
    )
    lines += _diff_named(
        "foreign key",
        {constraint_key(f): f for f in expected.foreign_keys},
        {constraint_key(f): f for f in actual.foreign_keys},
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
