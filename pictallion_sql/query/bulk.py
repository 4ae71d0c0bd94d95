"""Reading back the rows a bulk insert wrote, without decoding the values it sent.

After a bulk insert the rows are read back by id, because columns left out take
defaults only the database knows (``created_at``, ``rating``...). Decoding every
column again costs more than the insert itself for rows with a JSON document, so a
column is "echoed" instead, selected as NULL and filled with the value that was sent,
when the stored value is known to read back equal to it:

- text, integers, booleans, naive UTC timestamps and text arrays are stored exactly on
  both dialects (inputs are validated first, so their types are right);
- a JSON list of floats stores each float's shortest repr, which parses back to the same
  float, when every element is a finite float (an int would come back as a float);
- a JSON document is stored as the JSON tree it is, and validation refused non-finite
  numbers, so it decodes back to an equal document. The record holds the document that
  was validated: a fresh top-level object for a mapping input (nested values shared with
  the input), the caller's own for an insert struct passed in.

Float columns and free-form JSON (``Any``, ``dict``) are never echoed: the database may
store them in another form than the one sent. (One nuance: PostgreSQL's jsonb keeps no
negative zero, so an echoed ``-0.0`` reads back later as ``0.0``; the two compare equal.)
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any, Literal, Protocol, TypeVar, Union, get_args, get_origin

import msgspec

from pictallion_sql.query.dialects import dialect_sql
from pictallion_sql.query.registry import Query, make_query
from pictallion_sql.records.documents import Document

__all__ = [
    "CREATION_TIMES",
    "echoed_columns",
    "insert_many_label",
    "read_back_query",
    "with_echoed_values",
]

# Columns whose default is the time the row was written. A bulk insert stamps them itself
# (pictallion_sql/catalog/batch_clock.py), so that the rows of one batch differ and sort in
# input order.
CREATION_TIMES = ("created_at", "updated_at", "timestamp", "added_at")


def insert_many_label(table: str, columns: Sequence[str]) -> str:
    """The name of a bulk insert: the table and the columns the caller gave.

    The creation times every bulk insert adds are left out: they never vary, and the
    name stays the one the caller's column set explains.
    """
    given = [c for c in columns if c not in CREATION_TIMES]
    return f"{table}.insert_many[{','.join(given)}]"


_Echo = Literal["plain", "list", "floats", "document"]
_PLAIN_TYPES = (str, int, bool, datetime.datetime)
_FLOAT = frozenset({float})


@cache
def _echo_kind(record: type[msgspec.Struct], column: str) -> _Echo | None:
    """How the value sent for ``column`` may stand for the stored one, or None."""
    hints = {f.name: f.type for f in msgspec.structs.fields(record)}
    members = [m for m in _members(hints[column]) if m is not type(None)]
    if not members:
        return None
    if all(_is_plain(m) for m in members):
        return "plain"
    if len(members) == 1:
        (member,) = members
        if get_origin(member) is list and get_args(member) == (str,):
            return "list"
        if get_origin(member) is list and get_args(member) == (float,):
            return "floats"
        if isinstance(member, type) and issubclass(member, Document | msgspec.Struct):
            return "document"
    return None


def _members(tp: Any) -> list[Any]:
    if get_origin(tp) is Union or type(tp).__name__ == "UnionType":
        return [m for arg in get_args(tp) for m in _members(arg)]
    return [tp]


def _is_plain(tp: Any) -> bool:
    if get_origin(tp) is Literal:
        return all(type(v) is str for v in get_args(tp))
    return tp in _PLAIN_TYPES


def echoed_columns(
    record: type[msgspec.Struct], rows: Sequence[Mapping[str, Any]]
) -> tuple[str, ...]:
    """The columns every row gave whose stored values read back equal to the values sent."""
    common = set(rows[0])
    for row in rows:
        if len(row) != len(common) or row.keys() != common:
            common &= row.keys()
    common.discard("id")  # selected: it matches the stored rows to the inputs
    echoed: list[str] = []
    for column in record.__struct_fields__:
        if column not in common:
            continue
        kind = _echo_kind(record, column)
        if kind is None:
            continue
        if kind == "document" and not all(_round_trips(row[column]) for row in rows):
            continue
        if kind == "floats" and not all(_finite_floats(row[column]) for row in rows):
            continue
        echoed.append(column)
    return tuple(echoed)


def _round_trips(value: Any) -> bool:
    # A validated document holds finite numbers only, and is stored as the JSON tree it is.
    return value is None or isinstance(value, Document) or b"null" not in msgspec.json.encode(value)


def _finite_floats(value: Any) -> bool:
    # An int would read back as a float, and a non-finite float as null; a finite sum
    # means no element is infinite or NaN (an overflowing sum only costs the echo).
    return value is None or (set(map(type, value)) <= _FLOAT and math.isfinite(sum(value)))


RecordT = TypeVar("RecordT", bound=msgspec.Struct)


class ReadBackBuilder(Protocol):
    """The type of :func:`read_back_query`: the rows come back as ``record``s."""

    def __call__(
        self, table: str, record: type[RecordT], echoed: tuple[str, ...], /
    ) -> Query[list[RecordT]]: ...


def _read_back_query(table: str, record: type[msgspec.Struct], echoed: tuple[str, ...]) -> Query:
    """``SELECT`` the rows with the given ids; echoed columns come back as NULL."""
    columns = ", ".join(
        f'NULL AS "{c}"' if c in echoed else f'"{c}"' for c in record.__struct_fields__
    )
    sql = {
        name: f'SELECT {columns} FROM "{table}" WHERE {dialect_sql(name).in_list("id", ":ids")}'
        for name in ("postgres", "sqlite")
    }
    label = f"{table}.read_back[{','.join(echoed)}]"
    return make_query(label, "rows", record, sql["postgres"], sql["sqlite"])


# Cached per column set; typed through the protocol, as ``cache`` keeps no signature.
read_back_query: ReadBackBuilder = cache(_read_back_query)


def with_echoed_values(
    stored: Sequence[msgspec.Struct], rows: Sequence[Mapping[str, Any]], echoed: tuple[str, ...]
) -> list[Any]:
    """The stored records in the order of ``rows``, echoed columns set to the values sent."""
    by_id = {record.id: record for record in stored}  # type: ignore[attr-defined]
    if not echoed:
        return [by_id[row["id"]] for row in rows]
    replace = msgspec.structs.replace
    out: list[Any] = []
    for row in rows:
        values = {}
        for column in echoed:
            value = row[column]
            # A text array is copied: the record must not share the caller's list.
            values[column] = value[:] if type(value) is list else value
        out.append(replace(by_id[row["id"]], **values))
    return out
