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

This module declares documents; ``document_loading.py`` reads them from stored JSON and
``document_checks.py`` checks them before they are written.
"""

from __future__ import annotations

import inspect
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

from msgspec import UNSET, UnsetType

from pictallion_sql.errors import ValidationError

__all__ = [
    "Document",
    "DocumentProblem",
    "document_or_list",
    "either_types",
    "is_document",
    "type_name",
    "union_members",
]

_D = TypeVar("_D", bound="Document")


class DocumentProblem(Exception):
    """A document that cannot be written; ``path`` locates the value (``.exif.iso``)."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def type_name(value: object) -> str:
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
        members = [m for m in union_members(annotation) if m is not UnsetType]
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
            if is_document(member):
                self.document = member
            elif get_origin(member) is list and is_document(get_args(member)[0]):
                self.items = get_args(member)[0]
            elif get_origin(member) is list and get_args(member)[0] in _EXACT:
                self.item_types = _EXACT[get_args(member)[0]]
            exact |= _EXACT.get(member, frozenset())
            if is_document(member):
                exact.add(member)
            tests.append(_value_test(member))
        self.exact = frozenset(exact)
        self.scalars = frozenset(t for t in exact if not is_document(t))
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


def is_document(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, Document)


def union_members(tp: Any) -> list[Any]:
    if get_origin(tp) in (Union, UnionType):
        return [m for arg in get_args(tp) for m in union_members(arg)]
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
    if is_document(tp):
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
    if is_document(tp):
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
                f"got {type_name(value)}",
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


def either_types(tp: Any) -> tuple[type[Document], type[Document]] | None:
    object_type = getattr(tp, "__object_type__", None)
    item_type = getattr(tp, "__item_type__", None)
    if object_type is None or item_type is None:
        return None
    return object_type, item_type
