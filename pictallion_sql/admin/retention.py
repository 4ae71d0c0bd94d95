"""Which backups of a set to keep: grandfather-father-son rotation, as a pure function.

Rules, each counted over the backups newest first (times in UTC):

* ``keep_last`` N: the N newest backups;
* ``keep_daily`` D: the newest backup of each of the D most recent days that have one;
* ``keep_weekly`` W: the newest backup of each of the W most recent ISO weeks that have one;
* ``keep_monthly`` M: the newest backup of each of the M most recent months that have one;
* always: the newest verified backup, whatever the rules say, so that pruning never
  leaves a set without a backup known to restore.

A backup kept by several rules counts for each. With no rule given nothing is pruned.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import datetime

__all__ = ["Candidate", "RetentionPolicy", "to_keep"]


@dataclass(frozen=True)
class Candidate:
    """One backup of a set, as far as retention cares."""

    name: str
    created_at: datetime
    verified: bool = False


@dataclass(frozen=True)
class RetentionPolicy:
    """How many backups each rule keeps (0: the rule keeps none)."""

    keep_last: int = 0
    keep_daily: int = 0
    keep_weekly: int = 0
    keep_monthly: int = 0

    def __post_init__(self) -> None:
        for name in ("keep_last", "keep_daily", "keep_weekly", "keep_monthly"):
            value = getattr(self, name)
            if type(value) is not int or value < 0:
                raise ValueError(f"{name} must be a non-negative integer, got {value!r}")

    @property
    def prunes(self) -> bool:
        """True when at least one rule is set (otherwise every backup is kept)."""
        return any((self.keep_last, self.keep_daily, self.keep_weekly, self.keep_monthly))


def _day(moment: datetime) -> Hashable:
    return moment.date()


def _week(moment: datetime) -> Hashable:
    iso = moment.isocalendar()
    return (iso.year, iso.week)


def _month(moment: datetime) -> Hashable:
    return (moment.year, moment.month)


def _newest_per_period(
    newest_first: Sequence[Candidate], periods: int, period: Callable[[datetime], Hashable]
) -> set[str]:
    kept: set[str] = set()
    seen: set[Hashable] = set()
    for candidate in newest_first:
        if len(seen) >= periods:
            break
        key = period(candidate.created_at)
        if key not in seen:
            seen.add(key)
            kept.add(candidate.name)
    return kept


def to_keep(candidates: Sequence[Candidate], policy: RetentionPolicy) -> set[str]:
    """The names of the backups ``policy`` keeps; every other one may be deleted."""
    if not policy.prunes:
        return {c.name for c in candidates}
    newest_first = sorted(candidates, key=lambda c: (c.created_at, c.name), reverse=True)
    kept = {c.name for c in newest_first[: policy.keep_last]}
    kept |= _newest_per_period(newest_first, policy.keep_daily, _day)
    kept |= _newest_per_period(newest_first, policy.keep_weekly, _week)
    kept |= _newest_per_period(newest_first, policy.keep_monthly, _month)
    verified = next((c for c in newest_first if c.verified), None)
    if verified is not None:
        kept.add(verified.name)
    return kept
