"""From driver rows to records: the per-query decoder, and the checks of a result's shape."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import msgspec

from pictallion_sql.errors import DatabaseError
from pictallion_sql.query.registry import Query
from pictallion_sql.records.document_loading import decode_hook, document_loader

__all__ = [
    "Converter",
    "Decoder",
    "base_type",
    "check_columns",
    "decode_error",
    "decoders",
    "is_json_kind",
    "json_converter",
    "make_decoder",
    "record_columns",
    "row_shape_error",
    "schema_error",
]

Converter = Callable[[Any], Any]
Decoder = Callable[[Any], Any]


def schema_error(query: Query, message: str) -> DatabaseError:
    """A result that does not fit the query's record: a fault of the schema or the SQL,
    for its developers (a 500 to clients), so the message names the query as well."""
    error = DatabaseError(f"query {query.name!r}: {message}")
    error.query = query.name
    return error


def decode_error(query: Query, exc: msgspec.MsgspecError) -> DatabaseError:
    """A stored value that does not fit the query's record (say, a malformed document)."""
    record = getattr(query.record, "__name__", "its result")
    return schema_error(query, f"a stored value does not fit {record}: {exc}")


def record_columns(query: Query) -> tuple[str, ...] | None:
    """The columns ``query`` must return in order, or None when nothing is decoded by position."""
    record = query.record
    if query.returns in ("one", "rows") and isinstance(record, type):
        return getattr(record, "__struct_fields__", None)
    return None


def check_columns(query: Query, columns: Sequence[str]) -> None:
    """Refuse a result whose columns are not the record's fields in order.

    Rows decode by position, which is only right while the SELECT lists exactly the
    record's fields in the same order; a ``SELECT *`` meeting a newly added column, or a
    reordered list, would otherwise shift values silently into the wrong fields.
    """
    expected = record_columns(query)
    if expected is None or tuple(columns) == expected:
        return
    record = getattr(query.record, "__name__", "its record")
    for index, column in enumerate(columns):
        if index >= len(expected) or column != expected[index]:
            wanted = expected[index] if index < len(expected) else "no further column"
            raise schema_error(
                query,
                f"result column {index + 1} is {column!r} where "
                f"{record} expects {wanted!r}; the SELECT must list {record}'s fields in order",
            )
    raise schema_error(query, f"result lacks column {expected[len(columns)]!r} of {record}")


def _json_decoder(annotation: Any) -> Converter:
    # strict=False: SQLite's json_object() renders booleans as 0/1, and a stored
    # document must never become unreadable over a loosely typed value.
    return msgspec.json.Decoder(annotation, strict=False, dec_hook=decode_hook).decode


def is_json_kind(annotation: Any) -> bool:
    """True for types stored as JSON documents (structs, lists, dicts and unions of them)."""
    if document_loader(annotation) is not None:
        return True
    info = msgspec.inspect.type_info(annotation)
    if isinstance(info, msgspec.inspect.UnionType):
        return any(
            not isinstance(t, msgspec.inspect.NoneType) and _is_json_info(t) for t in info.types
        )
    return _is_json_info(info)


def _is_json_info(info: msgspec.inspect.Type) -> bool:
    return isinstance(
        info,
        msgspec.inspect.StructType
        | msgspec.inspect.ListType
        | msgspec.inspect.DictType
        | msgspec.inspect.AnyType
        | msgspec.inspect.TupleType,
    )


def base_type(annotation: Any) -> msgspec.inspect.Type:
    """The type behind ``Optional[...]``; unions of several types come back unchanged."""
    info = msgspec.inspect.type_info(annotation)
    if isinstance(info, msgspec.inspect.UnionType):
        rest = [t for t in info.types if not isinstance(t, msgspec.inspect.NoneType)]
        if len(rest) == 1:
            return rest[0]
    return info


def json_converter(annotation: Any) -> Converter:
    """A converter from JSON text or bytes into ``annotation``."""
    # Documents and number lists keep the JSON tree as stored (see _documents).
    return document_loader(annotation) or _json_decoder(annotation)


def _identity(value: Any) -> Any:
    return value


def make_decoder(query: Query, converter_for: Callable[[Any], Converter | None]) -> Decoder:
    """Build the function that turns one driver row into what ``query`` returns."""
    record = query.record
    if query.returns == "scalar":
        if record is None:
            return _identity
        if isinstance(record, type) and issubclass(record, msgspec.Struct):
            return _json_decoder(record)
        scalar = converter_for(record)
        return scalar if scalar is not None else _identity
    if record is None or not (isinstance(record, type) and issubclass(record, msgspec.Struct)):
        raise TypeError(f"query {query.name!r} has no record struct to decode into")
    conversions = tuple(
        (index, conv)
        for index, field in enumerate(msgspec.structs.fields(record))
        if (conv := converter_for(field.type)) is not None
    )
    # Positional construction is the cheapest correct decode (measured against keyword
    # construction and msgspec.convert); a row of the wrong width makes it raise TypeError,
    # turned here into an error naming the query (try costs nothing until it catches).
    if not conversions:

        def decode_plain(row: Sequence[Any]) -> Any:
            try:
                return record(*row)
            except TypeError as exc:
                raise row_shape_error(query, row, exc) from None

        return decode_plain

    def decode(row: Sequence[Any]) -> Any:
        values = list(row)
        try:
            for index, conv in conversions:
                value = values[index]
                if value is not None:
                    values[index] = conv(value)
            return record(*values)
        except (TypeError, IndexError) as exc:
            raise row_shape_error(query, row, exc) from None

    return decode


def decoders(converter_for: Callable[[Any], Converter | None]) -> Callable[[Query], Decoder]:
    """A driver's decoder of each query: built by ``make_decoder`` on first use, then kept."""
    built: dict[Query, Decoder] = {}

    def decoder(query: Query) -> Decoder:
        try:
            return built[query]
        except KeyError:
            decode = built[query] = make_decoder(query, converter_for)
            return decode

    return decoder


def row_shape_error(query: Query, row: Sequence[Any], exc: Exception) -> DatabaseError:
    """The error for a row its record cannot be built from, naming the query.

    The first result of each query on a database has its column names checked; a table
    changed after that (say, a column added under a ``SELECT *``) shows up here instead.
    """
    keys = getattr(row, "keys", None)
    if callable(keys):
        try:
            check_columns(query, list(keys()))
        except DatabaseError as error:
            return error
    expected = record_columns(query) or ()
    record = getattr(query.record, "__name__", "its record")
    if len(row) != len(expected):
        return schema_error(
            query,
            f"a row has {len(row)} columns where {record} has "
            f"{len(expected)} fields; the SELECT must list {record}'s fields in order",
        )
    return schema_error(query, f"a stored value does not fit {record}: {exc}")
