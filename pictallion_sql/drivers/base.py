"""What both dialect adapters share: the executor interface, argument binding, row decoding."""

from __future__ import annotations

import contextlib
import logging
import re
import time
import weakref
from abc import ABC, abstractmethod
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, aclosing, asynccontextmanager
from functools import cache
from types import TracebackType
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Self, TypeVar

import msgspec

from pictallion_sql import config
from pictallion_sql.cache.base import CACHED_TABLES
from pictallion_sql.cache.local import LocalResults
from pictallion_sql.config import Dialect, Settings
from pictallion_sql.drivers.pool import Pool
from pictallion_sql.errors import (
    ConnectionLostError,
    DatabaseError,
    PictallionError,
    ValidationError,
)
from pictallion_sql.monitoring.events import FinishedQuery, QueryObserver
from pictallion_sql.monitoring.metrics import PoolStats, QueryMetrics
from pictallion_sql.monitoring.slowlog import log_slow_query
from pictallion_sql.query.bulk import echoed_columns, read_back_query, with_echoed_values
from pictallion_sql.query.registry import CompiledSQL, Query, ResultT
from pictallion_sql.records.documents import decode_hook, document_loader

if TYPE_CHECKING:
    from pictallion_sql.cache.base import RowCache

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "Connection",
    "Database",
    "Decoder",
    "Executor",
    "FinishedQuery",
    "QueryObserver",
    "RecordStream",
    "aborted_error",
    "bind_args",
    "check_columns",
    "interrupted_error",
    "query_log",
    "written_tables",
]

query_log = logging.getLogger("pictallion_sql.query")

Converter = Callable[[Any], Any]
Decoder = Callable[[Any], Any]
T = TypeVar("T")

DEFAULT_BATCH_SIZE = 1000
"""Rows a stream fetches per round trip (PostgreSQL) or per worker-thread call (SQLite)."""


def bind_args(query: Query, compiled: CompiledSQL, params: Mapping[str, Any]) -> list[Any]:
    """The positional arguments of ``compiled``, taken from ``params`` by name."""
    if len(params) != len(query.params):
        _raise_param_mismatch(query, params)
    try:
        return [params[name] for name in compiled.arg_names]
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


def schema_error(query: Query, message: str) -> DatabaseError:
    """A result that does not fit the query's record: a fault of the schema or the SQL,
    for its developers (a 500 to clients), so the message names the query as well."""
    error = DatabaseError(f"query {query.name!r}: {message}")
    error.query = query.name
    return error


def decode_error(query: Query, exc: msgspec.MsgspecError) -> DatabaseError:
    """A stored value that does not fit the query's record (say, a malformed document)."""
    record = getattr(query.record, "__name__", "its result")
    return schema_error(query, f"a stored value does not fit {record}: {exc}")


def record_columns(query: Query) -> tuple[str, ...] | None:
    """The columns ``query`` must return in order, or None when nothing is decoded by position."""
    record = query.record
    if query.returns in ("one", "rows") and isinstance(record, type):
        return getattr(record, "__struct_fields__", None)
    return None


def check_columns(query: Query, columns: Sequence[str]) -> None:
    """Refuse a result whose columns are not the record's fields in order.

    Rows decode by position, which is only right while the SELECT lists exactly the
    record's fields in the same order; a ``SELECT *`` meeting a newly added column, or a
    reordered list, would otherwise shift values silently into the wrong fields.
    """
    expected = record_columns(query)
    if expected is None or tuple(columns) == expected:
        return
    record = getattr(query.record, "__name__", "its record")
    for index, column in enumerate(columns):
        if index >= len(expected) or column != expected[index]:
            wanted = expected[index] if index < len(expected) else "no further column"
            raise schema_error(
                query,
                f"result column {index + 1} is {column!r} where "
                f"{record} expects {wanted!r}; the SELECT must list {record}'s fields in order",
            )
    raise schema_error(query, f"result lacks column {expected[len(columns)]!r} of {record}")


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


_query_log_ready = False


def enable_query_log() -> None:
    """Make the query log visible: ``settings.debug`` needs no logging setup of the caller.

    The ``pictallion_sql.query`` logger is set to DEBUG unless it already logs that much,
    and when no handler anywhere would receive its records, one writing to stderr is added.
    Done once per process; an application's own logging configuration is left alone.
    """
    global _query_log_ready
    _query_log_ready = True
    if query_log.getEffectiveLevel() > logging.DEBUG:
        query_log.setLevel(logging.DEBUG)
    if not query_log.hasHandlers():
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s"))
        query_log.addHandler(handler)


_WRITE_TARGET = re.compile(
    r'\b(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM|COPY)\s+"?(\w+)"?', re.IGNORECASE
)
_NOT_TABLES = frozenset({"set", "skip", "of", "nowait"})  # ON CONFLICT DO UPDATE SET, FOR UPDATE


@cache
def written_tables(query: Query) -> frozenset[str]:
    """The tables ``query`` writes (INSERT, UPDATE, DELETE, COPY), from its SQL text."""
    found = {m.group(1).lower() for m in _WRITE_TARGET.finditer(query.postgres.text)}
    return frozenset(found - _NOT_TABLES)


def log_query(query: Query, duration: float, rows: int, error: str | None) -> None:
    """Log one query's name, duration and row count (never its parameter values)."""
    if not _query_log_ready:
        enable_query_log()
    if error is None:
        query_log.debug("%s %.3f ms %d row(s)", query.name, duration * 1000, rows)
    else:
        query_log.debug("%s %.3f ms failed: %s", query.name, duration * 1000, error)


def _json_decoder(annotation: Any) -> Converter:
    # strict=False: SQLite's json_object() renders booleans as 0/1, and a stored
    # document must never become unreadable over a loosely typed value.
    return msgspec.json.Decoder(annotation, strict=False, dec_hook=decode_hook).decode


def is_json_kind(annotation: Any) -> bool:
    """True for types stored as JSON documents (structs, lists, dicts and unions of them)."""
    if document_loader(annotation) is not None:
        return True
    info = msgspec.inspect.type_info(annotation)
    if isinstance(info, msgspec.inspect.UnionType):
        return any(
            not isinstance(t, msgspec.inspect.NoneType) and _is_json_info(t) for t in info.types
        )
    return _is_json_info(info)


def _is_json_info(info: msgspec.inspect.Type) -> bool:
    return isinstance(
        info,
        msgspec.inspect.StructType
        | msgspec.inspect.ListType
        | msgspec.inspect.DictType
        | msgspec.inspect.AnyType
        | msgspec.inspect.TupleType,
    )


def base_type(annotation: Any) -> msgspec.inspect.Type:
    """The type behind ``Optional[...]``; unions of several types come back unchanged."""
    info = msgspec.inspect.type_info(annotation)
    if isinstance(info, msgspec.inspect.UnionType):
        rest = [t for t in info.types if not isinstance(t, msgspec.inspect.NoneType)]
        if len(rest) == 1:
            return rest[0]
    return info


def json_converter(annotation: Any) -> Converter:
    """A converter from JSON text or bytes into ``annotation``."""
    # Documents and number lists keep the JSON tree as stored (see _documents).
    return document_loader(annotation) or _json_decoder(annotation)


def make_decoder(query: Query, converter_for: Callable[[Any], Converter | None]) -> Decoder:
    """Build the function that turns one driver row into what ``query`` returns."""
    record = query.record
    if query.returns == "scalar":
        if record is None:
            return _identity
        if isinstance(record, type) and issubclass(record, msgspec.Struct):
            return _json_decoder(record)
        scalar = converter_for(record)
        return scalar if scalar is not None else _identity
    if record is None or not (isinstance(record, type) and issubclass(record, msgspec.Struct)):
        raise TypeError(f"query {query.name!r} has no record struct to decode into")
    conversions = tuple(
        (index, conv)
        for index, field in enumerate(msgspec.structs.fields(record))
        if (conv := converter_for(field.type)) is not None
    )
    # Positional construction is the cheapest correct decode (measured against keyword
    # construction and msgspec.convert); a row of the wrong width makes it raise TypeError,
    # turned here into an error naming the query (try costs nothing until it catches).
    if not conversions:

        def decode_plain(row: Sequence[Any]) -> Any:
            try:
                return record(*row)
            except TypeError as exc:
                raise row_shape_error(query, row, exc) from None

        return decode_plain

    def decode(row: Sequence[Any]) -> Any:
        values = list(row)
        try:
            for index, conv in conversions:
                value = values[index]
                if value is not None:
                    values[index] = conv(value)
            return record(*values)
        except (TypeError, IndexError) as exc:
            raise row_shape_error(query, row, exc) from None

    return decode


def row_shape_error(query: Query, row: Sequence[Any], exc: Exception) -> DatabaseError:
    """The error for a row its record cannot be built from, naming the query.

    The first result of each query on a database has its column names checked; a table
    changed after that (say, a column added under a ``SELECT *``) shows up here instead.
    """
    keys = getattr(row, "keys", None)
    if callable(keys):
        try:
            check_columns(query, list(keys()))
        except DatabaseError as error:
            return error
    expected = record_columns(query) or ()
    record = getattr(query.record, "__name__", "its record")
    if len(row) != len(expected):
        return schema_error(
            query,
            f"a row has {len(row)} columns where {record} has "
            f"{len(expected)} fields; the SELECT must list {record}'s fields in order",
        )
    return schema_error(query, f"a stored value does not fit {record}: {exc}")


def group_by_columns(
    rows: Sequence[Mapping[str, Any]],
) -> dict[tuple[str, ...], list[Mapping[str, Any]]]:
    """``rows`` grouped by the columns they give, so each group is one statement shape."""
    groups: dict[tuple[str, ...], list[Mapping[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(row), []).append(row)
    return groups


def _identity(value: Any) -> Any:
    return value


class RecordStream(AsyncIterator[T], Generic[T]):
    """Records of a streamed query, fetched in batches while they are consumed.

    Use it as ``async with db.stream(query, ...) as rows: async for row in rows: ...``:
    leaving the block (also by ``break`` or an exception) closes the cursor at once and
    gives the connection back. A bare ``async for`` works too and cleans up when the rows
    run out or fail; after an early ``break`` it cleans up only when the stream is
    garbage-collected, so prefer the ``async with`` form.
    """

    __slots__ = ("_rows",)

    def __init__(self, rows: AsyncGenerator[T, None]) -> None:
        self._rows = rows

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> T:
        return await self._rows.__anext__()

    async def aclose(self) -> None:
        """Stop early: close the cursor and release the connection."""
        await self._rows.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._rows.aclose()


class Executor(ABC):
    """Something queries run on: a Database (one pooled connection per call) or a Connection."""

    dialect: Dialect

    @property
    def read_cache(self) -> RowCache | None:
        """The cache reads may use here: the database's, never inside a transaction."""
        return None

    @property
    def local_results(self) -> LocalResults | None:
        """The in-process results reads may use here: the database's, never in a transaction."""
        return None

    @abstractmethod
    async def run(self, query: Query[ResultT], /, **params: Any) -> ResultT:
        """Run ``query``; return a record, a list of records, a scalar or the affected row count."""

    @abstractmethod
    async def run_many(self, query: Query, rows: Iterable[Mapping[str, Any]]) -> int:
        """Run ``query`` once per parameter mapping in ``rows``, atomically."""

    async def run_atomic(self, query: Query[ResultT], /, **params: Any) -> ResultT:
        """Run a write together with the decoding of what it returns: both stand or fall.

        Outside a transaction a statement commits before its returned row is decoded; here
        it runs in one, so a row that cannot be decoded is not left written.
        """
        async with self.transaction() as conn:
            return await conn.run(query, **params)

    def stream(
        self, query: Query[list[T]], /, *, batch_size: int = DEFAULT_BATCH_SIZE, **params: Any
    ) -> RecordStream[T]:
        """The records of a ``rows`` query, fetched ``batch_size`` at a time (bounded memory)."""
        check_streamable(query)
        check_batch_size(batch_size)
        return RecordStream(self._stream(query, batch_size, params))

    @abstractmethod
    def _stream(
        self, query: Query, batch_size: int, params: Mapping[str, Any]
    ) -> AsyncGenerator[Any, None]:
        """Yield the decoded records of ``query``, fetching ``batch_size`` rows at a time."""

    @abstractmethod
    def transaction(self, *, readonly: bool = False) -> AbstractAsyncContextManager[Connection]:
        """A transaction (a savepoint when one is already open) that commits on success."""

    async def insert_many(
        self, table: str, record: type[msgspec.Struct] | None, rows: Sequence[Mapping[str, Any]]
    ) -> list[Any]:
        """Insert ``rows`` (each with its ``id``) atomically; the new rows as ``record``s.

        With ``record`` None nothing is read back and the result is empty.
        """
        async with self.transaction() as conn:
            return await conn.insert_many(table, record, rows)


class Connection(Executor):
    """One connection taken from the pool; ``transaction()`` nests as savepoints.

    The transaction state machine lives here, once for both dialects; an adapter gives
    only the statements (``_begin_statement``) and a way to run one (``_control``).

    * A statement that fails inside a transaction spoils it (``_failed``): the block
      cannot commit, rolls back (to its savepoint) when it ends and raises.
    * A call cut off part-way (cancelled, timed out, or the server went away) leaves the
      connection's state unknown (``_interrupted``): the statement may still run, or
      may have run, on the server or in SQLite's worker thread. Nothing more runs on
      it, no COMMIT is sent, and the pool discards it instead of reusing it; closing it
      rolls back whatever it had open. So a write is acknowledged only once committed,
      and no later caller inherits a half-open transaction.
    """

    _depth: int = 0
    _failed: bool = False
    _interrupted: bool = False
    _db: Database
    # Tables written in the open transaction, told to the cache once it commits.
    _written: frozenset[str] = frozenset()

    @property
    def read_cache(self) -> RowCache | None:
        return None if self._depth else self._db.cache

    @property
    def local_results(self) -> LocalResults | None:
        return None if self._depth else self._db.local_results

    def _note_write(self, query: Query) -> None:
        """Inside a transaction: remember the tables ``query`` wrote (cache attached only)."""
        self._written |= written_tables(query)

    async def _wrote(self, query: Query) -> None:
        """After a write succeeded (cache attached only): now, or when the transaction commits."""
        if self._depth:
            self._written |= written_tables(query)
        else:
            await self._db._invalidate(written_tables(query))

    @property
    def settings(self) -> Settings:
        """The settings of the database this connection belongs to."""
        return self._db.settings

    @abstractmethod
    def _begin_statement(self, readonly: bool) -> str:
        """The statement that opens a top-level transaction."""

    @abstractmethod
    async def _control(self, statement: str) -> None:
        """Run one transaction-control statement, raising the library's errors."""

    def _cut_off(self) -> None:
        """Called once when the state becomes unknown; a driver may close the link now."""

    def _interrupt(self) -> None:
        """Mark the connection's state unknown: it is discarded when it goes back."""
        if not self._interrupted:
            self._interrupted = True
            self._failed = True
            self._cut_off()

    def _refusal(self) -> DatabaseError:
        """Why statements are refused now (``_failed`` is set)."""
        if self._interrupted:
            return interrupted_error()
        return aborted_error()

    @asynccontextmanager
    async def transaction(self, *, readonly: bool = False) -> AsyncIterator[Self]:
        """A transaction, or a savepoint inside the open one; commits when the block ends."""
        if self._failed:
            raise self._refusal()
        depth = self._depth
        if depth == 0:
            begin = self._begin_statement(readonly)
            commit: tuple[str, ...] = ("COMMIT",)
            rollback: tuple[str, ...] = ("ROLLBACK",)
        else:
            name = f"pictallion_sp_{depth}"
            begin = f"SAVEPOINT {name}"
            commit = (f"RELEASE SAVEPOINT {name}",)
            rollback = (f"ROLLBACK TO SAVEPOINT {name}", f"RELEASE SAVEPOINT {name}")
        try:
            await self._control(begin)
        except PictallionError as exc:
            # A refused BEGIN or SAVEPOINT opened nothing, unless the link broke.
            if isinstance(exc, ConnectionLostError):
                self._interrupt()
            raise
        except BaseException:
            self._interrupt()
            raise
        self._depth = depth + 1
        written_before = self._written if depth else frozenset()
        self._written = written_before
        try:
            yield self
        except BaseException:
            self._depth = depth
            self._written = written_before  # rolled back: what it wrote never happened
            if not self._interrupted:
                self._failed = False
                with contextlib.suppress(PictallionError):
                    await self._steps(rollback)
            raise
        self._depth = depth
        if self._interrupted:
            # The block swallowed the interruption; what it wrote is not committed.
            self._written = written_before
            raise interrupted_error()
        if self._failed:
            self._failed = False
            self._written = written_before
            await self._steps(rollback)
            raise DatabaseError("the transaction was rolled back because a statement in it failed")
        if depth:
            await self._steps(commit)
            return
        written, self._written = self._written, frozenset()
        try:
            await self._steps(commit)
        finally:
            # Also when the COMMIT's outcome is unknown: the writes may have landed.
            if written:
                await self._db._invalidate(written)

    async def _steps(self, statements: tuple[str, ...]) -> None:
        # A COMMIT, RELEASE or ROLLBACK that fails or is cut off leaves the state unknown
        # (SQLite keeps a transaction open after a busy COMMIT): the connection goes.
        try:
            for statement in statements:
                await self._control(statement)
        except BaseException:
            self._interrupt()
            raise

    async def insert_many(
        self, table: str, record: type[msgspec.Struct] | None, rows: Sequence[Mapping[str, Any]]
    ) -> list[Any]:
        """Insert ``rows`` (each with its ``id``) in one transaction; the new rows.

        Rows are written one column set at a time by the dialect's bulk path, then read back
        by id in one query. With ``record`` None nothing is read back and the result is empty.
        """
        async with self.transaction():
            for columns, group in group_by_columns(rows).items():
                await self._write_rows(table, columns, group)
            if record is None:
                return []
            echoed = echoed_columns(record, rows)
            ids = [row["id"] for row in rows]
            stored = await self.run(read_back_query(table, record, echoed), ids=ids)
            return with_echoed_values(stored, rows, echoed)

    @abstractmethod
    async def _write_rows(
        self, table: str, columns: tuple[str, ...], rows: Sequence[Mapping[str, Any]]
    ) -> None:
        """Insert ``rows``, each giving exactly ``columns`` in order, in the open transaction."""

    @property
    def in_transaction(self) -> bool:
        """True while a transaction is open on this connection."""
        return self._depth > 0

    async def run_atomic(self, query: Query[ResultT], /, **params: Any) -> ResultT:
        """As :meth:`Executor.run_atomic`; inside an open transaction no savepoint is needed,
        since a failed call already forbids that transaction's commit."""
        if self._depth:
            return await self.run(query, **params)
        return await super().run_atomic(query, **params)


def _without(
    observers: tuple[QueryObserver, ...], observer: QueryObserver
) -> tuple[QueryObserver, ...]:
    if observer not in observers:
        return observers
    kept = list(observers)
    kept.remove(observer)
    return tuple(kept)


def aborted_error() -> DatabaseError:
    """Statements after a failed one in the same transaction."""
    return DatabaseError(
        "current transaction is aborted; statements are refused until it rolls back"
    )


def interrupted_error() -> ConnectionLostError:
    """Statements on a connection whose call was cut off: its state is unknown."""
    return ConnectionLostError(
        "the connection was cut off (a call on it was cancelled or timed out, or the server "
        "went away); nothing uncommitted on it was kept, and it is no longer used"
    )


class Database(Executor):
    """A connected database: a pool of connections for one URL."""

    settings: Settings
    # The optional read cache (``pictallion_sql.cache``); None: every read goes to the database.
    cache: RowCache | None = None
    # Whether statements report the tables they wrote (to the read cache, to local results):
    # only when one of them is there, so that otherwise a statement costs nothing more.
    _watch_writes: bool = False
    _local: LocalResults | None = None
    query_metrics: QueryMetrics
    """Calls, errors by type, rows and a latency histogram per query this database ran."""
    _pool: Pool[Any]
    # Read on every statement (one truth test when empty): the observers of this database,
    # those of every database first. Tuples, replaced, never mutated.
    _query_observers: tuple[QueryObserver, ...] = ()
    _own_query_observers: tuple[QueryObserver, ...] = ()
    _global_query_observers: ClassVar[tuple[QueryObserver, ...]] = ()
    _observed: ClassVar[weakref.WeakSet[Database]] = weakref.WeakSet()

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.query_metrics = QueryMetrics()
        self._local = LocalResults() if settings.search_totals_ttl > 0 else None
        self._watch_writes = self._local is not None

    @property
    def read_cache(self) -> RowCache | None:
        return self.cache

    @property
    def local_results(self) -> LocalResults | None:
        return self._local

    def attach_cache(self, cache: RowCache | None) -> None:
        """Use ``cache`` for reads outside transactions, and tell it of committed writes."""
        self.cache = cache
        self._watch_writes = cache is not None or self._local is not None

    async def run_many(self, query: Query, rows: Iterable[Mapping[str, Any]]) -> int:
        """Run ``query`` for each mapping in ``rows`` in one transaction."""
        async with self.transaction() as conn:
            return await conn.run_many(query, rows)

    async def _invalidate(self, tables: frozenset[str]) -> None:
        """Tell the caches that writes to ``tables`` committed (never fails the caller)."""
        if self._local is not None and tables:
            self._local.written(tables)
        cache = self.cache
        changed = tables & CACHED_TABLES
        if cache is not None and changed:
            await cache.invalidate(changed)

    async def _close_cache(self) -> None:
        cache, self.cache = self.cache, None
        if cache is not None:
            await cache.close()

    @property
    def debug(self) -> bool:
        """Whether queries are logged: this database's settings or the global ones say so."""
        return self.settings.debug or config.debug_enabled()

    def add_query_observer(self, observer: QueryObserver) -> None:
        """Call ``observer(event)`` after each statement this database runs or fails.

        ``event`` is a :class:`FinishedQuery`: the query's registry name (or the generated
        name of SQL built at run time, ``"media_assets.insert[...]"``,
        ``"file_versions.search_filtered[...]"``), the dialect, the duration in seconds,
        the rows it returned or changed, and the type name of the library error it
        raised (None on success); never a parameter value. A stream reports once, when
        it ends, with every row it yielded; ``run_many`` and each batch of
        ``insert_many`` report once, with the number of rows written. A call cut off by
        cancellation, or a stream left before its end, is not reported. The observer
        runs in the caller's task: it must be quick, and an exception it raises reaches
        the caller. With no observer registered, a statement costs nothing more.
        """
        self._own_query_observers = (*self._own_query_observers, observer)
        Database._observed.add(self)
        self._query_observers = (*Database._global_query_observers, *self._own_query_observers)

    def remove_query_observer(self, observer: QueryObserver) -> None:
        """Stop calling ``observer`` (once per time it was added); unknown ones are ignored."""
        self._own_query_observers = _without(self._own_query_observers, observer)
        self._query_observers = (*Database._global_query_observers, *self._own_query_observers)

    @staticmethod
    def add_global_query_observer(observer: QueryObserver) -> None:
        """Observe every database, open or opened later, as :meth:`add_query_observer` does."""
        Database._set_global_observers((*Database._global_query_observers, observer))

    @staticmethod
    def remove_global_query_observer(observer: QueryObserver) -> None:
        """Stop calling a global ``observer``; unknown ones are ignored."""
        Database._set_global_observers(_without(Database._global_query_observers, observer))

    @staticmethod
    def _set_global_observers(observers: tuple[QueryObserver, ...]) -> None:
        Database._global_query_observers = Database._query_observers = observers
        for db in Database._observed:
            db._query_observers = (*observers, *db._own_query_observers)

    def _report_query(
        self, query: Query, started: float, rows: int, error: str | None = None
    ) -> None:
        """Count the statement that just ran (or failed), log it if slow or in debug mode,
        and tell the observers of it."""
        duration = time.perf_counter() - started
        self.query_metrics.record(query.name, duration, rows, error)
        threshold = self.settings.slow_query_ms
        if threshold is not None and duration * 1000 >= threshold:
            log_slow_query(query.name, self.dialect, duration, rows, error)
        if self.debug:
            log_query(query, duration, rows, error)
        if self._query_observers:
            event = FinishedQuery(query.name, self.dialect, query.operation, duration, rows, error)
            for observer in self._query_observers:
                observer(event)

    def _failed_query(
        self, query: Query, started: float, error: PictallionError
    ) -> PictallionError:
        """Report a statement that failed with ``error``; returns ``error`` to raise."""
        self._report_query(query, started, 0, type(error).__name__)
        return error

    def pool_stats(self) -> PoolStats:
        """Connections in use, idle and waited for now; waits, timeouts and replacements."""
        return self._pool.stats()

    @abstractmethod
    def connection(self) -> AbstractAsyncContextManager[Connection]:
        """Hold one connection for several calls (no transaction is opened)."""

    def primary(self) -> Executor:
        """Calls that must see the primary: with read replicas, every call runs on the
        primary; without, this database itself."""
        return self

    def replica(self) -> Executor:
        """Reads that may lag: with read replicas, reads run on one even before it caught
        up with this database's writes, and writes are refused; without, this database."""
        return self

    @abstractmethod
    async def close(self) -> None:
        """Close every pooled connection."""

    @abstractmethod
    async def server_version(self) -> str:
        """The database engine's version string."""

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def _stream(
        self, query: Query, batch_size: int, params: Mapping[str, Any]
    ) -> AsyncGenerator[Any, None]:
        # One connection is held for the whole stream and given back when it ends,
        # fails or is closed early.
        async with (
            self.connection() as conn,
            aclosing(conn._stream(query, batch_size, params)) as rows,
        ):
            async for record in rows:
                yield record

    @asynccontextmanager
    async def _transaction_on_new_connection(self, readonly: bool) -> AsyncIterator[Connection]:
        async with self.connection() as conn, conn.transaction(readonly=readonly) as tx:
            yield tx
