"""Queries on ``collections``."""

from __future__ import annotations

from ..models import Collection, InsertCollection, UpdateCollection
from ._base import Repository

__all__ = ["CollectionRepository", "collection"]


class CollectionRepository(Repository[Collection, InsertCollection, UpdateCollection]):
    """``collections`` rows."""

    def __init__(self) -> None:
        super().__init__(Collection, InsertCollection, UpdateCollection)


collection = CollectionRepository()
