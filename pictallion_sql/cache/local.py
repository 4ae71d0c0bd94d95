"""Results of expensive reads kept in this process, per database; no client library here.

A value is stored with the write generation of the tables it was read from: the drivers
bump a table's generation each time a write to it commits through the same
:class:`~pictallion_sql.drivers.base.Database` (the same path that invalidates the shared
read cache). A value is answered only while those generations are unchanged and its TTL
has not passed. A value read while a write committed is therefore never answered: the
generation taken before the read no longer matches. Writes by other processes are not
seen; the TTL bounds how long they go unnoticed.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Iterable
from itertools import repeat
from typing import Any

__all__ = ["LocalResults"]

# The default of every table never written: an endless run of zeros, shared (it holds no
# position, so any number of map() calls may read it at once).
_ZEROS = repeat(0)


class LocalResults:
    """A bounded, in-process map of read results, forgotten when their tables are written."""

    def __init__(self, max_entries: int = 256) -> None:
        self._max_entries = max_entries
        self._generations: dict[str, int] = {}
        # key -> (the generations it was read at, monotonic deadline, value)
        self._entries: OrderedDict[Any, tuple[tuple[int, ...], float, Any]] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def generation(self, tables: tuple[str, ...]) -> tuple[int, ...]:
        """The write generation of ``tables``, taken before a read whose result is stored."""
        # map over dict.get runs in C: no generator frame per table on every search.
        return tuple(map(self._generations.get, tables, _ZEROS))

    def get(self, key: Any, tables: tuple[str, ...]) -> Any | None:
        """The value stored under ``key`` if still valid, else None."""
        entry = self._entries.get(key)
        if entry is not None:
            generation, deadline, value = entry
            if generation == self.generation(tables) and time.monotonic() < deadline:
                self._entries.move_to_end(key)
                self.hits += 1
                return value
            del self._entries[key]
        self.misses += 1
        return None

    def put(
        self, key: Any, tables: tuple[str, ...], generation: tuple[int, ...], ttl: float, value: Any
    ) -> None:
        """Store ``value`` read at ``generation`` of ``tables`` (nothing if a write came since)."""
        if ttl <= 0 or generation != self.generation(tables):
            return
        self._entries[key] = (generation, time.monotonic() + ttl, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)

    def written(self, tables: Iterable[str]) -> None:
        """Writes to ``tables`` committed: every value read from them is stale."""
        for table in tables:
            self._generations[table] = self._generations.get(table, 0) + 1

    def clear(self) -> None:
        self._entries.clear()
