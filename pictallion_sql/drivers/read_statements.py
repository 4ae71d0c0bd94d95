"""Which statements only read, so a hot standby can answer them (docs/scaling.md).

Writes are any statement that is not a plain ``SELECT``/``WITH``/``VALUES``, a ``SELECT``
that locks rows with ``FOR UPDATE``/``FOR SHARE``, or one that calls a function that writes.
"""

from __future__ import annotations

import re

from pictallion_sql.query.registry import Query, without_name_comment

__all__ = ["is_read"]

_LEADING_NOISE = re.compile(r"\A(?:\s+|--[^\n]*\n?|/\*.*?\*/)*", re.DOTALL)
_READ_VERBS = frozenset({"SELECT", "WITH", "VALUES", "TABLE", "SHOW"})
# Row locks need the primary; so do data-modifying CTEs and functions that write.
_WRITES = re.compile(
    r"\bFOR\s+(?:NO\s+KEY\s+)?UPDATE\b|\bFOR\s+(?:KEY\s+)?SHARE\b"
    r"|\b(?:INSERT|UPDATE|DELETE|MERGE)\b"
    r"|\b(?:nextval|setval|pg_advisory_\w+|set_config|pg_notify|txid_current|"
    r"pg_current_xact_id|lo_\w+)\s*\(",
    re.IGNORECASE,
)
_READS: dict[Query, bool] = {}


def is_read(query: Query) -> bool:
    """True when ``query`` only reads, so a hot standby can answer it."""
    try:
        return _READS[query]
    except KeyError:
        pass
    text = without_name_comment(query.postgres.text)
    body = text[_LEADING_NOISE.match(text).end() :]  # type: ignore[union-attr]
    verb = body.split(None, 1)[0].upper() if body.strip() else ""
    reads = query.returns != "none" and verb in _READ_VERBS and not _WRITES.search(body)
    if len(_READS) > 4096:  # statements built at run time: keep the memo bounded
        _READS.clear()
    _READS[query] = reads
    return reads
