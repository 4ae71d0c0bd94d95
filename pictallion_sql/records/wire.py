"""Records as JSON for HTTP clients: timestamps with an explicit UTC offset, and JSON Schema.

Records hold timestamps as naive ``datetime`` values in UTC (the stored form, unchanged
since the TypeScript backend). On the wire a timestamp without an offset is read as local
time by JavaScript's ``Date``, so :func:`to_json` writes every naive ``datetime`` as UTC
with a ``Z`` (``"2026-12-06T16:47:36.186000Z"``); an aware one is written as it is.
:func:`schema_components` gives the OpenAPI / JSON Schema of record types, JSON documents
(``metadata``, ``smart_rules``) included. Neither needs a web framework.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import msgspec

from pictallion_sql.records.document_checks import document_schema
from pictallion_sql.records.documents import Document

__all__ = ["schema_components", "to_builtins", "to_json"]

_encode = msgspec.json.Encoder().encode


def to_builtins(value: Any) -> Any:
    """``value`` (records, lists, dicts) as plain JSON-ready values, timestamps aware UTC."""
    return _aware(msgspec.to_builtins(value, builtin_types=(datetime,)))


def to_json(value: Any) -> bytes:
    """``value`` as JSON bytes, every timestamp with an explicit UTC offset."""
    return _encode(to_builtins(value))


def _aware(value: Any) -> Any:
    kind = type(value)
    if kind is dict:
        return {key: _aware(item) for key, item in value.items()}
    if kind is list:
        return [_aware(item) for item in value]
    if kind is datetime and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def schema_components(
    types: Iterable[Any], ref_template: str = "#/components/schemas/{name}"
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """JSON Schemas of ``types`` and the named components they refer to (msgspec's
    :func:`msgspec.json.schema_components`, with the JSON documents described).

    A document is an object whose declared keys are described and whose other keys are
    allowed; a timestamp is a ``date-time`` string (written with its UTC offset).
    """
    documents: dict[str, type[msgspec.Struct]] = {}

    def ref(cls: type[Document]) -> dict[str, Any]:
        mirror = document_schema(cls)
        documents[mirror.__name__] = mirror
        return {"$ref": ref_template.format(name=mirror.__name__)}

    def hook(tp: Any) -> dict[str, Any]:
        if isinstance(tp, type) and issubclass(tp, Document):
            return ref(tp)
        object_type = getattr(tp, "__object_type__", None)
        item_type = getattr(tp, "__item_type__", None)
        if object_type is not None and item_type is not None:
            return {"anyOf": [ref(object_type), {"type": "array", "items": ref(item_type)}]}
        raise NotImplementedError(f"no JSON Schema for {tp!r}")

    schemas, components = msgspec.json.schema_components(
        list(types), schema_hook=hook, ref_template=ref_template
    )
    if documents:
        _, mirrored = msgspec.json.schema_components(
            list(documents.values()), ref_template=ref_template
        )
        components.update(mirrored)
    _mark_timestamps([*types, *documents.values()], components)
    return list(schemas), components


def _mark_timestamps(types: Iterable[Any], components: dict[str, Any]) -> None:
    # msgspec names the date-time format only for types requiring an offset; the records'
    # timestamps are written with one (to_json), so their schemas say so.
    seen: set[type] = set()
    pending = list(msgspec.inspect.multi_type_info(list(types)))
    while pending:
        info = pending.pop()
        if isinstance(info, msgspec.inspect.StructType):
            if info.cls in seen:
                continue
            seen.add(info.cls)
            component = components.get(info.cls.__name__, {})
            for field in info.fields:
                if _holds_timestamp(field.type):
                    _add_format(component.get("properties", {}).get(field.encode_name, {}))
                pending.append(field.type)
        elif isinstance(info, msgspec.inspect.UnionType):
            pending.extend(info.types)
        elif isinstance(
            info, msgspec.inspect.ListType | msgspec.inspect.SetType | msgspec.inspect.FrozenSetType
        ):
            pending.append(info.item_type)
        elif isinstance(info, msgspec.inspect.DictType):
            pending.append(info.value_type)


def _holds_timestamp(info: msgspec.inspect.Type) -> bool:
    if isinstance(info, msgspec.inspect.UnionType):
        return any(isinstance(t, msgspec.inspect.DateTimeType) for t in info.types)
    return isinstance(info, msgspec.inspect.DateTimeType)


def _add_format(schema: dict[str, Any]) -> None:
    if schema.get("type") == "string":
        schema["format"] = "date-time"
    for option in schema.get("anyOf", []):
        _add_format(option)
