"""What a routed database hands out: its held connection, ``db.primary()`` and ``db.replica()``."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, aclosing, asynccontextmanager
from typing import TYPE_CHECKING, Any, Self

import msgspec

from pictallion_sql import errors
from pictallion_sql.cache.base import RowCache
from pictallion_sql.cache.local import LocalResults
from pictallion_sql.drivers.base import Executor
from pictallion_sql.drivers.connection import Connection
from pictallion_sql.drivers.postgres import PostgresConnection
from pictallion_sql.drivers.read_statements import is_read
from pictallion_sql.drivers.replicas import _REPLICA_GONE
from pictallion_sql.errors import DatabaseError, ReadOnlyError
from pictallion_sql.query.registry import Query, ResultT

if TYPE_CHECKING:
    from pictallion_sql.drivers.routing import RoutingDatabase


# Errors that prove a write was refused before it could commit; any other failure (the
# connection lost after COMMIT was sent, a cancellation) leaves its outcome unknown.
_NOT_WRITTEN = (
    errors.IntegrityError,
    errors.NotFoundError,
    errors.PermissionDeniedError,
    errors.PoolTimeoutError,
    errors.ReadOnlyError,
    errors.ValidationError,
)


def may_have_committed(exc: BaseException) -> bool:
    """False only when ``exc`` proves the write was refused before it could commit."""
    return not isinstance(exc, _NOT_WRITTEN)


def commit_unknown(exc: BaseException) -> bool:
    """True when a transaction block ended by ``exc`` may have committed."""
    # An exception of the caller's own code rolled it back.
    if isinstance(exc, Exception) and not isinstance(exc, DatabaseError):
        return False
    return may_have_committed(exc)


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

    async def insert_groups(
        self, table: str, groups: Mapping[tuple[str, ...], Sequence[Sequence[Any]]]
    ) -> None:
        """As :meth:`Connection.insert_groups`, on the primary."""
        conn = await self._primary()
        if conn.in_transaction:
            return await conn.insert_groups(table, groups)
        return await self._router._committing(conn.insert_groups(table, groups))

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
        except BaseException as exc:
            if commits and commit_unknown(exc):
                self._router._cut_off()
            raise
        if commits:
            await self._router._note_commit()

    def _begin_statement(self, readonly: bool) -> str:
        return "BEGIN READ ONLY" if readonly else "BEGIN"

    async def _control(self, statement: str) -> None:
        await (await self._primary())._control(statement)

    async def _write_rows(
        self, table: str, columns: tuple[str, ...], rows: Sequence[Sequence[Any]]
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
