"""Queries on ``file_versions``."""

from __future__ import annotations

from ..models import FileVersion, InsertFileVersion, UpdateFileVersion
from ._base import Repository

__all__ = ["FileVersionRepository", "file_version"]


class FileVersionRepository(Repository[FileVersion, InsertFileVersion, UpdateFileVersion]):
    """``file_versions`` rows."""

    def __init__(self) -> None:
        super().__init__(FileVersion, InsertFileVersion, UpdateFileVersion)


file_version = FileVersionRepository()
