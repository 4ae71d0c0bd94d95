"""Responses encoded by msgspec, their OpenAPI schemas, and the 404 of a missing row."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

import msgspec
from fastapi import HTTPException
from fastapi.responses import Response

from pictallion_sql.catalog.base import Repository
from pictallion_sql.drivers.base import Executor
from pictallion_sql.fastapi.schemas import documented, reference
from pictallion_sql.records.wire import to_json

__all__ = ["RecordResponse", "get_or_404", "record_responses"]

RowT = TypeVar("RowT", bound=msgspec.Struct)


class RecordResponse(Response):
    """JSON of records, lists and dicts of them, encoded by msgspec (timestamps with a UTC
    offset). Return ``RecordResponse(record)``, or name it as the route's
    ``response_class``."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        """The JSON bytes of ``content``."""
        return to_json(content)


def record_responses(
    record: Any,
    status_code: int = 200,
    *,
    description: str = "Successful Response",
    errors: Iterable[int] = (),
) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` of a route returning ``record`` (a record type, ``list[Record]``...).

    Its schema comes from msgspec's JSON Schema of the type; :func:`install` adds the
    records' named schemas to the OpenAPI document. ``errors`` lists error statuses the
    route documents (404, 409, 422, 503), each with the :class:`ErrorBody` schema.
    """
    documented(record)
    responses: dict[int | str, dict[str, Any]] = {
        status_code: {
            "description": description,
            "content": {"application/json": {"schema": reference(record)}},
        }
    }
    from pictallion_sql.fastapi.errors import error_response

    for status in errors:
        responses.update(error_response(status))
    return responses


async def get_or_404(repository: Repository[RowT, Any, Any], db: Executor, *, id: str) -> RowT:
    """The row ``id`` of ``repository`` (``crud.file_version``...), or an HTTP 404 naming
    the table and id."""
    row = await repository.get(db, id=id)
    if row is None:
        raise HTTPException(status_code=404, detail=f"{repository.table} {id!r} does not exist")
    return row
