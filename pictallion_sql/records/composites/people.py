"""Composite records of the people, faces and relationships queries."""

from __future__ import annotations

from pictallion_sql.models import Person, Relationship

__all__ = ["RECORDS", "PersonWithCounts", "RelationshipWithPeople"]


class PersonWithCounts(Person, frozen=True, gc=False):
    """A person with live face and photo counts and a cover face (GET /api/people).

    ``face_count`` is counted from ``faces`` (ignored faces included), not the stored,
    never-maintained column. ``cover_face_id`` is the selected thumbnail face when it
    belongs to the person, otherwise the person's first face (not-ignored before ignored,
    then oldest, then by id); ``cover_photo_path`` is that face's photo's ``file_path``.
    Both are None for a person without faces.
    """

    face_count: int
    photo_count: int
    cover_face_id: str | None
    cover_photo_path: str | None


class RelationshipWithPeople(Relationship, frozen=True, gc=False):
    """A relationship with both persons attached (None where a person row is missing)."""

    person1: Person | None
    person2: Person | None


RECORDS: tuple[type, ...] = (PersonWithCounts, RelationshipWithPeople)
