"""The PostgreSQL adapter: an asyncpg pool, msgspec JSON codecs, asyncpg errors translated."""

from __future__ import annotations

import asyncio
import itertools
import re
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

from pictallion_sql.config import Settings, mask_secrets, mask_url
from pictallion_sql.drivers.base import (
    Connection,
    Converter,
    Database,
    Decoder,
    aborted_error,
    base_type,
    bind_args,
    check_columns,
    decode_error,
    interrupted_error,
    is_json_kind,
    json_converter,
    make_decoder,
    record_columns,
    written_tables,
)
from pictallion_sql.drivers.keyset import KeysetPlan, keyset_plan
from pictallion_sql.drivers.pool import Pool
from pictallion_sql.errors import (
    ConnectionLostError,
    DatabaseError,
    DuplicateKeyError,
    ForeignKeyError,
    PermissionDeniedError,
    PictallionError,
    PoolTimeoutError,
    ReadOnlyError,
    ValidationError,
)
from pictallion_sql.query.bulk import insert_many_label
from pictallion_sql.query.registry import Query, ResultT, make_query

__all__ = ["PostgresConnection", "PostgresDatabase", "connect_postgres"]

_json_encode = msgspec.json.encode
_DECODERS: dict[Query, Decoder] = {}
_IDLE_PING_SECONDS = 30.0
# Names of the SQL cursors streams declare behind a transaction pooler.
_CURSOR_NAMES = itertools.count(1)

Batches = Callable[[], Awaitable[list[Any]]]
"""Fetches the next batch of raw rows of a stream (fewer than asked: the last one)."""


def _encode_jsonb(value: Any) -> bytes:
    # jsonb's binary wire format is a version byte (1) followed by the JSON text.
    return b"\x01" + _json_encode(value)


def _decode_jsonb(data: bytes) -> bytes:
    # Kept as bytes: the row decoder parses them straight into the record's typed field.
    return data[1:]


def _identity_bytes(data: bytes) -> bytes:
    return data


def _text_array_or_json(decode: Converter) -> Converter:
    return lambda value: value if type(value) is list else decode(value)


def converter_for(annotation: Any) -> Converter | None:
    """How a value asyncpg returns for a field of type ``annotation`` becomes that type."""
    if not is_json_kind(annotation):
        return None
    info = base_type(annotation)
    decode = json_converter(annotation)
    if isinstance(info, msgspec.inspect.ListType) and isinstance(
        info.item_type, msgspec.inspect.StrType
    ):
        return _text_array_or_json(decode)  # text[] arrives as a list already
    return decode


def _decoder(query: Query) -> Decoder:
    try:
        return _DECODERS[query]
    except KeyError:
        decoder = _DECODERS[query] = make_decoder(query, converter_for)
        return decoder


async def _init_connection(conn: asyncpg.Connection) -> None:
    await conn.set_type_codec(
        "jsonb",
        schema="pg_catalog",
        encoder=_encode_jsonb,
        decoder=_decode_jsonb,
        format="binary",
    )
    await conn.set_type_codec(
        "json",
        schema="pg_catalog",
        encoder=_json_encode,
        decoder=_identity_bytes,
        format="binary",
    )


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


# Everything asyncpg raises for a failed call (InternalClientError: a protocol in a state
# it cannot go on from, say after the server went away mid-operation).
_DRIVER_ERRORS = (
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
    OSError,
)

# The link to the server is gone, or the server is going away: the connection is dead.
_LOST = (
    asyncpg.PostgresConnectionError,  # class 08, and ConnectionDoesNotExistError
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.CannotConnectNowError,
    asyncpg.InternalClientError,
    OSError,
    TimeoutError,
)

# A table changed since a statement was prepared: prepare it again.
_STALE = (asyncpg.InvalidCachedStatementError, asyncpg.exceptions.OutdatedSchemaCacheError)


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
        decode = _decoder(query)
        return [decode(r) for r in records], len(records)
    if returns == "one":
        return (None, 0) if record is None else (_decoder(query)(record), 1)
    return (None if value is None else _decoder(query)(value)), 1


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
            except _STALE:
                conn.statements.pop(query, None)
                if conn.is_in_transaction():
                    raise
                result, count = await _fetch(conn, query, args)
    except msgspec.MsgspecError as exc:
        raise db._failed_query(query, started, decode_error(query, exc)) from None
    except (*_STALE, *_DRIVER_ERRORS) as exc:
        raise db._failed_query(query, started, db.translate(exc, query)) from None
    except PictallionError as exc:
        raise db._failed_query(query, started, exc) from None
    db._report_query(query, started, count)
    return result


def _affected(status: str) -> int:
    tail = status.rsplit(" ", 1)[-1]
    return int(tail) if tail.isdigit() else 0


_KEY = re.compile(r"Key \((?P<cols>.*?)\)=")
_ARG = re.compile(r"query argument \$(\d+)")


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
        except (*_DRIVER_ERRORS, TimeoutError) as exc:
            # Unreachable or starting up (a restart): worth retrying; anything else
            # (a wrong password, a missing database) is not.
            error = ConnectionLostError if isinstance(exc, _LOST) else DatabaseError
            raise error(
                f"cannot connect to PostgreSQL at {self.settings.masked_url}: "
                f"{type(exc).__name__}: {mask_secrets(exc, self.settings.database_url)}"
            ) from None
        conn.statement_limit = self.settings.prepared_statement_limit
        try:
            await _init_connection(conn)
        except _DRIVER_ERRORS as exc:
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
            except _DRIVER_ERRORS as exc:
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
        if self._watch_writes:  # outside a transaction: committed already
            await self._invalidate(written_tables(query))
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
            except _DRIVER_ERRORS as exc:
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
                except _DRIVER_ERRORS:
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
        error = self._translate(exc, query)
        if query is not None:
            error.query = query.name
        return error

    def _translate(self, exc: BaseException, query: Query | None) -> PictallionError:
        if isinstance(exc, asyncpg.UniqueViolationError):
            column = _key_columns(exc)
            table = exc.table_name or "?"
            return DuplicateKeyError(
                f"duplicate key: {table}.{column} already exists",
                table=table,
                column=column,
                constraint=exc.constraint_name,
            )
        if isinstance(exc, asyncpg.ForeignKeyViolationError):
            return self._foreign_key_error(exc)
        if isinstance(exc, asyncpg.NotNullViolationError):
            field = f"{exc.table_name}.{exc.column_name}"
            return ValidationError(f"{field} must not be null", field=exc.column_name)
        if isinstance(exc, asyncpg.CheckViolationError):
            return ValidationError(
                f"{exc.table_name}: check constraint {exc.constraint_name} failed"
            )
        if isinstance(exc, asyncpg.DataError | asyncpg.exceptions.DataError):
            return ValidationError(self._argument_message(exc, query))
        if isinstance(exc, asyncpg.InFailedSQLTransactionError):
            return aborted_error()
        message = mask_secrets(exc, self.settings.database_url)
        if isinstance(exc, _LOST) and _POOLER_WAIT.search(message):
            # pgbouncer found no free server connection for this client in time and
            # dropped it; the statement never reached PostgreSQL.
            return PoolTimeoutError(
                f"the connection pooler in front of PostgreSQL at "
                f"{mask_url(self.settings.database_url)} found no free server connection "
                f"in time ({message.splitlines()[0]}); raise its pool size (pgbouncer: "
                f"default_pool_size) or query_wait_timeout, or hold connections for less "
                f"time",
                # The pooler's own pool size and wait are not known here.
                size=0,
                timeout=0.0,
            )
        if isinstance(exc, asyncpg.ReadOnlySQLTransactionError):
            return ReadOnlyError(f"the database is read-only (PostgreSQL: {message})")
        if isinstance(exc, asyncpg.InsufficientPrivilegeError):
            privilege = _privilege(query)
            needs = f" (the statement needs {privilege})" if privilege else ""
            return PermissionDeniedError(f"{message}{needs}", privilege=privilege)
        if isinstance(exc, _LOST) or (
            isinstance(exc, asyncpg.InterfaceError) and _CLOSED.search(message)
        ):
            return ConnectionLostError(
                f"lost the connection to PostgreSQL at {mask_url(self.settings.database_url)} "
                f"({type(exc).__name__}: {message.splitlines()[0] if message else ''}); "
                f"nothing uncommitted was kept"
            )
        return DatabaseError(f"{type(exc).__name__}: {message}")

    def _foreign_key_error(self, exc: Any) -> ForeignKeyError:
        known = self._foreign_keys.get(exc.constraint_name or "")
        detail = exc.detail or ""
        if known is None:
            return ForeignKeyError(
                f"foreign key violation on {exc.table_name}",
                table=exc.table_name,
                constraint=exc.constraint_name,
            )
        child, column, parent = known
        if "still referenced" in detail:
            message = f"foreign key violation: {parent} row is still referenced by {child}.{column}"
        else:
            message = (
                f"foreign key violation: {child}.{column} refers to a {parent} row "
                "that does not exist"
            )
        return ForeignKeyError(
            message,
            table=child,
            column=column,
            constraint=exc.constraint_name,
            referenced_table=parent,
        )

    @staticmethod
    def _argument_message(exc: BaseException, query: Query | None) -> str:
        text = str(exc).split("\n", 1)[0]
        match = _ARG.search(text)
        if match and query is not None:
            index = int(match.group(1)) - 1
            names = query.postgres.arg_names
            if 0 <= index < len(names):
                reason = text.split(": ", 1)[-1]
                reason = reason.split(" (", 1)[-1].rstrip(")") if " (" in reason else reason
                return f"invalid value for {names[index]}: {reason}"
        return f"invalid value: {text}"


_CLOSED = re.compile(r"connection is closed|connection was closed|another operation is in progress")
# pgbouncer's message when a client waited longer than query_wait_timeout for a server.
_POOLER_WAIT = re.compile(r"query_wait_timeout")
_VERB = re.compile(r"\s*(SELECT|INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


def _privilege(query: Query | None) -> str | None:
    # PostgreSQL names the object but not the privilege; the statement's verb is it.
    if query is None:
        return None
    match = _VERB.match(query.postgres.text)
    return match.group(1).upper() if match else None


def _key_columns(exc: Any) -> str:
    match = _KEY.search(exc.detail or "")
    if match:
        return match.group("cols")
    return exc.constraint_name or "?"


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
        except _DRIVER_ERRORS as exc:
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
        if self._db._watch_writes:
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
        decode = _decoder(query)
        started = time.perf_counter()
        count = 0
        try:
            try:
                next_batch = await self._open_batches(query, args, batch_size, plan)
            except _DRIVER_ERRORS as exc:
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
                except _DRIVER_ERRORS as exc:
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
        self, table: str, columns: tuple[str, ...], rows: Sequence[Mapping[str, Any]]
    ) -> None:
        """One binary COPY: the columns it does not list take their defaults, as with INSERT.

        Every value goes through the connection's codecs (jsonb as msgspec JSON).
        """
        await self._copy(table, columns, [tuple(row.values()) for row in rows])

    async def _copy(self, table: str, columns: tuple[str, ...], records: list[Any]) -> None:
        # Only called inside a transaction: a failure spoils it, and nothing is kept.
        label = _copy_label(table, columns)
        started = time.perf_counter()
        try:
            await self._raw.copy_records_to_table(table, records=records, columns=columns)
        except _DRIVER_ERRORS as exc:
            self._failed = True
            error = self._db._failed_query(label, started, self._db.translate(exc, label))
            if type(error) is ConnectionLostError:
                self._interrupt()
            raise error from None
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
            except _DRIVER_ERRORS as exc:
                self._failed = True
                error = self._db._failed_query(query, started, self._db.translate(exc, query))
                if type(error) is ConnectionLostError:
                    self._interrupt()
                raise error from None
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
    except (*_DRIVER_ERRORS, TimeoutError):
        conn.terminate()


def _terminate(conn: Any) -> None:
    conn.terminate()


async def connect_postgres(settings: Settings) -> PostgresDatabase:
    """Open the database at ``settings.database_url``; the first connection is made now."""
    db = PostgresDatabase(settings)
    await db.load_constraints()
    return db
