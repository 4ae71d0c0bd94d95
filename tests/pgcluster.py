"""A throwaway PostgreSQL cluster for the test suite, started from the server binaries."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg


def find_server_bindir() -> Path:
    """The directory holding initdb and pg_ctl: $PG_BINDIR, PATH, or the Debian layout."""
    candidates: list[str] = []
    if os.environ.get("PG_BINDIR"):
        candidates.append(os.environ["PG_BINDIR"])
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(str(Path(on_path).parent))
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    candidates += sorted(glob.glob("/usr/local/pgsql*/bin"), reverse=True)
    for candidate in candidates:
        if (Path(candidate) / "initdb").exists() and (Path(candidate) / "pg_ctl").exists():
            return Path(candidate)
    raise RuntimeError(
        "PostgreSQL server binaries (initdb, pg_ctl) not found; install PostgreSQL 15 "
        "or set PICTALLION_TEST_POSTGRES_URL"
    )


def unprivileged(root: Path) -> dict[str, str]:
    """The subprocess options that run a server as an unprivileged user when we are root.

    PostgreSQL and pgbouncer refuse to run as root: the folder ``root`` is handed to
    ``nobody`` then.
    """
    if os.geteuid() != 0:
        return {}
    os.chmod(root, 0o700)
    shutil.chown(root, "nobody", "nogroup")
    return {"user": "nobody", "group": "nogroup"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# Admin URL -> (pg_ctl command prefix, subprocess options) of the clusters started here.
_CLUSTERS: dict[str, tuple[list[str], dict[str, object]]] = {}


def restart_cluster(admin_url: str) -> None:
    """Restart a cluster started by ``throwaway_cluster`` (fast shutdown: sessions are cut)."""
    command, options = _CLUSTERS[admin_url]
    subprocess.run([*command, "-m", "fast", "-w", "-t", "60", "restart"], check=True, **options)  # type: ignore[call-overload]


@contextmanager
def throwaway_cluster(*server_options: str) -> Iterator[str]:
    """Start a private cluster in a temporary folder; yield its admin URL; remove it after.

    ``server_options`` are extra ``-c name=value`` settings, such as
    ``"shared_preload_libraries=pg_stat_statements"``.
    """
    bindir = find_server_bindir()
    root = Path(tempfile.mkdtemp(prefix="pictallion-pg-"))
    run_as = unprivileged(root)
    data = root / "data"
    port = free_port()
    log = root / "server.log"
    try:
        subprocess.run(
            [
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ],
            check=True,
            capture_output=True,
            cwd=root,
            **run_as,  # type: ignore[call-overload]
        )
        options = (
            f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
            + "".join(f" -c {option}" for option in server_options)
        )
        subprocess.run(
            [
                str(bindir / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(log),
                "-o",
                options,
                "-w",
                "-t",
                "60",
                "start",
            ],
            check=True,
            capture_output=True,
            cwd=root,
            **run_as,  # type: ignore[call-overload]
        )
        url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
        _CLUSTERS[url] = (
            [str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options],
            {"capture_output": True, "cwd": root, **run_as},
        )
        yield url
    finally:
        _CLUSTERS.pop(f"postgresql://postgres@127.0.0.1:{port}/postgres", None)
        _remove(bindir, data, run_as)


def _remove(bindir: Path, data: Path, run_as: dict[str, str]) -> None:
    """Stop the server of ``data`` at once if it runs, and remove its folder."""
    root = data.parent
    if (data / "postmaster.pid").exists():
        subprocess.run(
            [str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
            capture_output=True,
            cwd=root,
            **run_as,  # type: ignore[call-overload]
        )
    shutil.rmtree(root, ignore_errors=True)


@contextmanager
def hot_standby(primary_url: str) -> Iterator[str]:
    """A read-only hot standby of a cluster started by ``throwaway_cluster``; its admin URL."""
    command, _ = _CLUSTERS[primary_url]
    bindir = Path(command[0]).parent
    basebackup = bindir / "pg_basebackup"
    if not basebackup.exists():
        found = shutil.which("pg_basebackup") or max(
            glob.glob("/usr/lib/postgresql/*/bin/pg_basebackup"), default="pg_basebackup"
        )
        basebackup = Path(found)
    primary = urlsplit(primary_url)
    root = Path(tempfile.mkdtemp(prefix="pictallion-standby-"))
    run_as = unprivileged(root)
    data = root / "data"
    port = free_port()
    common: dict[str, Any] = {"check": True, "capture_output": True, "cwd": root, **run_as}
    settings = "-c listen_addresses=127.0.0.1 -c hot_standby=on -c max_connections=200"
    try:
        subprocess.run(
            [
                str(basebackup),
                "-D", str(data), "-h", "127.0.0.1", "-p", str(primary.port),
                "-U", "postgres", "-R", "-X", "stream", "--no-sync", "--checkpoint=fast",
            ],
            **common,
        )  # fmt: skip
        subprocess.run(
            [
                str(bindir / "pg_ctl"), "-D", str(data), "-l", str(root / "server.log"),
                "-o", f"-p {port} -k {root} {settings}",
                "-w", "-t", "60", "start",
            ],
            **common,
        )  # fmt: skip
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        _remove(bindir, data, run_as)


def wait_until_ready(admin_url: str, timeout: float = 30.0, interval: float = 0.2) -> None:
    """Block until the server (or the database ``admin_url`` names) accepts connections."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with psycopg.connect(admin_url, autocommit=True, connect_timeout=3) as conn:
                conn.execute("SELECT 1")
                return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(interval)


@contextmanager
def server(given: str | None) -> Iterator[str]:
    """An admin URL of a server where databases may be created: ``given`` once it accepts
    connections, or else a throwaway cluster's, removed afterwards."""
    if given:
        wait_until_ready(given)
        yield given
        return
    with throwaway_cluster() as url:
        wait_until_ready(url)
        yield url


def database_url(admin_url: str, name: str) -> str:
    """``admin_url`` pointing at database ``name`` instead."""
    parts = urlsplit(admin_url)
    return urlunsplit(parts._replace(path="/" + name))


def create_database(admin_url: str, template: str | None = None) -> str:
    """Create a new uniquely named database and return its URL."""
    name = f"pt_{uuid.uuid4().hex[:16]}"
    clause = f" TEMPLATE {template}" if template else ""
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}{clause}")
    return database_url(admin_url, name)


def drop_database(admin_url: str, url: str) -> None:
    """Drop the database named by ``url``, disconnecting anyone still on it."""
    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
