"""pgbouncer for the topology tests: started from the installed binary, removed afterwards."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.pgcluster import free_port, unprivileged

# Debian installs it outside an unprivileged PATH.
_PGBOUNCER_PATHS = ("/usr/sbin/pgbouncer", "/usr/bin/pgbouncer", "/usr/local/bin/pgbouncer")


def find_pgbouncer() -> str:
    """The pgbouncer binary; in CI its absence fails the test, elsewhere it skips it."""
    found = shutil.which("pgbouncer") or next(
        (path for path in _PGBOUNCER_PATHS if os.access(path, os.X_OK)), None
    )
    if found is not None:
        return found
    message = "pgbouncer is not installed (Debian: apt-get install pgbouncer)"
    if os.environ.get("CI"):
        pytest.fail(message + "; CI must run the pgbouncer tests", pytrace=False)
    pytest.skip(message + "; CI installs it and runs these tests")


def _wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 15
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                output = log.read_text() if log.exists() else ""
                raise RuntimeError(f"pgbouncer did not start:\n{output}") from None
            time.sleep(0.05)


@contextmanager
def pgbouncer(
    server_url: str,
    *,
    pool_mode: str = "transaction",
    pool_size: int = 3,
    query_wait_timeout: int = 30,
) -> Iterator[str]:
    """A pgbouncer in front of the server at ``server_url`` (every database name passes
    through); yields ``server_url`` pointing at pgbouncer instead."""
    binary = find_pgbouncer()
    server = urlsplit(server_url)
    root = Path(tempfile.mkdtemp(prefix="pictallion-pgbouncer-"))
    run_as = unprivileged(root)
    port = free_port()
    user = server.username or "postgres"
    (root / "users.txt").write_text(f'"{user}" ""\n')
    (root / "pgbouncer.ini").write_text(
        "\n".join(
            [
                "[databases]",
                f"* = host={server.hostname} port={server.port or 5432}",
                "[pgbouncer]",
                "listen_addr = 127.0.0.1",
                f"listen_port = {port}",
                "unix_socket_dir =",
                "auth_type = trust",
                f"auth_file = {root / 'users.txt'}",
                f"pool_mode = {pool_mode}",
                f"default_pool_size = {pool_size}",
                "min_pool_size = 0",
                "reserve_pool_size = 0",
                "max_client_conn = 500",
                f"query_wait_timeout = {query_wait_timeout}",
                "server_reset_query =",
                f"logfile = {root / 'pgbouncer.log'}",
                f"pidfile = {root / 'pgbouncer.pid'}",
                "",
            ]
        )
    )
    if run_as:
        for path in root.iterdir():
            shutil.chown(path, "nobody", "nogroup")
    process = subprocess.Popen(
        [binary, "-q", str(root / "pgbouncer.ini")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=root,
        **run_as,  # type: ignore[call-overload]
    )
    try:
        _wait_for_port(port, process, root / "pgbouncer.log")
        yield urlunsplit(server._replace(netloc=f"{user}@127.0.0.1:{port}"))
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(root, ignore_errors=True)
