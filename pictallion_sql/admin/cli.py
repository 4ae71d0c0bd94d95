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
import asyncio
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn, TextIO

import msgspec

from pictallion_sql import config
from pictallion_sql.admin import cli_backups
from pictallion_sql.admin.backends import admin_backend
from pictallion_sql.config import Dialect, Settings, mask_secrets, mask_url
from pictallion_sql.errors import (
    ConfigurationError,
    ConnectionLostError,
    PermissionDeniedError,
    PictallionError,
    ReadOnlyError,
    ValidationError,
)

__all__ = ["main"]

EXIT_OK = 0
EXIT_PROBLEM = 1
EXIT_USAGE = 2


class CommandError(Exception):
    """Ends the command with a one-line message (and optional detail lines).

    ``data`` is added to the JSON error object that ``--json`` prints.
    """

    def __init__(
        self,
        message: str,
        code: int,
        details: Sequence[str] = (),
        data: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.details = list(details)
        self.data = data or {}


class _Context:
    """What every command needs: the settings, the output mode, the progress printer."""

    def __init__(self, args: argparse.Namespace) -> None:
        base = config.Settings.from_env()
        url = getattr(args, "database_url", None)
        self.settings: Settings = base.with_url(url) if url else base
        self.url = self.settings.database_url
        self.dialect = _dialect_of(self.settings, from_option=bool(url))
        self.json: bool = bool(getattr(args, "json", False))
        self.migrations: Path | None = getattr(args, "migrations_dir", None)
        self.out: TextIO = sys.stdout
        # Long work reports progress on a terminal only; piped output stays clean.
        self.progress: Callable[[str], None] | None = _progress if sys.stderr.isatty() else None

    @property
    def masked(self) -> str:
        return mask_url(self.url)

    def emit(self, data: Any, human: Callable[[], None]) -> None:
        if self.json:
            self.out.write(json.dumps(data, indent=2, default=str) + "\n")
        else:
            human()

    def line(self, text: str = "") -> None:
        self.out.write(mask_secrets(text, self.url) + "\n")


def _dialect_of(settings: Settings, *, from_option: bool) -> Dialect:
    """The URL's dialect; a bad URL's error names where the URL came from."""
    try:
        return settings.dialect
    except ConfigurationError as exc:
        message = str(exc)
        source = "--database-url" if from_option else "DATABASE_URL"
        if from_option:
            message = message.replace("DATABASE_URL", "the --database-url URL")
        if source not in message:
            message = f"{source}: {message}"
        raise ConfigurationError(message) from None


def _progress(text: str) -> None:
    sys.stderr.write(f"... {text}\n")
    sys.stderr.flush()


# --- preconditions ---------------------------------------------------------------------


def _reachable(ctx: _Context, *, create: bool = False) -> None:
    """Fail with exit 2 unless the database can be reached (SQLite: the file exists)."""
    if ctx.dialect == "sqlite":
        path = ctx.settings.sqlite_file()
        if path is None:
            raise CommandError("an in-memory SQLite database cannot be managed", EXIT_USAGE)
        if not create and not path.is_file():
            raise CommandError(
                f"no SQLite database at {path} (run `pictallion-db init` first)", EXIT_USAGE
            )
        return
    from pictallion_sql.admin.postgres.connection import connect_postgres
    from pictallion_sql.errors import DatabaseError

    try:
        with connect_postgres(ctx.url):
            pass
    except DatabaseError as exc:
        if create and "does not exist" in str(exc):
            _create_postgres_database(ctx)
            return
        raise CommandError(str(exc), EXIT_USAGE) from None


def _create_postgres_database(ctx: _Context) -> None:
    """``init`` on a PostgreSQL URL naming a database that does not exist yet: create it."""
    from urllib.parse import urlsplit, urlunsplit

    import psycopg
    from psycopg import sql

    parts = urlsplit(ctx.settings.postgres_dsn)
    name = parts.path.lstrip("/")
    if not name:
        raise CommandError(f"the URL names no database: {ctx.masked}", EXIT_USAGE)
    last = ""
    for maintenance in ("postgres", "template1"):
        admin = urlunsplit(parts._replace(path="/" + maintenance))
        try:
            with psycopg.connect(admin, autocommit=True, connect_timeout=15) as conn:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            if not ctx.json:
                ctx.line(f"Created database {name}")
            return
        except psycopg.errors.DuplicateDatabase:
            return
        except psycopg.Error as exc:
            last = mask_secrets(" ".join(str(exc).split()), ctx.url)
    raise CommandError(
        f"database {name} does not exist and could not be created ({last}); "
        "create it, or ask its administrator to",
        EXIT_USAGE,
    )


def _confirm(ctx: _Context, args: argparse.Namespace, action: str, warning: str) -> None:
    """Ask for 'yes' on a terminal; refuse (exit 2) without one unless --yes was given."""
    if getattr(args, "yes", False):
        return
    if not sys.stdin.isatty():
        raise CommandError(
            f"refusing to {action} without confirmation: stdin is not a terminal "
            "(pass --yes to confirm)",
            EXIT_USAGE,
        )
    sys.stderr.write(f"{warning}\nType 'yes' to {action}: ")
    sys.stderr.flush()
    answer = sys.stdin.readline().strip().lower()
    if answer != "yes":
        raise CommandError("cancelled; nothing was changed", EXIT_PROBLEM)


# --- commands ---------------------------------------------------------------------------


def cmd_init(ctx: _Context, args: argparse.Namespace) -> int:
    """Create the database if needed and apply every migration (adopting old databases)."""
    from pictallion_sql.admin.migrations import upgrade

    _reachable(ctx, create=True)
    result = upgrade(ctx.url, ctx.migrations, **_timeouts(args))
    ctx.emit(result, lambda: _print_upgrade(ctx, result, initialized=True))
    return EXIT_OK


def cmd_migrate(ctx: _Context, args: argparse.Namespace) -> int:
    """Apply pending migrations."""
    from pictallion_sql.admin.migrations import upgrade

    _reachable(ctx, create=True)
    result = upgrade(
        ctx.url, ctx.migrations, accept_changed=args.accept_changed or (), **_timeouts(args)
    )
    ctx.emit(result, lambda: _print_upgrade(ctx, result, initialized=False))
    return EXIT_OK


def _timeouts(args: argparse.Namespace) -> dict[str, Any]:
    """The migration lock wait, and the PostgreSQL session timeouts given on the command line."""
    given = {
        "table_lock_timeout": args.table_lock_timeout,
        "statement_timeout": args.statement_timeout,
    }
    return {"lock_timeout": args.lock_timeout} | {k: v for k, v in given.items() if v is not None}


def _print_upgrade(ctx: _Context, result: Any, *, initialized: bool) -> None:
    if result["adopted"]:
        ctx.line(
            "Adopted the existing database: recorded "
            f"{', '.join(result['adopted'])} as applied (not run)"
        )
    for mid in result["accepted"]:
        ctx.line(f"Accepted the edited migration {mid} (its new checksum is recorded)")
    if result["recorded"]:
        ctx.line(f"Recorded checksums of {', '.join(result['recorded'])}")
    if result["applied"]:
        ctx.line(f"Applied {len(result['applied'])} migration(s) to {ctx.masked}:")
        for mid in result["applied"]:
            ctx.line(f"  {mid}")
    elif initialized:
        ctx.line(f"Database {ctx.masked} is initialized and up to date")
    else:
        ctx.line(f"Nothing to migrate: {ctx.masked} is up to date")
    for mid in result["changed"]:
        ctx.line(
            f"warning: migration {mid} was edited after it was applied; review it, then run "
            f"`pictallion-db migrate --accept-changed {mid}`"
        )


def cmd_rollback(ctx: _Context, args: argparse.Namespace) -> int:
    """Roll back the latest applied migration."""
    from pictallion_sql.admin.migrations import migration_report, rollback_last

    _reachable(ctx)
    report = migration_report(ctx.url, ctx.migrations)
    current = report["current_revision"]
    if current is None:
        ctx.emit({"rolled_back": None}, lambda: ctx.line("Nothing to roll back"))
        return EXIT_OK
    if report["applied"] and current == report["applied"][0]:
        _confirm(
            ctx,
            args,
            f"roll back {current}",
            f"Rolling back {current} drops every Pictallion table in {ctx.masked}.",
        )
    rolled = rollback_last(ctx.url, ctx.migrations, **_timeouts(args))
    ctx.emit({"rolled_back": rolled}, lambda: ctx.line(f"Rolled back {rolled}"))
    return EXIT_OK


def cmd_reset(ctx: _Context, args: argparse.Namespace) -> int:
    """Drop everything and apply every migration again."""
    from pictallion_sql.admin.migrations import reset_database

    _reachable(ctx, create=True)
    _confirm(
        ctx,
        args,
        "reset the database",
        f"This deletes every Pictallion table and row in {ctx.masked}.",
    )
    applied = reset_database(ctx.url, ctx.migrations, **_timeouts(args))
    ctx.emit(
        {"reset": True, "applied": applied},
        lambda: ctx.line(f"Reset {ctx.masked}: applied {', '.join(applied)}"),
    )
    return EXIT_OK


def cmd_create_migration(ctx: _Context, args: argparse.Namespace) -> int:
    """Write the paired migration files for both dialects."""
    from pictallion_sql.admin.migrations import create_migration

    message = " ".join(args.name)
    paths = create_migration(message, _migrations_root(args.migrations_root or ctx.migrations))
    data = {"id": paths[0].stem, "files": [str(p) for p in paths]}

    def human() -> None:
        ctx.line(f"Created migration {data['id']}:")
        for path in paths:
            ctx.line(f"  {path}")
        ctx.line("Fill in both dialects, and update sql/schema/<dialect>.sql to match.")

    ctx.emit(data, human)
    return EXIT_OK


def _migrations_root(folder: Path | None) -> Path | None:
    """The folder holding postgres/ and sqlite/, given it or one dialect's folder in it."""
    if folder is None or (folder / "postgres").is_dir() or (folder / "sqlite").is_dir():
        return folder
    if folder.name in ("postgres", "sqlite"):
        return folder.parent
    return folder


def cmd_status(ctx: _Context, args: argparse.Namespace) -> int:
    """Health, migrations and schema compatibility at a glance."""
    from pictallion_sql.admin.compatibility import check_compatibility
    from pictallion_sql.admin.manager import DatabaseManager
    from pictallion_sql.admin.migrations import migration_report

    health = asyncio.run(DatabaseManager(ctx.url).health_check())
    if health["status"] != "healthy":
        # Said once, as the command's error (with the health report in the JSON error).
        raise CommandError(
            health.get("error") or "the database is unreachable",
            EXIT_USAGE,
            data={"health": health},
        )
    report = migration_report(ctx.url, ctx.migrations)
    compat = check_compatibility(ctx.url, ctx.migrations)
    replicas = _replica_reports(ctx)

    def human() -> None:
        _print_health(ctx, health)
        _print_replicas(ctx, replicas)
        applied, pending = report["applied"], report["pending"]
        ctx.line(
            f"Migrations: {report['status'].lower()}: {len(applied)} applied, "
            f"{len(pending)} pending (head {report['head_revision']})"
        )
        for mid in applied:
            ctx.line(f"  applied  {mid}")
        for mid in pending:
            ctx.line(f"  pending  {mid}")
        _print_compat(ctx, compat)

    data: dict[str, Any] = {"health": health, "migrations": report, "compatibility": compat}
    if replicas:
        data["replicas"] = replicas
    ctx.emit(data, human)
    return EXIT_OK


def _replica_reports(ctx: _Context) -> list[dict[str, Any]]:
    """The read replicas of the database (``DATABASE_REPLICA_URLS``), each checked now."""
    if not ctx.settings.replica_urls:
        return []
    import msgspec

    from pictallion_sql.drivers.routing import check_replicas

    reports = asyncio.run(check_replicas(ctx.settings))
    return [msgspec.to_builtins(report) for report in reports]


def _print_replicas(ctx: _Context, replicas: list[dict[str, Any]]) -> None:
    for replica in replicas:
        if replica["lag_seconds"] is None:
            state = replica["status"] + (f": {replica['error']}" if replica["error"] else "")
        else:
            state = (
                f"{replica['status']}, lag {replica['lag_seconds']:.3f} s "
                f"({replica['lag_bytes']} bytes of WAL behind)"
            )
        ctx.line(f"Replica:    {replica['url']}: {state}")


def _print_health(ctx: _Context, health: Any) -> None:
    ctx.line(f"Database:   {health['url']}")
    if health["status"] == "healthy":
        engine = admin_backend(health["dialect"]).display_name
        ctx.line(
            f"Health:     healthy ({engine} {health['server_version']}, "
            f"round trip {health['latency_ms']} ms)"
        )
    else:
        ctx.line(f"Health:     unhealthy: {health.get('error', '')}")


def _print_compat(ctx: _Context, compat: Any) -> None:
    if compat["compatible"]:
        where = compat["expected_at"]
        ctx.line(f"Schema:     compatible{f' (as of {where})' if where else ''}")
    else:
        ctx.line(f"Schema:     {len(compat['issues'])} difference(s):")
        for issue in compat["issues"]:
            ctx.line(f"  {issue}")
    for warning in compat["warnings"]:
        ctx.line(f"warning: {warning}")


def cmd_check(ctx: _Context, args: argparse.Namespace) -> int:
    """Schema drift, pending and edited migrations, privilege drift; exit 1 if anything is off."""
    from pictallion_sql.admin.compatibility import check_compatibility

    _reachable(ctx)
    compat = check_compatibility(ctx.url, ctx.migrations)
    drift = _privilege_drift(ctx, args)
    ok = compat["ok"] and not drift

    def human() -> None:
        ctx.line(f"Database:   {compat['url']}")
        _print_compat(ctx, compat)
        for problem in drift:
            ctx.line(f"privilege drift: {problem}")
        if ok:
            ctx.line("OK: the schema matches the migrations, and none is pending or edited")
            return
        problems = []
        if not compat["compatible"]:
            problems.append("schema drift")
        if compat["pending"]:
            problems.append("pending migrations (run `pictallion-db migrate`)")
        if compat["changed"]:
            problems.append("migrations edited after they were applied")
        if drift:
            problems.append("privilege drift (run `pictallion-db roles`)")
        ctx.line("NOT OK: " + "; ".join(problems))

    ctx.emit({**compat, "ok": ok, "privilege_drift": drift}, human)
    return EXIT_OK if ok else EXIT_PROBLEM


def _role_names(args: argparse.Namespace) -> Any:
    from pictallion_sql.admin.postgres.roles import RoleNames

    default = RoleNames()
    return RoleNames(
        owner=getattr(args, "owner", None) or default.owner,
        app=getattr(args, "app", None) or default.app,
        readonly=getattr(args, "readonly", None) or default.readonly,
    )


def _privilege_drift(ctx: _Context, args: argparse.Namespace) -> list[str]:
    """On PostgreSQL, how privileges differ from the roles' plan ([] if roles are unused)."""
    if ctx.dialect != "postgres":
        return []
    from pictallion_sql.admin.postgres.connection import connect_postgres
    from pictallion_sql.admin.postgres.roles import privilege_drift

    with connect_postgres(ctx.url) as conn:
        return privilege_drift(conn, _role_names(args))


def cmd_roles(ctx: _Context, args: argparse.Namespace) -> int:
    """Create the owner, application and read-only roles, or grant to existing ones."""
    from pictallion_sql.admin.postgres.connection import connect_postgres
    from pictallion_sql.admin.postgres.roles import apply_plan, plan

    if ctx.dialect != "postgres":
        raise CommandError(
            "roles are a PostgreSQL feature: SQLite has no users (protect the database "
            "file with the file system's permissions instead)",
            EXIT_USAGE,
        )
    _reachable(ctx)
    names = _role_names(args)
    with connect_postgres(ctx.url) as conn:
        steps = plan(conn, names)
        statements = [step.as_string(conn) for step in steps]
        if not ctx.json:
            ctx.line(f"Database: {ctx.masked}")
            ctx.line(
                f"Roles: owner {names.owner}, application {names.app}, read-only {names.readonly}"
            )
            ctx.line("Plan:")
            for statement in statements:
                ctx.line(f"  {statement};")
        _confirm(ctx, args, "apply this plan", "These statements change roles and privileges.")
        apply_plan(conn, steps)

    def human() -> None:
        ctx.line(f"Done: {len(statements)} statement(s) applied in one transaction.")
        ctx.line(
            "Roles are created with LOGIN and no password: set one with "
            "ALTER ROLE ... PASSWORD, or use client certificates."
        )

    data = {"roles": msgspec.structs.asdict(names), "statements": statements, "applied": True}
    ctx.emit(data, human)
    return EXIT_OK


def cmd_stats(ctx: _Context, args: argparse.Namespace) -> int:
    """Row counts, tiers, processing states and size."""
    from pictallion_sql.admin.maintenance import get_database_stats

    _reachable(ctx)
    stats = asyncio.run(get_database_stats(ctx.url, estimated=args.estimated))

    def human() -> None:
        ctx.line(f"Database: {stats['database_url']} ({_size(stats['size_bytes'])})")
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


def _size(n: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"


def cmd_maintenance(ctx: _Context, args: argparse.Namespace) -> int:
    """VACUUM, then ANALYZE."""
    from pictallion_sql.admin.maintenance import analyze_database, vacuum_database

    _reachable(ctx)

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


def cmd_integrity(ctx: _Context, args: argparse.Namespace) -> int:
    """Integrity checks; exit 1 if any fails."""
    from pictallion_sql.admin.maintenance import check_database_integrity

    _reachable(ctx)
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


def cmd_backup(ctx: _Context, args: argparse.Namespace) -> int:
    """Write a consistent backup file (or, with --to, a backup into a set)."""
    from pictallion_sql.admin.maintenance import backup_database

    _reachable(ctx)
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
            f"Backed up {ctx.masked} to {result['path']} ({_size(result['size_bytes'])}, "
            f"{result['seconds']:.2f} s)"
        ),
    )
    return EXIT_OK


def cmd_restore(ctx: _Context, args: argparse.Namespace) -> int:
    """Replace the database with a backup, after checking it."""
    from pictallion_sql.admin.maintenance import restore_database

    _reachable(ctx, create=True)
    if not Path(args.path).expanduser().is_file():
        raise CommandError(f"no backup file at {args.path}", EXIT_USAGE)
    _confirm(
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


def _json_option(text: str | None, option: str) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise CommandError(f"{option} is not valid JSON: {exc}", EXIT_USAGE) from None


def _selections(args: argparse.Namespace) -> list[Any]:
    """The statements the selector options name (exactly one selector must be given)."""
    from pictallion_sql.admin import sqlview

    chosen = [
        option
        for option, value in (
            ("NAME", args.query_name),
            ("--search", args.search),
            ("--smart-rule", args.smart_rule),
            ("--insert", args.insert),
            ("--update", args.update),
        )
        if value is not None
    ]
    if len(chosen) != 1:
        raise CommandError(
            "give one of NAME, --search, --smart-rule, --insert TABLE or --update TABLE"
            + (f" (got {', '.join(chosen)})" if chosen else ""),
            EXIT_USAGE,
        )
    if (args.insert or args.update) is None and args.columns is not None:
        raise CommandError("--columns goes with --insert or --update", EXIT_USAGE)
    if args.search is None and args.sort is not None:
        raise CommandError("--sort goes with --search", EXIT_USAGE)
    try:
        if args.query_name is not None:
            return [sqlview.named(args.query_name)]
        if args.search is not None:
            return [
                sqlview.search(
                    _json_option(args.search, "--search"),
                    _json_option(args.sort, "--sort"),
                    limit=args.limit,
                    skip=args.skip,
                )
            ]
        if args.smart_rule is not None:
            return sqlview.smart_rules(_json_option(args.smart_rule, "--smart-rule"))
        columns = [c.strip() for c in (args.columns or "").split(",") if c.strip()]
        if args.insert is not None:
            return [sqlview.insert(args.insert, columns)]
        return [sqlview.update(args.update, columns)]
    except ValidationError as exc:
        raise CommandError(str(exc), EXIT_USAGE) from None


def cmd_sql(ctx: _Context, args: argparse.Namespace) -> int:
    """Print the SQL of a named query, or of a search, smart rule, insert or update shape."""
    from pictallion_sql.admin import sqlview

    dialect: Dialect = args.dialect or ctx.dialect
    selections = _selections(args)

    def human() -> None:
        texts = [sqlview.render(s, dialect, reindent=args.reindent) for s in selections]
        ctx.out.write("\n\n".join(texts) + "\n")

    ctx.emit({"statements": [sqlview.to_json(s, dialect) for s in selections]}, human)
    return EXIT_OK


def cmd_explain(ctx: _Context, args: argparse.Namespace) -> int:
    """EXPLAIN (not ANALYZE: nothing runs) the selected statement on the database."""
    from pictallion_sql.admin import sqlview

    selections = _selections(args)
    values = _json_option(args.params, "--params") or {}
    if not isinstance(values, dict):
        raise CommandError("--params must be a JSON object of parameter values", EXIT_USAGE)
    _reachable(ctx)

    async def plans() -> list[Any]:
        return [await sqlview.explain(ctx.url, s, values) for s in selections]

    try:
        found = asyncio.run(plans())
    except ValidationError as exc:
        raise CommandError(str(exc), EXIT_USAGE) from None

    def human() -> None:
        for selection, plan in zip(selections, found, strict=True):
            ctx.line(sqlview.render(selection, ctx.dialect))
            ctx.line(f"-- plan on {ctx.masked}:")
            ctx.line(sqlview.render_plan(plan, ctx.dialect))
            ctx.line()

    ctx.emit(
        {
            "database": ctx.masked,
            "statements": [
                {**sqlview.to_json(s, ctx.dialect), "plan": msgspec.to_builtins(plan)}
                for s, plan in zip(selections, found, strict=True)
            ],
        },
        human,
    )
    return EXIT_OK


def cmd_copy(ctx: _Context, args: argparse.Namespace) -> int:
    """Copy a whole library into an empty database, then verify it."""
    from pictallion_sql.admin.copy import copy_library

    source = _Context(argparse.Namespace(database_url=args.source, json=ctx.json))
    target = _Context(argparse.Namespace(database_url=args.target, json=ctx.json))
    _reachable(source)
    _reachable(target, create=True)
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


# --- the parser -------------------------------------------------------------------------


def cmd_top(ctx: _Context, args: argparse.Namespace) -> int:
    """The named queries by total time: pg_stat_statements, or in-process on SQLite."""
    from pictallion_sql.admin.top import top_from_metrics, top_from_server
    from pictallion_sql.monitoring.metrics import QueryMetrics

    _reachable(ctx)
    if ctx.dialect == "postgres":
        top = top_from_server(ctx.url, args.limit)
        source = "pg_stat_statements (every process, since its last reset)"
    else:
        # SQLite keeps no statement statistics; a process knows only its own statements.
        top = top_from_metrics(QueryMetrics(), args.limit)
        source = (
            "in-process metrics: SQLite keeps no statement statistics, so only the process "
            "that ran the statements has them; call pictallion_sql.admin.top.top_queries(db) "
            "there, or export them with pictallion_sql.monitoring.prometheus"
        )
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


_COMMANDS: dict[str, tuple[Callable[[_Context, argparse.Namespace], int], str]] = {
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


def _selector_options(cmd: argparse.ArgumentParser, *, explain: bool) -> None:
    """What ``sql`` and ``explain`` select: a named query or a shape built at run time."""
    cmd.add_argument(
        "query_name", nargs="?", metavar="NAME", help="a named query, e.g. file_versions.get"
    )
    cmd.add_argument(
        "--search",
        metavar="JSON",
        help='photo search filters, e.g. \'{"keywords": ["beach"], "rating_min": 4}\'',
    )
    cmd.add_argument("--sort", metavar="JSON", help='with --search, e.g. \'{"field": "rating"}\'')
    cmd.add_argument("--limit", type=int, default=50, help="with --search (default 50)")
    cmd.add_argument("--skip", type=int, default=0, help="with --search (default 0)")
    cmd.add_argument(
        "--smart-rule",
        metavar="JSON",
        help="a smart collection's rules: the {rules, operator} object or the weighted list",
    )
    cmd.add_argument("--insert", metavar="TABLE", help="the INSERT of crud.<table>.create")
    cmd.add_argument("--update", metavar="TABLE", help="the UPDATE of crud.<table>.update")
    cmd.add_argument(
        "--columns",
        metavar="A,B",
        help="with --insert/--update: the fields given, comma-separated",
    )
    if explain:
        cmd.add_argument(
            "--params",
            metavar="JSON",
            help="parameter values by name; parameters not given are NULL (search and "
            "smart-rule values come from their JSON)",
        )
    else:
        cmd.add_argument(
            "--reindent",
            action="store_true",
            help="lay the SQL out on several lines (whitespace only; --json keeps it as sent)",
        )
        cmd.add_argument(
            "--dialect",
            choices=("postgres", "sqlite"),
            help="the dialect to print (default: that of the configured database)",
        )


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
            _selector_options(cmd, explain=name == "explain")
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
        ctx = _Context(args)
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
