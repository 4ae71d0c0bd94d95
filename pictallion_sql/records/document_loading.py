"""Reading documents: how stored JSON becomes a document (kept whole), and msgspec's hook.

Documents and number lists keep the JSON tree as stored; a value of an unexpected type is
kept as stored rather than refused, so a loosely typed legacy row never becomes unreadable.
"""

from __future__ import annotations

from collections.abc import Callable
from types import NoneType
from typing import Any, get_args, get_origin

import msgspec

from pictallion_sql.limits import INT8_MAX, INT8_MIN
from pictallion_sql.records.documents import (
    Document,
    either_types,
    is_document,
    type_name,
    union_members,
)

__all__ = ["DIGITS_AS_ZERO", "LONG_NUMBER", "decode_hook", "document_loader"]

_json_decode = msgspec.json.Decoder().decode


def document_loader(annotation: Any) -> Callable[[Any], Any] | None:
    """How stored JSON text becomes the value of a field annotated ``annotation``, or None.

    Documents and any list or dict column decode as the JSON tree they are: a value of an
    unexpected type is kept as stored rather than refused.
    """
    members = [m for m in union_members(annotation) if m is not NoneType]
    if len(members) != 1:
        return None
    (member,) = members
    if is_document(member):
        return _object_loader(member)
    either = either_types(member)
    if either is not None:
        return _either_loader(*either)
    if get_origin(member) is list and get_args(member) in ((float,), (int,)):
        return _decode_tree
    return None


# PostgreSQL's jsonb keeps numbers as numeric and prints a float such as 1e300 as its integer
# digits. Integers beyond 64 bits cannot have been written through the library (the limits
# refuse them), so a stored one is read as the float it stands for; one of 64 bits or fewer
# comes back as an int equal to the float that was written (1e16 == 10**16).
DIGITS_AS_ZERO = bytes.maketrans(b"123456789", b"000000000")
LONG_NUMBER = b"0" * 19
_FRACTION_RUN = b"." + LONG_NUMBER


def _decode_tree(raw: Any) -> Any:
    tree = _json_decode(raw)
    # Only jsonb (bytes) rewrites numbers; SQLite keeps the JSON text as it was written.
    # A cheap test in C (inline: it runs for every JSON value read) passes the tree as it
    # is unless a run of 19 digits may be an integer. jsonb prints a small float such as
    # 1.5e-05 in positional form (0.000015), so the long runs of an embedding are
    # fractions, each right after its point; a run that is not (a long integer, or digits
    # in a string) sends the tree to the walk.
    if type(raw) is bytes:
        digits = raw.translate(DIGITS_AS_ZERO)
        runs = digits.count(LONG_NUMBER)
        if runs and runs != digits.count(_FRACTION_RUN):
            return _big_ints_as_floats(tree)
    return tree


def _big_ints_as_floats(value: Any) -> Any:
    kind = type(value)
    if kind is int:
        return value if INT8_MIN <= value <= INT8_MAX else float(value)
    if kind is list:
        return [_big_ints_as_floats(item) for item in value]
    if kind is dict:
        return {key: _big_ints_as_floats(item) for key, item in value.items()}
    return value


def _object_loader(cls: type[Document]) -> Callable[[Any], Any]:
    new = dict.__new__
    update = dict.update
    decode = _json_decode

    def load(raw: Any) -> Any:
        # _decode_tree, inline: a document column is read on every row of a listing.
        tree = decode(raw)
        if type(raw) is bytes:
            digits = raw.translate(DIGITS_AS_ZERO)
            runs = digits.count(LONG_NUMBER)
            if runs and runs != digits.count(_FRACTION_RUN):
                tree = _big_ints_as_floats(tree)
        if type(tree) is not dict:
            return tree  # not an object: kept as stored
        doc = new(cls)
        update(doc, tree)
        doc._trusted = True
        return doc

    return load


def _either_loader(object_type: type[Document], item_type: type[Document]) -> Callable[[Any], Any]:
    decode = _decode_tree

    def load(raw: Any) -> Any:
        tree = decode(raw)
        if type(tree) is dict:
            return object_type._adopt(tree, True)
        if type(tree) is list:
            return [item_type._adopt(item, True) if type(item) is dict else item for item in tree]
        return tree

    return load


def decode_hook(tp: Any, value: Any) -> Any:
    """msgspec ``dec_hook`` building documents from decoded or plain Python data."""
    if is_document(tp):
        if isinstance(value, dict):
            return value if isinstance(value, tp) else tp.from_tree(value)
        raise ValueError(f"expected an object, got {type_name(value)}")
    either = either_types(tp)
    if either is not None:
        object_type, item_type = either
        if isinstance(value, dict):
            return object_type.from_tree(value)
        if isinstance(value, list):
            items = []
            for index, item in enumerate(value):
                if not isinstance(item, dict):
                    raise ValueError(f"item {index}: expected an object, got {type_name(item)}")
                items.append(item if isinstance(item, item_type) else item_type.from_tree(item))
            return items
        raise ValueError(f"expected an object or a list, got {type_name(value)}")
    raise NotImplementedError(f"no decoder for {tp!r}")
