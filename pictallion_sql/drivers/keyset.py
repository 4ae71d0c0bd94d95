"""Streams read as batches by key: what a transaction pooler allows instead of a cursor.

Behind a transaction-pooling pgbouncer each statement outside a transaction may run on a
different server connection, and asyncpg's cursors always use named prepared statements,
which then go missing or collide. A stream whose query ends in ``ORDER BY`` a list of its
own result columns, the last one ``id`` (unique), is read instead as separate statements::

    SELECT * FROM (<query without ORDER BY>) AS keyset
    WHERE (k1, ..., id) > ($n+2, ..., $m) ORDER BY k1, ..., id LIMIT $n+1

each resuming after the last row of the previous batch. Between batches no server
connection is held. Every ``stream_all`` query of the library has this shape.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pictallion_sql.query.registry import Query

__all__ = ["KeysetPlan", "keyset_plan"]

# One ORDER BY item: an optionally qualified column, an optional COLLATE, an optional ASC.
_ITEM = r'(?:\w+\.)?\w+(?:\s+COLLATE\s+"[^"]+")?(?:\s+ASC)?'
_ORDER_BY = re.compile(
    rf"\bORDER\s+BY\s+(?P<items>{_ITEM}(?:\s*,\s*{_ITEM})*)\s*;?\s*$", re.IGNORECASE
)
_PARSED_ITEM = re.compile(
    r'(?:\w+\.)?(?P<column>\w+)(?:\s+COLLATE\s+(?P<collation>"[^"]+"))?', re.IGNORECASE
)


class KeysetPlan:
    """The two statements of a keyset stream and the result columns of its key."""

    __slots__ = ("first", "key_columns", "key_indexes", "next")

    def __init__(
        self, first: str, next: str, key_columns: tuple[str, ...], key_indexes: tuple[int, ...]
    ) -> None:
        self.first = first
        """The first batch: arguments are the query's, then the batch size."""
        self.next = next
        """Every later batch: the query's arguments, the batch size, then the last key."""
        self.key_columns = key_columns
        self.key_indexes = key_indexes
        """Where each key column sits in a result row."""


@lru_cache(maxsize=512)
def keyset_plan(query: Query) -> KeysetPlan | None:
    """How to stream ``query`` by key, or None when its ORDER BY does not allow it."""
    record = query.record
    columns: tuple[str, ...] | None = getattr(record, "__struct_fields__", None)
    if query.returns != "rows" or columns is None:
        return None
    text = query.postgres.text.rstrip()
    match = _ORDER_BY.search(text)
    if match is None:
        return None
    keys: list[tuple[str, str]] = []
    for item in match.group("items").split(","):
        parsed = _PARSED_ITEM.match(item.strip())
        if parsed is None or parsed.group("column") not in columns:
            return None
        collation = parsed.group("collation")
        keys.append((parsed.group("column"), f" COLLATE {collation}" if collation else ""))
    if keys[-1][0] != "id":
        return None  # only a unique last key resumes without skipping or repeating rows
    inner = text[: match.start()].rstrip()
    args = len(query.postgres.arg_names)
    limit = f"${args + 1}"
    order = ", ".join(f"keyset.{name}{collate}" for name, collate in keys)
    after = ", ".join(f"${args + 2 + i}{collate}" for i, (_, collate) in enumerate(keys))
    head = f"SELECT * FROM ({inner}) AS keyset"
    tail = f"ORDER BY {order} LIMIT {limit}"
    names = tuple(name for name, _ in keys)
    return KeysetPlan(
        first=f"{head} {tail}",
        next=f"{head} WHERE ({order}) > ({after}) {tail}",
        key_columns=names,
        key_indexes=tuple(columns.index(name) for name in names),
    )
