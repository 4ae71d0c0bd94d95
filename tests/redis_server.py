"""A throwaway redis-server on a loopback port, in a temporary folder, for the cache tests.

The server is the installed Debian binary (``redis-server``; ``.ci/run`` installs it).
Without it the tests fail in CI and are skipped, saying why, on a machine where ``CI``
is unset.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from tests.pgcluster import free_port


def redis_binary() -> str:
    """The redis-server executable; fails (CI) or skips (elsewhere) when missing."""
    found = shutil.which("redis-server") or (
        "/usr/bin/redis-server" if os.access("/usr/bin/redis-server", os.X_OK) else None
    )
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is not installed; .ci/run installs the redis-server package")
        pytest.skip("redis-server is not installed (apt-get install redis-server); CI runs these")
    return found


class RedisServer:
    """One redis-server process; ``stop()`` and ``start()`` keep its port."""

    def __init__(self) -> None:
        self.binary = redis_binary()
        self.folder = Path(tempfile.mkdtemp(prefix="pictallion-redis-"))
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.folder),
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
                "--logfile",
                str(self.folder / "redis.log"),
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                log = (self.folder / "redis.log").read_text(errors="replace")
                raise RuntimeError(f"redis-server exited: {log[-500:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("redis-server did not answer within 15 s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=15)
        self.process = None

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)
