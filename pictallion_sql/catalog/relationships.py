"""Queries on ``relationships``."""

from __future__ import annotations

from pictallion_sql.catalog.base import Repository, check_id
from pictallion_sql.drivers.base import Executor
from pictallion_sql.models import InsertRelationship, Relationship, UpdateRelationship
from pictallion_sql.query.named import queries
from pictallion_sql.records.composites.people import RelationshipWithPeople

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
