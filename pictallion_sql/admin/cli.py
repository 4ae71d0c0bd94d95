"""``pictallion-db``: set up, migrate, inspect, check, maintain, back up and restore the database.

Run ``pictallion-db --help`` (or ``python -m pictallion_sql --help``). The database is
``DATABASE_URL`` from the environment (default ``sqlite:///./data/pictallion.db``),
or ``--database-url``. Exit codes: 0 fine, 1 a problem was found or an operation
failed (drift, pending migrations for ``check``, integrity failures, a refused
backup), 2 usage, configuration or connection error, and a database the command cannot
work on: read-only (a hot standby), a missing privilege, a lost connection; 3 a backup
into a set (``backup --to``) failed and left nothing behind; 4 a backup was written but
failed its verification. Errors are one line on stderr; with ``--json`` every command also
prints them on stdout as ``{"error": ..., "exit_code": ..., "details": [...]}``.

``--migrations-dir`` (and ``create-migration --migrations-root``, its older name there) takes
either one dialect's migrations folder or the folder holding ``postgres/`` and ``sqlite/``;
a folder holding no migration is refused.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from pictallion_sql.admin import cli_backups
from pictallion_sql.admin.cli_common import EXIT_PROBLEM, EXIT_USAGE, CommandError, Context
from pictallion_sql.admin.cli_ops import (
    cmd_backup,
    cmd_copy,
    cmd_integrity,
    cmd_maintenance,
    cmd_restore,
    cmd_stats,
    cmd_top,
)
from pictallion_sql.admin.cli_schema import (
    cmd_check,
    cmd_create_migration,
    cmd_init,
    cmd_migrate,
    cmd_reset,
    cmd_roles,
    cmd_rollback,
    cmd_status,
)
from pictallion_sql.admin.cli_sql import add_selector_options, cmd_explain, cmd_sql
from pictallion_sql.config import mask_secrets
from pictallion_sql.errors import (
    ConfigurationError,
    ConnectionLostError,
    PermissionDeniedError,
    PictallionError,
    ReadOnlyError,
)

__all__ = ["main"]


# --- the parser -------------------------------------------------------------------------


# Commands that run through a transaction pooler (DB_POOLER=transaction), each tested
# behind a real pgbouncer; every other command that touches the database runs on its
# direct URL: migrations and pg_dump/pg_restore keep session state across transactions.
_THROUGH_POOLER = frozenset({"status", "check", "stats", "copy"})
_NO_DATABASE = frozenset({"sql", "create-migration", "schedule-backup"})

_COMMANDS: dict[str, tuple[Callable[[Context, argparse.Namespace], int], str]] = {
    "init": (cmd_init, "create the database if needed and apply every migration"),
    "reset": (cmd_reset, "drop every table and apply every migration again (destroys data)"),
    "status": (cmd_status, "health, migrations and schema compatibility"),
    "stats": (cmd_stats, "row counts, file versions per tier and state, size"),
    "migrate": (cmd_migrate, "apply pending migrations"),
    "create-migration": (cmd_create_migration, "write a new migration for both dialects"),
    "rollback": (cmd_rollback, "roll back the latest applied migration"),
    "maintenance": (cmd_maintenance, "VACUUM and ANALYZE"),
    "integrity": (cmd_integrity, "integrity and foreign-key checks"),
    "check": (cmd_check, "schema drift and migration state; exit 1 if anything is off"),
    "backup": (cmd_backup, "write a consistent backup file"),
    "restore": (cmd_restore, "replace the database with a checked backup (destroys data)"),
    "sql": (cmd_sql, "print the SQL of a named query, search, smart rule, insert or update"),
    "explain": (cmd_explain, "EXPLAIN the SQL that `sql` prints, on the database"),
    "copy": (cmd_copy, "copy a whole library into an empty database (any dialect to any)"),
    "backups": (cli_backups.cmd_backups, "list a backup set, or verify one backup of it"),
    "schedule-backup": (
        cli_backups.cmd_schedule_backup,
        "print a systemd service and timer, or a crontab line, for scheduled backups",
    ),
    "archive": (
        cli_backups.cmd_archive,
        "move old history rows to compressed archive files, or restore one",
    ),
    "top": (cmd_top, "named queries by total time (pg_stat_statements on PostgreSQL)"),
    "roles": (cmd_roles, "create or grant the owner, application and read-only roles (PostgreSQL)"),
}


def _common(*, suppress: bool) -> _Parser:
    """Options accepted before or after the command name."""
    default = argparse.SUPPRESS if suppress else None
    parser = _Parser(add_help=False)
    parser.add_argument(
        "--database-url",
        metavar="URL",
        default=default,
        help="the database (default: $DATABASE_URL, else sqlite:///./data/pictallion.db)",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        default=argparse.SUPPRESS if suppress else False,
        help="print machine-readable JSON on stdout",
    )
    parser.add_argument(
        "--migrations-dir",
        metavar="DIR",
        type=Path,
        default=default,
        help="use the migrations in DIR instead of the package's (for development)",
    )
    return parser


class _Parser(argparse.ArgumentParser):
    """argparse, whose usage errors also print the JSON error object when --json was given."""

    json_errors = False

    def error(self, message: str) -> NoReturn:
        if _Parser.json_errors:
            error = {"error": message, "exit_code": EXIT_USAGE, "details": []}
            sys.stdout.write(json.dumps(error, indent=2) + "\n")
        super().error(message)


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser of ``pictallion-db``."""
    parser = _Parser(
        prog="pictallion-db",
        description="Manage the Pictallion database (SQLite or PostgreSQL).",
        epilog="Exit codes: 0 fine, 1 problem found or operation failed, "
        "2 usage, configuration or connection error, read-only database, missing privilege.",
        parents=[_common(suppress=False)],
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    common = _common(suppress=True)
    for name, (_, help_text) in _COMMANDS.items():
        cmd = sub.add_parser(name, help=help_text, description=help_text, parents=[common])
        if name in {"init", "migrate", "rollback", "reset"}:
            cmd.add_argument(
                "--lock-timeout",
                type=float,
                default=60.0,
                metavar="SECONDS",
                help="how long to wait for another process's migration lock (default 60)",
            )
            cmd.add_argument(
                "--table-lock-timeout",
                type=float,
                metavar="SECONDS",
                help="PostgreSQL: how long a migration statement waits for a table lock before "
                "the migration fails and is rolled back (lock_timeout; default 5; 0: no limit)",
            )
            cmd.add_argument(
                "--statement-timeout",
                type=float,
                metavar="SECONDS",
                help="PostgreSQL: the longest a migration statement may run (statement_timeout; "
                "default 600, 0 for no limit)",
            )
        if name in {"reset", "restore", "rollback", "roles"}:
            cmd.add_argument("--yes", action="store_true", help="do not ask for confirmation")
        if name in {"roles", "check"}:
            for option, default in (
                ("--owner", "pictallion_owner"),
                ("--app", "pictallion_app"),
                ("--readonly", "pictallion_readonly"),
            ):
                cmd.add_argument(option, metavar="ROLE", help=f"role name (default {default})")
        if name == "stats":
            cmd.add_argument(
                "--estimated",
                action="store_true",
                help="for dashboards: kept counts and the planner's estimates instead of "
                "counting every row (docs/counts.md)",
            )
        if name == "migrate":
            cmd.add_argument(
                "--accept-changed",
                action="append",
                metavar="ID",
                help="record the new checksum of an applied migration edited since (repeatable)",
            )
        if name == "create-migration":
            cmd.add_argument("name", nargs="+", help='what it does, e.g. "Add new feature"')
            cmd.add_argument(
                "--migrations-root",
                type=Path,
                metavar="DIR",
                help="the same as --migrations-dir: the folder holding postgres/ and sqlite/, "
                "or one of them (default: the package's)",
            )
        if name in {"sql", "explain"}:
            add_selector_options(cmd, explain=name == "explain")
        if name == "backup":
            cmd.add_argument(
                "path",
                nargs="?",
                help="backup file, or a folder for a timestamped file (default: backups/)",
            )
        if name == "restore":
            cmd.add_argument("path", help="a file written by `pictallion-db backup`")
        if name == "top":
            cmd.add_argument(
                "--limit", type=int, default=20, metavar="N", help="how many (default 20)"
            )
        if name == "copy":
            cmd.add_argument(
                "--from", dest="source", required=True, metavar="URL", help="the library to copy"
            )
            cmd.add_argument(
                "--to",
                dest="target",
                required=True,
                metavar="URL",
                help="an empty database (migrated, or created, first)",
            )
            cmd.add_argument(
                "--batch-size",
                type=_positive_int,
                default=2000,
                metavar="N",
                help="rows read and written per round trip (default 2000)",
            )
        cli_backups.add_arguments(name, cmd)
        if name == "maintenance":
            only = cmd.add_mutually_exclusive_group()
            only.add_argument("--vacuum-only", action="store_true", help="skip ANALYZE")
            only.add_argument("--analyze-only", action="store_true", help="skip VACUUM")
    return parser


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}")
    return value


def _fail(
    message: str,
    code: int,
    url: str | None,
    details: Sequence[str] = (),
    *,
    as_json: bool = False,
    data: dict[str, Any] | None = None,
) -> int:
    """Report an error: one line (and detail lines) on stderr; with --json, an object on stdout."""

    def clean(text: str) -> str:
        return mask_secrets(text, url) if url else text

    first, *rest = (message.strip() or "failed").splitlines() or ["failed"]
    more = [clean(line.strip()) for line in [*rest, *details]]
    sys.stderr.write(f"pictallion-db: error: {clean(first)}\n")
    for line in more:
        sys.stderr.write(f"  {line}\n")
    if as_json:
        error = {**(data or {}), "error": clean(first), "exit_code": code, "details": more}
        text = json.dumps(error, indent=2, default=str)
        sys.stdout.write((mask_secrets(text, url) if url else text) + "\n")
    return code


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``pictallion-db`` with ``argv`` (default: the command line); return the exit code."""
    parser = build_parser()
    _Parser.json_errors = "--json" in (sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(argv)
    # psycopg warns on stderr when a COPY it aborts fails to end cleanly; the error
    # itself reaches the user as one line.
    logging.getLogger("psycopg").setLevel(logging.ERROR)
    url: str | None = None
    as_json = bool(getattr(args, "json", False))
    try:
        ctx = Context(args)
        url = ctx.url
        listing = args.command == "backups" and args.action == "list"  # files only
        if args.command not in _THROUGH_POOLER | _NO_DATABASE and not listing:
            ctx.go_direct(args.command)
            url = ctx.url
        handler = _COMMANDS[args.command][0]
        return handler(ctx, args)
    except CommandError as exc:
        return _fail(str(exc), exc.code, url, exc.details, as_json=as_json, data=exc.data)
    except (ConfigurationError, ReadOnlyError, PermissionDeniedError, ConnectionLostError) as exc:
        return _fail(str(exc), EXIT_USAGE, url, as_json=as_json)
    except PictallionError as exc:
        from pictallion_sql.admin.backup import error_details

        return _fail(str(exc), EXIT_PROBLEM, url, error_details(exc), as_json=as_json)
    except KeyboardInterrupt:
        sys.stderr.write("pictallion-db: cancelled\n")
        if as_json:
            sys.stdout.write(json.dumps({"error": "cancelled", "exit_code": 130}) + "\n")
        return 130
    except OSError as exc:
        where = f": {exc.filename}" if exc.filename else ""
        return _fail(f"{exc.strerror or exc}{where}", EXIT_PROBLEM, url, as_json=as_json)
    except Exception as exc:
        if os.environ.get("PICTALLION_DEBUG"):
            raise
        return _fail(
            f"unexpected {type(exc).__name__}: {exc} (set PICTALLION_DEBUG=1 for the traceback)",
            EXIT_PROBLEM,
            url,
            as_json=as_json,
        )
