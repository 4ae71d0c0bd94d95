"""The PostgreSQL client tools (pg_dump, pg_restore): finding them, and their environment."""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
from pathlib import Path

import psycopg
from psycopg.conninfo import conninfo_to_dict

from pictallion_sql.admin.common import scrub
from pictallion_sql.config import Settings
from pictallion_sql.errors import ConfigurationError, DatabaseError

__all__ = ["find_pg_tool", "libpq_environment"]

_VERSION_RE = re.compile(r"\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?")
_TOOL_VERSIONS: dict[str, int | None] = {}

# URL query options libpq also reads from the environment.
_LIBPQ_ENV = {
    "host": "PGHOST",
    "hostaddr": "PGHOSTADDR",
    "port": "PGPORT",
    "dbname": "PGDATABASE",
    "user": "PGUSER",
    "password": "PGPASSWORD",
    "passfile": "PGPASSFILE",
    "service": "PGSERVICE",
    "options": "PGOPTIONS",
    "application_name": "PGAPPNAME",
    "sslmode": "PGSSLMODE",
    "sslcompression": "PGSSLCOMPRESSION",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcrl": "PGSSLCRL",
    "sslcrldir": "PGSSLCRLDIR",
    "sslsni": "PGSSLSNI",
    "requirepeer": "PGREQUIREPEER",
    "ssl_min_protocol_version": "PGSSLMINPROTOCOLVERSION",
    "ssl_max_protocol_version": "PGSSLMAXPROTOCOLVERSION",
    "gssencmode": "PGGSSENCMODE",
    "krbsrvname": "PGKRBSRVNAME",
    "gsslib": "PGGSSLIB",
    "channel_binding": "PGCHANNELBINDING",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "client_encoding": "PGCLIENTENCODING",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
    "load_balance_hosts": "PGLOADBALANCEHOSTS",
}


def libpq_environment(database_url: str) -> dict[str, str]:
    """The environment for pg_dump / pg_restore: every connection setting as a PG* variable.

    Nothing goes on the command line, where other users could read it: the password
    travels in ``PGPASSWORD``, TLS options in ``PGSSLMODE``, ``PGSSLROOTCERT``...
    """
    settings = Settings(database_url=database_url)
    try:
        params = conninfo_to_dict(settings.postgres_dsn)
    except psycopg.Error as exc:
        raise ConfigurationError(
            f"DATABASE_URL is not a valid PostgreSQL URL: {settings.masked_url}: "
            f"{scrub(exc, database_url)}"
        ) from None
    env = dict(os.environ)
    for key, value in params.items():
        if value is None:
            continue
        name = _LIBPQ_ENV.get(key)
        if name is None:
            raise ConfigurationError(
                f"DATABASE_URL option {key!r} cannot be passed to the PostgreSQL client tools"
            )
        env[name] = str(value)
    return env


def _tool_major(path: Path) -> int | None:
    key = str(path)
    if key not in _TOOL_VERSIONS:
        try:
            out = subprocess.run(
                [key, "--version"], capture_output=True, text=True, timeout=30, check=False
            ).stdout
        except OSError:
            out = ""
        match = _VERSION_RE.search(out)
        _TOOL_VERSIONS[key] = int(match.group(1)) if match else None
    return _TOOL_VERSIONS[key]


def find_pg_tool(name: str, server_major: int) -> Path:
    """``pg_dump`` or ``pg_restore``: the newest found that is not older than the server.

    Looks in ``$PG_BINDIR``, on ``PATH``, then beside the server binaries
    (``/usr/lib/postgresql/<major>/bin``, ``/usr/pgsql-<major>/bin``, ``/usr/local/pgsql/bin``).
    """
    candidates: list[Path] = []
    if os.environ.get("PG_BINDIR"):
        candidates.append(Path(os.environ["PG_BINDIR"]) / name)
    on_path = shutil.which(name)
    if on_path:
        candidates.append(Path(on_path))
    for pattern in ("/usr/lib/postgresql/*/bin", "/usr/pgsql-*/bin", "/usr/local/pgsql*/bin"):
        candidates += [Path(folder) / name for folder in sorted(glob.glob(pattern))]
    found: list[tuple[int, Path]] = []
    seen: set[str] = set()
    for candidate in candidates:
        if str(candidate) in seen or not os.access(candidate, os.X_OK):
            continue
        seen.add(str(candidate))
        major = _tool_major(candidate)
        if major is not None:
            found.append((major, candidate))
    usable = sorted((f for f in found if f[0] >= server_major), key=lambda f: -f[0])
    if usable:
        return usable[0][1]
    if not found:
        raise DatabaseError(
            f"{name} not found (looked in $PG_BINDIR, on PATH and in /usr/lib/postgresql/*/bin); "
            f"install the PostgreSQL {server_major} client tools"
        )
    versions = ", ".join(f"{p} ({m})" for m, p in found)
    raise DatabaseError(
        f"{name} {server_major} or newer is needed for this PostgreSQL {server_major} server; "
        f"found only {versions}"
    )
