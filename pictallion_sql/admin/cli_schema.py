"""``pictallion-db`` commands on the schema: init, migrate, rollback, reset, create-migration,
status, check and roles."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import Any

import msgspec

from pictallion_sql.admin.backends import admin_backend
from pictallion_sql.admin.cli_common import (
    EXIT_OK,
    EXIT_PROBLEM,
    EXIT_USAGE,
    CommandError,
    Context,
    confirm,
    reachable,
)
from pictallion_sql.errors import ConfigurationError

__all__ = [
    "cmd_check",
    "cmd_create_migration",
    "cmd_init",
    "cmd_migrate",
    "cmd_reset",
    "cmd_roles",
    "cmd_rollback",
    "cmd_status",
]


def cmd_init(ctx: Context, args: argparse.Namespace) -> int:
    """Create the database if needed and apply every migration (adopting old databases)."""
    from pictallion_sql.admin.migrations import upgrade

    reachable(ctx, create=True)
    result = upgrade(ctx.url, ctx.migrations, **_timeouts(args))
    ctx.emit(result, lambda: _print_upgrade(ctx, result, initialized=True))
    return EXIT_OK


def cmd_migrate(ctx: Context, args: argparse.Namespace) -> int:
    """Apply pending migrations."""
    from pictallion_sql.admin.migrations import upgrade

    reachable(ctx, create=True)
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


def _print_upgrade(ctx: Context, result: Any, *, initialized: bool) -> None:
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


def cmd_rollback(ctx: Context, args: argparse.Namespace) -> int:
    """Roll back the latest applied migration."""
    from pictallion_sql.admin.migrations import migration_report, rollback_last

    reachable(ctx)
    report = migration_report(ctx.url, ctx.migrations)
    current = report["current_revision"]
    if current is None:
        ctx.emit({"rolled_back": None}, lambda: ctx.line("Nothing to roll back"))
        return EXIT_OK
    if report["applied"] and current == report["applied"][0]:
        confirm(
            ctx,
            args,
            f"roll back {current}",
            f"Rolling back {current} drops every Pictallion table in {ctx.masked}.",
        )
    rolled = rollback_last(ctx.url, ctx.migrations, **_timeouts(args))
    ctx.emit({"rolled_back": rolled}, lambda: ctx.line(f"Rolled back {rolled}"))
    return EXIT_OK


def cmd_reset(ctx: Context, args: argparse.Namespace) -> int:
    """Drop everything and apply every migration again."""
    from pictallion_sql.admin.migrations import reset_database

    reachable(ctx, create=True)
    confirm(
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


def cmd_create_migration(ctx: Context, args: argparse.Namespace) -> int:
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


def cmd_status(ctx: Context, args: argparse.Namespace) -> int:
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


def _replica_reports(ctx: Context) -> list[dict[str, Any]]:
    """The read replicas of the database (``DATABASE_REPLICA_URLS``), each checked now."""
    if not ctx.settings.replica_urls:
        return []
    import msgspec

    from pictallion_sql.drivers.routing import check_replicas

    reports = asyncio.run(check_replicas(ctx.settings))
    return [msgspec.to_builtins(report) for report in reports]


def _print_replicas(ctx: Context, replicas: list[dict[str, Any]]) -> None:
    for replica in replicas:
        if replica["lag_seconds"] is None:
            state = replica["status"] + (f": {replica['error']}" if replica["error"] else "")
        else:
            state = (
                f"{replica['status']}, lag {replica['lag_seconds']:.3f} s "
                f"({replica['lag_bytes']} bytes of WAL behind)"
            )
        ctx.line(f"Replica:    {replica['url']}: {state}")


def _print_health(ctx: Context, health: Any) -> None:
    ctx.line(f"Database:   {health['url']}")
    if health["status"] == "healthy":
        engine = admin_backend(health["dialect"]).display_name
        ctx.line(
            f"Health:     healthy ({engine} {health['server_version']}, "
            f"round trip {health['latency_ms']} ms)"
        )
    else:
        ctx.line(f"Health:     unhealthy: {health.get('error', '')}")


def _print_compat(ctx: Context, compat: Any) -> None:
    if compat["compatible"]:
        where = compat["expected_at"]
        ctx.line(f"Schema:     compatible{f' (as of {where})' if where else ''}")
    else:
        ctx.line(f"Schema:     {len(compat['issues'])} difference(s):")
        for issue in compat["issues"]:
            ctx.line(f"  {issue}")
    for warning in compat["warnings"]:
        ctx.line(f"warning: {warning}")


def cmd_check(ctx: Context, args: argparse.Namespace) -> int:
    """Schema drift, pending and edited migrations, privilege drift; exit 1 if anything is off."""
    from pictallion_sql.admin.compatibility import check_compatibility

    reachable(ctx)
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


def _privilege_drift(ctx: Context, args: argparse.Namespace) -> list[str]:
    """How privileges differ from the roles' plan ([] if roles are unused, or on SQLite)."""
    return admin_backend(ctx.dialect).privilege_drift(ctx.settings, _role_names(args))


def cmd_roles(ctx: Context, args: argparse.Namespace) -> int:
    """Create the owner, application and read-only roles, or grant to existing ones."""
    from pictallion_sql.admin.postgres.connection import connect_postgres
    from pictallion_sql.admin.postgres.roles import apply_plan, plan

    try:
        admin_backend(ctx.dialect).refuse_roles()
    except ConfigurationError as exc:
        raise CommandError(str(exc), EXIT_USAGE) from None
    reachable(ctx)
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
        confirm(ctx, args, "apply this plan", "These statements change roles and privileges.")
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
