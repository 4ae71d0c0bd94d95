"""What both dialect adapters share: the executor interface and the pooled database.

``Executor`` is what queries run on; ``Database`` owns the pool, the cache hand-off and what
each statement reports. One connection's transactions live in ``drivers/connection.py``,
binding in ``drivers/arguments.py``, decoding in ``drivers/decoding.py``.
"""

from __future__ import annotations

import time
import weakref
from abc import ABC, abstractmethod
from collections.abc import AsyncGenerator, AsyncIterator, Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, aclosing, asynccontextmanager
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Self, TypeVar

import msgspec

from pictallion_sql import config
from pictallion_sql.cache.base import CACHED_TABLES
from pictallion_sql.cache.local import LocalResults
from pictallion_sql.config import Dialect, Settings
from pictallion_sql.drivers.arguments import bind_args, check_batch_size, check_streamable
from pictallion_sql.drivers.decoding import Decoder, base_type, check_columns, is_json_kind
from pictallion_sql.drivers.pool import Pool
from pictallion_sql.errors import PictallionError
from pictallion_sql.monitoring.events import FinishedQuery, QueryObserver
from pictallion_sql.monitoring.metrics import PoolStats, QueryMetrics
from pictallion_sql.monitoring.querylog import log_query, query_log
from pictallion_sql.monitoring.slowlog import log_slow_query
from pictallion_sql.query.registry import Query, ResultT

if TYPE_CHECKING:
    from pictallion_sql.cache.base import RowCache
    from pictallion_sql.drivers.connection import Connection

# bind_args, check_columns, base_type, is_json_kind, query_log and Decoder are re-exported:
# their old path.
__all__ = [
    "DEFAULT_BATCH_SIZE",
    "Database",
    "Decoder",
    "Executor",
    "FinishedQuery",
    "QueryObserver",
    "RecordStream",
    "base_type",
    "bind_args",
    "check_columns",
    "is_json_kind",
    "query_log",
    "written_tables",
]

T = TypeVar("T")

DEFAULT_BATCH_SIZE = 1000
"""Rows a stream fetches per round trip (PostgreSQL) or per worker-thread call (SQLite)."""


def written_tables(query: Query) -> frozenset[str]:
    """The tables ``query`` writes (INSERT, UPDATE, DELETE, COPY); empty for a read."""
    return query.writes


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

    async def __aexit__(self, *exc_info: object) -> None:
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
            # The transaction is the call's own: no savepoint inside it (two round trips).
            return await conn._insert_rows(table, record, rows)

    async def insert_groups(
        self, table: str, groups: Mapping[tuple[str, ...], Sequence[Sequence[Any]]]
    ) -> None:
        """Insert rows atomically, given as their values grouped by the columns they give
        (``{columns: [values, ...]}``, each row with its ``id``); nothing is read back."""
        async with self.transaction() as conn:
            await conn._write_groups(table, groups)


def _without(
    observers: tuple[QueryObserver, ...], observer: QueryObserver
) -> tuple[QueryObserver, ...]:
    if observer not in observers:
        return observers
    kept = list(observers)
    kept.remove(observer)
    return tuple(kept)


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
        if self.settings.debug or config.debug_enabled():  # self.debug, inline: every statement
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

    async def __aexit__(self, *exc_info: object) -> None:
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
