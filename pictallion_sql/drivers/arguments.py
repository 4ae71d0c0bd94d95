"""A call's arguments: parameters bound by name, and what a stream may be asked for."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pictallion_sql.errors import ValidationError
from pictallion_sql.query.registry import CompiledSQL, Query

__all__ = ["JsonText", "bind_args", "bind_encoded", "check_batch_size", "check_streamable"]


class JsonText(bytes):
    """A JSON value already encoded: the input checks encode a batch's documents to prove
    them storable, and a bulk write sends that text as it is instead of encoding again."""

    __slots__ = ()


def bind_args(query: Query, compiled: CompiledSQL, params: Mapping[str, Any]) -> list[Any]:
    """The positional arguments of ``compiled``, taken from ``params`` by name."""
    if len(params) != len(query.params):
        _raise_param_mismatch(query, params)
    try:
        return [params[name] for name in compiled.arg_names]
    except KeyError:
        _raise_param_mismatch(query, params)
        raise  # unreachable; keeps type checkers content


def bind_encoded(
    query: Query,
    compiled: CompiledSQL,
    params: Mapping[str, Any],
    plain: frozenset[type],
    encode: Callable[[Any], Any],
) -> list[Any]:
    """:func:`bind_args` with each value whose type is not in ``plain`` passed through
    ``encode``, in the same pass: one list and no second walk, on every statement."""
    if len(params) != len(query.params):
        _raise_param_mismatch(query, params)
    try:
        return [
            value if type(value := params[name]) in plain else encode(value)
            for name in compiled.arg_names
        ]
    except KeyError:
        _raise_param_mismatch(query, params)
        raise  # unreachable; keeps type checkers content


def _raise_param_mismatch(query: Query, params: Mapping[str, Any]) -> None:
    missing = sorted(query.params - params.keys())
    extra = sorted(params.keys() - query.params)
    parts = []
    if missing:
        parts.append("missing " + ", ".join(missing))
    if extra:
        parts.append("unexpected " + ", ".join(extra))
    error = ValidationError("parameters: " + "; ".join(parts))
    error.query = query.name
    raise error


def check_batch_size(batch_size: int) -> None:
    """Reject a batch size that is not a positive integer."""
    if type(batch_size) is not int or batch_size < 1:
        raise ValidationError(
            f"batch_size must be a positive integer, got {batch_size!r}", field="batch_size"
        )


def check_streamable(query: Query) -> None:
    """Only queries returning rows of a record can be streamed."""
    if query.returns != "rows":
        error = ValidationError(
            f"the query returns {query.returns}, not rows; only row queries stream"
        )
        error.query = query.name
        raise error
