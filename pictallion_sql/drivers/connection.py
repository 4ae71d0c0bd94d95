"""One pooled connection: the transaction state machine and savepoints, for both dialects."""

from __future__ import annotations

import contextlib
from abc import abstractmethod
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, Self

import msgspec

from pictallion_sql.config import Settings
from pictallion_sql.drivers.base import Database, Executor
from pictallion_sql.errors import ConnectionLostError, DatabaseError, PictallionError
from pictallion_sql.query.bulk import echoed_columns, read_back_query, with_echoed_values
from pictallion_sql.query.registry import Query, ResultT

if TYPE_CHECKING:
    from pictallion_sql.cache.base import RowCache
    from pictallion_sql.cache.local import LocalResults

__all__ = ["Connection", "aborted_error", "group_by_columns", "interrupted_error"]


def group_by_columns(
    rows: Sequence[Mapping[str, Any]],
) -> dict[tuple[str, ...], list[tuple[Any, ...]]]:
    """The values of ``rows`` grouped by the columns they give, so each group is one
    statement shape."""
    groups: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
    for row in rows:
        groups.setdefault(tuple(row), []).append(tuple(row.values()))
    return groups


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
        self._written |= query.writes

    async def _wrote(self, query: Query) -> None:
        """After a write succeeded (cache attached only): now, or when the transaction commits."""
        if self._depth:
            self._written |= query.writes
        else:
            await self._db._invalidate(query.writes)

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
            return await self._insert_rows(table, record, rows)

    async def insert_groups(
        self, table: str, groups: Mapping[tuple[str, ...], Sequence[Sequence[Any]]]
    ) -> None:
        """Insert rows given as values, grouped by their columns, in one transaction."""
        async with self.transaction():
            await self._write_groups(table, groups)

    async def _write_groups(
        self, table: str, groups: Mapping[tuple[str, ...], Sequence[Sequence[Any]]]
    ) -> None:
        """Each group of rows in its statement, in the transaction already open here."""
        for columns, rows in groups.items():
            await self._write_rows(table, columns, rows)

    async def _insert_rows(
        self, table: str, record: type[msgspec.Struct] | None, rows: Sequence[Mapping[str, Any]]
    ) -> list[Any]:
        """:meth:`insert_many`'s work, in the transaction already open on this connection."""
        await self._write_groups(table, group_by_columns(rows))
        if record is None:
            return []
        echoed = echoed_columns(record, rows)
        ids = [row["id"] for row in rows]
        stored = await self.run(read_back_query(table, record, echoed), ids=ids)
        return with_echoed_values(stored, rows, echoed)

    @abstractmethod
    async def _write_rows(
        self, table: str, columns: tuple[str, ...], rows: Sequence[Sequence[Any]]
    ) -> None:
        """Insert ``rows``, the values of ``columns`` each, in the open transaction."""

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
