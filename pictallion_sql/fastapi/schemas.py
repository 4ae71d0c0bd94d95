"""The records' JSON Schemas in the application's OpenAPI document."""

from __future__ import annotations

from typing import Any

from pictallion_sql.records.wire import schema_components

__all__ = ["add_components", "documented", "reference"]

_REF = "#/components/schemas/{name}"

# Every type named in record_responses(); their components are added to the document.
_documented: list[Any] = []


def documented(record: Any) -> None:
    """Remember ``record`` so that :func:`add_components` describes it."""
    if record not in _documented:
        _documented.append(record)


def reference(record: Any) -> dict[str, Any]:
    """The schema of ``record`` in a response, referring to the named components."""
    (schema,), _ = schema_components([record], _REF)
    return schema


def add_components(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` (an OpenAPI document) with the records' components added."""
    if not _documented:
        return document
    _, components = schema_components(_documented, _REF)
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in components.items():
        schemas.setdefault(name, schema)
    return document
