"""The audit trail: with ``settings.audit_trail`` on, every update and delete of a
``file_versions`` or ``media_assets`` row through the library writes an ``asset_history``
row in the same transaction.

The row's ``action`` is ``VERSION_UPDATED``, ``VERSION_DELETED`` or ``ASSET_UPDATED``;
its ``details`` is JSON naming the table and row and, per changed field, the old and new
value::

    {"table": "file_versions", "id": "...", "changes": {"rating": {"old": 3, "new": 5}}}

A value whose JSON is larger than ``settings.audit_max_value_bytes`` (a metadata
document, say) is left out: ``{"old": null, "old_omitted_bytes": 18734, "new": ...}``.
A delete records every field of the row as ``old``. The write and its history row
stand or fall together: a failed write leaves no history, and a history row that cannot
be written undoes the write.

``media_assets`` deletes are not recorded: ``asset_history.media_asset_id`` references
the asset, so no history row can outlive it (the schema refuses to delete an asset that
has history at all).
"""

from __future__ import annotations

import os
import time
from typing import Any, TypeVar

import msgspec

from pictallion_sql import config
from pictallion_sql.drivers.base import Database, Executor
from pictallion_sql.drivers.connection import Connection
from pictallion_sql.models import AssetHistory, FileVersion, MediaAsset
from pictallion_sql.query.dynamic import insert_query
from pictallion_sql.query.named import queries
from pictallion_sql.query.registry import Query

__all__ = [
    "AUDITED_TABLES",
    "audit_on",
    "audited_command",
    "audited_remove",
    "audited_update",
    "history_id",
]

T = TypeVar("T")

_LOCKED: dict[str, Query[Any]] = {
    "file_versions": queries.one("file_versions.get_for_update", FileVersion),
    "media_assets": queries.one("media_assets.get_for_update", MediaAsset),
}
AUDITED_TABLES = frozenset(_LOCKED)
_ACTIONS = {
    ("file_versions", "update"): "VERSION_UPDATED",
    ("file_versions", "delete"): "VERSION_DELETED",
    ("media_assets", "update"): "ASSET_UPDATED",
}
_HISTORY_COLUMNS = ("id", "media_asset_id", "action", "details", "timestamp")
# Touched by every update of its table: noise in a history of what the caller changed.
_NOT_RECORDED = frozenset({"updated_at"})


def audit_on(db: Executor, table: str) -> bool:
    """Whether writes to ``table`` through ``db`` are recorded."""
    if table not in AUDITED_TABLES:
        return False
    settings = db.settings if isinstance(db, Database | Connection) else config.settings
    return settings.audit_trail


async def audited_update(
    db: Executor, table: str, row_id: str, write: Query[T | None], params: dict[str, Any]
) -> T | None:
    """Run ``write`` (an update of row ``row_id`` returning it) with its history row.

    Returns what ``write`` returns, or None (and writes nothing) when the row is missing.
    """
    async with db.transaction() as conn:
        before = await conn.run(_LOCKED[table], id=row_id)
        if before is None:
            return None
        after = await conn.run(write, **params)
        if after is None:
            return None
        changed = [f for f in params if f != "id" and f not in _NOT_RECORDED]
        await _record(conn, table, "update", before, after, changed)  # type: ignore[arg-type]
        return after


async def audited_command(
    db: Executor, table: str, row_id: str, write: Query[int], params: dict[str, Any]
) -> int:
    """Run ``write`` (a command changing row ``row_id``) with its history row; its count."""
    async with db.transaction() as conn:
        before = await conn.run(_LOCKED[table], id=row_id)
        count = await conn.run(write, **params)
        if before is None or not count:
            return count
        after = await conn.run(_LOCKED[table], id=row_id)
        changed = [f for f in params if f != "id" and f not in _NOT_RECORDED]
        await _record(conn, table, "update", before, after, changed)
        return count


async def audited_remove(
    db: Executor, table: str, row_id: str, remove: Query[T | None]
) -> T | None:
    """Delete row ``row_id`` with ``remove`` (returning it) and record what it held."""
    if (table, "delete") not in _ACTIONS:
        return await db.run_atomic(remove, id=row_id)
    async with db.transaction() as conn:
        removed = await conn.run(remove, id=row_id)
        if isinstance(removed, msgspec.Struct):
            fields = [f for f in removed.__struct_fields__ if f not in _NOT_RECORDED]
            await _record(conn, table, "delete", removed, None, fields)
        return removed


async def _record(
    conn: Connection,
    table: str,
    action: str,
    before: msgspec.Struct,
    after: msgspec.Struct | None,
    fields: list[str],
) -> None:
    limit = conn.settings.audit_max_value_bytes
    changes: dict[str, dict[str, Any]] = {}
    for field in fields:
        old = getattr(before, field)
        new = None if after is None else getattr(after, field)
        if after is not None and old == new:
            continue
        entry: dict[str, Any] = {}
        _put(entry, "old", old, limit)
        _put(entry, "new", new, limit)
        changes[field] = entry
    row_id = before.id  # type: ignore[attr-defined]
    asset = row_id if table == "media_assets" else before.media_asset_id  # type: ignore[attr-defined]
    details = {"table": table, "id": row_id, "changes": changes}
    values = {
        "id": history_id(),
        "media_asset_id": asset,
        "action": _ACTIONS[(table, action)],
        "details": msgspec.json.encode(details).decode(),
        "timestamp": _now(),
    }
    await conn.run(insert_query("asset_history", AssetHistory, _HISTORY_COLUMNS), **values)


def _now() -> Any:
    # The repositories' clock, read where it lives (tests fix it there); imported here
    # rather than at the top because the repositories import this module.
    from pictallion_sql.catalog import base

    return base.utc_now()


def _put(entry: dict[str, Any], key: str, value: Any, limit: int) -> None:
    encoded = msgspec.json.encode(value)
    if len(encoded) > limit:
        entry[key] = None
        entry[f"{key}_omitted_bytes"] = len(encoded)
    else:
        entry[key] = msgspec.json.decode(encoded)


_last_ms = 0
_sequence = 0


def history_id() -> str:
    """A time-ordered UUID (version 7): history rows stamped in the same instant still
    sort in the order they were written (``ORDER BY "timestamp", id``)."""
    global _last_ms, _sequence
    ms = time.time_ns() // 1_000_000
    if ms <= _last_ms:
        ms = _last_ms
        _sequence += 1
        if _sequence > 0xFFF:
            ms += 1
            _sequence = 0
    else:
        _sequence = 0
    _last_ms = ms
    rand = int.from_bytes(os.urandom(8), "big") & ((1 << 62) - 1)
    value = (ms << 80) | (0x7 << 76) | (_sequence << 64) | (0b10 << 62) | rand
    digits = f"{value:032x}"
    return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"
