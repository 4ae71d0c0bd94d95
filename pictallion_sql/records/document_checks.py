"""Writing documents: what a document must satisfy before it is stored.

A document built in Python or given as a plain ``dict`` is type-checked on its known keys;
one read from the database is trusted as it was stored. Every document must fit the
storage limits (:mod:`pictallion_sql.limits`).
"""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Callable, Mapping, Sequence
from itertools import repeat
from typing import Any, get_args, get_origin, get_type_hints

import msgspec
from msgspec import UNSET

from pictallion_sql.limits import (
    INT8_MAX,
    INT8_MIN,
    MAX_DOCUMENT_BYTES,
    MAX_JSON_DEPTH,
    json_problem,
)
from pictallion_sql.records.document_loading import DIGITS_AS_ZERO, LONG_NUMBER
from pictallion_sql.records.documents import (
    Document,
    DocumentProblem,
    either_types,
    is_document,
    type_name,
    union_members,
)

__all__ = ["document_check", "document_column", "document_schema", "number_list_problem"]

_json_decode = msgspec.json.Decoder().decode
_json_encode = msgspec.json.encode


def document_check(tp: Any) -> Callable[[Any], Any] | None:
    """The write check of a document-typed input field, or None for other types.

    The check takes the given document (or, for a document-or-list column, the list of
    item documents), raises DocumentProblem at the first value that cannot be written, and
    returns the value.
    """
    if is_document(tp):
        return lambda value: _check_object(tp, value)
    either = either_types(tp)
    if either is not None:
        object_type, item_type = either

        def check(value: Any) -> Any:
            if isinstance(value, list):
                for index, item in enumerate(value):
                    if not isinstance(item, item_type):
                        raise DocumentProblem(
                            f"[{index}]", f"expected {item_type.__name__}, got {type_name(item)}"
                        )
                    if not _well_typed(item_type, item):
                        _check_types(item_type, item, f"[{index}]")
                _check_limits(value)
                return value
            return _check_object(object_type, value)

        return check
    return None


def _check_object(cls: type[Document], value: Any) -> Any:
    if not isinstance(value, cls):
        raise DocumentProblem("", f"expected {cls.__name__}, got {type_name(value)}")
    if not _well_typed(cls, value):
        _check_types(cls, value, "")
    _check_limits(value)
    return value


def document_column(cls: type[Document], docs: Sequence[Any]) -> list[bytes] | None:
    """The JSON encodings of ``docs`` (each exactly of ``cls``, or a plain dict that
    becomes one) when every one passes the fast paths of its check (:func:`_well_typed`,
    :func:`_plainly_storable`); None when one does not, and each must be checked on its
    own (:func:`document_check`).

    The documents are checked a few dozen at a time, by a few calls in C for each group:
    one conversion to the schema structs, one decode of the encodings joined as a JSON
    array. (A whole batch at once costs more: its trees no longer fit the CPU caches
    between one pass and the next.) The encodings are the JSON a write stores, so the
    driver need not encode them again.
    """
    encodings: list[bytes] = []
    for start in range(0, len(docs), _DOCUMENTS_AT_ONCE):
        group = list(docs[start : start + _DOCUMENTS_AT_ONCE])
        encoded = _plain_group(cls, group)
        if encoded is None:
            return None
        encodings.extend(encoded)
    return encodings


_DOCUMENTS_AT_ONCE = 32


def _plain_group(cls: type[Document], docs: list[Any]) -> list[bytes] | None:
    try:
        msgspec.convert(docs, _schema_list(cls))
        encoded = list(map(_json_encode, docs))
    except (msgspec.ValidationError, TypeError, ValueError, OverflowError, RecursionError):
        return None
    # Joined by a comma between two braces: no escape or digit run spans two documents,
    # and the bracket bound below over-counts (the largest counts need not share one).
    joined = b",".join(encoded)
    if (
        max(map(len, encoded)) <= MAX_DOCUMENT_BYTES
        and b"\\u0000" not in joined
        and max(map(bytes.count, encoded, repeat(b"{")))
        + max(map(bytes.count, encoded, repeat(b"[")))
        < MAX_JSON_DEPTH
        and LONG_NUMBER not in joined.translate(DIGITS_AS_ZERO)
        and _json_decode(b"[" + joined + b"]") == docs
    ):
        return encoded
    return None


_SCHEMAS: dict[type[Document], type[msgspec.Struct]] = {}


@functools.cache
def _schema_list(cls: type[Document]) -> Any:
    return list[_schema(cls)]  # type: ignore[misc]


def _well_typed(cls: type[Document], value: Any) -> bool:
    """The fast path of the type check, in C: every declared key has its declared type.

    Converting to a struct of the declared fields checks them all; when one does not fit,
    the walk (which keeps what was read from the database) decides.
    """
    try:
        msgspec.convert(value, _schema(cls))
    except msgspec.ValidationError:
        return False
    return True


def document_schema(cls: type[Document]) -> type[msgspec.Struct]:
    """A Struct with ``cls``'s declared keys (stored names, every one optional), for JSON Schema.

    A document also keeps keys it does not declare; the Struct describes the known ones.
    """
    return _schema(cls)


def _schema(cls: type[Document]) -> type[msgspec.Struct]:
    schema = _SCHEMAS.get(cls)
    if schema is None:
        hints = get_type_hints(cls)
        fields = [(name, _schema_type(hints[name]), UNSET) for name in cls.__fields__]
        schema = _SCHEMAS[cls] = msgspec.defstruct(
            f"{cls.__name__}Schema", fields, rename="camel", gc=False
        )
    return schema


def _schema_type(tp: Any) -> Any:
    members = union_members(tp)
    if len(members) > 1:
        return functools.reduce(operator.or_, [_schema_type(m) for m in members])
    if is_document(tp):
        return _schema(tp)
    origin = get_origin(tp)
    if origin is list:
        return list[_schema_type(get_args(tp)[0])]  # type: ignore[misc]
    return tp


def _check_limits(value: Any) -> None:
    try:
        encoded: bytes | None = _json_encode(value)
    except (TypeError, ValueError, OverflowError, RecursionError):
        encoded = None  # a lone surrogate, a huge integer, an unknown type: the walk says which
    if encoded is not None and _plainly_storable(value, encoded):
        return
    found = json_problem(value)
    if found is not None:
        raise DocumentProblem(*found)
    size = len(encoded) if encoded is not None else len(_json_encode(value))
    if size > MAX_DOCUMENT_BYTES:
        raise DocumentProblem(
            "", f"encodes to {size} bytes of JSON, more than the limit of {MAX_DOCUMENT_BYTES}"
        )


def _plainly_storable(value: Any, encoded: bytes) -> bool:
    """The fast path of the limits, in C: True only when ``value`` certainly fits them.

    The encoding decodes back equal only when nothing was lost: NaN and Infinity become
    null, tuples lists, non-string keys strings, other Python types something else. NUL is
    escaped as \\u0000; fewer brackets than the depth limit bound the depth; no 19-digit run
    bounds the integers. Any doubt (a bracket or digits inside a string) goes to the walk.
    """
    return (
        len(encoded) <= MAX_DOCUMENT_BYTES
        and b"\\u0000" not in encoded
        and encoded.count(b"{") + encoded.count(b"[") < MAX_JSON_DEPTH
        and LONG_NUMBER not in encoded.translate(DIGITS_AS_ZERO)
        and _json_decode(encoded) == value
    )


def _check_types(cls: type[Document], tree: Mapping[str, Any], path: str) -> None:
    """Refuse a known key of the wrong type, except in parts read from the database."""
    trusted = getattr(tree, "_trusted", False)
    keys = cls.__keys__
    for key, value in tree.items():
        spec = keys.get(key)
        if spec is None:
            continue
        kind = type(value)
        if kind in spec.scalars or (
            kind is list
            and spec.item_types is not None
            and set(map(type, value)) <= spec.item_types
        ):
            continue  # of a declared type, with nothing inside to check
        where = f"{path}.{key}"
        if spec.document is not None and isinstance(value, dict):
            if not _trusted_child(value, trusted):
                _check_types(spec.document, value, where)
        elif spec.items is not None and isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, dict):
                    if not _trusted_child(item, trusted):
                        _check_types(spec.items, item, f"{where}[{index}]")
                elif not trusted:
                    raise DocumentProblem(
                        f"{where}[{index}]", f"expected an object, got {type_name(item)}"
                    )
        elif not trusted and not spec.accepts(value):
            raise DocumentProblem(where, f"expected {spec.expected}, got {type_name(value)}")


def _trusted_child(value: Any, parent_trusted: bool) -> bool:
    # A plain dict below a trusted document was read with it; a document object carries
    # its own mark (a part built in Python is not trusted, wherever it is placed).
    trusted = getattr(value, "_trusted", None)
    return parent_trusted if trusted is None else bool(trusted)


_FLOATS = frozenset({float})
_INTS = frozenset({int})


def number_list_problem(value: Any) -> tuple[str, str] | None:
    """Why a list of numbers (a face box, an embedding) cannot be stored, or None."""
    kinds = set(map(type, value))
    # A finite sum means every item is finite; an overflowing one only costs the walk.
    if kinds <= _FLOATS and math.isfinite(sum(value)):
        return None
    if kinds <= _INTS and (not value or (min(value) >= INT8_MIN and max(value) <= INT8_MAX)):
        return None
    return json_problem(value)
