"""Creation times for the rows of one bulk insert: distinct and in insertion order.

A column default cannot give them: PostgreSQL's ``now()`` is the transaction's start, so
every row of a batch would share one ``created_at``; SQLite's ``'now'`` has millisecond
resolution. Rows that share a timestamp sort by their random ids, not in the order they
were given, and a listing ordered by ``created_at`` meets long runs of ties (PostgreSQL
then adds an incremental sort to every page).

So ``create_many`` stamps each row itself: the application clock (naive UTC, as every
timestamp column holds) for the first row, one microsecond more for each next one. The
clock never goes back within the process: a batch starts after the end of the previous
one even if the wall clock was set back, so the rows of successive batches stay in
insertion order too.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import accumulate, repeat
from operator import add

__all__ = ["batch_times"]

_STEP = timedelta(microseconds=1)
_last = datetime.min


def batch_times(count: int) -> list[datetime]:
    """``count`` increasing timestamps one microsecond apart, later than any given before."""
    global _last
    start = max(datetime.now(UTC).replace(tzinfo=None), _last + _STEP)
    if count <= 0:
        return []
    times = list(accumulate(repeat(_STEP, count - 1), add, initial=start))  # additions in C
    _last = times[-1]
    return times
