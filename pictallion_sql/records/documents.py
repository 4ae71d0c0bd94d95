"""JSON documents kept whole, with typed access to the keys the application knows.

A document is a ``dict`` of the decoded JSON tree: every key and every value stays exactly as
stored (unknown keys at any depth, an integer stays an integer), so reading a record and
writing it back loses nothing, and ``msgspec`` encodes it natively as the object it is.

Declared fields (``camera: str | UnsetType = UNSET``) become typed attributes over the tree:
``exif.camera`` is the stored ``"camera"`` value when it has the declared type, and UNSET
when the key is absent or holds a value of another type, so a loosely typed legacy document
never makes a row unreadable (its raw value stays reachable as ``exif["camera"]``). A nested
document is converted on first access and kept in the tree in place of the plain ``dict``,
so changing it changes the document. Assigning an attribute checks the value's type.

On write, every document must fit the storage limits (:mod:`pictallion_sql.limits`). A
document built in Python or given as a plain ``dict`` is also type-checked on its known
keys; a document read from the database is trusted as it was stored (its odd legacy values
write back unchanged), and only what is assigned to it through typed attributes is checked.
"""

from __future__ import annotations

import functools
import inspect
import math
import operator
from collections.abc import Callable, Mapping
from types import NoneType, UnionType
from typing import (
    Any,
    ClassVar,
    Literal,
    TypeVar,
    Union,
    dataclass_transform,
    get_args,
    get_origin,
    get_type_hints,
)

import msgspec
from msgspec import UNSET, UnsetType

from pictallion_sql.errors import ValidationError
from pictallion_sql.limits import (
    INT8_MAX,
    INT8_MIN,
    MAX_DOCUMENT_BYTES,
    MAX_JSON_DEPTH,
    json_problem,
)

__all__ = [
    "Document",
    "DocumentProblem",
    "decode_hook",
    "document_check",
    "document_loader",
    "document_or_list",
    "document_schema",
    "number_list_problem",
]

_D = TypeVar("_D", bound="Document")
_json_decode = msgspec.json.Decoder().decode
_json_encode = msgspec.json.encode


class DocumentProblem(Exception):
    """A document that cannot be written; ``path`` locates the value (``.exif.iso``)."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _type_name(value: object) -> str:
    return "null" if value is None else type(value).__name__


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


class _Key:
    """One declared key: how its stored value is read, and which values it accepts."""

    __slots__ = (
        "accepts",
        "document",
        "exact",
        "expected",
        "item_types",
        "items",
        "key",
        "name",
        "nullable",
        "scalars",
    )

    def __init__(self, name: str, annotation: Any) -> None:
        self.name = name
        self.key = _camel(name)
        members = [m for m in _union_members(annotation) if m is not UnsetType]
        self.nullable = NoneType in members
        # A nested document (``ai``), or a list of them (``detectedObjects``).
        self.document: type[Document] | None = None
        self.items: type[Document] | None = None
        # Exact types read as they are with no further test (the fast path of reading), and
        # for a list of scalars, the exact item types its items may all have.
        exact: set[type] = set()
        self.item_types: frozenset[type] | None = None
        tests: list[Callable[[Any], bool]] = []
        for member in members:
            if _is_document(member):
                self.document = member
            elif get_origin(member) is list and _is_document(get_args(member)[0]):
                self.items = get_args(member)[0]
            elif get_origin(member) is list and get_args(member)[0] in _EXACT:
                self.item_types = _EXACT[get_args(member)[0]]
            exact |= _EXACT.get(member, frozenset())
            if _is_document(member):
                exact.add(member)
            tests.append(_value_test(member))
        self.exact = frozenset(exact)
        self.scalars = frozenset(t for t in exact if not _is_document(t))
        self.accepts: Callable[[Any], bool] = (
            tests[0] if len(tests) == 1 else lambda value: any(test(value) for test in tests)
        )
        self.expected = " or ".join(_describe(m) for m in members)

    def read(self, owner: Document, value: Any) -> Any:
        """The typed value of a stored ``value`` that is not of an exact type."""
        kind = type(value)
        if kind is list:
            items = self.items
            if items is not None:
                kinds = set(map(type, value))
                if kinds <= {items}:
                    return value
                if not all(isinstance(item, dict) for item in value):
                    return UNSET
                trusted = owner._trusted
                for index, item in enumerate(value):
                    if type(item) is not items:
                        value[index] = items._adopt(item, trusted)
                return value
            item_types = self.item_types
            if item_types is not None and set(map(type, value)) <= item_types:
                return value
        document = self.document
        if document is not None and isinstance(value, dict):
            converted = document._adopt(value, owner._trusted)
            dict.__setitem__(owner, self.key, converted)
            return converted
        return value if self.accepts(value) else UNSET


# Exact types of JSON values that are of a declared scalar type (bool is not a number).
_EXACT: dict[Any, frozenset[type]] = {
    str: frozenset({str}),
    float: frozenset({float, int}),
    int: frozenset({int}),
    bool: frozenset({bool}),
    NoneType: frozenset({NoneType}),
}


def _is_document(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, Document)


def _union_members(tp: Any) -> list[Any]:
    if get_origin(tp) in (Union, UnionType):
        return [m for arg in get_args(tp) for m in _union_members(arg)]
    return [tp]


def _describe(tp: Any) -> str:
    if tp is NoneType:
        return "null"
    if tp is float:
        return "a number"
    if tp is Any:
        return "any JSON value"
    origin = get_origin(tp)
    if origin is Literal:
        return "one of " + ", ".join(repr(v) for v in get_args(tp))
    if origin is not None:
        return f"{origin.__name__}[{', '.join(_describe(a) for a in get_args(tp))}]"
    if _is_document(tp):
        return f"an object ({tp.__name__})"
    return str(getattr(tp, "__name__", tp))


def _value_test(tp: Any) -> Callable[[Any], bool]:
    """Whether a JSON value is of type ``tp`` (bool is not a number, int is a float)."""
    if tp is NoneType:
        return lambda value: value is None
    if tp is str:
        return lambda value: isinstance(value, str)
    if tp is bool:
        return lambda value: isinstance(value, bool)
    if tp is int:
        return lambda value: isinstance(value, int) and not isinstance(value, bool)
    if tp is float:
        return _is_number
    if tp is Any:
        return lambda value: True
    origin = get_origin(tp)
    if origin is Literal:
        allowed = get_args(tp)
        return lambda value: isinstance(value, str) and value in allowed
    if origin is list:
        (item_type,) = get_args(tp)
        item_test = _value_test(item_type)
        return lambda value: isinstance(value, list) and all(map(item_test, value))
    if origin is dict:
        value_test = _value_test(get_args(tp)[1])
        return lambda value: (
            isinstance(value, dict)
            and all(isinstance(k, str) for k in value)
            and all(map(value_test, value.values()))
        )
    if _is_document(tp):
        return lambda value: isinstance(value, dict)
    raise TypeError(f"no JSON type test for {tp!r}")


class _Field:
    """The attribute of one declared key."""

    __slots__ = ("exact", "key", "spec")

    def __init__(self, spec: _Key) -> None:
        self.spec = spec
        self.key = spec.key
        self.exact = spec.exact

    def __get__(self, owner: Document | None, cls: type | None = None) -> Any:
        if owner is None:
            return self
        value = dict.get(owner, self.key, UNSET)
        if type(value) in self.exact:
            return value
        if value is UNSET:
            return UNSET
        return self.spec.read(owner, value)

    def __set__(self, owner: Document, value: Any) -> None:
        spec = self.spec
        if value is UNSET:
            dict.pop(owner, spec.key, None)
            return
        if not spec.accepts(value):
            raise ValidationError(
                f"{type(owner).__name__}.{spec.key}: expected {spec.expected}, "
                f"got {_type_name(value)}",
                field=spec.key,
            )
        # A plain object placed in a document is new input, checked on write like any
        # document built in Python (not trusted as if it had been read with its parent).
        if spec.document is not None and type(value) is dict:
            value = spec.document.from_tree(value)
        elif spec.items is not None:
            value = [spec.items.from_tree(i) if type(i) is dict else i for i in value]
        dict.__setitem__(owner, spec.key, value)

    def __delete__(self, owner: Document) -> None:
        dict.pop(owner, self.spec.key, None)


@dataclass_transform(kw_only_default=True, eq_default=False)
class Document(dict[str, Any]):
    """A JSON object kept whole; subclasses declare the keys the application knows.

    Build one with keyword arguments of the declared fields (snake_case names; the stored
    keys are camelCase), or from a whole JSON tree with ``from_tree``. Equality is that of
    the JSON objects.
    """

    __slots__ = ("_trusted",)
    __keys__: ClassVar[dict[str, _Key]] = {}
    """Stored (camelCase) key → its declaration."""
    __fields__: ClassVar[dict[str, _Key]] = {}
    """Attribute (snake_case) name → its declaration."""

    _trusted: bool

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        hints = get_type_hints(cls)
        own = [name for name in inspect.get_annotations(cls) if not name.startswith("_")]
        specs = {**cls.__fields__}
        for name in own:
            if get_origin(hints[name]) is ClassVar:
                continue
            spec = _Key(name, hints[name])
            specs[name] = spec
            setattr(cls, name, _Field(spec))
        cls.__fields__ = specs
        cls.__keys__ = {spec.key: spec for spec in specs.values()}

    def __init__(self, tree: Mapping[str, Any] | None = None, /, **fields: Any) -> None:
        if tree is None:
            dict.__init__(self)
        else:
            dict.__init__(self, tree)
        self._trusted = False
        known = self.__fields__
        for name, value in fields.items():
            if name not in known:
                raise TypeError(f"{type(self).__name__} has no field {name!r}")
            if value is not UNSET:
                setattr(self, name, value)

    @classmethod
    def from_tree(cls: type[_D], tree: Mapping[str, Any]) -> _D:
        """The document over a decoded JSON object (shallow: nested values are shared)."""
        return cls(tree)

    @classmethod
    def _adopt(cls: type[_D], tree: Mapping[str, Any], trusted: bool) -> _D:
        doc = dict.__new__(cls)
        dict.update(doc, tree)
        doc._trusted = trusted
        return doc

    def __repr__(self) -> str:
        return f"{type(self).__name__}({dict.__repr__(self)})"

    def __copy__(self: _D) -> _D:
        return type(self)._adopt(self, self._trusted)

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self).from_tree, (dict(self),))


def document_or_list(name: str, object_type: type[Document], item_type: type[Document]) -> type:
    """A runtime stand-in for ``object_type | list[item_type]`` in record annotations.

    msgspec refuses unions of a custom type with other types, so such a column is annotated
    with this class; ``isinstance`` tells both forms, and the loaders and checks build them.
    """

    class _Meta(type):
        def __instancecheck__(cls, value: Any) -> bool:
            return isinstance(value, object_type) or (
                type(value) is list and all(isinstance(item, item_type) for item in value)
            )

    return _Meta(
        name,
        (),
        {
            "__doc__": f"{object_type.__name__} or a list of {item_type.__name__}.",
            "__object_type__": object_type,
            "__item_type__": item_type,
            "__module__": object_type.__module__,
        },
    )


def _either_types(tp: Any) -> tuple[type[Document], type[Document]] | None:
    object_type = getattr(tp, "__object_type__", None)
    item_type = getattr(tp, "__item_type__", None)
    if object_type is None or item_type is None:
        return None
    return object_type, item_type


# -- reading ----------------------------------------------------------------------------------


def document_loader(annotation: Any) -> Callable[[Any], Any] | None:
    """How stored JSON text becomes the value of a field annotated ``annotation``, or None.

    Documents and any list or dict column decode as the JSON tree they are: a value of an
    unexpected type is kept as stored rather than refused.
    """
    members = [m for m in _union_members(annotation) if m is not NoneType]
    if len(members) != 1:
        return None
    (member,) = members
    if _is_document(member):
        return _object_loader(member)
    either = _either_types(member)
    if either is not None:
        return _either_loader(*either)
    if get_origin(member) is list and get_args(member) in ((float,), (int,)):
        return _decode_tree
    return None


# PostgreSQL's jsonb keeps numbers as numeric and prints a float such as 1e300 as its integer
# digits. Integers beyond 64 bits cannot have been written through the library (the limits
# refuse them), so a stored one is read as the float it stands for; one of 64 bits or fewer
# comes back as an int equal to the float that was written (1e16 == 10**16).
_DIGITS_AS_ZERO = bytes.maketrans(b"123456789", b"000000000")
_LONG_NUMBER = b"0" * 19
_FRACTION_RUN = b"." + _LONG_NUMBER


def _decode_tree(raw: Any) -> Any:
    tree = _json_decode(raw)
    # Only jsonb (bytes) rewrites numbers; SQLite keeps the JSON text as it was written.
    # A cheap test in C (inline: it runs for every JSON value read) passes the tree as it
    # is unless a run of 19 digits may be an integer. jsonb prints a small float such as
    # 1.5e-05 in positional form (0.000015), so the long runs of an embedding are
    # fractions, each right after its point; a run that is not (a long integer, or digits
    # in a string) sends the tree to the walk.
    if type(raw) is bytes:
        digits = raw.translate(_DIGITS_AS_ZERO)
        runs = digits.count(_LONG_NUMBER)
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
            digits = raw.translate(_DIGITS_AS_ZERO)
            runs = digits.count(_LONG_NUMBER)
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
    if _is_document(tp):
        if isinstance(value, dict):
            return value if isinstance(value, tp) else tp.from_tree(value)
        raise ValueError(f"expected an object, got {_type_name(value)}")
    either = _either_types(tp)
    if either is not None:
        object_type, item_type = either
        if isinstance(value, dict):
            return object_type.from_tree(value)
        if isinstance(value, list):
            items = []
            for index, item in enumerate(value):
                if not isinstance(item, dict):
                    raise ValueError(f"item {index}: expected an object, got {_type_name(item)}")
                items.append(item if isinstance(item, item_type) else item_type.from_tree(item))
            return items
        raise ValueError(f"expected an object or a list, got {_type_name(value)}")
    raise NotImplementedError(f"no decoder for {tp!r}")


# -- writing ----------------------------------------------------------------------------------


def document_check(tp: Any) -> Callable[[Any], Any] | None:
    """The write check of a document-typed input field, or None for other types.

    The check takes the given document (or, for a document-or-list column, the list of
    item documents), raises DocumentProblem at the first value that cannot be written, and
    returns the value.
    """
    if _is_document(tp):
        return lambda value: _check_object(tp, value)
    either = _either_types(tp)
    if either is not None:
        object_type, item_type = either

        def check(value: Any) -> Any:
            if isinstance(value, list):
                for index, item in enumerate(value):
                    if not isinstance(item, item_type):
                        raise DocumentProblem(
                            f"[{index}]", f"expected {item_type.__name__}, got {_type_name(item)}"
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
        raise DocumentProblem("", f"expected {cls.__name__}, got {_type_name(value)}")
    if not _well_typed(cls, value):
        _check_types(cls, value, "")
    _check_limits(value)
    return value


_SCHEMAS: dict[type[Document], type[msgspec.Struct]] = {}


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
    members = _union_members(tp)
    if len(members) > 1:
        return functools.reduce(operator.or_, [_schema_type(m) for m in members])
    if _is_document(tp):
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
        and _LONG_NUMBER not in encoded.translate(_DIGITS_AS_ZERO)
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
                        f"{where}[{index}]", f"expected an object, got {_type_name(item)}"
                    )
        elif not trusted and not spec.accepts(value):
            raise DocumentProblem(where, f"expected {spec.expected}, got {_type_name(value)}")


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
