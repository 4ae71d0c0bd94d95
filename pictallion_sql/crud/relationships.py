"""Queries on ``relationships``."""

from __future__ import annotations

from .._base import Executor
from .._queries import queries
from ..composites.people import RelationshipWithPeople
from ..models import InsertRelationship, Relationship, UpdateRelationship
from ._base import Repository, check_id

__all__ = ["RelationshipRepository", "relationship"]

_BY_PERSON = queries.rows("relationships.get_by_person", RelationshipWithPeople)


class RelationshipRepository(Repository[Relationship, InsertRelationship, UpdateRelationship]):
    """``relationships`` rows; ``create`` with an unknown person raises ForeignKeyError."""

    def __init__(self) -> None:
        super().__init__(Relationship, InsertRelationship, UpdateRelationship)

    async def get_by_person(self, db: Executor, *, person_id: str) -> list[RelationshipWithPeople]:
        """The person's relationships (either side), both persons nested; newest first (#64)."""
        check_id("person_id", person_id)
        return await db.run(_BY_PERSON, person_id=person_id)


relationship = RelationshipRepository()
