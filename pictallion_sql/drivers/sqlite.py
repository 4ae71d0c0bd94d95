"""The SQLite adapter: pooled aiosqlite connections, SQLite's storage conventions, its errors.

Values are stored as the schema documents: timestamps as ISO-8601 UTC text with six
fractional digits (text order is time order), booleans as 0/1, ``keywords`` and the
JSON documents as JSON text. Rows come back as the same Python values as on PostgreSQL.
"""

from __future__ import annotations

import os
import re
import sqlite3
import threading
import time
from collections.abc import AsyncGenerator, AsyncIterator, Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import aiosqlite
import msgspec

from pictallion_sql.config import Settings
from pictallion_sql.drivers.base import (
    Connection,
    Converter,
    Database,
    Decoder,
    base_type,
    bind_args,
    check_columns,
    decode_error,
    is_json_kind,
    json_converter,
    make_decoder,
    record_columns,
    written_tables,
)
from pictallion_sql.drivers.pool import Pool
from pictallion_sql.errors import (
    DatabaseError,
    DuplicateKeyError,
    ForeignKeyError,
    PermissionDeniedError,
    PictallionError,
    ReadOnlyError,
    ValidationError,
)
from pictallion_sql.query.bulk import insert_many_label
from pictallion_sql.query.registry import Query, ResultT, make_query

__all__ = ["SqliteConnection", "SqliteDatabase", "connect_sqlite", "encode_arg"]

_DECODERS: dict[Query, Decoder] = {}
_PLAIN = frozenset({str, int, float, bool, type(None), bytes})
_json_encode = msgspec.json.encode
_fromisoformat = datetime.fromisoformat


def to_text_timestamp(value: datetime) -> str:
    """A datetime as the stored text form: naive UTC, microseconds, 'T' separator."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(timespec="microseconds")


def encode_arg(value: Any) -> Any:
    """One parameter value in the form SQLite stores it."""
    if type(value) in _PLAIN:
        return value
    if isinstance(value, datetime):
        return to_text_timestamp(value)
    if isinstance(value, list | dict | tuple | msgspec.Struct):
        return _json_encode(value).decode()
    return value


def _encode_args(args: Sequence[Any]) -> list[Any]:
    return [v if type(v) in _PLAIN else encode_arg(v) for v in args]


def converter_for(annotation: Any) -> Converter | None:
    """How a value SQLite returns for a field of type ``annotation`` becomes that type."""
    if is_json_kind(annotation):
        return json_converter(annotation)
    info = base_type(annotation)
    if isinstance(info, msgspec.inspect.DateTimeType):
        return _fromisoformat
    if isinstance(info, msgspec.inspect.BoolType):
        return bool
    return None


def _decoder(query: Query) -> Decoder:
    try:
        return _DECODERS[query]
    except KeyError:
        decoder = _DECODERS[query] = make_decoder(query, converter_for)
        return decoder


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
    args = _encode_args(bind_args(query, compiled, params))
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
                decode = _decoder(query)
                result = [decode(r) for r in rows]
            elif not rows:
                result = None
            elif returns == "one":
                result = _decoder(query)(next(iter(rows)))
            else:
                value = next(iter(rows))[0]
                result = None if value is None else _decoder(query)(value)
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


_UNIQUE = re.compile(r"UNIQUE constraint failed: (?P<cols>.+)$")
_NOT_NULL = re.compile(r"NOT NULL constraint failed: (?P<table>\w+)\.(?P<col>\w+)")
_TARGET = re.compile(
    r"^\s*(?:(?P<insert>INSERT(?:\s+OR\s+\w+)?\s+INTO)|(?P<update>UPDATE)|(?P<delete>DELETE\s+FROM))"
    r"\s+\"?(?P<table>\w+)\"?",
    re.IGNORECASE,
)
_WHERE = re.compile(r"\bWHERE\b(?P<where>.*?)(?:\bRETURNING\b.*)?$", re.IGNORECASE | re.DOTALL)
_COLUMNS = re.compile(r"^\s*INSERT[^(]*\((?P<cols>[^)]*)\)", re.IGNORECASE)


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
        self._foreign_keys: dict[str, list[tuple[str, str, str]]] | None = None
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
        if self._watch_writes:  # outside a transaction: committed already
            await self._invalidate(written_tables(query))
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

    async def translate(
        self,
        exc: BaseException,
        query: Query | None,
        conn: aiosqlite.Connection | None,
        args: Sequence[Any] | Sequence[Sequence[Any]] = (),
    ) -> PictallionError:
        """Turn a sqlite3 exception into the library's own, naming table and column.

        The message is for the application's users; the query's name goes to ``query``.
        """
        error = await self._translate(exc, query, conn, args)
        if query is not None:
            error.query = query.name
        return error

    async def _translate(
        self,
        exc: BaseException,
        query: Query | None,
        conn: aiosqlite.Connection | None,
        args: Sequence[Any] | Sequence[Sequence[Any]],
    ) -> PictallionError:
        message = str(exc)
        if isinstance(exc, sqlite3.IntegrityError):
            unique = _UNIQUE.search(message)
            if unique:
                pairs = [c.strip().split(".", 1) for c in unique.group("cols").split(",")]
                table = pairs[0][0]
                column = ", ".join(p[1] for p in pairs)
                constraint = f"{table}_pkey" if column == "id" else f"{table}_{column}_unique"
                return DuplicateKeyError(
                    f"duplicate key: {table}.{column} already exists",
                    table=table,
                    column=column,
                    constraint=constraint,
                )
            not_null = _NOT_NULL.search(message)
            if not_null:
                field = f"{not_null.group('table')}.{not_null.group('col')}"
                return ValidationError(f"{field} must not be null", field=not_null.group("col"))
            if "FOREIGN KEY" in message and query is not None and conn is not None:
                return await self._diagnose_foreign_key(query, conn, args)
            if message.startswith("CHECK constraint failed"):
                return ValidationError(f"{message}")
        if isinstance(exc, OverflowError) or message == "integer overflow":
            # A value too large for 64 bits, bound or computed: a bad value, as
            # PostgreSQL's "out of range" errors are.
            return ValidationError("invalid value: integer out of range")
        code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
        if code == sqlite3.SQLITE_READONLY:
            return ReadOnlyError(f"the database is read-only (SQLite: {message})")
        if code in (sqlite3.SQLITE_PERM, sqlite3.SQLITE_AUTH, sqlite3.SQLITE_CANTOPEN):
            return PermissionDeniedError(
                f"permission denied: cannot write SQLite database {self.settings.sqlite_path} "
                f"or its folder ({message})",
                privilege="write",
            )
        if isinstance(exc, sqlite3.OperationalError) and "locked" in message:
            return DatabaseError(
                f"database is locked: another connection kept the write lock longer than "
                f"the busy timeout ({self.settings.busy_timeout_ms} ms)"
            )
        return DatabaseError(f"{type(exc).__name__}: {message}")

    async def _foreign_key_map(
        self, conn: aiosqlite.Connection
    ) -> dict[str, list[tuple[str, str, str]]]:
        if self._foreign_keys is None:
            fks: dict[str, list[tuple[str, str, str]]] = {}
            tables = await conn.execute_fetchall(
                "SELECT name FROM sqlite_master WHERE type = 'table'"
            )
            for (table,) in tables:
                # Declaration order (the pragma lists the last declared first), the order
                # PostgreSQL checks them in, so both name the same one when several break.
                listed = await conn.execute_fetchall(f'PRAGMA foreign_key_list("{table}")')
                for row in sorted(listed, key=lambda fk: -fk[0]):
                    fks.setdefault(table, []).append((row[3], row[2], row[4]))
            self._foreign_keys = fks
        return self._foreign_keys

    async def _diagnose_foreign_key(
        self,
        query: Query,
        conn: aiosqlite.Connection,
        args: Sequence[Any] | Sequence[Sequence[Any]],
    ) -> ForeignKeyError:
        # SQLite reports only "FOREIGN KEY constraint failed"; find which reference
        # broke so the error names the same table and column as on PostgreSQL.
        fks = await self._foreign_key_map(conn)
        sql = query.sqlite.text
        target = _TARGET.search(sql)
        table = target.group("table") if target else None
        rows: list[Sequence[Any]] = (
            list(args) if args and isinstance(args[0], list | tuple) else [args]
        )
        if target is not None and table is not None and not target.group("delete"):
            names = list(query.sqlite.arg_names)
            # Row by row, each row's references in declaration order: the order in which
            # PostgreSQL's checks run, so both name the same broken reference.
            for row in rows:
                for column, parent, ref in fks.get(table, []):
                    values = dict(zip(names, row, strict=False))
                    wanted = [values.get(column)]
                    if wanted == [None] and isinstance(values.get(f"{column}s"), str):
                        # A list of them sent as one JSON array (INSERT ... FROM json_each).
                        wanted = msgspec.json.decode(values[f"{column}s"])
                    for value in wanted:
                        if value is None:
                            continue
                        found = await conn.execute_fetchall(
                            f'SELECT 1 FROM "{parent}" WHERE "{ref}" = ? LIMIT 1', [value]
                        )
                        if not list(found):
                            return _missing_parent(table, column, parent, ref)
        if target is not None and table is not None and target.group("delete"):
            clause = _WHERE.search(sql[target.end() :])
            # Referencing tables by name, as PostgreSQL fires the checks of the schema's
            # constraints (created in that order).
            for child, references in sorted(fks.items()):
                for column, parent, ref in references:
                    if parent != table:
                        continue
                    condition = clause.group("where") if clause else "1"
                    for row in rows:
                        found = await conn.execute_fetchall(
                            f'SELECT 1 FROM "{child}" WHERE "{column}" IN '
                            f'(SELECT "{ref}" FROM "{table}" WHERE {condition}) LIMIT 1',
                            list(row),
                        )
                        if list(found):
                            return ForeignKeyError(
                                f"foreign key violation: {parent} row is still referenced by "
                                f"{child}.{column}",
                                table=child,
                                column=column,
                                referenced_table=parent,
                                constraint=f"{child}_{column}_{parent}_{ref}_fk",
                            )
        return ForeignKeyError(f"foreign key violation on {table or '?'}", table=table)


def _missing_parent(table: str, column: str, parent: str, ref: str) -> ForeignKeyError:
    return ForeignKeyError(
        f"foreign key violation: {table}.{column} refers to a {parent} row that does not exist",
        table=table,
        column=column,
        referenced_table=parent,
        constraint=f"{table}_{column}_{parent}_{ref}_fk",
    )


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
        if self._db._watch_writes:
            await self._wrote(query)
        return result

    async def _stream(
        self, query: Query, batch_size: int, params: Mapping[str, Any]
    ) -> AsyncGenerator[Any, None]:
        # One thread hop to start the statement, one per batch of rows, one to close it.
        if self._failed:
            raise self._refusal()
        compiled = query.sqlite
        args = _encode_args(bind_args(query, compiled, params))
        decode = _decoder(query)
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
        self, table: str, columns: tuple[str, ...], rows: Sequence[Mapping[str, Any]]
    ) -> None:
        """One executemany, its parameter tuples built straight from the rows' values."""
        batch = [_encode_args(tuple(row.values())) for row in rows]
        await self._execute_many(insert_row(table, columns), batch)

    async def run_many(self, query: Query, rows: Iterable[Mapping[str, Any]]) -> int:
        """Run ``query`` once per mapping, atomically, with one executemany."""
        compiled = query.sqlite
        batch = [_encode_args(bind_args(query, compiled, row)) for row in rows]
        if not batch:
            return 0
        async with self.transaction():
            await self._execute_many(query, batch)
        return len(batch)

    async def _execute_many(self, query: Query, batch: list[list[Any]]) -> None:
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
