"""A small connection pool shared by both adapters.

Up to ``size`` idle connections are kept; under load up to ``size + overflow`` are open,
and the extra ones close when they come back. Taking an idle connection costs no await,
which is most of the reason this exists instead of the drivers' own pools.

A connection whose state is unknown (a call on it was cancelled, or the server went
away) is never put back: ``discard`` drops it at once, without awaiting, so a second
cancellation cannot interrupt the cleanup and leave it half-released.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Generic, TypeVar

from pictallion_sql.errors import DatabaseError, PoolTimeoutError
from pictallion_sql.monitoring.metrics import PoolStats

__all__ = ["Pool"]

C = TypeVar("C")


class Pool(Generic[C]):
    """Hands out connections made by ``open``; ``close`` disposes of them."""

    def __init__(
        self,
        *,
        open: Callable[[], Awaitable[C]],
        close: Callable[[C], Coroutine[Any, Any, None]],
        terminate: Callable[[C], None] | None = None,
        recover: Callable[[C], Coroutine[Any, Any, bool]] | None = None,
        size: int,
        overflow: int,
        timeout: float,
        label: str,
    ) -> None:
        self._open = open
        self._close = close
        self._terminate = terminate
        self._recover = recover
        self._closing: set[asyncio.Task[None]] = set()
        self._size = size
        self._max = size + overflow
        self._timeout = timeout
        self._label = label
        self._idle: list[tuple[C, float]] = []
        self._open_count = 0
        self._waiters: list[asyncio.Future[None]] = []
        self._closed = False
        # Counters for PoolStats; touched only off the fast path (waits, faults).
        self._waits = 0
        self._wait_seconds = 0.0
        self._timeouts = 0
        self._replaced = 0

    @property
    def max_size(self) -> int:
        """The most connections open at once."""
        return self._max

    def stats(self) -> PoolStats:
        """Connections in use, idle and waiting now; the counters since the pool opened."""
        idle = len(self._idle)
        return PoolStats(
            in_use=self._open_count - idle,
            idle=idle,
            waiting=sum(1 for w in self._waiters if not w.done()),
            max_size=self._max,
            waits=self._waits,
            wait_seconds=self._wait_seconds,
            timeouts=self._timeouts,
            replaced=self._replaced,
        )

    async def acquire(self) -> tuple[C, float]:
        """A connection and how many seconds it sat idle (0 for a new one)."""
        while True:
            if self._closed:
                raise DatabaseError("the database has been closed")
            if self._idle:
                conn, since = self._idle.pop()
                return conn, time.monotonic() - since
            if self._open_count < self._max:
                self._open_count += 1
                try:
                    return await self._open(), 0.0
                except BaseException:
                    self._open_count -= 1
                    self._wake()
                    raise
            await self._wait()

    def release(self, conn: C, *, broken: bool = False) -> Awaitable[None] | None:
        """Give ``conn`` back; returns the close to await when it is dropped instead."""
        if broken or self._closed or len(self._idle) >= self._size:
            if broken:
                self._replaced += 1
            self._open_count -= 1
            self._wake()
            return self._close(conn)
        self._idle.append((conn, time.monotonic()))
        if self._waiters:  # tested here: this runs after every statement
            self._wake()
        return None

    def discard(self, conn: C) -> None:
        """Drop ``conn`` (its state is unknown) now, without awaiting.

        With a ``terminate`` the connection is cut synchronously (the server rolls back
        whatever it had open); otherwise its close runs as a task ``close()`` waits for.
        With a ``recover`` (a connection that cannot be replaced, such as the one holding
        an in-memory database) the task first brings it to a known state and gives it
        back, and closes it only if that fails.
        """
        if self._recover is not None:
            self._spawn(self._recover_or_close(conn))
            return
        self._replaced += 1
        self._open_count -= 1
        self._wake()
        if self._terminate is not None:
            self._terminate(conn)
            return
        self._spawn(self._close(conn))

    async def _recover_or_close(self, conn: C) -> None:
        assert self._recover is not None
        try:
            healthy = await self._recover(conn)
        except BaseException:
            healthy = False
        closing = self.release(conn, broken=not healthy)
        if closing is not None:
            await closing

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    async def close(self) -> None:
        """Close idle connections now; connections in use close when released."""
        self._closed = True
        idle, self._idle = self._idle, []
        self._open_count -= len(idle)
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)
        for conn, _ in idle:
            await self._close(conn)
        if self._closing:
            await asyncio.gather(*self._closing, return_exceptions=True)

    async def _wait(self) -> None:
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        self._waits += 1
        started = time.monotonic()
        try:
            async with asyncio.timeout(self._timeout):
                await waiter
        except TimeoutError:
            self._wait_seconds += time.monotonic() - started
            self._timeouts += 1
            self._pass_on(waiter)
            raise PoolTimeoutError(
                f"pool exhausted: no {self._label} connection free after {self._timeout:g} s "
                f"(all {self._max} in use: pool_size {self._size} + max_overflow "
                f"{self._max - self._size}); raise PICTALLION_DB_POOL_SIZE or "
                "PICTALLION_DB_POOL_TIMEOUT, or hold connections for less time",
                size=self._max,
                timeout=self._timeout,
            ) from None
        except BaseException:
            self._wait_seconds += time.monotonic() - started
            self._pass_on(waiter)
            raise
        self._wait_seconds += time.monotonic() - started

    def _pass_on(self, waiter: asyncio.Future[None]) -> None:
        # A waiter woken just as it timed out or was cancelled must not swallow the
        # wake-up: the freed slot goes to the next one in line.
        if waiter in self._waiters:
            self._waiters.remove(waiter)
        elif waiter.done() and not waiter.cancelled():
            self._wake()

    def _wake(self) -> None:
        while self._waiters:
            waiter = self._waiters.pop(0)
            if not waiter.done():
                waiter.set_result(None)
                return
