"""``pictallion-db sql`` and ``explain``: the SQL of a named query or of a shape built at
run time, and its plan on the database."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

import msgspec

from pictallion_sql.admin.cli_common import (
    EXIT_OK,
    EXIT_USAGE,
    CommandError,
    Context,
    json_option,
    reachable,
)
from pictallion_sql.config import Dialect
from pictallion_sql.errors import ValidationError

__all__ = ["add_selector_options", "cmd_explain", "cmd_sql"]


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
    if args.search is None and (args.sort is not None or args.exact_total):
        raise CommandError("--sort and --exact-total go with --search", EXIT_USAGE)
    try:
        if args.query_name is not None:
            return [sqlview.named(args.query_name)]
        if args.search is not None:
            return [
                sqlview.search(
                    json_option(args.search, "--search"),
                    json_option(args.sort, "--sort"),
                    limit=args.limit,
                    skip=args.skip,
                    exact_total=args.exact_total,
                )
            ]
        if args.smart_rule is not None:
            return sqlview.smart_rules(json_option(args.smart_rule, "--smart-rule"))
        columns = [c.strip() for c in (args.columns or "").split(",") if c.strip()]
        if args.insert is not None:
            return [sqlview.insert(args.insert, columns)]
        return [sqlview.update(args.update, columns)]
    except ValidationError as exc:
        raise CommandError(str(exc), EXIT_USAGE) from None


def cmd_sql(ctx: Context, args: argparse.Namespace) -> int:
    """Print the SQL of a named query, or of a search, smart rule, insert or update shape."""
    from pictallion_sql.admin import sqlview

    dialect: Dialect = args.dialect or ctx.dialect
    selections = _selections(args)

    def human() -> None:
        texts = [sqlview.render(s, dialect, reindent=args.reindent) for s in selections]
        ctx.out.write("\n\n".join(texts) + "\n")

    ctx.emit({"statements": [sqlview.to_json(s, dialect) for s in selections]}, human)
    return EXIT_OK


def cmd_explain(ctx: Context, args: argparse.Namespace) -> int:
    """EXPLAIN (not ANALYZE: nothing runs) the selected statement on the database."""
    from pictallion_sql.admin import sqlview

    selections = _selections(args)
    values = json_option(args.params, "--params") or {}
    if not isinstance(values, dict):
        raise CommandError("--params must be a JSON object of parameter values", EXIT_USAGE)
    reachable(ctx)

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


def add_selector_options(cmd: argparse.ArgumentParser, *, explain: bool) -> None:
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
        "--exact-total",
        action="store_true",
        help="with --search: the statement that counts every match (exact_total=True)",
    )
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
