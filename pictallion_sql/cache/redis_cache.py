"""The read cache on Redis (the maintained ``redis`` client's asyncio API).

Keys, under the ``pictallion`` prefix:

* ``pictallion:gen:<table>``: the table's *generation*, a random token. Every committed
  write to the table replaces it with a new one.
* ``pictallion:row:<table>:<key>``: a cached value, stored as ``<token>\\n<payload>``
  with the TTL. It is valid only while its token is the table's current generation.

A read fetches both keys in one round trip (MGET). On a miss it reads the database, then
stores the value under the generation it saw *before* reading. A write that commits
meanwhile replaces the generation, so the value stored is already invalid: no process
sharing the Redis can read a value older than a write whose call has returned. Random
tokens (not counters) keep this true when Redis evicts or loses a generation key.

Redis down or slower than the timeout: the call reads the database, counts an error,
logs one warning, and Redis is left alone for a second. An invalidation that fails is
kept and sent again first thing once Redis answers; until then this process reads the
database only. (Another process that still reaches Redis may read the table's older
values until the entries' TTL ends: the bound of a cache that cannot be told.)
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

import msgspec
import redis.asyncio as redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from pictallion_sql.cache.base import CacheStats, Codec, RowCache
from pictallion_sql.config import mask_url

__all__ = ["RedisCache"]

T = TypeVar("T")
log = logging.getLogger("pictallion_sql.cache")

_PREFIX = "pictallion"
_PAUSE_AFTER_ERROR = 1.0  # seconds reads leave Redis alone after it failed
_FAILURES = (RedisError, OSError, TimeoutError)


def _token() -> bytes:
    return secrets.token_hex(8).encode()


class RedisCache(RowCache):
    """A :class:`RowCache` on the Redis at ``url``."""

    def __init__(self, url: str, *, ttl: int, timeout: float, prefix: str = _PREFIX) -> None:
        self._url = mask_url(url)
        self._ttl = ttl
        self._timeout = timeout
        # An invalidation is worth waiting for longer than a read: until Redis takes it,
        # this process cannot use the cache.
        self._invalidate_timeout = max(timeout * 10, 1.0)
        self._prefix = prefix
        # No retries inside the client: a failed call falls back to the database at once.
        self._redis: Any = redis.Redis.from_url(
            url,
            socket_timeout=self._invalidate_timeout,
            socket_connect_timeout=self._invalidate_timeout,
            retry=Retry(NoBackoff(), 0),
        )
        self.stats = CacheStats()
        self._paused_until = 0.0
        self._unsent: set[str] = set()  # tables whose invalidation Redis did not take
        self._failing = False

    def _gen_key(self, table: str) -> str:
        return f"{self._prefix}:gen:{table}"

    def _row_key(self, table: str, key: str) -> str:
        return f"{self._prefix}:row:{table}:{key}"

    def _failed(self, action: str, exc: BaseException) -> None:
        self.stats.errors += 1
        self._paused_until = time.monotonic() + _PAUSE_AFTER_ERROR
        if not self._failing:
            self._failing = True
            log.warning(
                "Redis cache at %s failed to %s (%s: %s); reading from the database",
                self._url,
                action,
                type(exc).__name__,
                exc,
            )

    def _answered(self) -> None:
        if self._failing:
            self._failing = False
            log.warning("Redis cache at %s answers again", self._url)

    async def _call(self, make: Callable[[], Awaitable[Any]], seconds: float | None = None) -> Any:
        async with asyncio.timeout(seconds or self._timeout):
            return await make()

    async def _send_unsent(self) -> bool:
        """Send the invalidations Redis missed; True when none is left."""
        if not self._unsent:
            return True
        tables = set(self._unsent)
        try:
            await self._call(
                lambda: self._redis.mset({self._gen_key(t): _token() for t in tables}),
                self._invalidate_timeout,
            )
        except _FAILURES as exc:
            self._failed("invalidate", exc)
            return False
        self._unsent -= tables
        self._answered()
        return True

    async def get_or_load(
        self, table: str, key: str, codec: Codec[T], load: Callable[[], Awaitable[T]]
    ) -> T:
        if time.monotonic() < self._paused_until or not await self._send_unsent():
            self.stats.bypassed += 1
            return await load()
        gen_key, row_key = self._gen_key(table), self._row_key(table, key)
        try:
            generation, entry = await self._call(lambda: self._redis.mget(gen_key, row_key))
        except _FAILURES as exc:
            self._failed("read", exc)
            return await load()
        self._answered()
        if generation is not None and entry is not None:
            token, _, payload = bytes(entry).partition(b"\n")
            if token == generation:
                try:
                    value = codec.decode(payload)
                except msgspec.MsgspecError:
                    pass  # written by another version of the records: read it again
                else:
                    self.stats.hits += 1
                    return value
        self.stats.misses += 1
        if generation is None:
            fresh = _token()
            try:
                # SET NX GET: the first token set wins; everyone reads the same one.
                earlier = await self._call(
                    lambda: self._redis.set(gen_key, fresh, nx=True, get=True)
                )
            except _FAILURES as exc:
                self._failed("read", exc)
                return await load()
            generation = fresh if earlier is None else earlier
        value = await load()
        payload = bytes(generation) + b"\n" + codec.encode(value)
        try:
            await self._call(lambda: self._redis.set(row_key, payload, ex=self._ttl))
        except _FAILURES as exc:
            self._failed("store", exc)
        return value

    async def invalidate(self, tables: Iterable[str]) -> None:
        self._unsent.update(tables)
        self.stats.invalidations += len(self._unsent)
        await self._send_unsent()

    async def close(self) -> None:
        with contextlib.suppress(*_FAILURES):
            await self._redis.aclose()
