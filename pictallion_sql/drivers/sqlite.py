"""The SQLite adapter: pooled aiosqlite connections, statements, executemany.

Values are stored as the schema documents (``sqlite_codecs.py``); rows come back as the
same Python values as on PostgreSQL. Its error translation lives in ``sqlite_errors.py``.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import AsyncGenerator, AsyncIterator, Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from functools import cache
from pathlib import Path
from typing import Any

import aiosqlite
import msgspec

from pictallion_sql.config import Settings
from pictallion_sql.drivers.arguments import bind_args, bind_encoded
from pictallion_sql.drivers.base import Database
from pictallion_sql.drivers.connection import Connection
from pictallion_sql.drivers.decoding import check_columns, decode_error, record_columns
from pictallion_sql.drivers.pool import Pool
from pictallion_sql.drivers.sqlite_codecs import (
    PLAIN,
    decoder,
    encode_arg,
    encode_args,
    encode_rows,
)
from pictallion_sql.drivers.sqlite_errors import SqliteErrors
from pictallion_sql.errors import DatabaseError, PictallionError
from pictallion_sql.query.bulk import insert_many_label
from pictallion_sql.query.registry import Query, ResultT, make_query

__all__ = ["SqliteConnection", "SqliteDatabase", "connect_sqlite", "encode_arg"]


def _lower(value: Any) -> Any:
    # SQLite's own lower() folds ASCII only; PostgreSQL's folds every letter.
    return value.lower() if isinstance(value, str) else value


def create_private_database(path: Path) -> None:
    """Create ``path`` empty and readable by its owner only (0600), unless it exists.

    The database holds password hashes. SQLite gives its -wal and -shm files the
    database file's permissions, so they are private too.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    os.close(fd)


def _connect_target(settings: Settings) -> str:
    """What aiosqlite opens: the path (a new file made private), or a read-only URI."""
    path = settings.sqlite_path
    if settings.sqlite_read_only:
        return f"{Path(path).resolve().as_uri()}?mode=ro"
    if path != ":memory:":
        create_private_database(Path(path))
    return path


async def _open_connection(settings: Settings) -> aiosqlite.Connection:
    path = settings.sqlite_path
    read_only = settings.sqlite_read_only
    target = _connect_target(settings)
    pending = aiosqlite.connect(
        target, isolation_level=None, check_same_thread=False, uri=read_only
    )
    # aiosqlite runs each connection in a non-daemon thread, so a program that never
    # closes its database would hang at exit waiting for it. As a daemon the thread ends
    # with the process; SQLite's journal makes that as safe as a crash (nothing committed
    # is lost, nothing uncommitted is kept).
    worker = getattr(pending, "_thread", None)
    if isinstance(worker, threading.Thread) and not worker.is_alive():
        worker.daemon = True
    conn = await pending
    try:
        await conn.execute(f"PRAGMA busy_timeout = {int(settings.busy_timeout_ms)}")
        await conn.execute("PRAGMA foreign_keys = ON")
        await conn.execute(f"PRAGMA mmap_size = {int(settings.sqlite_mmap_mb) * 1024 * 1024}")
        if path != ":memory:" and not read_only:
            await conn.execute("PRAGMA journal_mode = WAL")
            # NORMAL is durable across application crashes in WAL mode; only an OS
            # crash can lose the last commits, never corrupt the file.
            await conn.execute("PRAGMA synchronous = NORMAL")
        await conn.create_function("pictallion_lower", 1, _lower, deterministic=True)
    except BaseException:
        await conn.close()
        raise
    return conn


async def _close_connection(conn: aiosqlite.Connection) -> None:
    await conn.close()


async def _settle(conn: aiosqlite.Connection) -> bool:
    """Wait for the statements a cut-off call left queued, then roll back what is open."""
    try:
        await conn.execute("SELECT 1")  # runs after everything queued before it
        if conn.in_transaction:
            await conn.execute("ROLLBACK")
    except sqlite3.Error:
        return False
    return not conn.in_transaction


async def _run(
    conn: aiosqlite.Connection, query: Query, params: Mapping[str, Any], db: SqliteDatabase
) -> Any:
    compiled = query.sqlite
    args = bind_encoded(query, compiled, params, PLAIN, encode_arg)
    started = time.perf_counter()
    returns = query.returns
    try:
        if returns == "none":
            cursor = await conn.execute(compiled.text, args)
            result: Any = cursor.rowcount if cursor.rowcount >= 0 else 0
            count = result
        else:
            if query in db.checked_queries:
                rows = await conn.execute_fetchall(compiled.text, args)  # one thread hop
            else:
                rows = await _fetch_checking_columns(conn, query, args, db)
            count = len(rows)  # type: ignore[arg-type]
            if returns == "rows":
                decode = decoder(query)
                result = [decode(r) for r in rows]
            elif not rows:
                result = None
            elif returns == "one":
                result = decoder(query)(next(iter(rows)))
            else:
                value = next(iter(rows))[0]
                result = None if value is None else decoder(query)(value)
    except msgspec.MsgspecError as exc:
        raise db._failed_query(query, started, decode_error(query, exc)) from None
    except (sqlite3.Error, ValueError, OverflowError) as exc:
        error = await db.translate(exc, query, conn, args)
        raise db._failed_query(query, started, error) from None
    except PictallionError as exc:
        raise db._failed_query(query, started, exc) from None
    db._report_query(query, started, count)
    return result


async def _fetch_checking_columns(
    conn: aiosqlite.Connection, query: Query, args: list[Any], db: SqliteDatabase
) -> list[Any]:
    # The first run of a query on a database also checks its result columns against the
    # record (rows decode by position). It costs one extra thread hop, once per query.
    cursor = await conn.execute(query.sqlite.text, args)
    if record_columns(query) is not None:
        try:
            check_columns(query, [d[0] for d in cursor.description or ()])
        except DatabaseError:
            await cursor.close()
            raise
    rows = list(await cursor.fetchall())
    db.checked_queries.add(query)
    return rows


class SqliteDatabase(Database):
    """A SQLite database file behind a small pool of aiosqlite connections."""

    dialect = "sqlite"

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        memory = settings.sqlite_path == ":memory:"
        # An in-memory database exists once per connection: keep exactly one.
        self._pool: Pool[aiosqlite.Connection] = Pool(
            open=lambda: _open_connection(settings),
            close=_close_connection,
            # The one connection of an in-memory database is its data: after a cut-off
            # call it is settled (rolled back once its worker is idle), never replaced.
            recover=_settle if memory else None,
            size=1 if memory else settings.pool_size,
            overflow=0 if memory else settings.max_overflow,
            timeout=settings.pool_timeout,
            label="SQLite",
        )
        # Turns a sqlite3 exception into the library's own, naming table and column.
        self.translate = SqliteErrors(settings).translate
        # Queries whose result columns were found to match their record on this database.
        self.checked_queries: set[Query] = set()

    async def run(self, query: Query[ResultT], /, **params: Any) -> ResultT:
        """Run ``query`` on a pooled connection, outside any transaction."""
        conn, _ = await self._pool.acquire()
        try:
            result: ResultT = await _run(conn, query, params, self)
        except PictallionError:
            await self._release(conn)
            raise
        except BaseException:
            # Cut off mid-statement: the worker thread may still run it, so the
            # connection's state is unknown and it goes.
            self._pool.discard(conn)
            raise
        await self._release(conn)
        if query.writes and self._watch_writes:  # outside a transaction: committed already
            await self._invalidate(query.writes)
        return result

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[SqliteConnection]:
        """Hold one pooled connection for several calls."""
        raw, _ = await self._pool.acquire()
        conn = SqliteConnection(raw, self)
        try:
            yield conn
        finally:
            if conn._interrupted:
                self._pool.discard(raw)
            else:
                await self._release(raw)

    async def _release(self, conn: aiosqlite.Connection) -> None:
        # Never reuse a connection still inside a transaction: closing it rolls back.
        closing = self._pool.release(conn, broken=conn.in_transaction)
        if closing is not None:
            await closing

    def transaction(self, *, readonly: bool = False) -> AbstractAsyncContextManager[Connection]:
        """A transaction on a connection of its own."""
        return self._transaction_on_new_connection(readonly)

    async def close(self) -> None:
        """Close every pooled connection (and the cache's)."""
        await self._pool.close()
        await self._close_cache()

    async def server_version(self) -> str:
        """The SQLite library version."""
        return sqlite3.sqlite_version


class SqliteConnection(Connection):
    """One aiosqlite connection; transactions nest as savepoints.

    As on PostgreSQL, a statement that fails inside a transaction spoils it: later
    statements are refused and the block cannot commit, until it rolls back.
    """

    dialect = "sqlite"
    _db: SqliteDatabase

    def __init__(self, raw: aiosqlite.Connection, db: SqliteDatabase) -> None:
        self._raw = raw
        self._db = db

    def _begin_statement(self, readonly: bool) -> str:
        # IMMEDIATE takes the write lock at once, so a writer never fails half-way
        # on a lock another writer took after its first read.
        return "BEGIN DEFERRED" if readonly else "BEGIN IMMEDIATE"

    async def _control(self, statement: str) -> None:
        try:
            await self._raw.execute(statement)
        except sqlite3.Error as exc:
            raise await self._db.translate(exc, None, None) from None

    async def run(self, query: Query[ResultT], /, **params: Any) -> ResultT:
        """Run ``query`` on this connection."""
        if self._failed:
            raise self._refusal()
        try:
            result: ResultT = await _run(self._raw, query, params, self._db)
        except PictallionError:
            if self._depth:
                self._failed = True
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
        # One thread hop to start the statement, one per batch of rows, one to close it.
        if self._failed:
            raise self._refusal()
        compiled = query.sqlite
        args = bind_encoded(query, compiled, params, PLAIN, encode_arg)
        decode = decoder(query)
        started = time.perf_counter()
        count = 0
        try:
            try:
                cursor = await self._raw.execute(compiled.text, args)
            except (sqlite3.Error, ValueError, OverflowError) as exc:
                error = await self._db.translate(exc, query, self._raw, args)
                raise self._db._failed_query(query, started, error) from None
            except BaseException:
                self._interrupt()
                raise
            try:
                check_columns(query, [d[0] for d in cursor.description or ()])
                while True:
                    try:
                        rows = await cursor.fetchmany(batch_size)
                        batch = [decode(row) for row in rows]
                    except msgspec.MsgspecError as exc:
                        error = decode_error(query, exc)
                        raise self._db._failed_query(query, started, error) from None
                    except (sqlite3.Error, ValueError, OverflowError) as exc:
                        error = await self._db.translate(exc, query, self._raw, args)
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
            finally:
                if not self._interrupted:
                    try:
                        await cursor.close()
                    except BaseException:
                        self._interrupt()
                        raise
        except PictallionError:
            if self._depth:
                self._failed = True
            raise
        self._db._report_query(query, started, count)

    async def _write_rows(
        self, table: str, columns: tuple[str, ...], rows: Sequence[Sequence[Any]]
    ) -> None:
        """One executemany of the rows' values, converted a column at a time."""
        await self._execute_many(insert_row(table, columns), encode_rows(rows))

    async def run_many(self, query: Query, rows: Iterable[Mapping[str, Any]]) -> int:
        """Run ``query`` once per mapping, atomically, with one executemany."""
        compiled = query.sqlite
        batch = [encode_args(bind_args(query, compiled, row)) for row in rows]
        if not batch:
            return 0
        async with self.transaction():
            await self._execute_many(query, batch)
        return len(batch)

    async def _execute_many(self, query: Query, batch: Sequence[Sequence[Any]]) -> None:
        # Only called inside a transaction: a failure spoils it, and nothing is kept.
        if self._failed:
            raise self._refusal()
        started = time.perf_counter()
        try:
            await self._raw.executemany(query.sqlite.text, batch)
        except (sqlite3.Error, ValueError, OverflowError) as exc:
            self._failed = True
            error = await self._db.translate(exc, query, self._raw, batch)
            raise self._db._failed_query(query, started, error) from None
        except BaseException:
            self._interrupt()
            raise
        if self._db._watch_writes:
            self._note_write(query)
        self._db._report_query(query, started, len(batch))


@cache
def insert_row(table: str, columns: tuple[str, ...]) -> Query:
    """``INSERT INTO table (columns) VALUES (:columns)`` without RETURNING, for executemany."""
    cols = ", ".join(f'"{c}"' for c in columns)
    values = ", ".join(f":{c}" for c in columns)
    sql = f'INSERT INTO "{table}" ({cols}) VALUES ({values})'
    return make_query(insert_many_label(table, columns), "none", None, sql)


async def connect_sqlite(settings: Settings) -> SqliteDatabase:
    """Open the SQLite database of ``settings`` (creating its folder) and check it."""
    db = SqliteDatabase(settings)
    try:
        async with db.connection():
            pass
    except sqlite3.Error as exc:
        raise DatabaseError(f"cannot open SQLite database {settings.sqlite_path}: {exc}") from None
    return db
