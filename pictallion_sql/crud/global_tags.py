"""Queries on ``global_tag_library``."""

from __future__ import annotations

from ..models import GlobalTag, InsertGlobalTag, UpdateGlobalTag
from ._base import Repository

__all__ = ["GlobalTagRepository", "global_tag"]


class GlobalTagRepository(Repository[GlobalTag, InsertGlobalTag, UpdateGlobalTag]):
    """``global_tag_library`` rows."""

    def __init__(self) -> None:
        super().__init__(GlobalTag, InsertGlobalTag, UpdateGlobalTag)


global_tag = GlobalTagRepository()
