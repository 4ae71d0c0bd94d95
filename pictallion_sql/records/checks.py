"""The input checks of the insert and update types, compiled once per class.

msgspec checks types when it decodes or converts, but a struct built directly in Python is
not checked at all; ``__post_init__`` runs in both cases, so the checks live there. Each
class's annotations are compiled into a tuple of per-field check functions once, when the
class is defined (``validated``), so a construction costs one call per field.
"""

import functools
import math
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from itertools import chain, compress, repeat
from operator import is_
from types import NoneType, UnionType
from typing import (
    Annotated,
    Any,
    ClassVar,
    Literal,
    TypeAlias,
    TypeVar,
    Union,
    get_args,
    get_origin,
    get_type_hints,
)

import msgspec
from msgspec import UNSET, Meta, UnsetType

from pictallion_sql.errors import ValidationError
from pictallion_sql.limits import (
    INDEXED_TEXT_COLUMNS,
    INT8_MAX,
    INT8_MIN,
    MAX_INDEXED_TEXT_BYTES,
    MAX_LIST_ITEMS,
    MAX_TEXT_BYTES,
    shown,
    text_problem,
)
from pictallion_sql.records.document_checks import (
    document_check,
    document_column,
    number_list_problem,
)
from pictallion_sql.records.document_loading import decode_hook
from pictallion_sql.records.documents import DocumentProblem, either_types, is_document
from pictallion_sql.records.types import JsonNumber

_astuple = msgspec.structs.astuple

__all__ = [
    "InputRecord",
    "checked_columns",
    "lone_surrogate_error",
    "provided_fields",
    "table_or_name",
    "unchecked",
    "validate",
    "validate_json",
    "validated",
    "validation_error",
]


class _Mismatch(Exception):
    """A value does not fit; ``where`` locates it below the field (e.g. ``[2]``)."""

    def __init__(self, reason: str, where: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.where = where


# A compiled check returns the value (normalised if needed) or raises _Mismatch.
_Check: TypeAlias = Callable[[Any], Any]


def _type_name(value: object) -> str:
    return "None" if value is None else type(value).__name__


def _union_members(tp: Any) -> list[Any] | None:
    """The flattened members of a union annotation, or None if ``tp`` is not a union."""
    if get_origin(tp) not in (Union, UnionType):
        return None
    members: list[Any] = []
    for arg in get_args(tp):
        members.extend(_union_members(arg) or [arg])
    return members


def _describe(tp: Any) -> str:
    members = _union_members(tp)
    if members is not None:
        return " or ".join(_describe(m) for m in members)
    origin = get_origin(tp)
    if origin is Literal:
        return "one of " + ", ".join(repr(v) for v in get_args(tp))
    if origin is Annotated:
        return _describe(get_args(tp)[0])
    if origin is not None:
        return f"{origin.__name__}[{', '.join(_describe(a) for a in get_args(tp))}]"
    if tp is Any:
        return "any value"
    return str(getattr(tp, "__name__", tp))


def _check_literal(tp: Any) -> _Check:
    values = get_args(tp)
    allowed = frozenset(values)
    # The type test keeps 1/True from matching each other and unhashable values out of the set.
    allowed_types = tuple({type(v) for v in values})
    expected = _describe(tp)

    def check(value: Any) -> Any:
        if isinstance(value, allowed_types) and value in allowed:
            return value
        raise _Mismatch(f"expected {expected}, got {shown(value)}")

    return check


def _check_int(lo: int | None, hi: int | None) -> _Check:
    def check(value: Any) -> Any:
        if not isinstance(value, int) or isinstance(value, bool):
            raise _Mismatch(f"expected int, got {_type_name(value)}")
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            raise _Mismatch(f"expected an integer from {lo} to {hi}, got {value}")
        return value

    return check


def _int_bounds(metas: tuple[Any, ...]) -> tuple[int | None, int | None]:
    lo: int | None = None
    hi: int | None = None
    for meta in metas:
        if isinstance(meta, Meta):
            if meta.ge is not None:
                lo = int(meta.ge)
            elif meta.gt is not None:
                lo = int(meta.gt) + 1
            if meta.le is not None:
                hi = int(meta.le)
            elif meta.lt is not None:
                hi = int(meta.lt) - 1
    return lo, hi


def _check_float(value: Any) -> Any:
    if type(value) is float:
        if math.isfinite(value):
            return value
        raise _Mismatch(f"{shown(value)} is not a finite number")
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise _Mismatch(f"expected a number, got {_type_name(value)}")
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        raise _Mismatch(f"{shown(value)} is not a finite number")
    if INT8_MIN <= value <= INT8_MAX:
        return value
    raise _Mismatch("integer does not fit 64 bits")


def _check_text(max_bytes: int) -> _Check:
    def check(value: Any) -> Any:
        if not isinstance(value, str):
            raise _Mismatch(f"expected str, got {_type_name(value)}")
        # The common case (short ASCII) costs two scans in C and no encoding.
        if value.isascii() and len(value) <= max_bytes and "\x00" not in value:
            return value
        reason = text_problem(value, max_bytes)
        if reason is not None:
            raise _Mismatch(reason)
        return value

    return check


def _check_datetime(value: Any) -> Any:
    if not isinstance(value, datetime):
        raise _Mismatch(f"expected datetime, got {_type_name(value)}")
    # Timestamp columns are "timestamp without time zone" holding UTC.
    if value.tzinfo is not None:
        try:
            if value.utcoffset() is not None:
                return value.astimezone(UTC).replace(tzinfo=None)
        except OverflowError:
            raise _Mismatch(f"{value.isoformat()} is out of range in UTC") from None
    return value


def _check_instance(cls: type) -> _Check:
    name = cls.__name__

    def check(value: Any) -> Any:
        if isinstance(value, cls):
            return value
        raise _Mismatch(f"expected {name}, got {_type_name(value)}")

    return check


def _check_list(tp: Any, text_bytes: int) -> _Check:
    (item_type,) = get_args(tp) or (Any,)
    item_check = _compile(item_type, text_bytes)
    expected = _describe(tp)
    # A list made only of floats (a face embedding) or only of strings (keywords) is
    # checked by a few passes in C; anything else item by item, naming the bad item.
    fast = _fast_items(item_type, text_bytes)

    def check(value: Any) -> Any:
        if not isinstance(value, list):
            raise _Mismatch(f"expected {expected}, got {_type_name(value)}")
        if len(value) > MAX_LIST_ITEMS:
            raise _Mismatch(f"has {len(value)} items, more than the limit of {MAX_LIST_ITEMS}")
        if fast is not None and fast(value):
            return value
        out: list[Any] | None = None
        for i, item in enumerate(value):
            try:
                new = item_check(item)
            except _Mismatch as exc:
                raise _Mismatch(exc.reason, f"[{i}]{exc.where}") from None
            if out is None and new is not item:
                out = list(value[:i])
            if out is not None:
                out.append(new)
        return value if out is None else out

    return check


def _fast_items(item_type: Any, text_bytes: int) -> Callable[[list[Any]], bool] | None:
    """A test that passes a whole list its item check would accept unchanged, or None.

    A False answer only means the list takes the item-by-item path.
    """
    if item_type is float or item_type == JsonNumber:

        def floats(value: list[Any]) -> bool:
            return set(map(type, value)) <= _FLOAT_ONLY and all(map(math.isfinite, value))

        return floats
    if item_type is str:

        def texts(value: list[Any]) -> bool:
            try:
                joined = "".join(value)  # a TypeError names a non-string item: item by item
            except TypeError:
                return False
            return (
                joined.isascii()
                and "\x00" not in joined
                and (len(joined) <= text_bytes or max(map(len, value)) <= text_bytes)
                and set(map(type, value)) <= _STR_ONLY  # str subclasses take the slow path
            )

        return texts
    return None


_FLOAT_ONLY = frozenset({float})
_STR_ONLY = frozenset({str})


def _check_union(members: list[Any], text_bytes: int) -> _Check:
    if len(members) == 1:
        return _compile(members[0], text_bytes)
    checks = [_compile(m, text_bytes) for m in members]
    expected = " or ".join(_describe(m) for m in members)

    def check(value: Any) -> Any:
        for member_check in checks:
            try:
                return member_check(value)
            except _Mismatch:
                continue
        raise _Mismatch(f"expected {expected}, got {_type_name(value)}")

    return check


def _compile(tp: Any, text_bytes: int = MAX_TEXT_BYTES) -> _Check:
    if tp == JsonNumber:
        return _check_float  # an int or a float, as the JSON number it is stored as
    members = _union_members(tp)
    if members is not None:
        return _check_union(members, text_bytes)
    document = document_check(tp)
    if document is not None:
        return _document_field(document)
    origin = get_origin(tp)
    if origin is Annotated:
        base, *metas = get_args(tp)
        if base is int:
            return _check_int(*_int_bounds(tuple(metas)))
        return _compile(base, text_bytes)
    if origin is Literal:
        return _check_literal(tp)
    if origin is list:
        return _check_list(tp, text_bytes)
    if origin is dict or tp is dict:
        return _check_instance(dict)
    if tp is Any:
        return lambda value: value
    if tp is int:
        return _check_int(None, None)
    if tp is float:
        return _check_float
    if tp is datetime:
        return _check_datetime
    if tp is str:
        return _check_text(text_bytes)
    if tp is bool or (isinstance(tp, type) and issubclass(tp, msgspec.Struct)):
        return _check_instance(tp)
    raise TypeError(f"no input check for {tp!r}")


def _document_field(check: Callable[[Any], Any]) -> _Check:
    def checked(value: Any) -> Any:
        try:
            return check(value)
        except DocumentProblem as exc:
            raise _Mismatch(exc.reason, exc.path) from None

    return checked


def _json_numbers(check: _Check) -> _Check:
    """``check`` of a list-of-numbers JSON column, then the storage limits of its items."""
    limit = MAX_LIST_ITEMS
    isfinite = math.isfinite

    def checked(value: Any) -> Any:
        # A list of floats only (a face embedding) passes both in two passes in C: a
        # finite sum means every item is finite (an overflowing one only costs the walk).
        if (
            type(value) is list
            and len(value) <= limit
            and set(map(type, value)) <= _FLOAT_ONLY
            and isfinite(sum(value))
        ):
            return value
        value = check(value)
        if type(value) is list:
            found = number_list_problem(value)
            if found is not None:
                raise _Mismatch(found[1], found[0])
        return value

    return checked


def _field_check(tp: Any, text_bytes: int) -> _Check:
    members = _union_members(tp) or [tp]
    may_be_unset = UnsetType in members
    nullable = NoneType in members
    inner = _check_union([m for m in members if m not in (UnsetType, NoneType)], text_bytes)

    def check(value: Any) -> Any:
        if value is UNSET:
            if may_be_unset:
                return value
            raise _Mismatch("is required")
        if value is None:
            if nullable:
                return value
            raise _Mismatch("must not be null (NOT NULL column)")
        return inner(value)

    return check


class InputRecord(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, omit_defaults=True):
    """Shared behaviour of the insert and update structs."""

    __table__: ClassVar[str]
    __field_checks__: ClassVar[
        tuple[tuple[str, frozenset[type], int, tuple[float, float] | None, _Check], ...]
    ]
    __checked_class__: ClassVar[type]
    """The class ``__field_checks__`` was compiled for (``validated``)."""
    __column_checks__: ClassVar[tuple["_ColumnCheck", ...]]
    """The same checks for a whole column of a batch (``checked_columns``)."""

    def revalidate(self) -> None:
        """Check the fields again: a struct's attributes may have been set after it was built."""
        self.__post_init__()

    def __post_init__(self) -> None:
        checks = self.__field_checks__
        # The field values in one call, in the order of the checks (the struct's fields);
        # by name in a subclass that did not compile its own checks (it may add fields).
        if self.__checked_class__ is type(self):
            values = _astuple(self)
        else:
            values = tuple(getattr(self, check[0]) for check in checks)
        for (name, plain, text_bytes, bounds, check), value in zip(checks, values, strict=True):
            kind = type(value)
            if kind is str:
                if value.isascii() and len(value) <= text_bytes and "\x00" not in value:
                    continue  # short ASCII text, the usual case, without a call
            elif kind in plain:
                continue  # a value of a type that needs no further check (UNSET, None, bool...)
            elif kind is int and bounds is not None and bounds[0] <= value <= bounds[1]:
                continue  # an integer in its column's range, without a call
            try:
                new = check(value)
            except _Mismatch as exc:
                raise ValidationError(
                    f"{self.__table__}.{name}{exc.where}: {exc.reason}", field=name
                ) from None
            if new is not value:
                setattr(self, name, new)


_I = TypeVar("_I", bound=InputRecord)


def validated(cls: type[_I]) -> type[_I]:
    """Compile the class's field checks; applied to every insert and update struct."""
    hints = get_type_hints(cls, include_extras=True)
    indexed = INDEXED_TEXT_COLUMNS.get(cls.__table__, frozenset())
    checks = []
    columns = []
    for name in cls.__struct_fields__:
        text_bytes = MAX_INDEXED_TEXT_BYTES if name in indexed else MAX_TEXT_BYTES
        takes_text = str in (_union_members(hints[name]) or [hints[name]])
        field = (
            name,
            _plain_types(hints[name]),
            text_bytes if takes_text else -1,
            _integer_range(hints[name]),
            _with_json_limits(hints[name], _field_check(hints[name], text_bytes)),
        )
        checks.append(field)
        columns.append(_column_check(hints[name], field, text_bytes))
    cls.__field_checks__ = tuple(checks)
    cls.__column_checks__ = tuple(columns)
    cls.__checked_class__ = cls
    return cls


@functools.cache
def unchecked(cls: type[msgspec.Struct]) -> type[msgspec.Struct] | None:
    """A struct of ``cls``'s fields (names, types, defaults, options) without its checks,
    for a batch: msgspec converts the rows into it in one call, then ``checked_columns``
    checks them a column at a time. None for a class it cannot stand for.

    A document field is left as given (``Any``): msgspec would call the decode hook for
    each row's document, and ``checked_columns`` builds the documents only when needed.
    """
    config = cls.__struct_config__
    if config.tag is not None or config.array_like:
        return None
    fields: list[tuple[str, Any] | tuple[str, Any, Any]] = []
    rename = {}
    for field in msgspec.structs.fields(cls):  # their types resolved, Annotated kept
        rename[field.name] = field.encode_name
        tp = Any if _hooked(field.type) is not None else field.type
        if field.default is not msgspec.NODEFAULT:
            fields.append((field.name, tp, field.default))
        elif field.default_factory is not msgspec.NODEFAULT:
            default = msgspec.field(default_factory=field.default_factory)
            fields.append((field.name, tp, default))
        else:
            fields.append((field.name, tp))
    return msgspec.defstruct(
        f"{cls.__name__}Unchecked",
        fields,
        module=cls.__module__,
        kw_only=True,
        forbid_unknown_fields=config.forbid_unknown_fields,
        omit_defaults=config.omit_defaults,
        rename=rename,
        gc=False,  # freed once its columns are read; holds no cycle
    )


def _hooked(tp: Any) -> Any | None:
    """The document type (or document-or-list type) that is a field's only value type
    besides UNSET and None: msgspec builds it through the decode hook."""
    members = [m for m in _union_members(tp) or [tp] if m not in (UnsetType, NoneType)]
    if len(members) == 1 and (is_document(members[0]) or either_types(members[0]) is not None):
        return members[0]
    return None


# A column's check: its values checked (a new list when one was normalised) and, for a
# column of documents, their JSON encodings; raises _Mismatch at a value that fails. The
# flag: whether documents given as plain dicts must be built (see ``checked_columns``).
_ColumnCheck: TypeAlias = Callable[[Sequence[Any], bool], tuple[Sequence[Any], list[bytes] | None]]


def checked_columns(
    cls: type[msgspec.Struct], columns: Sequence[Sequence[Any]], *, documents: bool = True
) -> tuple[list[Sequence[Any]], dict[int, list[bytes]]] | None:
    """A batch's field values, one column per field of ``cls`` (as msgspec converted them
    into :func:`unchecked` ``cls``), checked as ``cls.__post_init__`` checks each row.

    Returns the checked columns (a value normalised as ``__post_init__`` would set it) and,
    by field index, the JSON encodings of columns made only of documents. None when a
    value fails: the rows must then be built as ``cls`` one by one, which names the first
    bad row and field. Whole columns are checked by a few calls in C where their values
    allow (short ASCII texts, integers in range, values of a literal, lists of texts or
    floats, documents); other values go through the field's own check one by one.

    ``documents`` False: in a column of documents only, a document given as a plain dict
    may stay that dict (the caller writes its encoding); True: it becomes its document
    class, as msgspec builds it for ``cls``.
    """
    if not issubclass(cls, InputRecord) or cls.__dict__.get("__checked_class__") is not cls:
        return None  # not compiled for this class (a subclass may add fields): row by row
    checked: list[Sequence[Any]] = []
    encodings: dict[int, list[bytes]] = {}
    try:
        for index, (check, values) in enumerate(zip(cls.__column_checks__, columns, strict=True)):
            values, encoded = check(values, documents)
            checked.append(values)
            if encoded is not None:
                encodings[index] = encoded
    except Exception:  # any doubt: the rows are built one by one, as before
        return None
    return checked, encodings


def _column_check(
    tp: Any,
    field: tuple[str, frozenset[type], int, tuple[float, float] | None, _Check],
    text_bytes: int,
) -> _ColumnCheck:
    """``field``'s check (as ``validated`` compiled it) for a whole column of values.

    A fast test over the column's values that are not of a plain type passes them all
    unchanged, exactly when the field's check would; otherwise each goes through it.
    """
    _name, plain, field_text_bytes, bounds, check = field
    members = [m for m in _union_members(tp) or [tp] if m not in (UnsetType, NoneType)]
    hooked = _hooked(tp)  # the twin leaves its values as given: built here, as msgspec would
    document = hooked if hooked is not None and is_document(hooked) else None
    as_given = frozenset({dict, document})
    fast = _fast_column(members, field_text_bytes, text_bytes, bounds)

    def column(values: Sequence[Any], documents: bool) -> tuple[Sequence[Any], list[bytes] | None]:
        kinds = set(map(type, values))
        if kinds <= plain:
            return values, None
        rest = kinds - plain
        if document is not None and rest <= as_given:
            whole = rest == kinds
            given = values if whole else [v for v in values if type(v) in rest]
            encoded = document_column(document, given)
            if encoded is not None:
                # Without their encodings (some rows give none), the documents are built
                # as msgspec builds them, copies the caller cannot change before the write.
                if (documents or not whole) and dict in rest:
                    values = [decode_hook(document, v) if type(v) is dict else v for v in values]
                return values, encoded if whole else None
        elif hooked is None and len(rest) == 1:
            (kind,) = rest
            given = values if len(kinds) == 1 else _of_type(values, kind)
            if fast is not None and fast(kind, given):
                return values, None
        if hooked is not None:  # msgspec's conversion (a ValueError: the rows say which)
            values = [v if type(v) in plain else decode_hook(hooked, v) for v in values]
        return _each(values, plain, check), None

    return column


def _of_type(values: Sequence[Any], kind: type) -> list[Any]:
    """The values of exactly type ``kind``, in order."""
    return list(compress(values, map(is_, map(type, values), repeat(kind))))


def _each(values: Sequence[Any], plain: frozenset[type], check: _Check) -> Sequence[Any]:
    """``values`` through ``check`` one by one (those of a plain type pass as they are)."""
    out: list[Any] | None = None
    for index, value in enumerate(values):
        if type(value) in plain:
            continue
        new = check(value)
        if new is not value:
            if out is None:
                out = list(values)
            out[index] = new
    return values if out is None else out


def _fast_column(
    members: list[Any], field_text_bytes: int, text_bytes: int, bounds: tuple[float, float] | None
) -> Callable[[type, Sequence[Any]], bool] | None:
    """A test that passes a column's values of one type (``kind``), all unchanged, only
    when the field's check would pass each of them unchanged; None: none applies.

    A False answer only means the values take the one-by-one path.
    """
    literal = members[0] if len(members) == 1 and get_origin(members[0]) is Literal else None
    # A literal of texts only: an exact str among them is what its check lets through.
    allowed = frozenset(get_args(literal)) if literal is not None else frozenset()
    if not all(type(v) is str for v in allowed):
        allowed = frozenset()
    items = None
    if len(members) == 1 and get_origin(members[0]) is list:
        (items,) = get_args(members[0]) or (Any,)

    def test(kind: type, values: Sequence[Any]) -> bool:
        if kind is str:
            if field_text_bytes >= 0:  # what __post_init__ lets through without a call
                return _short_ascii(values, field_text_bytes)
            return bool(allowed) and set(values) <= allowed
        if kind is int:
            return bounds is not None and bounds[0] <= min(values) and max(values) <= bounds[1]
        if kind is list and items is not None:
            if max(map(len, values)) > MAX_LIST_ITEMS:
                return False
            if items is str:
                flat = list(chain.from_iterable(values))
                return set(map(type, flat)) <= _STR_ONLY and _short_ascii(flat, text_bytes)
            if items is float or items == JsonNumber:
                # A finite sum means every item is finite (an overflow only costs the walk).
                return set(map(type, chain.from_iterable(values))) <= _FLOAT_ONLY and math.isfinite(
                    sum(map(sum, values))
                )
        return False

    return test


def _short_ascii(texts: Sequence[str], max_bytes: int) -> bool:
    """Every text is ASCII without NUL and at most ``max_bytes`` long (two scans in C)."""
    joined = "".join(texts)
    return (
        joined.isascii()
        and "\x00" not in joined
        and (len(joined) <= max_bytes or max(map(len, texts)) <= max_bytes)
    )


def _with_json_limits(tp: Any, check: _Check) -> _Check:
    # Lists of numbers are JSON columns (face boxes, embeddings): finite numbers only.
    if list[JsonNumber] in (_union_members(tp) or [tp]):
        return _json_numbers(check)
    return check


def _integer_range(tp: Any) -> tuple[float, float] | None:
    """The range of a field whose only value type is a (bounded) int; None for others."""
    members = [m for m in _union_members(tp) or [tp] if m not in (UnsetType, NoneType)]
    if len(members) != 1:
        return None
    (member,) = members
    if member is int:
        return (INT8_MIN, INT8_MAX)
    if get_origin(member) is Annotated:
        base, *metas = get_args(member)
        if base is int:
            lo, hi = _int_bounds(tuple(metas))
            return (INT8_MIN if lo is None else lo, INT8_MAX if hi is None else hi)
    return None


def _plain_types(tp: Any) -> frozenset[type]:
    """The exact types a field accepts as they are: no range, enum, size or time-zone check."""
    plain: set[type] = set()
    for member in _union_members(tp) or [tp]:
        if (
            member is UnsetType
            or member is NoneType
            or member is bool
            or (isinstance(member, type) and issubclass(member, msgspec.Struct))
        ):
            plain.add(member)
    return frozenset(plain)


def table_or_name(cls: type) -> str:
    """The SQL table a struct belongs to, or its class name for a JSON document."""
    table = getattr(cls, "__table__", None)
    return table if isinstance(table, str) else cls.__name__


def provided_fields(value: msgspec.Struct) -> dict[str, Any]:
    """The fields of an insert or update struct that were given (not UNSET), in column order."""
    return {name: v for name in value.__struct_fields__ if (v := getattr(value, name)) is not UNSET}


_UNKNOWN_FIELD = "Object contains unknown field `"
_MISSING_FIELD = "Object missing required field `"


def validation_error(exc: msgspec.ValidationError, table: str) -> ValidationError:
    """Turn a msgspec decode error ("... - at `$.tier`") into a ValidationError naming the field."""
    cause = exc.__cause__
    if isinstance(cause, ValidationError):
        # Raised by __post_init__ during decoding; it already names table and field.
        return cause
    message = str(exc)
    path = ""
    head, sep, tail = message.rpartition(" - at `")
    if sep and tail.endswith("`"):
        message, path = head, tail[:-1]
    # "$.metadata.exif.gpsLatitude" → "metadata.exif.gpsLatitude"; "$[0]" (array input) → "[0]".
    path = path[2:] if path.startswith("$.") else path[1:] if path.startswith("$") else path
    for prefix, reason in ((_UNKNOWN_FIELD, "unknown field"), (_MISSING_FIELD, "is required")):
        if message.startswith(prefix) and message.endswith("`"):
            name = message[len(prefix) : -1]
            path = f"{path}.{name}" if path else name
            message = reason
            break
    else:
        message = message[:1].lower() + message[1:]
    field = path.split(".", 1)[0].split("[", 1)[0] or None
    where = f"{table}.{path}" if path else table
    return ValidationError(f"{where}: {message}", field=field)


_S = TypeVar("_S", bound=msgspec.Struct)


def validate(cls: type[_S], data: Any) -> _S:
    """Build ``cls`` from plain Python data (a dict from a request), raising ValidationError."""
    try:
        return msgspec.convert(data, cls, dec_hook=decode_hook)
    except msgspec.ValidationError as exc:
        raise validation_error(exc, table_or_name(cls)) from exc
    except UnicodeEncodeError:
        raise lone_surrogate_error(data, table_or_name(cls)) from None


def lone_surrogate_error(data: Any, table: str) -> ValidationError:
    """The error for input msgspec could not read because a string is not valid UTF-8.

    msgspec encodes a key, or a string it parses (a date, a struct tag), as UTF-8 before
    looking at it, and raises UnicodeEncodeError on a lone surrogate; this finds the first
    such string in ``data`` and names its place, as the field checks do.
    """
    found = _first_surrogate(data, "", 0)
    if found is None:
        return ValidationError(f"{table}: contains a lone surrogate, which is not valid UTF-8")
    path, reason = found
    field = path.split(".", 1)[0].split("[", 1)[0] or None
    return ValidationError(
        f"{table}.{path}: {reason}" if path else f"{table}: {reason}", field=field
    )


def _first_surrogate(value: Any, path: str, depth: int) -> tuple[str, str] | None:
    if depth > 200:  # deeper input is refused for its depth before its text is read
        return None
    if isinstance(value, str):
        reason = text_problem(value, max_bytes=len(value) * 4)
        return (path, reason) if reason is not None and "surrogate" in reason else None
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if isinstance(key, str):
                reason = text_problem(key, max_bytes=len(key) * 4)
                if reason is not None and "surrogate" in reason:
                    return where.encode("utf-8", "backslashreplace").decode(), f"key {reason}"
            found = _first_surrogate(item, where, depth + 1)
            if found is not None:
                return found
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            found = _first_surrogate(item, f"{path}[{index}]", depth + 1)
            if found is not None:
                return found
    return None


def validate_json(cls: type[_S], data: bytes | str) -> _S:
    """Decode ``cls`` from JSON text, raising ValidationError on malformed or ill-typed input."""
    try:
        return msgspec.json.decode(data, type=cls, dec_hook=decode_hook)
    except msgspec.ValidationError as exc:
        raise validation_error(exc, table_or_name(cls)) from exc
    except msgspec.DecodeError as exc:
        raise ValidationError(f"{table_or_name(cls)}: malformed JSON: {exc}") from exc
