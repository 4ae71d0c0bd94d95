"""Copy a whole library from one database to another (SQLite or PostgreSQL, either way).

``copy_library(source_url, target_url)`` is what ``pictallion-db copy --from URL --to URL``
runs:

1. The source must be migrated to the package's newest migration (it is only read).
   The target is migrated to the same head (created if it is a new SQLite file or a
   missing PostgreSQL database the user may create), then must hold no row at all.
2. Every table is read in foreign-key order (parents first) from one snapshot of the
   source (a read-only, repeatable-read transaction), ``batch_size`` rows at a time,
   and written through ``import_rows`` (ids, timestamps and documents kept; every other
   column checked by the insert rules) with the target's bulk path: binary COPY on
   PostgreSQL, executemany on SQLite. The next batch is read while the current one is
   written; memory stays bounded by three batches, whatever the library's size.
3. All of it runs in ONE transaction on the target. Before it commits, every table is
   read back from the target inside that transaction and compared with what was read
   from the source: the row count and a checksum of every column of every row
   (:func:`canonical_row`). Any failure (a refused row, a mismatch, a lost connection,
   the process killed) rolls the transaction back: the target keeps no row of the copy.
   The migrations applied in step 1 stay (they ran in their own transactions).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import re
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypedDict

import msgspec

from pictallion_sql import crud
from pictallion_sql.admin.backends import admin_backend
from pictallion_sql.admin.common import TABLES, Progress
from pictallion_sql.admin.migrations import migration_report, upgrade
from pictallion_sql.catalog.base import Repository
from pictallion_sql.config import Dialect, Settings, get_settings
from pictallion_sql.database import connect
from pictallion_sql.drivers.base import Database, Executor
from pictallion_sql.drivers.connection import Connection
from pictallion_sql.errors import ConfigurationError, DatabaseError, ValidationError

__all__ = [
    "DEFAULT_COPY_BATCH_SIZE",
    "CopyError",
    "CopyReport",
    "TableReport",
    "TargetNotEmptyError",
    "canonical_row",
    "copy_library",
    "table_checksum",
]

DEFAULT_COPY_BATCH_SIZE = 2000
"""Rows read from the source and written to the target per round trip."""

REPOSITORIES: dict[str, Repository[Any, Any, Any]] = {
    "users": crud.user,
    "media_assets": crud.media_asset,
    "file_versions": crud.file_version,
    "asset_history": crud.asset_history,
    "collections": crud.collection,
    "collection_photos": crud.collection_photo,
    "people": crud.person,
    "faces": crud.face,
    "events": crud.event,
    "relationships": crud.relationship,
    "settings": crud.setting,
    "ai_prompts": crud.ai_prompt,
    "global_tag_library": crud.global_tag,
    "locations": crud.location,
}


# One snapshot of the source for every table (PostgreSQL's default, read committed, would
# give each table's cursor its own). SQLite's read transaction is a snapshot already.
class CopyError(DatabaseError):
    """A copy was refused or failed; nothing was kept on the target."""

    def __init__(self, message: str, details: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.details = list(details)


class TargetNotEmptyError(CopyError):
    """The target database already holds rows: a copy never merges into a library."""


class TableReport(TypedDict):
    """One table of a copy: rows and checksums read on each side."""

    table: str
    source_rows: int
    target_rows: int
    source_checksum: str
    target_checksum: str
    match: bool


class CopyReport(TypedDict):
    """What a copy did."""

    source: str
    target: str
    source_dialect: Dialect
    target_dialect: Dialect
    migrations: list[str]
    tables: list[TableReport]
    rows: int
    seconds: float  # in all, migrations included
    copy_seconds: float  # the copy and its verification (the target's transaction)
    rows_per_second: float  # rows / copy_seconds
    verified: bool


# --- the canonical form of a row ---------------------------------------------------------


def _canonical_float(value: float) -> float | int:
    # A JSON number stands for its value: PostgreSQL's jsonb keeps no negative zero, and
    # prints an integral float written with an exponent (1e+20) as the integer it equals.
    if value == 0.0:
        return 0.0
    if value.is_integer() and abs(value) >= 1e16:
        return int(value)
    return value


def _canonical(value: Any) -> Any:
    """``value`` with its floats in canonical form; everything else as it is."""
    kind = type(value)
    if kind is float:
        return _canonical_float(value)
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    return value


# Digits as "0", so that one substring test finds a positive exponent (the only form msgspec
# gives a float of 1e16 or more).
_DIGITS_AS_ZERO = bytes.maketrans(b"123456789", b"000000000")


def _unsettled(encoded: bytes) -> bool:
    """True when a float may need its canonical form: a negative zero, or ``<digit>e<digit>``.

    Text that merely looks like one only costs the slower path, which gives the same bytes
    for everything but such floats. Two scans in C.
    """
    return b"-0.0" in encoded or b"0e0" in encoded.translate(_DIGITS_AS_ZERO)


def canonical_row(record: msgspec.Struct) -> bytes:
    """The bytes a row's checksum is taken of: the same on SQLite and PostgreSQL.

    A JSON array of the row's columns in table order, as the library reads them (so
    SQLite's 0/1 are booleans and its timestamp text a datetime on both sides): text,
    integers and booleans as they are, timestamps as naive UTC ISO-8601 text, JSON
    documents and lists with their object keys sorted (jsonb reorders them), integers
    kept apart from floats, floats by their shortest repr, except ``-0.0``, written
    ``0.0``, and an integral float of 1e16 or more, written as the integer it equals
    (both as jsonb stores them).
    """
    values = [getattr(record, name) for name in record.__struct_fields__]
    encoded = msgspec.json.encode(values, order="sorted")
    if not _unsettled(encoded):
        return encoded
    return msgspec.json.encode(_canonical(values), order="sorted")


class _Checksum:
    """An order-independent checksum of a table: the sum of its rows' SHA-256 digests.

    Rows are read in each database's own order (collations differ between dialects), so
    the order must not matter; a sum modulo 2**256 of strong digests tells two multisets
    of rows apart.
    """

    __slots__ = ("rows", "total")

    def __init__(self) -> None:
        self.rows = 0
        self.total = 0

    def add(self, record: msgspec.Struct) -> None:
        digest = hashlib.sha256(canonical_row(record)).digest()
        self.total = (self.total + int.from_bytes(digest, "big")) % (1 << 256)
        self.rows += 1

    @property
    def hexdigest(self) -> str:
        return f"{self.total:064x}"


async def table_checksum(
    db: Executor, table: str, *, batch_size: int = DEFAULT_COPY_BATCH_SIZE
) -> tuple[int, str]:
    """(rows, checksum) of every column of every row of ``table`` (see :func:`canonical_row`),
    read ``batch_size`` rows at a time."""
    checksum = _Checksum()
    async with REPOSITORIES[table].stream_all(db, batch_size=batch_size) as rows:
        async for record in rows:
            checksum.add(record)
    return checksum.rows, checksum.hexdigest


# --- the copy ----------------------------------------------------------------------------


def _check_urls(source: Settings, target: Settings) -> None:
    if source.same_database(target):
        raise ConfigurationError(
            f"the source and the target are the same database ({source.masked_url})"
        )
    for role, settings in (("source", source), ("target", target)):
        if settings.in_memory:
            raise ConfigurationError(f"an in-memory SQLite database cannot be the copy {role}")
    missing = admin_backend(source.dialect).missing_database(source)
    if missing is not None:
        raise ConfigurationError(f"the copy source is missing: {missing}")


def _prepare(
    source_url: str, target_url: str, migrations_path: str | Path | None, pooled: bool
) -> list[str]:
    """Check the source's migrations, bring the target to the same head; the head's ids.

    A PostgreSQL target behind a transaction pooler (``pooled``) is only checked:
    migrating needs its direct URL."""
    report = migration_report(source_url, migrations_path)
    if not report["applied"] or report["pending"] or report["unknown"]:
        state = (
            f"{len(report['pending'])} pending" if report["pending"] else report["status"].lower()
        )
        raise CopyError(
            f"the source {report['url']} is not at the newest migration ({state}); "
            "run `pictallion-db migrate` on it first"
        )
    if pooled and Settings(database_url=target_url).is_postgres:
        target = migration_report(target_url, migrations_path)
        if target["pending"] or not target["applied"]:
            raise ConfigurationError(
                f"the copy target {target['url']} is reached through a transaction pooler "
                "(DB_POOLER=transaction), where migrations cannot run: migrate it first on "
                "its direct URL (`pictallion-db migrate --database-url ...`)"
            )
    else:
        upgrade(target_url, migrations_path)
        target = migration_report(target_url, migrations_path)
    if target["applied"] != report["applied"] or target["unknown"]:
        raise CopyError(
            f"the target {target['url']} has other migrations than the source "
            f"(target {target['current_revision']}, source {report['current_revision']})"
        )
    return list(report["applied"])


async def copy_library(
    source_url: str,
    target_url: str,
    *,
    batch_size: int = DEFAULT_COPY_BATCH_SIZE,
    progress: Progress | None = None,
    migrations_path: str | Path | None = None,
    config: Settings | None = None,
) -> CopyReport:
    """Copy every row of the library at ``source_url`` into the empty ``target_url``.

    ``config`` gives the pool and pooler settings of both databases (default: the
    process-wide settings). With ``pooler="transaction"`` (``DB_POOLER``) PostgreSQL is
    reached through a transaction pooler: the copy works there, but a target that still
    needs migrations is refused (``ConfigurationError``): migrate it on its direct URL.

    Raises :class:`TargetNotEmptyError` when the target holds any row,
    :class:`CopyError` when the source is not fully migrated or the copy does not verify,
    and the library's usual errors (a ``ValidationError`` naming the table, column and
    row id of a row the insert rules refuse, ``ConnectionLostError``...). Whatever the
    failure, the target keeps none of the copied rows.
    """
    if type(batch_size) is not int or batch_size < 1:
        raise ConfigurationError(f"batch_size must be a positive integer, got {batch_size!r}")
    source_settings = Settings(database_url=source_url)
    target_settings = Settings(database_url=target_url)
    _check_urls(source_settings, target_settings)
    say = progress or _quiet
    started = time.monotonic()
    say(f"checking migrations of {source_settings.masked_url} and {target_settings.masked_url}")
    base = config if config is not None else get_settings()
    migrations = await asyncio.to_thread(
        _prepare, source_url, target_url, migrations_path, base.transaction_pooled
    )
    copy_started = time.monotonic()
    source = await connect(source_url, config=base)
    try:
        target = await connect(target_url, config=base)
        try:
            tables = await _copy_tables(source, target, batch_size, say)
        finally:
            await target.close()
    finally:
        await source.close()
    finished = time.monotonic()
    copy_seconds = finished - copy_started
    rows = sum(t["source_rows"] for t in tables)
    return {
        "source": source_settings.masked_url,
        "target": target_settings.masked_url,
        "source_dialect": source_settings.dialect,
        "target_dialect": target_settings.dialect,
        "migrations": migrations,
        "tables": tables,
        "rows": rows,
        "seconds": round(finished - started, 3),
        "copy_seconds": round(copy_seconds, 3),
        "rows_per_second": round(rows / copy_seconds, 1) if copy_seconds > 0 else 0.0,
        "verified": all(t["match"] for t in tables),
    }


async def _copy_tables(
    source: Database, target: Database, batch_size: int, say: Progress
) -> list[TableReport]:
    async with source.transaction(readonly=True) as src, target.transaction() as dst:
        await _refuse_rows(dst, target.settings.masked_url)
        copied: dict[str, _Checksum] = {}
        for table in TABLES:
            copied[table] = await _copy_table(src, dst, table, batch_size, say)
        say("verifying: row counts and checksums of every table on the target")
        reports = []
        for table in TABLES:
            rows, checksum = await table_checksum(dst, table, batch_size=batch_size)
            mine = copied[table]
            reports.append(
                TableReport(
                    table=table,
                    source_rows=mine.rows,
                    target_rows=rows,
                    source_checksum=mine.hexdigest,
                    target_checksum=checksum,
                    match=rows == mine.rows and checksum == mine.hexdigest,
                )
            )
        wrong = [r for r in reports if not r["match"]]
        if wrong:
            # Raised inside the transaction: it rolls back, and the target keeps nothing.
            raise CopyError(
                f"the copy does not verify: {len(wrong)} table(s) differ on the target; "
                "nothing was kept",
                [
                    f"{r['table']}: source {r['source_rows']} rows {r['source_checksum'][:16]}, "
                    f"target {r['target_rows']} rows {r['target_checksum'][:16]}"
                    for r in wrong
                ],
            )
        say("committing")
    return reports


async def _refuse_rows(dst: Connection, where: str) -> None:
    found = [(table, await REPOSITORIES[table].count(dst)) for table in TABLES]
    holding = [f"{table}: {count} row{'s' if count > 1 else ''}" for table, count in found if count]
    if holding:
        raise TargetNotEmptyError(
            f"the target {where} is not empty ({len(holding)} table(s) hold rows); "
            "copy only into an empty database",
            holding,
        )


async def _copy_table(
    src: Connection, dst: Connection, table: str, batch_size: int, say: Progress
) -> _Checksum:
    """Copy one table, reading the next batch from the source while the target writes one.

    The two sides are different connections (usually different servers), so their waits
    overlap; at most three batches are alive at once (being read, queued, being written).
    """
    repository = REPOSITORIES[table]
    total = await repository.count(src)
    checksum = _Checksum()
    batches: asyncio.Queue[list[Any] | BaseException | None] = asyncio.Queue(maxsize=1)
    reader = asyncio.create_task(_read_batches(src, repository, batch_size, checksum, batches))
    last_said = 0.0
    written = 0
    try:
        while (batch := await batches.get()) is not None:
            if isinstance(batch, BaseException):
                raise batch
            await _write(repository, dst, batch)
            written += len(batch)
            if time.monotonic() - last_said >= 1.0:
                say(f"copying {table}: {written} of {total} rows")
                last_said = time.monotonic()
    finally:
        if not reader.done():
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader
    say(f"copied {table}: {checksum.rows} rows")
    return checksum


async def _read_batches(
    src: Connection,
    repository: Repository[Any, Any, Any],
    batch_size: int,
    checksum: _Checksum,
    batches: asyncio.Queue[list[Any] | BaseException | None],
) -> None:
    """Put the table's rows on ``batches``, ``batch_size`` at a time, then None (or the error)."""
    try:
        batch: list[Any] = []
        async with repository.stream_all(src, batch_size=batch_size) as rows:
            async for record in rows:
                checksum.add(record)
                batch.append(record)
                if len(batch) >= batch_size:
                    await batches.put(batch)
                    batch = []
        if batch:
            await batches.put(batch)
    except Exception as exc:  # handed to the writer, which raises it in its own task
        await batches.put(exc)
        return
    await batches.put(None)


async def _write(repository: Repository[Any, Any, Any], dst: Connection, batch: list[Any]) -> None:
    try:
        await repository.import_rows(dst, rows=batch, returning=False)
    except ValidationError as exc:
        # The batch index means nothing to the user; the row's table and id (in the
        # message) do.
        reason = _BATCH_INDEX.sub("", str(exc))
        raise ValidationError(
            f"a {repository.table} row cannot be copied: {reason}; nothing was kept",
            field=exc.field,
        ) from None


_BATCH_INDEX = re.compile(r"^rows\[\d+\] ?")


def _quiet(_: str) -> None:
    return None
