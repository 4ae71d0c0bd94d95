"""Queries on ``relationships``."""

from __future__ import annotations

from ..models import InsertRelationship, Relationship, UpdateRelationship
from ._base import Repository

__all__ = ["RelationshipRepository", "relationship"]


class RelationshipRepository(Repository[Relationship, InsertRelationship, UpdateRelationship]):
    """``relationships`` rows."""

    def __init__(self) -> None:
        super().__init__(Relationship, InsertRelationship, UpdateRelationship)


relationship = RelationshipRepository()
