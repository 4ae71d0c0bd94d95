"""Durable, private files: written under a temporary name, flushed, renamed in one step."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["create_private_file", "fsync_dir", "fsync_file", "publish"]


def create_private_file(folder: Path, prefix: str) -> Path:
    """A new empty file in ``folder`` readable and writable by the owner only (0600)."""
    folder.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=folder)
    os.fchmod(fd, 0o600)
    os.close(fd)
    return Path(name)


def fsync_file(path: Path) -> None:
    """Flush ``path``'s data to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(folder: Path) -> None:
    """Flush a folder's entries (a rename in it) to disk, where the platform allows."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def publish(tmp: Path, final: Path) -> None:
    """Make ``tmp`` durable, then rename it to ``final`` in one step (same folder)."""
    fsync_file(tmp)
    os.chmod(tmp, 0o600)
    os.replace(tmp, final)
    fsync_dir(final.parent)
