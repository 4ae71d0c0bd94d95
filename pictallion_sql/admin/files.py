"""Durable, private files: written under a temporary name, flushed, renamed in one step."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

__all__ = [
    "create_private_file",
    "fsync_dir",
    "fsync_file",
    "publish",
    "read_manifest_file",
    "write_json",
]


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


def write_json(target: Path, data: Any) -> None:
    """``data`` as indented JSON in ``target``, private and durable; all of it or nothing."""
    tmp = create_private_file(target.parent, f".{target.name}.")
    try:
        tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        publish(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def read_manifest_file(
    path: Path, *, of: Path, fmt: int, error: type[Exception], kind: str, missing: str = ""
) -> Any:
    """The manifest in ``path`` of the file ``of``, when its ``format`` is ``fmt``; else
    ``error`` saying what is wrong (``missing`` ends the message of a missing manifest)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise error(f"{of} has no manifest ({path.name}){missing}") from None
    except (OSError, ValueError) as exc:
        raise error(f"cannot read the manifest {path}: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != fmt:
        raise error(f"{path} is not {kind} manifest this version reads")
    return data
