"""The ``pictallion-db`` commands for keeping a library for years.

``backup --to DIR`` (a backup set with manifests, ``--verify``, retention),
``backups list|verify``, ``schedule-backup --print systemd|cron``, ``archive`` and
``archive restore``. Exit codes beyond the usual 0/1/2: 3 the backup failed and nothing
was written; 4 the backup was written but failed its verification.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path
from typing import Any

from pictallion_sql.admin.cli_common import EXIT_USAGE, CommandError, Context, reachable

__all__ = [
    "EXIT_BACKUP_FAILED",
    "EXIT_NOT_VERIFIED",
    "add_arguments",
    "cmd_archive",
    "cmd_backup_set",
    "cmd_backups",
    "cmd_schedule_backup",
]

EXIT_BACKUP_FAILED = 3
EXIT_NOT_VERIFIED = 4


def _keep_options(cmd: argparse.ArgumentParser, defaults: dict[str, int]) -> None:
    for rule, what in (
        ("last", "the N newest backups"),
        ("daily", "the newest backup of each of the N most recent days"),
        ("weekly", "the newest backup of each of the N most recent weeks"),
        ("monthly", "the newest backup of each of the N most recent months"),
    ):
        cmd.add_argument(
            f"--keep-{rule}",
            type=int,
            default=defaults.get(rule, 0),
            metavar="N",
            help=f"keep {what}",
        )


def add_arguments(name: str, cmd: argparse.ArgumentParser) -> None:
    """The options of the commands this module handles (and ``backup``'s set options)."""
    if name == "backup":
        cmd.add_argument(
            "--to",
            metavar="DIR",
            type=Path,
            help="write into the backup set in DIR: a timestamped file and its manifest",
        )
        cmd.add_argument(
            "--verify",
            action="store_true",
            help="restore the new backup into a scratch database and check it (with --to)",
        )
        _keep_options(cmd, {})
    elif name == "backups":
        cmd.add_argument("action", choices=["list", "verify"], help="list a set, verify a file")
        cmd.add_argument("target", type=Path, help="the set's folder (list) or a backup (verify)")
    elif name == "schedule-backup":
        cmd.add_argument("--print", dest="kind", choices=["systemd", "cron"], required=True)
        cmd.add_argument(
            "--to", metavar="DIR", default="/var/backups/pictallion", help="the backup set"
        )
        cmd.add_argument("--user", default="pictallion", help="the account the backup runs as")
        cmd.add_argument(
            "--env-file",
            default="/etc/pictallion/backup.env",
            help="file holding DATABASE_URL (systemd EnvironmentFile, sourced by cron)",
        )
        cmd.add_argument("--no-verify", action="store_true", help="skip the verification")
        _keep_options(cmd, {"daily": 7, "weekly": 4, "monthly": 12})
    elif name == "archive":
        cmd.add_argument(
            "action", nargs="?", choices=["restore"], help="restore FILE instead of archiving"
        )
        cmd.add_argument("file", nargs="?", type=Path, help="the archive to restore")
        cmd.add_argument("--older-than", metavar="AGE", help="90d, 12w, 6m, 2y or an ISO date")
        cmd.add_argument("--table", default="asset_history", help="default: asset_history")
        cmd.add_argument(
            "--to", metavar="DIR", type=Path, default=Path("archives"), help="default: archives/"
        )
        cmd.add_argument("--batch-size", type=int, default=1000, metavar="N")


def _policy(args: argparse.Namespace) -> Any:
    from pictallion_sql.admin.retention import RetentionPolicy

    try:
        return RetentionPolicy(args.keep_last, args.keep_daily, args.keep_weekly, args.keep_monthly)
    except ValueError as exc:
        raise CommandError(str(exc), EXIT_USAGE) from None


def cmd_backup_set(ctx: Context, args: argparse.Namespace) -> int:
    """``backup --to DIR``: back up into a set, verify, prune."""
    from pictallion_sql.admin.backup import error_details
    from pictallion_sql.admin.backup_sets import VerificationError, backup_to_set
    from pictallion_sql.errors import (
        ConnectionLostError,
        DatabaseError,
        PermissionDeniedError,
        ReadOnlyError,
    )

    policy = _policy(args)
    try:
        result = backup_to_set(
            ctx.url, args.to, verify=args.verify, policy=policy, progress=ctx.progress
        )
    except VerificationError as exc:
        raise CommandError(str(exc), EXIT_NOT_VERIFIED, error_details(exc)) from None
    except (PermissionDeniedError, ReadOnlyError, ConnectionLostError):
        raise  # exit 2, as for every command
    except (DatabaseError, OSError) as exc:
        # backup_to_set removed whatever it had written.
        if isinstance(exc, DatabaseError):
            reason, details = str(exc), error_details(exc)
        else:
            reason, details = f"{exc.strerror or exc}: {exc.filename or ''}", []
        raise CommandError(
            f"{reason}; no backup was written", EXIT_BACKUP_FAILED, details
        ) from None

    def human() -> None:
        manifest = result["manifest"]
        rows = sum(manifest["row_counts"].values())
        state = "verified" if result["verified"] else "not verified"
        ctx.line(
            f"Backed up {ctx.masked} to {result['path']} ({manifest['size_bytes']} bytes, "
            f"{rows} rows, schema {manifest['schema_head']}, {state}, {result['seconds']:.2f} s)"
        )
        for name in result["pruned"]:
            ctx.line(f"  pruned {name}")

    ctx.emit(result, human)
    return 0


def cmd_backups(ctx: Context, args: argparse.Namespace) -> int:
    """``backups list DIR`` / ``backups verify FILE``."""
    from pictallion_sql.admin.backup import error_details
    from pictallion_sql.admin.backup_sets import VerificationError, list_backups, verify_backup

    if args.action == "verify":
        reachable(ctx)
        try:
            manifest = verify_backup(ctx.url, args.target, progress=ctx.progress)
        except VerificationError as exc:
            raise CommandError(str(exc), EXIT_NOT_VERIFIED, error_details(exc)) from None
        ctx.emit(manifest, lambda: ctx.line(f"{args.target} verified"))
        return 0
    entries = list_backups(args.target)

    def human() -> None:
        if not entries:
            ctx.line(f"No backups in {args.target}")
            return
        ctx.line(f"{'file':48}  {'created (UTC)':27}  {'size':>12}  {'rows':>9}  status")
        for e in entries:
            rows = "" if e["total_rows"] is None else str(e["total_rows"])
            ctx.line(
                f"{e['file']:48}  {e['created_at'] or '':27}  {e['size_bytes']:>12}  "
                f"{rows:>9}  {e['status']}"
            )

    ctx.emit(entries, human)
    return 0


def cmd_schedule_backup(ctx: Context, args: argparse.Namespace) -> int:
    """Print a systemd service and timer, or a crontab line, running ``backup --to``."""
    from pictallion_sql.admin.schedule import BackupJob, cron_line, systemd_units

    # The command of this installation: the script beside this Python (a virtualenv's
    # bin/), else the one on PATH, else this Python running the package.
    beside = Path(sys.executable).with_name("pictallion-db")
    on_path = shutil.which("pictallion-db")
    if beside.is_file():
        program: tuple[str, ...] = (str(beside),)
    elif on_path:
        program = (str(Path(on_path).resolve()),)
    else:
        program = (sys.executable, "-m", "pictallion_sql")
    job = BackupJob(
        program=program,
        folder=str(args.to),
        keep_last=args.keep_last,
        keep_daily=args.keep_daily,
        keep_weekly=args.keep_weekly,
        keep_monthly=args.keep_monthly,
        verify=not args.no_verify,
        environment_file=args.env_file,
        user=args.user,
    )
    if args.kind == "cron":
        line = cron_line(job)
        ctx.emit({"cron": line}, lambda: ctx.line(line))
        return 0
    units = systemd_units(job)

    def human() -> None:
        for name, text in units.items():
            ctx.out.write(f"# /etc/systemd/system/{name}\n{text}\n")

    ctx.emit(units, human)
    return 0


def cmd_archive(ctx: Context, args: argparse.Namespace) -> int:
    """``archive --older-than AGE`` / ``archive restore FILE``."""
    from pictallion_sql.admin.archive import archive_old_rows, restore_archive

    reachable(ctx)
    if args.action == "restore":
        if args.file is None:
            raise CommandError("archive restore needs the archive FILE", EXIT_USAGE)
        restored = restore_archive(ctx.url, args.file, progress=ctx.progress)
        ctx.emit(
            restored,
            lambda: ctx.line(
                f"Restored {restored['inserted']} of {restored['rows']} row(s) into "
                f"{restored['table']} from {restored['file']}"
            ),
        )
        return 0
    if args.older_than is None:
        raise CommandError("archive needs --older-than AGE (for example 2y)", EXIT_USAGE)
    result = archive_old_rows(
        ctx.url,
        args.to,
        older_than=args.older_than,
        table=args.table,
        batch_size=args.batch_size,
        progress=ctx.progress,
    )
    ctx.emit(
        result,
        lambda: ctx.line(
            f"Archived {result['rows']} row(s) of {result['table']} older than "
            f"{result['cutoff']} in {result['batches']} batch(es) to {args.to}"
            + (
                f"; finished {result['recovered']} from an interrupted run"
                if result["recovered"]
                else ""
            )
        ),
    )
    return 0
