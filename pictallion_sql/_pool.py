"""A small connection pool shared by both adapters.

Up to ``size`` idle connections are kept; under load up to ``size + overflow`` are open,
and the extra ones close when they come back. Taking an idle connection costs no await,
which is most of the reason this exists instead of the drivers' own pools.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

from .errors import DatabaseError

__all__ = ["Pool"]

C = TypeVar("C")


class Pool(Generic[C]):
    """Hands out connections made by ``open``; ``close`` disposes of them."""

    def __init__(
        self,
        *,
        open: Callable[[], Awaitable[C]],
        close: Callable[[C], Awaitable[None]],
        size: int,
        overflow: int,
        timeout: float,
        label: str,
    ) -> None:
        self._open = open
        self._close = close
        self._size = size
        self._max = size + overflow
        self._timeout = timeout
        self._label = label
        self._idle: list[tuple[C, float]] = []
        self._open_count = 0
        self._waiters: list[asyncio.Future[None]] = []
        self._closed = False

    @property
    def max_size(self) -> int:
        """The most connections open at once."""
        return self._max

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
            self._open_count -= 1
            self._wake()
            return self._close(conn)
        self._idle.append((conn, time.monotonic()))
        self._wake()
        return None

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

    async def _wait(self) -> None:
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await asyncio.wait_for(waiter, self._timeout)
        except TimeoutError:
            raise DatabaseError(
                f"no {self._label} connection free after {self._timeout:g} s (pool of {self._max})"
            ) from None
        finally:
            if waiter in self._waiters:
                self._waiters.remove(waiter)

    def _wake(self) -> None:
        while self._waiters:
            waiter = self._waiters.pop(0)
            if not waiter.done():
                waiter.set_result(None)
                return
