"""Queries on ``faces``."""

from __future__ import annotations

from ..models import Face, InsertFace, UpdateFace
from ._base import Repository

__all__ = ["FaceRepository", "face"]


class FaceRepository(Repository[Face, InsertFace, UpdateFace]):
    """``faces`` rows."""

    def __init__(self) -> None:
        super().__init__(Face, InsertFace, UpdateFace)


face = FaceRepository()
