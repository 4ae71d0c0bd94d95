"""SQLite's type conversion: values stored as the schema documents, and the row decoders.

Timestamps are ISO-8601 UTC text with six fractional digits (text order is time order),
booleans 0/1, ``keywords`` and the JSON documents JSON text.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from itertools import repeat
from operator import attrgetter
from typing import Any

import msgspec

from pictallion_sql.drivers.arguments import JsonText
from pictallion_sql.drivers.decoding import (
    Converter,
    base_type,
    decoders,
    is_json_kind,
    json_converter,
)

__all__ = [
    "PLAIN",
    "converter_for",
    "decoder",
    "encode_arg",
    "encode_args",
    "encode_rows",
    "to_text_timestamp",
]

PLAIN: frozenset[type] = frozenset({str, int, float, bool, type(None), bytes})
"""Types sqlite3 binds as they are: a parameter of any other type goes through encode_arg."""
_json_encode = msgspec.json.encode
_fromisoformat = datetime.fromisoformat


def to_text_timestamp(value: datetime) -> str:
    """A datetime as the stored text form: naive UTC, microseconds, 'T' separator."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(timespec="microseconds")


def encode_arg(value: Any) -> Any:
    """One parameter value in the form SQLite stores it."""
    if type(value) in PLAIN:
        return value
    if isinstance(value, datetime):
        return to_text_timestamp(value)
    if type(value) is JsonText:
        return value.decode()
    if isinstance(value, list | dict | tuple | msgspec.Struct):
        return _json_encode(value).decode()
    return value


def encode_args(args: Sequence[Any]) -> list[Any]:
    return [v if type(v) in PLAIN else encode_arg(v) for v in args]


_tzinfo = attrgetter("tzinfo")
_JSON_LISTS = frozenset({list})
_NAIVE = {None}


def encode_rows(rows: Sequence[Sequence[Any]]) -> list[Sequence[Any]]:
    """Rows of parameters (each of the same columns) in the form SQLite stores them.

    Converted a column at a time: a column of plain values as it is, one of naive
    timestamps or of encoded JSON by one C call per value, others value by value.
    """
    columns: list[Sequence[Any]] = list(zip(*rows, strict=True))
    changed = False
    for index, values in enumerate(columns):
        kinds = set(map(type, values))
        if kinds <= PLAIN:
            continue
        changed = True
        if kinds == {JsonText}:
            columns[index] = list(map(bytes.decode, values))
        elif kinds <= _JSON_LISTS:  # a JSON column of lists (a face's box, its embedding)
            columns[index] = list(map(bytes.decode, map(_json_encode, values)))
        elif kinds == {datetime} and set(map(_tzinfo, values)) == _NAIVE:
            columns[index] = list(
                map(datetime.isoformat, values, repeat("T"), repeat("microseconds"))
            )
        else:
            columns[index] = [v if type(v) in PLAIN else encode_arg(v) for v in values]
    return list(zip(*columns, strict=True)) if changed else list(rows)


def converter_for(annotation: Any) -> Converter | None:
    """How a value SQLite returns for a field of type ``annotation`` becomes that type."""
    if is_json_kind(annotation):
        return json_converter(annotation)
    info = base_type(annotation)
    if isinstance(info, msgspec.inspect.DateTimeType):
        return _fromisoformat
    if isinstance(info, msgspec.inspect.BoolType):
        return bool
    return None


decoder = decoders(converter_for)
"""The decoder of each query, built on its first run."""
