"""The shape of an integrity report, shared by both dialects' checks."""

from __future__ import annotations

from typing import Literal, TypedDict

from pictallion_sql.config import Dialect

__all__ = ["IntegrityCheck", "IntegrityReport", "check", "skipped"]


class IntegrityCheck(TypedDict):
    """One check of ``check_database_integrity``."""

    name: str
    status: Literal["ok", "failed", "skipped"]
    detail: str
    problems: list[str]


class IntegrityReport(TypedDict):
    """What ``check_database_integrity`` reports."""

    status: Literal["ok", "problems"]
    dialect: Dialect
    url: str
    checks: list[IntegrityCheck]


def check(name: str, problems: list[str], ok: str, failed: str | None = None) -> IntegrityCheck:
    """A check that passed (no ``problems``) or failed."""
    if problems:
        return {
            "name": name,
            "status": "failed",
            "detail": failed or f"{len(problems)} problem(s)",
            "problems": problems,
        }
    return {"name": name, "status": "ok", "detail": ok, "problems": []}


def skipped(name: str, detail: str) -> IntegrityCheck:
    """A check that could not run, and why."""
    return {"name": name, "status": "skipped", "detail": detail, "problems": []}
