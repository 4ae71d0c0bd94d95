"""Grandfather-father-son retention as a pure function, with made-up dates."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime, timedelta

import pytest

from pictallion_sql.admin.retention import Candidate, RetentionPolicy, to_keep


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def named(*moments: str, verified: Collection[str] = ()) -> list[Candidate]:
    return [Candidate(m, at(m), m in verified) for m in moments]


def test_no_rule_keeps_everything() -> None:
    backups = named("2026-01-01T03:00", "2026-01-02T03:00")
    assert to_keep(backups, RetentionPolicy()) == {"2026-01-01T03:00", "2026-01-02T03:00"}


def test_keep_last_keeps_the_newest_whatever_the_input_order() -> None:
    backups = named("2026-01-03T03:00", "2026-01-01T03:00", "2026-01-02T03:00")
    assert to_keep(backups, RetentionPolicy(keep_last=2)) == {
        "2026-01-03T03:00",
        "2026-01-02T03:00",
    }


def test_daily_keeps_the_newest_of_each_day() -> None:
    backups = named(
        "2026-03-01T01:00", "2026-03-01T13:00", "2026-03-02T01:00", "2026-03-02T23:59",
        "2026-03-04T08:00",
    )  # fmt: skip
    # Three most recent days that have a backup: 03-04, 03-02, 03-01 (03-03 has none).
    assert to_keep(backups, RetentionPolicy(keep_daily=3)) == {
        "2026-03-04T08:00",
        "2026-03-02T23:59",
        "2026-03-01T13:00",
    }


def test_weekly_uses_iso_weeks_and_monthly_calendar_months() -> None:
    # 2025-12-29 (a Monday) is in ISO week 1 of 2026; 2025-12-28 (a Sunday) in week 52 of 2025.
    backups = named("2025-12-28T10:00", "2025-12-29T10:00", "2025-12-31T10:00", "2026-01-01T10:00")
    assert to_keep(backups, RetentionPolicy(keep_weekly=2)) == {
        "2026-01-01T10:00",
        "2025-12-28T10:00",
    }
    assert to_keep(backups, RetentionPolicy(keep_monthly=2)) == {
        "2026-01-01T10:00",
        "2025-12-31T10:00",
    }


def test_a_year_of_nightly_backups() -> None:
    start = at("2025-01-01T03:00")
    nights = [start + timedelta(days=i) for i in range(365)]  # 2025-01-01 .. 2025-12-31
    backups = [Candidate(n.isoformat(), n) for n in nights]
    kept = to_keep(backups, RetentionPolicy(keep_daily=7, keep_weekly=4, keep_monthly=6))
    days = sorted(datetime.fromisoformat(k).date().isoformat() for k in kept)
    # 7 dailies: 12-25..12-31. Weeklies (newest per ISO week): Sundays 12-28, 12-21, 12-14
    # and the newest of the week holding 12-31 (12-31 itself). Monthlies: the last night of
    # each of the 6 newest months.
    expected = {f"2025-12-{d}" for d in range(25, 32)} | {"2025-12-21", "2025-12-14"}
    expected |= {"2025-11-30", "2025-10-31", "2025-09-30", "2025-08-31", "2025-07-31"}
    assert days == sorted(expected)


def test_the_newest_verified_backup_is_never_pruned() -> None:
    backups = named(
        "2026-05-01T03:00", "2026-05-02T03:00", "2026-05-03T03:00",
        verified={"2026-05-01T03:00"},
    )  # fmt: skip
    assert to_keep(backups, RetentionPolicy(keep_last=1)) == {
        "2026-05-03T03:00",
        "2026-05-01T03:00",
    }
    # Once a newer one is verified, the older verified one may go.
    newer = named(
        "2026-05-01T03:00", "2026-05-02T03:00", "2026-05-03T03:00",
        verified={"2026-05-01T03:00", "2026-05-02T03:00"},
    )  # fmt: skip
    assert to_keep(newer, RetentionPolicy(keep_last=1)) == {
        "2026-05-03T03:00",
        "2026-05-02T03:00",
    }


@pytest.mark.parametrize("bad", [-1, 1.5, "3"])
def test_rules_must_be_non_negative_integers(bad: object) -> None:
    with pytest.raises(ValueError, match="keep_daily"):
        RetentionPolicy(keep_daily=bad)  # type: ignore[arg-type]
