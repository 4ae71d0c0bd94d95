"""PostgreSQL's type conversion: jsonb and json through msgspec, and the row decoders."""

from __future__ import annotations

from collections.abc import Callable
from operator import itemgetter
from typing import Any

import asyncpg
import msgspec

from pictallion_sql.drivers.arguments import JsonText
from pictallion_sql.drivers.decoding import (
    Converter,
    base_type,
    decoders,
    is_json_kind,
    json_converter,
)

__all__ = ["converter_for", "decoder", "init_connection"]

_json_encode = msgspec.json.encode


def _encode_jsonb(value: Any) -> bytes:
    # jsonb's binary wire format is a version byte (1) followed by the JSON text.
    if type(value) is JsonText:
        return b"\x01" + value
    return b"\x01" + _json_encode(value)


def _encode_json(value: Any) -> bytes:
    return value if type(value) is JsonText else _json_encode(value)


# jsonb arrives as its version byte and the JSON text, kept as bytes: the row decoder parses
# them straight into the record's typed field. A slice in C (itemgetter) rather than a
# Python function: asyncpg calls it for every jsonb value of every row.
_decode_jsonb: Callable[[bytes], bytes] = itemgetter(slice(1, None))


def _identity_bytes(data: bytes) -> bytes:
    return data


def _text_array_or_json(decode: Converter) -> Converter:
    return lambda value: value if type(value) is list else decode(value)


def converter_for(annotation: Any) -> Converter | None:
    """How a value asyncpg returns for a field of type ``annotation`` becomes that type."""
    if not is_json_kind(annotation):
        return None
    info = base_type(annotation)
    decode = json_converter(annotation)
    if isinstance(info, msgspec.inspect.ListType) and isinstance(
        info.item_type, msgspec.inspect.StrType
    ):
        return _text_array_or_json(decode)  # text[] arrives as a list already
    return decode


decoder = decoders(converter_for)
"""The decoder of each query, built on its first run."""


async def init_connection(conn: asyncpg.Connection) -> None:
    await conn.set_type_codec(
        "jsonb",
        schema="pg_catalog",
        encoder=_encode_jsonb,
        decoder=_decode_jsonb,
        format="binary",
    )
    await conn.set_type_codec(
        "json",
        schema="pg_catalog",
        encoder=_encode_json,
        decoder=_identity_bytes,
        format="binary",
    )
