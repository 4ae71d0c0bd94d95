"""What every ``pictallion-db`` command shares: its context, exit codes, errors, checks."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

import msgspec

from pictallion_sql import config
from pictallion_sql.admin.backends import admin_backend
from pictallion_sql.config import Dialect, Settings, mask_secrets, mask_url
from pictallion_sql.errors import ConfigurationError, DatabaseError

__all__ = [
    "EXIT_OK",
    "EXIT_PROBLEM",
    "EXIT_USAGE",
    "CommandError",
    "Context",
    "confirm",
    "json_option",
    "reachable",
    "size_text",
]

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


class Context:
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

    def go_direct(self, command: str) -> None:
        """Run on PostgreSQL directly: behind a transaction pooler, on ``DATABASE_ADMIN_URL``
        (a ``ConfigurationError`` without one); otherwise where the command was pointed."""
        direct = self.settings.direct_url(f"`pictallion-db {command}`")
        if direct != self.url:
            self.settings = msgspec.structs.replace(
                self.settings, database_url=direct, db_type=None, pooler=None, replica_urls=()
            )
            self.url = direct
            self.dialect = _dialect_of(self.settings, from_option=True)

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


def reachable(ctx: Context, *, create: bool = False) -> None:
    """Fail with exit 2 unless the database can be reached (or, with ``create``, created)."""
    try:
        created = admin_backend(ctx.dialect).reach(ctx.settings, create=create)
    except (ConfigurationError, DatabaseError) as exc:
        raise CommandError(str(exc), EXIT_USAGE) from None
    if created is not None and not ctx.json:
        ctx.line(f"Created database {created}")


def confirm(ctx: Context, args: argparse.Namespace, action: str, warning: str) -> None:
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


def size_text(n: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"


def json_option(text: str | None, option: str) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise CommandError(f"{option} is not valid JSON: {exc}", EXIT_USAGE) from None
