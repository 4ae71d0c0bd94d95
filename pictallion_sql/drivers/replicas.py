"""The replicas of a routed database: each one's pool, its health, lag and replayed WAL."""

from __future__ import annotations

import time

import msgspec

from pictallion_sql.drivers.postgres import PostgresDatabase
from pictallion_sql.errors import ConnectionLostError, DatabaseError, PoolTimeoutError

__all__ = ["ReplicaReport"]

# How often a replica in use has its lag measured again (one extra round trip).
_CHECK_INTERVAL = 1.0

_REPLICA_STATE = """
SELECT pg_is_in_recovery(),
       (pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::int8,
       CASE WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn()
            THEN 0
            ELSE coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 0)
       END::float8
"""


class ReplicaReport(msgspec.Struct):
    """One replica as ``pictallion-db status`` shows it."""

    url: str
    status: str
    """``up``, ``lagging`` (beyond ``replica_max_lag``), ``down`` or ``not a replica``."""
    lag_seconds: float | None = None
    lag_bytes: int | None = None
    error: str | None = None


class _Replica:
    """A replica's pool and what was last learned about it."""

    __slots__ = ("checked_at", "db", "lag", "problem", "replayed", "skip_until")

    def __init__(self, db: PostgresDatabase) -> None:
        self.db = db
        self.replayed = 0  # the highest WAL position it was seen to have replayed
        self.lag = 0.0
        self.checked_at = -_CHECK_INTERVAL
        self.skip_until = 0.0
        self.problem: str | None = None

    def set_aside(self, problem: str, retry_after: float) -> None:
        self.problem = problem
        self.skip_until = time.monotonic() + retry_after

    async def check(self, max_lag: float, retry_after: float) -> bool:
        """Measure replay position and lag now; False (and set aside) when unusable."""
        in_recovery, replayed, lag = await self.db.fetch_state(_REPLICA_STATE)
        self.checked_at = time.monotonic()
        if not in_recovery:
            # Promoted, or not a standby at all: its data may have left the primary's.
            self.set_aside("not in recovery (not a replica of the primary)", retry_after)
            return False
        self.replayed = max(self.replayed, int(replayed or 0))
        self.lag = float(lag)
        if self.lag > max_lag:
            self.set_aside(f"lagging {self.lag:.1f} s (limit {max_lag:g} s)", retry_after)
            return False
        self.problem = None
        return True


# A replica that answers with one of these is set aside; the read runs elsewhere.
_REPLICA_GONE = (ConnectionLostError, PoolTimeoutError)


def _conflict_with_recovery(exc: DatabaseError) -> bool:
    # A standby cancels a query whose rows replay is about to remove; the primary has none.
    return "conflict with recovery" in str(exc)
