"""The PostgreSQL adapter: an asyncpg pool, prepared statements, cursors, COPY.

Its type conversion lives in ``postgres_codecs.py``, its error translation in
``postgres_errors.py``.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import (
    AsyncGenerator,
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Mapping,
    Sequence,
)
from contextlib import AbstractAsyncContextManager, aclosing, asynccontextmanager
from functools import cache
from typing import Any

import asyncpg
import msgspec

from pictallion_sql.config import Settings, mask_secrets
from pictallion_sql.drivers.arguments import bind_args
from pictallion_sql.drivers.base import Database
from pictallion_sql.drivers.connection import Connection, interrupted_error
from pictallion_sql.drivers.decoding import check_columns, decode_error, record_columns
from pictallion_sql.drivers.keyset import KeysetPlan, keyset_plan
from pictallion_sql.drivers.pool import Pool
from pictallion_sql.drivers.postgres_codecs import decoder, init_connection
from pictallion_sql.drivers.postgres_errors import DRIVER_ERRORS, LOST, STALE, translate
from pictallion_sql.errors import (
    ConnectionLostError,
    DatabaseError,
    PictallionError,
    PoolTimeoutError,
)
from pictallion_sql.query.bulk import insert_many_label
from pictallion_sql.query.registry import Query, ResultT, make_query

__all__ = ["PostgresConnection", "PostgresDatabase", "connect_postgres"]

_IDLE_PING_SECONDS = 30.0
# Names of the SQL cursors streams declare behind a transaction pooler.
_CURSOR_NAMES = itertools.count(1)

Batches = Callable[[], Awaitable[list[Any]]]
"""Fetches the next batch of raw rows of a stream (fewer than asked: the last one)."""


class StatementConnection(asyncpg.Connection):  # type: ignore[misc]
    """An asyncpg connection that keeps one prepared statement per query it has run.

    Running a prepared statement skips asyncpg's lookup of its statement cache by SQL
    text: a few microseconds per call, measured at 5 to 10% of a lookup by id. Statements
    live as long as the connection; ``statement_limit`` (``statement_cache_size``) bounds
    how many, and 0 runs every statement by its text instead.
    """

    __slots__ = ("statement_limit", "statements")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.statements: dict[Query, Any] = {}
        self.statement_limit = 0


async def _prepared(conn: StatementConnection, query: Query) -> Any:
    statement = await conn.prepare(query.postgres.text)
    if record_columns(query) is not None:
        # Rows decode by position: the statement's result columns must be the record's
        # fields in order. Checked once per statement, before any row is decoded.
        check_columns(query, [a.name for a in statement.get_attributes()])
    statements = conn.statements
    if len(statements) >= conn.statement_limit:
        del statements[next(iter(statements))]  # the oldest goes
    statements[query] = statement
    return statement


async def _fetch(conn: StatementConnection, query: Query, args: list[Any]) -> tuple[Any, int]:
    """Run a query that returns something; (decoded result, row count)."""
    returns = query.returns
    if conn.statement_limit:
        statement = conn.statements.get(query) or await _prepared(conn, query)
        if returns == "rows":
            records = await statement.fetch(*args)
        elif returns == "one":
            record = await statement.fetchrow(*args)
        else:
            value = await statement.fetchval(*args)
    else:
        text = query.postgres.text
        if returns == "rows":
            records = await conn.fetch(text, *args)
            if records:
                check_columns(query, list(records[0].keys()))
        elif returns == "one":
            record = await conn.fetchrow(text, *args)
            if record is not None:
                check_columns(query, list(record.keys()))
        else:
            value = await conn.fetchval(text, *args)
    if returns == "rows":
        decode = decoder(query)
        return [decode(r) for r in records], len(records)
    if returns == "one":
        return (None, 0) if record is None else (decoder(query)(record), 1)
    return (None if value is None else decoder(query)(value)), 1


async def _run(
    conn: StatementConnection, query: Query, params: Mapping[str, Any], db: PostgresDatabase
) -> Any:
    args = bind_args(query, query.postgres, params)
    started = time.perf_counter()
    try:
        if query.returns == "none":
            # By text: asyncpg caches it, and without arguments it may hold several statements.
            result = count = _affected(await conn.execute(query.postgres.text, *args))
        else:
            try:
                result, count = await _fetch(conn, query, args)
            except STALE:
                conn.statements.pop(query, None)
                if conn.is_in_transaction():
                    raise
                result, count = await _fetch(conn, query, args)
    except msgspec.MsgspecError as exc:
        raise db._failed_query(query, started, decode_error(query, exc)) from None
    except (*STALE, *DRIVER_ERRORS) as exc:
        raise db._failed_query(query, started, db.translate(exc, query)) from None
    except PictallionError as exc:
        raise db._failed_query(query, started, exc) from None
    db._report_query(query, started, count)
    return result


def _affected(status: str) -> int:
    tail = status.rsplit(" ", 1)[-1]
    return int(tail) if tail.isdigit() else 0


class PostgresDatabase(Database):
    """A PostgreSQL database behind an asyncpg pool."""

    dialect = "postgres"

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self._pool: Pool[Any] = Pool(
            open=self._open_connection,
            close=_close_connection,
            terminate=_terminate,
            size=settings.pool_size,
            overflow=settings.max_overflow,
            timeout=settings.pool_timeout,
            label="PostgreSQL",
        )
        self._foreign_keys: dict[str, tuple[str, str, str]] = {}
        # Read once: behind a transaction pooler streams avoid asyncpg's cursors.
        self._transaction_pooled = settings.transaction_pooled

    async def _open_connection(self) -> Any:
        try:
            conn = await asyncpg.connect(
                dsn=self.settings.postgres_dsn,
                # Every statement goes through asyncpg's per-connection cache of prepared
                # statements (keyed by SQL text). The named queries are a fixed set, so a
                # statement stays prepared for the connection's life instead of being
                # re-prepared every 5 minutes (the default), and long ones are cached too.
                statement_cache_size=self.settings.prepared_statement_limit,
                max_cached_statement_lifetime=0,
                max_cacheable_statement_size=0,
                connection_class=StatementConnection,
                server_settings={"timezone": "UTC", "application_name": "pictallion-sql"},
                timeout=self.settings.pool_timeout,
            )
        except (*DRIVER_ERRORS, TimeoutError) as exc:
            # Unreachable or starting up (a restart): worth retrying; anything else
            # (a wrong password, a missing database) is not.
            error = ConnectionLostError if isinstance(exc, LOST) else DatabaseError
            raise error(
                f"cannot connect to PostgreSQL at {self.settings.masked_url}: "
                f"{type(exc).__name__}: {mask_secrets(exc, self.settings.database_url)}"
            ) from None
        conn.statement_limit = self.settings.prepared_statement_limit
        try:
            await init_connection(conn)
        except DRIVER_ERRORS as exc:
            conn.terminate()
            raise self.translate(exc, None) from None
        except BaseException:
            conn.terminate()
            raise
        return conn

    async def load_constraints(self) -> None:
        """Remember which table and column every foreign key joins, for error messages."""
        async with self._acquire() as conn:
            try:
                rows = await conn.fetch(
                    """
                SELECT c.conname, child.relname, a.attname, parent.relname
                FROM pg_constraint c
                JOIN pg_class child ON child.oid = c.conrelid
                JOIN pg_class parent ON parent.oid = c.confrelid
                JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
                WHERE c.contype = 'f'
                """
                )
            except DRIVER_ERRORS as exc:
                raise self.translate(exc, None) from None
        self._foreign_keys = {r[0]: (r[1], r[2], r[3]) for r in rows}

    async def run(self, query: Query[ResultT], /, **params: Any) -> ResultT:
        """Run ``query`` on a pooled connection."""
        conn = await self._checked_connection()  # no context manager: this is the hot path
        try:
            result: ResultT = await _run(conn, query, params, self)
        except PictallionError as exc:
            if type(exc) is ConnectionLostError:
                self._pool.discard(conn)
            else:
                await self._give_back(conn)
            raise
        except BaseException:
            # Cut off mid-statement: whether it ran is unknown, so the connection goes.
            self._pool.discard(conn)
            raise
        await self._give_back(conn)
        if query.writes and self._watch_writes:  # outside a transaction: committed already
            await self._invalidate(query.writes)
        return result

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[PostgresConnection]:
        """Hold one pooled connection for several calls."""
        raw = await self._checked_connection()
        conn = PostgresConnection(raw, self)
        try:
            yield conn
        finally:
            if conn._interrupted:
                self._pool.discard(raw)
            else:
                await self._give_back(raw)

    def transaction(self, *, readonly: bool = False) -> AbstractAsyncContextManager[Connection]:
        """A transaction on a connection of its own."""
        return self._transaction_on_new_connection(readonly)

    async def close(self) -> None:
        """Close the pool, waiting for connections in use to be released."""
        await self._pool.close()
        await self._close_cache()

    async def fetch_state(self, sql: str) -> Any:
        """The one row of a fixed statement about the server (WAL positions, lag)."""
        async with self._acquire() as conn:
            try:
                return await conn.fetchrow(sql)
            except DRIVER_ERRORS as exc:
                raise self.translate(exc, None) from None

    async def server_version(self) -> str:
        """The server's version string."""
        return str((await self.fetch_state("SHOW server_version"))[0])

    @asynccontextmanager
    async def _acquire(self) -> AsyncIterator[Any]:
        conn = await self._checked_connection()
        try:
            yield conn
        except PictallionError:
            await self._give_back(conn)
            raise
        except BaseException:
            self._pool.discard(conn)
            raise
        await self._give_back(conn)

    async def _give_back(self, conn: Any) -> None:
        # A connection still inside a transaction (as the server reports it) is never
        # reused: it is dropped, and the server rolls the transaction back.
        closing = self._pool.release(conn, broken=conn.is_closed() or conn.is_in_transaction())
        if closing is not None:
            await closing

    async def _checked_connection(self) -> Any:
        while True:
            conn, idle = await self._pool.acquire()
            if conn.is_closed():
                self._pool.discard(conn)
                continue
            if idle > _IDLE_PING_SECONDS:
                # A connection idle for a while is pinged before use, so a server restart
                # or a dropped link costs a reconnect instead of a failed call.
                try:
                    await conn.execute("SELECT 1")
                except DRIVER_ERRORS:
                    self._pool.discard(conn)
                    continue
                except BaseException:
                    self._pool.discard(conn)
                    raise
            return conn

    def translate(self, exc: BaseException, query: Query | None) -> PictallionError:
        """Turn a driver exception into the library's own, naming table and column.

        The message is for the application's users; the query's name goes to ``query``.
        """
        return translate(exc, query, self.settings.database_url, self._foreign_keys)


class PostgresConnection(Connection):
    """One asyncpg connection; transactions nest as savepoints.

    A statement that fails inside a transaction spoils it: the block cannot commit
    and raises when it ends, as on SQLite.
    """

    dialect = "postgres"
    _db: PostgresDatabase

    def __init__(self, raw: Any, db: PostgresDatabase) -> None:
        self._raw = raw
        self._db = db

    def _begin_statement(self, readonly: bool) -> str:
        # A read-only transaction reads one snapshot throughout, as SQLite's does.
        return "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" if readonly else "BEGIN"

    async def _control(self, statement: str) -> None:
        # Plain statements rather than asyncpg's Transaction objects: those keep their own
        # marker on the connection, which a cancelled start leaves set.
        try:
            await self._raw.execute(statement)
        except DRIVER_ERRORS as exc:
            raise self._db.translate(exc, None) from None

    def _cut_off(self) -> None:
        # Closing the socket now makes the server roll back whatever was open.
        self._raw.terminate()

    async def run(self, query: Query[ResultT], /, **params: Any) -> ResultT:
        """Run ``query`` on this connection."""
        if self._interrupted:
            raise interrupted_error()
        try:
            result: ResultT = await _run(self._raw, query, params, self._db)
        except PictallionError as exc:
            if self._depth:
                self._failed = True
            if type(exc) is ConnectionLostError or type(exc) is PoolTimeoutError:
                self._interrupt()  # both leave the link closed
            raise
        except BaseException:
            self._interrupt()
            raise
        if query.writes and self._db._watch_writes:  # a read has nothing to report
            await self._wrote(query)
        return result

    async def _stream(
        self, query: Query, batch_size: int, params: Mapping[str, Any]
    ) -> AsyncGenerator[Any, None]:
        # A server-side cursor lives in a transaction: the caller's, or one opened here
        # for the stream's duration (rolled back or committed as the stream ends). Behind
        # a transaction pooler an ordered query is read by key instead, in separate
        # statements that hold no server connection between batches.
        plan = keyset_plan(query) if self._db._transaction_pooled and not self._depth else None
        if self._depth or plan is not None:
            async with aclosing(self._batched_records(query, batch_size, params, plan)) as rows:
                async for record in rows:
                    yield record
            return
        async with (
            self.transaction(),
            aclosing(self._batched_records(query, batch_size, params, None)) as rows,
        ):
            async for record in rows:
                yield record

    async def _open_batches(
        self, query: Query, args: list[Any], batch_size: int, plan: KeysetPlan | None
    ) -> Batches:
        """Start reading ``query``: a function returning its next batch of raw rows."""
        raw = self._raw
        if plan is not None:
            return _keyset_batches(raw, query, plan, args, batch_size)
        text = query.postgres.text
        if not self._db._transaction_pooled:
            cursor = await raw.cursor(text, *args)
            return lambda: cursor.fetch(batch_size)
        # asyncpg's cursors use named statements, which a transaction pooler loses: an SQL
        # cursor of the open transaction instead, fetched by unnamed statements.
        name = f"pictallion_stream_{next(_CURSOR_NAMES)}"
        await raw.execute(f"DECLARE {name} NO SCROLL CURSOR FOR {text}", *args)
        fetch = f"FETCH FORWARD {batch_size} FROM {name}"
        return lambda: raw.fetch(fetch)

    async def _batched_records(
        self, query: Query, batch_size: int, params: Mapping[str, Any], plan: KeysetPlan | None
    ) -> AsyncGenerator[Any, None]:
        args = bind_args(query, query.postgres, params)
        decode = decoder(query)
        started = time.perf_counter()
        count = 0
        try:
            try:
                next_batch = await self._open_batches(query, args, batch_size, plan)
            except DRIVER_ERRORS as exc:
                raise self._db._failed_query(
                    query, started, self._db.translate(exc, query)
                ) from None
            except BaseException:
                self._interrupt()
                raise
            while True:
                try:
                    records = await next_batch()  # one round trip per batch
                    if records and not count:
                        check_columns(query, list(records[0].keys()))
                    batch = [decode(r) for r in records]
                except msgspec.MsgspecError as exc:
                    decoding = decode_error(query, exc)
                    raise self._db._failed_query(query, started, decoding) from None
                except DRIVER_ERRORS as exc:
                    error = self._db.translate(exc, query)
                    raise self._db._failed_query(query, started, error) from None
                except PictallionError as exc:
                    raise self._db._failed_query(query, started, exc) from None
                except BaseException:
                    self._interrupt()
                    raise
                count += len(batch)
                for record in batch:
                    yield record
                if len(batch) < batch_size:
                    break
        except PictallionError as exc:
            if self._depth:
                self._failed = True
            if type(exc) is ConnectionLostError or type(exc) is PoolTimeoutError:
                self._interrupt()
            raise
        self._db._report_query(query, started, count)

    async def _write_rows(
        self, table: str, columns: tuple[str, ...], rows: Sequence[Sequence[Any]]
    ) -> None:
        """One binary COPY: the columns it does not list take their defaults, as with INSERT.

        Every value goes through the connection's codecs (jsonb as msgspec JSON, or the
        JSON text the input checks encoded).
        """
        await self._copy(table, columns, rows)

    def _write_failed(self, query: Query, started: float, exc: Exception) -> PictallionError:
        """A batch write the server refused: it spoils the transaction; a lost link also
        leaves the connection's state unknown."""
        self._failed = True
        error = self._db._failed_query(query, started, self._db.translate(exc, query))
        if type(error) is ConnectionLostError:
            self._interrupt()
        return error

    async def _copy(
        self, table: str, columns: tuple[str, ...], records: Sequence[Sequence[Any]]
    ) -> None:
        # Only called inside a transaction: a failure spoils it, and nothing is kept.
        label = _copy_label(table, columns)
        started = time.perf_counter()
        try:
            await self._raw.copy_records_to_table(table, records=records, columns=columns)
        except DRIVER_ERRORS as exc:
            raise self._write_failed(label, started, exc) from None
        except BaseException:
            self._interrupt()
            raise
        if self._db._watch_writes:
            self._note_write(label)
        self._db._report_query(label, started, len(records))

    async def run_many(self, query: Query, rows: Iterable[Mapping[str, Any]]) -> int:
        """Run ``query`` once per mapping, atomically, in one round trip."""
        compiled = query.postgres
        batch = [bind_args(query, compiled, row) for row in rows]
        if not batch:
            return 0
        started = time.perf_counter()
        async with self.transaction():
            try:
                await self._raw.executemany(compiled.text, batch)
            except DRIVER_ERRORS as exc:
                raise self._write_failed(query, started, exc) from None
            except BaseException:
                self._interrupt()
                raise
            if self._db._watch_writes:
                self._note_write(query)
        self._db._report_query(query, started, len(batch))
        return len(batch)


def _keyset_batches(
    raw: Any, query: Query, plan: KeysetPlan, args: list[Any], batch_size: int
) -> Batches:
    """Batches of ``query`` read by key: each resumes after the last row of the one before."""
    last_key: list[Any] = []

    async def next_batch() -> list[Any]:
        if last_key:
            records: list[Any] = await raw.fetch(plan.next, *args, batch_size, *last_key)
        else:
            records = await raw.fetch(plan.first, *args, batch_size)
        if records:
            last = records[-1]
            last_key[:] = [last[i] for i in plan.key_indexes]
            for column, value in zip(plan.key_columns, last_key, strict=True):
                if value is None:
                    raise DatabaseError(
                        f"query {query.name!r}: cannot stream by key past a NULL in "
                        f"{column}; order the query by non-null columns"
                    )
        return records

    return next_batch


@cache
def _copy_label(table: str, columns: tuple[str, ...]) -> Query:
    # Names the COPY in error messages and the debug log; the statement itself is asyncpg's.
    cols = ", ".join(f'"{c}"' for c in columns)
    sql = f'COPY "{table}" ({cols}) FROM STDIN (FORMAT binary)'
    return make_query(insert_many_label(table, columns), "none", None, sql)


async def _close_connection(conn: Any) -> None:
    try:
        await asyncio.wait_for(conn.close(), 5)
    except (*DRIVER_ERRORS, TimeoutError):
        conn.terminate()


def _terminate(conn: Any) -> None:
    conn.terminate()


async def connect_postgres(settings: Settings) -> PostgresDatabase:
    """Open the database at ``settings.database_url``; the first connection is made now."""
    db = PostgresDatabase(settings)
    await db.load_constraints()
    return db
