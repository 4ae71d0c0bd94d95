"""Queries on ``collection_photos``."""

from __future__ import annotations

from ..models import CollectionPhoto, InsertCollectionPhoto, UpdateCollectionPhoto
from ._base import Repository

__all__ = ["CollectionPhotoRepository", "collection_photo"]


class CollectionPhotoRepository(
    Repository[CollectionPhoto, InsertCollectionPhoto, UpdateCollectionPhoto]
):
    """``collection_photos`` rows."""

    def __init__(self) -> None:
        super().__init__(CollectionPhoto, InsertCollectionPhoto, UpdateCollectionPhoto)


collection_photo = CollectionPhotoRepository()
