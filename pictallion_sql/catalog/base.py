"""The generic calls every repository has: create, get, get_multi, stream_all, update, remove,
count, exists.

The first argument of every call is ``db``: a :class:`~pictallion_sql.database.Database`
(a pooled connection is taken for the call) or a
:class:`~pictallion_sql.database.Connection` (for example one inside a transaction).
"""

from __future__ import annotations

import operator
import os
import re
import struct
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from functools import cache
from itertools import compress, repeat
from operator import attrgetter, is_, is_not
from types import UnionType
from typing import (
    Annotated,
    Any,
    Generic,
    Literal,
    TypeVar,
    Union,
    get_args,
    get_origin,
    overload,
)

import msgspec
from msgspec import UNSET, UnsetType

from pictallion_sql.cache.base import CACHED_TABLES, codec_for
from pictallion_sql.catalog.audit import AUDITED_TABLES, audit_on, audited_remove, audited_update
from pictallion_sql.catalog.batch_clock import batch_times
from pictallion_sql.catalog.pages import Keyset, Page
from pictallion_sql.drivers.arguments import JsonText
from pictallion_sql.drivers.base import DEFAULT_BATCH_SIZE, Executor, RecordStream
from pictallion_sql.errors import ValidationError
from pictallion_sql.limits import (
    INT8_MAX,
    MAX_INDEXED_TEXT_BYTES,
    MAX_TEXT_BYTES,
    shown,
    text_problem,
)
from pictallion_sql.models import (
    IMPORT_TYPES,
    decode_hook,
    lone_surrogate_error,
    provided_fields,
    validate,
    validation_error,
)
from pictallion_sql.query.bulk import CREATION_TIMES
from pictallion_sql.query.dynamic import insert_query, update_query
from pictallion_sql.query.named import queries
from pictallion_sql.records.checks import checked_columns, unchecked

__all__ = ["Repository", "check_count", "check_id", "check_page", "check_text", "utc_now"]

_astuple = msgspec.structs.astuple

RowT = TypeVar("RowT", bound=msgspec.Struct)
S = TypeVar("S", bound=msgspec.Struct)
InsertT = TypeVar("InsertT", bound=msgspec.Struct)
UpdateT = TypeVar("UpdateT", bound=msgspec.Struct)


# The first column of each table's get_multi order (then id); created_at elsewhere.
_LISTING_KEY = {"asset_history": "timestamp", "collection_photos": "added_at", "users": "username"}


def utc_now() -> datetime:
    """The application clock as naive UTC, the form every timestamp column holds."""
    return datetime.now(UTC).replace(tzinfo=None)


def check_count(name: str, value: Any) -> None:
    """Reject a ``skip``/``limit``-like argument that is not an integer from 0 to 2**63 - 1."""
    if type(value) is not int or not 0 <= value <= INT8_MAX:
        raise ValidationError(
            f"{name} must be an integer from 0 to {INT8_MAX}, got {shown(value)}", field=name
        )


def check_page(skip: int, limit: int) -> None:
    """Reject a ``skip``/``limit`` that is not an integer from 0 to 2**63 - 1 before SQL."""
    check_count("skip", skip)
    check_count("limit", limit)


def check_text(name: str, value: str, max_bytes: int = MAX_TEXT_BYTES) -> str:
    """Reject text no column can hold on both dialects (NUL, lone surrogates, too long).

    ``value`` is already known to be a str; short ASCII, the usual case, costs two scans.
    """
    if not (value.isascii() and len(value) <= max_bytes and "\x00" not in value):
        reason = text_problem(value, max_bytes)
        if reason is not None:
            raise ValidationError(f"{name} {reason}", field=name)
    return value


def check_id(name: str, value: Any) -> None:
    """Reject an id that is not a string (ids are UUID strings) or that no key column can hold."""
    if type(value) is not str:
        raise ValidationError(f"{name} must be a string id, got {type(value).__name__}", field=name)
    check_text(name, value, MAX_INDEXED_TEXT_BYTES)


# Each id's version byte (6) and variant byte (8), set by one translation of every 16th byte.
_VERSION_4 = bytes((b & 0x0F) | 0x40 for b in range(256))
_RFC_4122 = bytes((b & 0x3F) | 0x80 for b in range(256))
_uuid_parts = struct.Struct("8s4s4s4s12s").iter_unpack  # the hex digits of each part


def new_ids(count: int) -> list[str]:
    """``count`` random version-4 UUID strings, formatted like ``str(uuid.uuid4())``.

    One ``os.urandom`` call for the whole batch and a few C calls per id: a seventh of the
    cost of ``uuid4()`` (measured at 0.3 against 2.3 microseconds).
    """
    raw = bytearray(os.urandom(16 * count))
    raw[6::16] = raw[6::16].translate(_VERSION_4)
    raw[8::16] = raw[8::16].translate(_RFC_4122)
    return list(map(bytes.decode, map(b"%s-%s-%s-%s-%s".__mod__, _uuid_parts(raw.hex().encode()))))


# A date alone ("1990-07-02", what an HTML date input posts) means midnight UTC, as
# JavaScript's Date reads it; msgspec itself accepts only full RFC 3339 timestamps.
_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")


@cache
def _timestamp_fields(kind: type[msgspec.Struct]) -> frozenset[str]:
    return frozenset(f.name for f in msgspec.structs.fields(kind) if _holds_datetime(f.type))


def _holds_datetime(tp: Any) -> bool:
    """Whether an annotation (a union, maybe Annotated) takes a datetime."""
    origin = get_origin(tp)
    if origin is Union or origin is UnionType:
        return any(map(_holds_datetime, get_args(tp)))
    if origin is Annotated:
        return _holds_datetime(get_args(tp)[0])
    return tp is datetime


def _full_dates(kind: type[msgspec.Struct], obj_in: Mapping[str, Any]) -> dict[str, Any]:
    values = dict(obj_in)
    for name in _timestamp_fields(kind) & values.keys():
        value = values[name]
        if isinstance(value, str) and _DATE_ONLY.fullmatch(value):
            values[name] = value + "T00:00:00"
    return values


def _grouped(
    fields: tuple[str, ...],
    stamped: tuple[str, ...],
    columns: Sequence[Sequence[Any]],
    ids: list[str],
    times: list[datetime],
) -> dict[tuple[str, ...], list[tuple[Any, ...]]]:
    """Rows that give different fields, grouped by the fields each gives (in input order)."""
    groups: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
    names_of: dict[tuple[bool, ...], list[tuple[Any, ...]]] = {}
    for values, new_id, at in zip(zip(*columns, strict=True), ids, times, strict=True):
        given = tuple(map(is_not, values, repeat(UNSET)))
        group = names_of.get(given)
        if group is None:
            names = ("id", *compress(fields, given), *stamped)
            group = names_of[given] = groups.setdefault(names, [])
        group.append((new_id, *compress(values, given), *((at,) * len(stamped))))
    return groups


class Repository(Generic[RowT, InsertT, UpdateT]):
    """Generic calls for one table; subclasses add the table's own queries."""

    def __init__(self, row: type[RowT], insert: type[InsertT], update: type[UpdateT]) -> None:
        self.row = row
        self.insert_type = insert
        self.update_type = update
        self.table: str = row.__table__  # type: ignore[attr-defined]
        self.import_type: type[msgspec.Struct] = IMPORT_TYPES[self.table]
        self._touches_updated_at = "updated_at" in row.__struct_fields__
        # The creation-time columns create_many stamps (batch_clock); callers never set them.
        self._stamped = tuple(
            name
            for name in CREATION_TIMES
            if name in row.__struct_fields__ and name not in insert.__struct_fields__
        )
        self._get = queries.one(f"{self.table}.get", row)
        self._get_multi = queries.rows(f"{self.table}.get_multi", row)
        key = _LISTING_KEY.get(self.table, "created_at")
        self._multi_pages = Keyset(
            f"{self.table}.multi",
            self._get_multi,
            queries.rows(f"{self.table}.get_multi_after", row),
            (f"after_{key}", "after_id"),
            (str if key == "username" else datetime, str),
            operator.attrgetter(key, "id"),
        )
        self._stream_all = queries.rows(f"{self.table}.stream_all", row)
        self._count = queries.scalar(f"{self.table}.count", int)
        self._exists = queries.scalar(f"{self.table}.exists", bool)
        self._remove = queries.one(f"{self.table}.remove", row)
        self._cached = self.table in CACHED_TABLES  # get by id may use the read cache
        # An insert input's field values by name, as a tuple (a subclass may add fields).
        fields = insert.__struct_fields__
        self._field_values: Any = (
            attrgetter(*fields) if len(fields) > 1 else lambda obj: (getattr(obj, fields[0]),)
        )

    async def create(self, db: Executor, *, obj_in: InsertT | Mapping[str, Any]) -> RowT:
        """Insert one row; fields not given take the column default. Returns the row."""
        values = self.insert_values(obj_in)
        query = insert_query(self.table, self.row, tuple(values))
        return await db.run_atomic(query, **values)

    @overload
    async def create_many(
        self,
        db: Executor,
        *,
        objs: Sequence[InsertT | Mapping[str, Any]],
        returning: Literal[True] = True,
    ) -> list[RowT]: ...

    @overload
    async def create_many(
        self,
        db: Executor,
        *,
        objs: Sequence[InsertT | Mapping[str, Any]],
        returning: Literal[False],
    ) -> list[str]: ...

    async def create_many(
        self,
        db: Executor,
        *,
        objs: Sequence[InsertT | Mapping[str, Any]],
        returning: bool = True,
    ) -> list[RowT] | list[str]:
        """Insert several rows atomically (one COPY or executemany per column set).

        Returns the new rows in input order; fields not given take the column default,
        except the creation time (``created_at``, ``updated_at``, ``timestamp``,
        ``added_at``): distinct and increasing in input order (see ``batch_clock``).
        With ``returning=False`` nothing is read back: the result is the new ids, in input
        order (the cheapest bulk load). A failure (validation, foreign key, duplicate)
        inserts nothing.
        """
        if isinstance(objs, str | bytes | Mapping) or not isinstance(objs, Sequence):
            raise ValidationError("objs must be a list of rows to insert", field="objs")
        if not objs:
            return []
        # Only the values are kept, a tuple per row: no checked struct or dict per row
        # stays alive while the rows are written (fewer collector passes over the heap).
        ids, groups = self._new_rows(objs, encoded_documents=not returning)
        if not returning:
            await db.insert_groups(self.table, groups)
            return ids
        rows = [
            dict(zip(names, row, strict=True)) for names, group in groups.items() for row in group
        ]
        by_id = {row.id: row for row in await db.insert_many(self.table, self.row, rows)}
        return [by_id[new_id] for new_id in ids]

    def _new_rows(
        self, objs: Sequence[Any], *, encoded_documents: bool
    ) -> tuple[list[str], dict[tuple[str, ...], list[tuple[Any, ...]]]]:
        """The new ids in input order, and the rows grouped by the columns they give.

        A row is a new id, the input's given fields (those not UNSET, ``provided_fields``)
        and the creation times last. ``encoded_documents``: a column of documents goes as
        the JSON its check encoded (``JsonText``), not to be encoded again.
        """
        columns, encodings = self._input_columns(objs, documents=not encoded_documents)
        if encoded_documents:
            for index, encoded in encodings.items():
                columns[index] = list(map(JsonText, encoded))
        fields = self.insert_type.__struct_fields__
        stamped = self._stamped
        count = len(objs)
        ids = new_ids(count)
        times = batch_times(count)
        names: list[str] = ["id"]
        given: list[Sequence[Any]] = [ids]
        for name, values in zip(fields, columns, strict=True):
            kinds = set(map(type, values))
            if UnsetType not in kinds:
                names.append(name)
                given.append(values)
            elif len(kinds) > 1:  # some rows give the field, others not
                return ids, _grouped(fields, stamped, columns, ids, times)
        names.extend(stamped)
        given.extend(repeat(times, len(stamped)))
        return ids, {tuple(names): list(zip(*given, strict=True))}

    def _input_columns(
        self, objs: Sequence[Any], *, documents: bool = True
    ) -> tuple[list[Sequence[Any]], dict[int, list[bytes]]]:
        """The checked values of every field of the insert type, a column per field, and
        the JSON encodings of the columns made of documents, by field index.
        ``documents`` False: a document given as a plain dict may stay that dict.

        Plain mappings, the usual call, are converted by msgspec in one call without the
        checks of each row, then checked a column at a time (``checked_columns``); when
        that fails or cannot decide, the rows are built one by one as the insert type,
        whose error names the first bad row and field.
        """
        kind = self.insert_type
        loose = unchecked(kind)
        if loose is not None and all(map(is_, map(type, objs), repeat(dict))):
            dated = _timestamp_fields(kind)
            mappings = [_full_dates(kind, obj) for obj in objs] if dated else objs
            try:
                rows = msgspec.convert(mappings, list[loose], dec_hook=decode_hook)  # type: ignore[valid-type]
            except (msgspec.ValidationError, UnicodeEncodeError):
                rows = None
            if rows is not None:
                columns = list(zip(*map(_astuple, rows), strict=True))
                checked = checked_columns(kind, columns, documents=documents)
                if checked is not None:
                    return checked
        inputs = self._inputs(objs, kind, "objs")
        return list(zip(*map(self._field_values, inputs), strict=True)), {}

    @overload
    async def import_rows(
        self,
        db: Executor,
        *,
        rows: Sequence[RowT | Mapping[str, Any]],
        returning: Literal[True] = True,
    ) -> list[RowT]: ...

    @overload
    async def import_rows(
        self,
        db: Executor,
        *,
        rows: Sequence[RowT | Mapping[str, Any]],
        returning: Literal[False],
    ) -> list[str]: ...

    async def import_rows(
        self,
        db: Executor,
        *,
        rows: Sequence[RowT | Mapping[str, Any]],
        returning: bool = True,
    ) -> list[RowT] | list[str]:
        """Insert whole rows that keep their ``id`` and timestamps, atomically.

        Each row is a record of this table as read from any database (``FileVersion``...)
        or a mapping of columns. ``id`` is required; ``created_at``, ``updated_at`` (and
        ``added_at``, ``timestamp``) are kept when given, the column default otherwise;
        every other column is checked by the insert rules of :meth:`create` (a stored
        ``processing_state`` of ``'unprocessed'`` is accepted). Written as
        :meth:`create_many` writes (one COPY or executemany per column set). Returns the
        rows in input order, or with ``returning=False`` their ids. A failure (validation,
        an id that exists, a missing parent row) inserts nothing.
        """
        if isinstance(rows, str | bytes | Mapping) or not isinstance(rows, Sequence):
            raise ValidationError("rows must be a list of rows to import", field="rows")
        values = [provided_fields(obj) for obj in self._inputs(rows, self.import_type, "rows")]
        if not values:
            return []
        if not returning:
            await db.insert_many(self.table, None, values)
            return [row["id"] for row in values]
        by_id = {row.id: row for row in await db.insert_many(self.table, self.row, values)}
        return [by_id[row["id"]] for row in values]

    def _inputs(self, objs: Sequence[Any], kind: type[S], label: str) -> list[S]:
        """Every input as a validated ``kind`` struct, the mappings converted in one call.

        One ``msgspec.convert`` of the whole list costs less than one per row; when it
        fails, the rows are validated one by one so the error names the first bad row.
        """
        if not _timestamp_fields(kind) and all(type(obj) is dict for obj in objs):
            mappings: list[Any] = list(objs)  # the usual call: plain dicts, nothing to rewrite
            return self._converted(objs, mappings, kind, label)
        given: list[S | None] = []
        mappings = []
        for index, obj in enumerate(objs):
            if isinstance(obj, kind):
                try:
                    obj.revalidate()  # type: ignore[attr-defined]
                except ValidationError as exc:
                    raise ValidationError(f"{label}[{index}]: {exc}", field=exc.field) from None
                given.append(obj)
            elif kind is self.import_type and isinstance(obj, self.row):
                given.append(self._row_to_import(f"{label}[{index}]", obj))
            elif isinstance(obj, Mapping):
                given.append(None)
                mappings.append(_full_dates(kind, obj))
            else:
                expected = self.row.__name__ if kind is self.import_type else kind.__name__
                raise ValidationError(
                    f"{label}[{index}]: {self.table}: expected {expected} or a mapping, "
                    f"got {type(obj).__name__}"
                )
        converted = iter(self._converted(objs, mappings, kind, label))
        return [next(converted) if obj is None else obj for obj in given]

    def _row_to_import(self, where: str, row: RowT) -> Any:
        """A row as read from a database, as an import struct (its fields checked)."""
        try:
            return self.import_type(**{name: getattr(row, name) for name in row.__struct_fields__})
        except ValidationError as exc:
            where = f"{where} (id {shown(getattr(row, 'id', None))})"
            raise ValidationError(f"{where}: {exc}", field=exc.field) from None

    def _converted(
        self, objs: Sequence[Any], mappings: list[Any], kind: type[S], label: str
    ) -> list[S]:
        """``mappings`` as ``kind`` structs, in one call; a failure names its row in ``objs``."""
        try:
            return msgspec.convert(
                mappings,
                list[kind],  # type: ignore[valid-type]
                dec_hook=decode_hook,
            )
        except (msgspec.ValidationError, UnicodeEncodeError) as exc:
            self._first_invalid(objs, kind, label)
            if isinstance(exc, UnicodeEncodeError):
                raise lone_surrogate_error(mappings, self.table) from None
            # Not reached while one-by-one validation agrees with the batch; kept as a guard.
            raise validation_error(exc, self.table) from None

    def _first_invalid(self, objs: Sequence[Any], kind: type[msgspec.Struct], label: str) -> None:
        """Raise the ValidationError of the first row that fails, prefixed with its index."""
        for index, obj in enumerate(objs):
            try:
                self._coerce(kind, obj)
            except ValidationError as exc:
                raise ValidationError(f"{label}[{index}]: {exc}", field=exc.field) from None

    async def get(self, db: Executor, *, id: str) -> RowT | None:
        """The row with ``id``, or None."""
        check_id("id", id)
        cache = db.read_cache if self._cached else None
        if cache is None:
            return await db.run(self._get, id=id)
        return await cache.get_or_load(
            self.table,
            f"id:{id}",
            codec_for(self.row | None),
            lambda: db.run(self._get, id=id),
        )

    async def get_multi(self, db: Executor, *, skip: int = 0, limit: int = 100) -> list[RowT]:
        """A page of rows in a stable order (oldest first, then by id; users by username)."""
        check_page(skip, limit)
        return await db.run(self._get_multi, skip=skip, limit=limit)

    async def get_multi_page(
        self, db: Executor, *, after: str | None = None, limit: int = 100
    ) -> Page[RowT]:
        """A page of :meth:`get_multi`'s order read by key: ``after`` is the previous page's
        ``next_cursor`` (None for the first page); a deep page costs what the first costs.

        :raises ValidationError: a ``limit`` that is not an integer from 1 (field
            ``limit``), or an ``after`` that is not a cursor of this listing (field ``after``).
        """
        return await self._multi_pages.page(db, after=after, limit=limit, filters={})

    def stream_all(
        self, db: Executor, *, batch_size: int = DEFAULT_BATCH_SIZE
    ) -> RecordStream[RowT]:
        """Every row in ``get_multi``'s order, fetched ``batch_size`` at a time.

        Memory stays bounded by the batch, whatever the table's size::

            async with crud.file_version.stream_all(db) as rows:
                async for row in rows:
                    ...

        On PostgreSQL a server-side cursor reads the rows inside a transaction (the open
        one, or one held for the stream); on SQLite the rows come in batches. Leaving the
        ``async with`` block, even early, closes the cursor and frees the connection.
        """
        return db.stream(self._stream_all, batch_size=batch_size)

    async def update(
        self,
        db: Executor,
        *,
        db_obj: RowT | str,
        obj_in: UpdateT | Mapping[str, Any],
    ) -> RowT | None:
        """Set the given fields of ``db_obj`` (a row or its id); None if it no longer exists.

        Fields not given are left alone; an explicit None writes NULL. Tables with an
        ``updated_at`` column get it set to the current time.
        """
        row_id: object = db_obj if isinstance(db_obj, str) else getattr(db_obj, "id", None)
        check_id("id", row_id)
        values = self.update_values(obj_in)
        query = update_query(self.table, self.row, tuple(values))
        if self.table in AUDITED_TABLES and audit_on(db, self.table):
            params = {"id": row_id, **values}
            return await audited_update(db, self.table, str(row_id), query, params)
        return await db.run_atomic(query, id=row_id, **values)

    async def remove(self, db: Executor, *, id: str) -> RowT | None:
        """Delete the row with ``id``; returns it, or None if there was none."""
        check_id("id", id)
        if self.table in AUDITED_TABLES and audit_on(db, self.table):
            return await audited_remove(db, self.table, id, self._remove)
        return await db.run_atomic(self._remove, id=id)

    async def count(self, db: Executor) -> int:
        """The number of rows in the table."""
        return await db.run(self._count)

    async def exists(self, db: Executor, *, id: str) -> bool:
        """True if a row with ``id`` exists."""
        check_id("id", id)
        return bool(await db.run(self._exists, id=id))

    def insert_values(self, obj_in: InsertT | Mapping[str, Any]) -> dict[str, Any]:
        """The given fields of ``obj_in`` as column values, validated."""
        obj = self._coerce(self.insert_type, obj_in)
        return provided_fields(obj)

    def update_values(self, obj_in: UpdateT | Mapping[str, Any]) -> dict[str, Any]:
        """The given fields of a partial update, validated, plus ``updated_at`` where kept."""
        obj = self._coerce(self.update_type, obj_in)
        values = provided_fields(obj)
        if not values:
            raise ValidationError(f"{self.table}: an update must set at least one field")
        if self._touches_updated_at:
            values["updated_at"] = utc_now()
        return values

    def _coerce(self, kind: type[Any], obj_in: Any) -> Any:
        if isinstance(obj_in, kind):
            obj_in.revalidate()  # its fields may have been set after it was built
            return obj_in
        if isinstance(obj_in, Mapping):
            return validate(kind, _full_dates(kind, obj_in))
        raise ValidationError(
            f"{self.table}: expected {kind.__name__} or a mapping, got {type(obj_in).__name__}"
        )
