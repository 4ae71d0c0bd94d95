"""The slow-query log: one WARNING per statement slower than ``settings.slow_query_ms``."""

from __future__ import annotations

import logging
import sys

__all__ = ["caller_module", "log_slow_query", "slow_query_log"]

slow_query_log = logging.getLogger("pictallion_sql.slow_query")

# Frames of these modules are the library and the event loop, not the caller.
_INSIDE = ("pictallion_sql.", "asyncio.", "contextlib")


def caller_module() -> str:
    """The module of the innermost frame outside the library: who ran the statement.

    Walked only for a slow statement; awaiting coroutines chain their frames, so the
    caller's coroutine is found above the library's.
    """
    frame = sys._getframe(1)
    while frame is not None:
        module = str(frame.f_globals.get("__name__", ""))
        if module != "pictallion_sql" and not module.startswith(_INSIDE):
            return module
        frame = frame.f_back  # type: ignore[assignment]
    return "<unknown>"


def log_slow_query(name: str, dialect: str, duration: float, rows: int, error: str | None) -> None:
    """Log one slow statement: its name, duration, rows and caller, never its parameters."""
    if not slow_query_log.isEnabledFor(logging.WARNING):
        return
    caller = caller_module()
    outcome = f"failed with {error}" if error else f"{rows} row(s)"
    slow_query_log.warning(
        "slow query %s on %s: %.1f ms, %s, called from %s",
        name,
        dialect,
        duration * 1000,
        outcome,
        caller,
        extra={
            "query_name": name,
            "dialect": dialect,
            "duration_ms": round(duration * 1000, 3),
            "rows": rows,
            "error_type": error,
            "caller_module": caller,
        },
    )
