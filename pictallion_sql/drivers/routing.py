"""Read replicas: reads outside a transaction go to a streaming replica that has everything
this database wrote; everything else goes to the primary.

Routing rules (docs/scaling.md gives the guarantees):

* Writes (any statement that is not a plain ``SELECT``/``WITH``/``VALUES``, a ``SELECT``
  that locks rows with ``FOR UPDATE``/``FOR SHARE``, or calls a function that writes),
  ``run_many``, ``insert_many``, ``insert_groups``, transactions and held connections go to
  the primary.
* A read goes to a replica that is up, lags less than ``replica_max_lag`` seconds and has
  replayed the primary's WAL up to the position read just after this database's latest
  commit (``pg_current_wal_insert_lsn()``, compared with ``pg_last_wal_replay_lsn()``):
  read-your-writes without a guessed delay. Otherwise it goes to the primary.
* A write whose outcome or position is unknown (cut off by a cancellation or a lost
  connection, perhaps after COMMIT; or the position read itself failed) sends reads to the
  primary until a position read after it is known and a replica has replayed it.
* A replica that cannot be reached is left alone for ``replica_retry_interval`` seconds;
  a read that fails on it because it went away runs again on the next replica or the
  primary, so the caller sees no error.
* ``db.primary()`` runs everything on the primary; ``db.replica()`` runs reads on a healthy
  replica even before it caught up with this database's writes, and refuses writes.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import (
    AsyncGenerator,
    AsyncIterator,
    Awaitable,
    Iterable,
    Mapping,
    Sequence,
)
from contextlib import AsyncExitStack, aclosing, asynccontextmanager
from typing import Any, TypeVar

from pictallion_sql.cache.base import RowCache
from pictallion_sql.cache.local import LocalResults
from pictallion_sql.config import Settings, mask_url
from pictallion_sql.drivers.base import Database, Executor, QueryObserver
from pictallion_sql.drivers.connection import Connection
from pictallion_sql.drivers.postgres import PostgresDatabase, connect_postgres
from pictallion_sql.drivers.read_statements import _READS, is_read
from pictallion_sql.drivers.replicas import (
    _CHECK_INTERVAL,
    _REPLICA_GONE,
    ReplicaReport,
    _conflict_with_recovery,
    _Replica,
)
from pictallion_sql.drivers.routing_executors import (
    _PrimaryExecutor,
    _ReplicaExecutor,
    _RoutedConnection,
    commit_unknown,
    may_have_committed,
)
from pictallion_sql.errors import (
    ConfigurationError,
    DatabaseError,
    PictallionError,
    ReadOnlyError,
)
from pictallion_sql.monitoring.metrics import PoolStats
from pictallion_sql.query.registry import Query, ResultT

T = TypeVar("T")

__all__ = ["ReplicaReport", "RoutingDatabase", "check_replicas", "connect_routed", "is_read"]

_PRIMARY_LSN = "SELECT (pg_current_wal_insert_lsn() - '0/0'::pg_lsn)::int8"


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
        # Counts cut-off writes: a position read that began before the latest one may
        # predate that write's commit, so it does not settle it.
        self._cut_offs = 0

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
        except BaseException as exc:
            if may_have_committed(exc):
                self._cut_off()
            raise
        await self._note_commit()
        return result

    def _cut_off(self) -> None:
        """A write whose commit is unknown: reads use the primary until a position read
        after it is known and a replica has replayed it."""
        self._cut_offs += 1
        self._written_unknown = True

    async def _note_commit(self) -> None:
        """Remember the primary's WAL position now, just after a commit."""
        if not self._replicas:
            return
        cut_offs = self._cut_offs
        try:
            position = int((await self._primary.fetch_state(_PRIMARY_LSN))[0])
        except PictallionError:
            # The write is committed; its position is not known: reads stay on the primary.
            self._cut_off()
            return
        except BaseException:
            self._cut_off()
            raise
        self._written = max(self._written, position)
        if cut_offs == self._cut_offs:
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
        except BaseException as exc:
            # Cut off (cancelled, connection lost), perhaps during COMMIT: whether it
            # committed is unknown. The caller's own exceptions rolled it back.
            if not readonly and commit_unknown(exc):
                self._cut_off()
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
