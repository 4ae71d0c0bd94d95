"""The library's errors as HTTP responses: the status a client can act on, a safe message."""

from __future__ import annotations

import logging
from typing import Any

import msgspec
from fastapi import FastAPI, Request
from fastapi.responses import Response

from pictallion_sql.errors import (
    DuplicateKeyError,
    ForeignKeyError,
    NotFoundError,
    PictallionError,
    PoolTimeoutError,
    ReadOnlyError,
    ValidationError,
)
from pictallion_sql.fastapi.schemas import add_components, documented, reference
from pictallion_sql.records.wire import to_json

__all__ = ["ErrorBody", "error_response", "install"]

log = logging.getLogger("pictallion_sql.fastapi")


class ErrorBody(msgspec.Struct, omit_defaults=True):
    """The body of an error response: FastAPI's ``detail``, and the field at fault."""

    detail: str
    field: str | None = None


# Most specific first: the first class an error is an instance of gives its status.
_STATUSES: tuple[tuple[type[PictallionError], int], ...] = (
    (ValidationError, 422),
    (NotFoundError, 404),
    (DuplicateKeyError, 409),
    (ForeignKeyError, 409),
    (PoolTimeoutError, 503),
    (ReadOnlyError, 503),
)

BUSY = "the database is busy; try again shortly"
"""The detail of a 503 for an exhausted pool."""

_DESCRIPTIONS = {
    404: "Not Found",
    409: "Conflict with existing rows",
    422: "Invalid value (the field is named)",
    503: "Database busy or read-only; try again later",
}


def error_response(status_code: int) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` entry documenting one error status with :class:`ErrorBody`."""
    documented(ErrorBody)
    return {
        status_code: {
            "description": _DESCRIPTIONS.get(status_code, "Error"),
            "content": {"application/json": {"schema": reference(ErrorBody)}},
        }
    }


async def _handle(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PictallionError)
    status = next(code for kind, code in _STATUSES if isinstance(exc, kind))
    # The message names tables, columns and values, never the library's internals; the
    # failed statement goes to the log for the operators.
    busy = isinstance(exc, PoolTimeoutError)
    log.log(
        logging.WARNING if busy else logging.INFO,
        "%s %s: %s %s (query %s)",
        request.method,
        request.url.path,
        status,
        exc,
        exc.query,
    )
    # An exhausted pool is the operators' concern (its sizes and settings are in the log);
    # the client learns only to come back.
    detail = BUSY if busy else str(exc)
    field = exc.field if isinstance(exc, ValidationError) else None
    return Response(
        to_json(ErrorBody(detail=detail, field=field)),
        status_code=status,
        media_type="application/json",
        headers={"Retry-After": "1"} if busy else None,
    )


def install(app: FastAPI) -> FastAPI:
    """Add the library's exception handlers and the records' schemas to ``app``.

    ``ValidationError`` becomes 422 naming the field, ``NotFoundError`` 404,
    ``DuplicateKeyError`` and ``ForeignKeyError`` 409, ``PoolTimeoutError`` 503 (with
    ``Retry-After``, the pool's details logged rather than sent) and ``ReadOnlyError`` 503;
    the body is ``{"detail": message}``, with ``"field"`` for a validation error. Other
    errors stay 500s, their messages unsent.
    """
    for kind, _ in _STATUSES:
        app.add_exception_handler(kind, _handle)
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = add_components(original())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
