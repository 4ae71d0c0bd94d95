"""What the repositories and the drivers know of a read cache; no client library here.

Reads that may be cached: ``get`` by id on the tables the application reads most
(:data:`CACHED_TABLES`), and ``setting.get_by_key`` / ``setting.get_all``. Only reads
outside a transaction use the cache (a transaction sees its own writes and its own
snapshot). Writes are reported by the drivers, per table, once committed: a write outside
a transaction when its statement returns, a transaction's writes after its COMMIT, and
none of a transaction (or savepoint) that rolled back.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any, Generic, TypeVar

import msgspec

from pictallion_sql.records.document_loading import decode_hook

__all__ = ["CACHED_TABLES", "CacheStats", "Codec", "RowCache", "codec_for"]

T = TypeVar("T")

# Read by id on every page of the application. Not users: password hashes stay out of it.
CACHED_TABLES = frozenset({"file_versions", "media_assets", "people", "collections", "settings"})


@dataclass
class CacheStats:
    """Counters of one process's cache (a metric source)."""

    hits: int = 0
    misses: int = 0
    errors: int = 0  # Redis calls that failed or were too slow
    bypassed: int = 0  # reads sent straight to the database while Redis was failing
    invalidations: int = 0  # tables invalidated after committed writes


@dataclass(frozen=True)
class Codec(Generic[T]):
    """How a cached value is stored: msgspec JSON, decoded back into the same type."""

    encode: Callable[[T], bytes]
    decode: Callable[[bytes], T]


@cache
def codec_for(kind: Any) -> Codec[Any]:
    """The codec of values of type ``kind`` (a record, ``Record | None``, ``list[Record]``)."""
    decoder = msgspec.json.Decoder(kind, dec_hook=decode_hook)
    return Codec(msgspec.json.encode, decoder.decode)


class RowCache(ABC):
    """A cache of query results keyed by table, invalidated per table after each commit."""

    stats: CacheStats

    @abstractmethod
    async def get_or_load(
        self, table: str, key: str, codec: Codec[T], load: Callable[[], Awaitable[T]]
    ) -> T:
        """The cached value of ``key`` in ``table``, or ``load()``'s (then cached).

        Never fails for the cache's sake: when the cache cannot answer, ``load()`` does.
        """

    @abstractmethod
    async def invalidate(self, tables: Iterable[str]) -> None:
        """Forget every cached value of ``tables`` (called after their writes committed)."""

    @abstractmethod
    async def close(self) -> None:
        """Release the cache's connections."""
