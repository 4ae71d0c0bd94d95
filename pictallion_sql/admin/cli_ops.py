"""``pictallion-db`` commands that operate on a library: stats, maintenance, integrity,
backup, restore, copy and top."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import Any

import msgspec

from pictallion_sql.admin import cli_backups
from pictallion_sql.admin.backends import admin_backend
from pictallion_sql.admin.cli_common import (
    EXIT_OK,
    EXIT_PROBLEM,
    EXIT_USAGE,
    CommandError,
    Context,
    confirm,
    reachable,
    size_text,
)

__all__ = [
    "cmd_backup",
    "cmd_copy",
    "cmd_integrity",
    "cmd_maintenance",
    "cmd_restore",
    "cmd_stats",
    "cmd_top",
]


def cmd_stats(ctx: Context, args: argparse.Namespace) -> int:
    """Row counts, tiers, processing states and size."""
    from pictallion_sql.admin.maintenance import get_database_stats

    reachable(ctx)
    stats = asyncio.run(get_database_stats(ctx.url, estimated=args.estimated))

    def human() -> None:
        ctx.line(f"Database: {stats['database_url']} ({size_text(stats['size_bytes'])})")
        width = max(len(name) for name in stats["tables"])
        ctx.line(f"{'table'.ljust(width)}  {'rows':>10}")
        for name, info in stats["tables"].items():
            ctx.line(f"{name.ljust(width)}  {info['count']:>10}")
        ctx.line(f"{'total'.ljust(width)}  {stats['total_rows']:>10}")
        ctx.line("File versions by tier: " + _counts(stats["file_version_tiers"]))
        ctx.line("File versions by processing state: " + _counts(stats["processing_states"]))

    ctx.emit(stats, human)
    return EXIT_OK


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in counts.items()) or "none"


def cmd_maintenance(ctx: Context, args: argparse.Namespace) -> int:
    """VACUUM, then ANALYZE."""
    from pictallion_sql.admin.maintenance import analyze_database, vacuum_database

    reachable(ctx)

    async def run() -> list[Any]:
        results: list[Any] = []
        if not args.analyze_only:
            results.append(await vacuum_database(ctx.url, progress=ctx.progress))
        if not args.vacuum_only:
            results.append(await analyze_database(ctx.url, progress=ctx.progress))
        return results

    results = asyncio.run(run())

    def human() -> None:
        for result in results:
            ctx.line(f"{result['operation'].upper()} done in {result['seconds']:.2f} s")

    ctx.emit({"dialect": ctx.dialect, "operations": results}, human)
    return EXIT_OK


def cmd_integrity(ctx: Context, args: argparse.Namespace) -> int:
    """Integrity checks; exit 1 if any fails."""
    from pictallion_sql.admin.maintenance import check_database_integrity

    reachable(ctx)
    report = asyncio.run(check_database_integrity(ctx.url))

    def human() -> None:
        ctx.line(f"Database: {report['url']}")
        for check in report["checks"]:
            ctx.line(f"  {check['status'].upper():7} {check['name']}: {check['detail']}")
            for problem in check["problems"]:
                ctx.line(f"          {problem}")
        ctx.line("OK" if report["status"] == "ok" else "PROBLEMS FOUND")

    ctx.emit(report, human)
    return EXIT_OK if report["status"] == "ok" else EXIT_PROBLEM


def cmd_backup(ctx: Context, args: argparse.Namespace) -> int:
    """Write a consistent backup file (or, with --to, a backup into a set)."""
    from pictallion_sql.admin.maintenance import backup_database

    reachable(ctx)
    if args.to is not None:
        if args.path is not None:
            raise CommandError("give either a backup PATH or --to DIR, not both", EXIT_USAGE)
        return cli_backups.cmd_backup_set(ctx, args)
    if args.verify or any((args.keep_last, args.keep_daily, args.keep_weekly, args.keep_monthly)):
        raise CommandError("--verify and --keep-* need --to DIR (a backup set)", EXIT_USAGE)
    result = asyncio.run(backup_database(args.path, database_url=ctx.url, progress=ctx.progress))
    ctx.emit(
        result,
        lambda: ctx.line(
            f"Backed up {ctx.masked} to {result['path']} ({size_text(result['size_bytes'])}, "
            f"{result['seconds']:.2f} s)"
        ),
    )
    return EXIT_OK


def cmd_restore(ctx: Context, args: argparse.Namespace) -> int:
    """Replace the database with a backup, after checking it."""
    from pictallion_sql.admin.maintenance import restore_database

    reachable(ctx, create=True)
    if not Path(args.path).expanduser().is_file():
        raise CommandError(f"no backup file at {args.path}", EXIT_USAGE)
    confirm(
        ctx,
        args,
        "restore",
        f"This replaces every Pictallion table and row in {ctx.masked} with {args.path}.",
    )
    result = asyncio.run(restore_database(args.path, database_url=ctx.url, progress=ctx.progress))

    def human() -> None:
        ctx.line(f"Restored {ctx.masked} from {result['path']} ({result['seconds']:.2f} s)")
        if result["pending"]:
            ctx.line(
                f"warning: the backup predates {len(result['pending'])} migration(s); "
                "run `pictallion-db migrate`"
            )

    ctx.emit(result, human)
    return EXIT_OK


def cmd_copy(ctx: Context, args: argparse.Namespace) -> int:
    """Copy a whole library into an empty database, then verify it."""
    from pictallion_sql.admin.copy import copy_library

    source = Context(argparse.Namespace(database_url=args.source, json=ctx.json))
    target = Context(argparse.Namespace(database_url=args.target, json=ctx.json))
    reachable(source)
    reachable(target, create=True)
    report = asyncio.run(
        copy_library(
            source.url,
            target.url,
            batch_size=args.batch_size,
            progress=ctx.progress,
            migrations_path=ctx.migrations,
        )
    )

    def human() -> None:
        ctx.line(
            f"Copied {report['rows']} rows from {report['source']} to {report['target']} "
            f"in {report['seconds']:.2f} s (the copy and its check {report['copy_seconds']:.2f} s, "
            f"{report['rows_per_second']:.0f} rows/s)"
        )
        width = max(len(t["table"]) for t in report["tables"])
        ctx.line(f"{'table'.ljust(width)}  {'source':>8}  {'target':>8}  checksum (sha-256 sum)")
        for t in report["tables"]:
            same = "equal" if t["target_checksum"] == t["source_checksum"] else "DIFFERENT"
            ctx.line(
                f"{t['table'].ljust(width)}  {t['source_rows']:>8}  {t['target_rows']:>8}  "
                f"{t['source_checksum'][:16]} {same}"
            )
        ctx.line("Verified: row counts and checksums are equal on both sides")

    ctx.emit(report, human)
    return EXIT_OK


def cmd_top(ctx: Context, args: argparse.Namespace) -> int:
    """The named queries by total time: pg_stat_statements, or in-process on SQLite."""
    from pictallion_sql.monitoring.metrics import QueryMetrics

    reachable(ctx)
    backend = admin_backend(ctx.dialect)
    # A fresh process has run no statement: on SQLite the list is empty, and the source
    # says where the figures are.
    top = backend.top_queries(ctx.settings, QueryMetrics(), args.limit)
    source = backend.top_source
    data = {"source": source, "queries": [msgspec.structs.asdict(q) for q in top]}

    def human() -> None:
        ctx.line(f"Database: {ctx.masked}")
        ctx.line(f"Source:   {source}")
        if not top:
            ctx.line("No named query has run yet.")
            return
        width = max(len("query"), *(len(q.name) for q in top))
        ctx.line(
            f"{'query'.ljust(width)}  {'total ms':>12}  {'mean ms':>10}  {'calls':>9}  {'rows':>10}"
        )
        for q in top:
            ctx.line(
                f"{q.name.ljust(width)}  {q.total_ms:>12.1f}  {q.mean_ms:>10.3f}  "
                f"{q.calls:>9}  {q.rows:>10}"
            )

    ctx.emit(data, human)
    return EXIT_OK
