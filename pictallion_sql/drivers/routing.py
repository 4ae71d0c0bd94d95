"""Read replicas: reads outside a transaction go to a streaming replica that has everything
this database wrote; everything else goes to the primary.

Routing rules (docs/scaling.md gives the guarantees):

* Writes (any statement that is not a plain ``SELECT``/``WITH``/``VALUES``, a ``SELECT``
  that locks rows with ``FOR UPDATE``/``FOR SHARE``, or calls a function that writes),
  ``run_many``, ``insert_many``, transactions and held connections go to the primary.
* A read goes to a replica that is up, lags less than ``replica_max_lag`` seconds and has
  replayed the primary's WAL up to the position read just after this database's latest
  commit (``pg_current_wal_insert_lsn()``, compared with ``pg_last_wal_replay_lsn()``):
  read-your-writes without a guessed delay. Otherwise it goes to the primary.
* A replica that cannot be reached is left alone for ``replica_retry_interval`` seconds;
  a read that fails on it because it went away runs again on the next replica or the
  primary, so the caller sees no error.
* ``db.primary()`` runs everything on the primary; ``db.replica()`` runs reads on a healthy
  replica even before it caught up with this database's writes, and refuses writes.
"""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import (
    AsyncGenerator,
    AsyncIterator,
    Awaitable,
    Iterable,
    Mapping,
    Sequence,
)
from contextlib import AbstractAsyncContextManager, AsyncExitStack, aclosing, asynccontextmanager
from typing import Any, Self, TypeVar

import msgspec

from pictallion_sql.cache.base import RowCache
from pictallion_sql.cache.local import LocalResults
from pictallion_sql.config import Settings, mask_url
from pictallion_sql.drivers.base import Connection, Database, Executor, QueryObserver
from pictallion_sql.drivers.postgres import PostgresConnection, PostgresDatabase, connect_postgres
from pictallion_sql.errors import (
    ConfigurationError,
    ConnectionLostError,
    DatabaseError,
    PictallionError,
    PoolTimeoutError,
    ReadOnlyError,
)
from pictallion_sql.monitoring.metrics import PoolStats
from pictallion_sql.query.registry import Query, ResultT, without_name_comment

T = TypeVar("T")

__all__ = ["ReplicaReport", "RoutingDatabase", "check_replicas", "connect_routed", "is_read"]

# How often a replica in use has its lag measured again (one extra round trip).
_CHECK_INTERVAL = 1.0

_PRIMARY_LSN = "SELECT (pg_current_wal_insert_lsn() - '0/0'::pg_lsn)::int8"
_REPLICA_STATE = """
SELECT pg_is_in_recovery(),
       (pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::int8,
       CASE WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn()
            THEN 0
            ELSE coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 0)
       END::float8
"""

# --- which statements only read -----------------------------------------------------------

_LEADING_NOISE = re.compile(r"\A(?:\s+|--[^\n]*\n?|/\*.*?\*/)*", re.DOTALL)
_READ_VERBS = frozenset({"SELECT", "WITH", "VALUES", "TABLE", "SHOW"})
# Row locks need the primary; so do data-modifying CTEs and functions that write.
_WRITES = re.compile(
    r"\bFOR\s+(?:NO\s+KEY\s+)?UPDATE\b|\bFOR\s+(?:KEY\s+)?SHARE\b"
    r"|\b(?:INSERT|UPDATE|DELETE|MERGE)\b"
    r"|\b(?:nextval|setval|pg_advisory_\w+|set_config|pg_notify|txid_current|"
    r"pg_current_xact_id|lo_\w+)\s*\(",
    re.IGNORECASE,
)
_READS: dict[Query, bool] = {}


def is_read(query: Query) -> bool:
    """True when ``query`` only reads, so a hot standby can answer it."""
    try:
        return _READS[query]
    except KeyError:
        pass
    text = without_name_comment(query.postgres.text)
    body = text[_LEADING_NOISE.match(text).end() :]  # type: ignore[union-attr]
    verb = body.split(None, 1)[0].upper() if body.strip() else ""
    reads = query.returns != "none" and verb in _READ_VERBS and not _WRITES.search(body)
    if len(_READS) > 4096:  # statements built at run time: keep the memo bounded
        _READS.clear()
    _READS[query] = reads
    return reads


# --- the replicas -----------------------------------------------------------------------


class ReplicaReport(msgspec.Struct):
    """One replica as ``pictallion-db status`` shows it."""

    url: str
    status: str
    """``up``, ``lagging`` (beyond ``replica_max_lag``), ``down`` or ``not a replica``."""
    lag_seconds: float | None = None
    lag_bytes: int | None = None
    error: str | None = None


class _Replica:
    """A replica's pool and what was last learned about it."""

    __slots__ = ("checked_at", "db", "lag", "problem", "replayed", "skip_until")

    def __init__(self, db: PostgresDatabase) -> None:
        self.db = db
        self.replayed = 0  # the highest WAL position it was seen to have replayed
        self.lag = 0.0
        self.checked_at = -_CHECK_INTERVAL
        self.skip_until = 0.0
        self.problem: str | None = None

    def set_aside(self, problem: str, retry_after: float) -> None:
        self.problem = problem
        self.skip_until = time.monotonic() + retry_after

    async def check(self, max_lag: float, retry_after: float) -> bool:
        """Measure replay position and lag now; False (and set aside) when unusable."""
        in_recovery, replayed, lag = await self.db.fetch_state(_REPLICA_STATE)
        self.checked_at = time.monotonic()
        if not in_recovery:
            # Promoted, or not a standby at all: its data may have left the primary's.
            self.set_aside("not in recovery (not a replica of the primary)", retry_after)
            return False
        self.replayed = max(self.replayed, int(replayed or 0))
        self.lag = float(lag)
        if self.lag > max_lag:
            self.set_aside(f"lagging {self.lag:.1f} s (limit {max_lag:g} s)", retry_after)
            return False
        self.problem = None
        return True


# A replica that answers with one of these is set aside; the read runs elsewhere.
_REPLICA_GONE = (ConnectionLostError, PoolTimeoutError)


def _conflict_with_recovery(exc: DatabaseError) -> bool:
    # A standby cancels a query whose rows replay is about to remove; the primary has none.
    return "conflict with recovery" in str(exc)


class RoutingDatabase(Database):
    """A primary and its streaming replicas behind the one ``Database`` interface."""

    dialect = "postgres"

    def __init__(
        self, settings: Settings, primary: PostgresDatabase, replicas: Sequence[PostgresDatabase]
    ) -> None:
        super().__init__(settings)
        self._primary = primary
        self._replicas = [_Replica(db) for db in replicas]
        # One set of figures for the statements of every server.
        for member in (primary, *replicas):
            member.query_metrics = self.query_metrics
        self._turn = itertools.cycle(range(len(self._replicas)))
        # The primary's WAL position just after this database's latest commit; when a
        # commit's position is unknown (its call was cut off), the next read asks again.
        self._written = 0
        self._written_unknown = False

    def attach_cache(self, cache: RowCache | None) -> None:
        """The primary's writes invalidate ``cache``; routed reads do not use it.

        A replica may not yet hold another process's write whose invalidation already
        reached the cache: a value read there and cached would outlive that write.
        """
        self._primary.attach_cache(cache)

    @property
    def local_results(self) -> LocalResults | None:
        return None  # as the read cache: a result read on a replica is not kept

    # -- reads --------------------------------------------------------------------------

    async def run(self, query: Query[ResultT], /, **params: Any) -> ResultT:
        """Run ``query``: on a replica that has this database's writes when it only reads."""
        if not is_read(query):
            return await self._write(query, params)
        return await self._read(query, params, fresh=True)

    async def _read(self, query: Query[ResultT], params: Mapping[str, Any], fresh: bool) -> ResultT:
        async with aclosing(self._usable_replicas(fresh)) as replicas:
            async for replica in replicas:
                try:
                    return await replica.db.run(query, **params)
                except _REPLICA_GONE as exc:
                    replica.set_aside(str(exc), self.settings.replica_retry_interval)
                except ReadOnlyError:
                    _READS[query] = False  # it writes after all (a function with side effects)
                    return await self._write(query, params)
                except DatabaseError as exc:
                    if not _conflict_with_recovery(exc):
                        raise
        return await self._primary.run(query, **params)

    async def _usable_replicas(self, fresh: bool) -> AsyncGenerator[_Replica, None]:
        """Replicas to try for a read, in turn; each up, not lagging, and (``fresh``)
        holding this database's latest commit."""
        if not self._replicas:
            return
        if fresh and self._written_unknown:
            # A write was cut off: the primary's position now covers it, if it committed.
            await self._note_commit()
            if self._written_unknown:
                return
        settings = self.settings
        start = next(self._turn)
        for offset in range(len(self._replicas)):
            replica = self._replicas[(start + offset) % len(self._replicas)]
            now = time.monotonic()
            if replica.skip_until > now:
                continue
            behind = fresh and replica.replayed < self._written
            if behind or now - replica.checked_at >= _CHECK_INTERVAL:
                try:
                    usable = await replica.check(
                        settings.replica_max_lag, settings.replica_retry_interval
                    )
                except PictallionError as exc:
                    replica.set_aside(str(exc), settings.replica_retry_interval)
                    continue
                if not usable or (fresh and replica.replayed < self._written):
                    continue
            yield replica

    async def _stream(
        self, query: Query, batch_size: int, params: Mapping[str, Any]
    ) -> AsyncGenerator[Any, None]:
        if not is_read(query):
            async with aclosing(self._primary._stream(query, batch_size, params)) as rows:
                async for record in rows:
                    yield record
            return
        async with aclosing(self._read_stream(query, batch_size, params, True)) as rows:
            async for record in rows:
                yield record

    async def _read_stream(
        self, query: Query, batch_size: int, params: Mapping[str, Any], fresh: bool
    ) -> AsyncGenerator[Any, None]:
        async with aclosing(self._usable_replicas(fresh)) as replicas:
            async for replica in replicas:
                started = False
                try:
                    async with aclosing(replica.db._stream(query, batch_size, params)) as rows:
                        async for record in rows:
                            started = True
                            yield record
                    return
                except _REPLICA_GONE as exc:
                    if started:
                        raise  # rows were handed out: the caller must start over
                    replica.set_aside(str(exc), self.settings.replica_retry_interval)
        async with aclosing(self._primary._stream(query, batch_size, params)) as rows:
            async for record in rows:
                yield record

    # -- writes -------------------------------------------------------------------------

    async def _write(self, query: Query[ResultT], params: Mapping[str, Any]) -> ResultT:
        return await self._committing(self._primary.run(query, **params))

    async def _committing(self, write: Awaitable[T]) -> T:
        """Await a write that commits, then note the primary's WAL position."""
        try:
            result = await write
        except PictallionError:
            raise  # nothing was written
        except BaseException:
            self._written_unknown = True  # cut off: it may have committed
            raise
        await self._note_commit()
        return result

    async def _note_commit(self) -> None:
        """Remember the primary's WAL position now, just after a commit."""
        if not self._replicas:
            return
        try:
            position = int((await self._primary.fetch_state(_PRIMARY_LSN))[0])
        except PictallionError:
            # The write is committed; its position is not known: reads stay on the primary.
            self._written_unknown = True
            return
        except BaseException:
            self._written_unknown = True
            raise
        self._written = max(self._written, position)
        self._written_unknown = False

    async def run_many(self, query: Query, rows: Iterable[Mapping[str, Any]]) -> int:
        """Run ``query`` for each mapping in ``rows`` in one transaction, on the primary."""
        async with self.transaction() as conn:
            return await conn.run_many(query, rows)

    @asynccontextmanager
    async def transaction(self, *, readonly: bool = False) -> AsyncIterator[Connection]:
        """A transaction on the primary."""
        try:
            async with self._primary.transaction(readonly=readonly) as tx:
                yield tx
        except Exception:
            raise  # rolled back: nothing was written
        except BaseException:
            # Cut off (cancelled), perhaps during COMMIT: whether it committed is unknown.
            if not readonly:
                self._written_unknown = True
            raise
        if not readonly:
            await self._note_commit()

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[Connection]:
        """Several calls (a request's): reads go to a replica, as on the database, until
        the first write or transaction; from then on every call runs on one connection of
        the primary, held until the block ends."""
        async with AsyncExitStack() as stack:
            yield _RoutedConnection(self, stack)

    # -- explicit choices ---------------------------------------------------------------

    def primary(self) -> Executor:
        """Everything on the primary (writes are still tracked for read-your-writes)."""
        return _PrimaryExecutor(self)

    def replica(self) -> Executor:
        """Reads on a healthy replica, even one that has not replayed this database's
        latest writes yet (the primary when none is up); writes are refused."""
        return _ReplicaExecutor(self)

    # -- the rest of Database -----------------------------------------------------------

    def pool_stats(self) -> PoolStats:
        """The primary's pool (each replica's: ``replica_pool_stats()``)."""
        return self._primary.pool_stats()

    def replica_pool_stats(self) -> list[PoolStats]:
        """The pool of each replica, in the order of ``settings.replica_urls``."""
        return [replica.db.pool_stats() for replica in self._replicas]

    def add_query_observer(self, observer: QueryObserver) -> None:
        """As :meth:`Database.add_query_observer`, for the statements of every server."""
        super().add_query_observer(observer)
        for member in self._members():
            member.add_query_observer(observer)

    def remove_query_observer(self, observer: QueryObserver) -> None:
        """As :meth:`Database.remove_query_observer`."""
        super().remove_query_observer(observer)
        for member in self._members():
            member.remove_query_observer(observer)

    def _members(self) -> list[PostgresDatabase]:
        return [self._primary, *(replica.db for replica in self._replicas)]

    async def close(self) -> None:
        """Close the pools of the primary and every replica."""
        for member in self._members():
            await member.close()

    async def server_version(self) -> str:
        """The primary's version string."""
        return await self._primary.server_version()

    async def replica_reports(self) -> list[ReplicaReport]:
        """Each replica checked now: up, lagging, down or not a replica, with its lag."""
        primary_position = int((await self._primary.fetch_state(_PRIMARY_LSN))[0])
        reports = []
        settings = self.settings
        for replica in self._replicas:
            url = replica.db.settings.masked_url
            try:
                usable = await replica.check(
                    settings.replica_max_lag, settings.replica_retry_interval
                )
            except PictallionError as exc:
                replica.set_aside(str(exc), settings.replica_retry_interval)
                reports.append(ReplicaReport(url=url, status="down", error=str(exc)))
                continue
            if replica.problem and replica.problem.startswith("not in recovery"):
                reports.append(ReplicaReport(url=url, status="not a replica"))
                continue
            reports.append(
                ReplicaReport(
                    url=url,
                    status="up" if usable else "lagging",
                    lag_seconds=round(replica.lag, 3),
                    lag_bytes=max(0, primary_position - replica.replayed),
                )
            )
        return reports


class _RoutedConnection(Connection):
    """What ``RoutingDatabase.connection()`` yields: reads routed as on the database until
    the first call that needs the primary, then one held primary connection for the rest."""

    dialect = "postgres"

    def __init__(self, router: RoutingDatabase, stack: AsyncExitStack) -> None:
        self._db = router  # its settings are the connection's
        self._router = router
        self._stack = stack
        self._held: PostgresConnection | None = None

    async def _primary(self) -> PostgresConnection:
        if self._held is None:
            conn = await self._stack.enter_async_context(self._router._primary.connection())
            assert isinstance(conn, PostgresConnection)
            self._held = conn
        return self._held

    @property
    def read_cache(self) -> RowCache | None:
        return None  # routed reads never use the cache (see RoutingDatabase.attach_cache)

    @property
    def local_results(self) -> LocalResults | None:
        return None

    @property
    def in_transaction(self) -> bool:
        """True while a transaction is open on the held primary connection."""
        return self._held is not None and self._held.in_transaction

    async def run(self, query: Query[ResultT], /, **params: Any) -> ResultT:
        """Run ``query``: a read on a replica while no primary connection is held."""
        reads = is_read(query)
        if self._held is None and reads:
            return await self._router._read(query, params, fresh=True)
        conn = await self._primary()
        if reads or conn.in_transaction:
            return await conn.run(query, **params)
        return await self._router._committing(conn.run(query, **params))

    async def run_atomic(self, query: Query[ResultT], /, **params: Any) -> ResultT:
        """As :meth:`Connection.run_atomic`: inside a transaction, no savepoint is needed."""
        if self.in_transaction:
            return await self.run(query, **params)
        return await super().run_atomic(query, **params)

    async def run_many(self, query: Query, rows: Iterable[Mapping[str, Any]]) -> int:
        """As :meth:`Connection.run_many`, on the primary."""
        conn = await self._primary()
        if conn.in_transaction:
            return await conn.run_many(query, rows)
        return await self._router._committing(conn.run_many(query, rows))

    async def insert_many(
        self, table: str, record: type[msgspec.Struct] | None, rows: Sequence[Mapping[str, Any]]
    ) -> list[Any]:
        """As :meth:`Connection.insert_many`, on the primary."""
        conn = await self._primary()
        if conn.in_transaction:
            return await conn.insert_many(table, record, rows)
        return await self._router._committing(conn.insert_many(table, record, rows))

    async def _stream(
        self, query: Query, batch_size: int, params: Mapping[str, Any]
    ) -> AsyncGenerator[Any, None]:
        if self._held is None and is_read(query):
            rows = self._router._read_stream(query, batch_size, params, True)
        else:
            rows = (await self._primary())._stream(query, batch_size, params)
        async with aclosing(rows) as records:
            async for record in records:
                yield record

    @asynccontextmanager
    async def transaction(self, *, readonly: bool = False) -> AsyncIterator[Self]:
        """A transaction (savepoints inside) on the held primary connection."""
        conn = await self._primary()
        commits = not readonly and not conn.in_transaction  # a top-level transaction
        try:
            async with conn.transaction(readonly=readonly):
                yield self
        except Exception:
            raise  # rolled back: nothing was written
        except BaseException:
            if commits:
                self._router._written_unknown = True
            raise
        if commits:
            await self._router._note_commit()

    def _begin_statement(self, readonly: bool) -> str:
        return "BEGIN READ ONLY" if readonly else "BEGIN"

    async def _control(self, statement: str) -> None:
        await (await self._primary())._control(statement)

    async def _write_rows(
        self, table: str, columns: tuple[str, ...], rows: Sequence[Mapping[str, Any]]
    ) -> None:
        await (await self._primary())._write_rows(table, columns, rows)


class _PrimaryExecutor(Executor):
    """``db.primary()``: every call on the primary, commits noted for read-your-writes."""

    dialect = "postgres"

    def __init__(self, router: RoutingDatabase) -> None:
        self._router = router

    async def run(self, query: Query[ResultT], /, **params: Any) -> ResultT:
        """Run ``query`` on the primary."""
        if is_read(query):
            return await self._router._primary.run(query, **params)
        return await self._router._write(query, params)

    async def run_many(self, query: Query, rows: Iterable[Mapping[str, Any]]) -> int:
        """As :meth:`RoutingDatabase.run_many`."""
        return await self._router.run_many(query, rows)

    def _stream(
        self, query: Query, batch_size: int, params: Mapping[str, Any]
    ) -> AsyncGenerator[Any, None]:
        return self._router._primary._stream(query, batch_size, params)

    def transaction(self, *, readonly: bool = False) -> AbstractAsyncContextManager[Connection]:
        """A transaction on the primary."""
        return self._router.transaction(readonly=readonly)


class _ReplicaExecutor(Executor):
    """``db.replica()``: reads on a healthy replica, whatever this database wrote."""

    dialect = "postgres"

    def __init__(self, router: RoutingDatabase) -> None:
        self._router = router

    async def run(self, query: Query[ResultT], /, **params: Any) -> ResultT:
        """Run a read on a replica; a write raises :class:`ReadOnlyError`."""
        if not is_read(query):
            raise _refused(query.name)
        return await self._router._read(query, params, fresh=False)

    async def run_many(self, query: Query, rows: Iterable[Mapping[str, Any]]) -> int:
        """Refused: a replica cannot be written."""
        raise _refused(query.name)

    async def _stream(
        self, query: Query, batch_size: int, params: Mapping[str, Any]
    ) -> AsyncGenerator[Any, None]:
        if not is_read(query):
            raise _refused(query.name)
        async with aclosing(self._router._read_stream(query, batch_size, params, False)) as rows:
            async for record in rows:
                yield record

    @asynccontextmanager
    async def transaction(self, *, readonly: bool = False) -> AsyncIterator[Connection]:
        """A read-only transaction on a replica (``readonly=True`` is required)."""
        if not readonly:
            raise ReadOnlyError(
                "db.replica() opens read-only transactions only: "
                "use transaction(readonly=True), or db.primary() to write"
            )
        async with aclosing(self._router._usable_replicas(fresh=False)) as replicas:
            async for replica in replicas:
                entered = False
                try:
                    async with replica.db.transaction(readonly=True) as tx:
                        entered = True
                        yield tx
                    return
                except _REPLICA_GONE as exc:
                    if entered:
                        raise
                    replica.set_aside(str(exc), self._router.settings.replica_retry_interval)
        async with self._router._primary.transaction(readonly=True) as tx:
            yield tx


def _refused(name: str) -> ReadOnlyError:
    return ReadOnlyError(f"db.replica() runs reads only; use db.primary() to write (query {name})")


def _check_replica_url(url: str) -> str:
    try:
        dialect = Settings(database_url=url).dialect
    except ConfigurationError:
        dialect = None
    if dialect != "postgres":
        raise ConfigurationError(f"a read replica must be a postgresql:// URL, got {mask_url(url)}")
    return url


async def connect_routed(settings: Settings, replica_urls: Sequence[str]) -> RoutingDatabase:
    """The primary at ``settings.database_url`` (connected now) and its replicas
    (connected on first use, so a replica that is down does not stop the start)."""
    if settings.dialect != "postgres":
        raise ConfigurationError(
            f"read replicas need a PostgreSQL primary, not {settings.masked_url}"
        )
    urls = [_check_replica_url(url) for url in replica_urls]
    primary = await connect_postgres(settings)
    replicas = []
    for url in urls:
        replica = PostgresDatabase(settings.with_url(url))
        replica._foreign_keys = primary._foreign_keys
        replicas.append(replica)
    return RoutingDatabase(settings, primary, replicas)


async def check_replicas(settings: Settings) -> list[ReplicaReport]:
    """Each replica of ``settings`` checked now (what ``pictallion-db status`` lists)."""
    db = await connect_routed(settings, settings.replica_urls)
    try:
        return await db.replica_reports()
    finally:
        await db.close()
