"""Composite records of the people, faces and relationships queries."""

from __future__ import annotations

from datetime import datetime

import msgspec

from ..models import Person, RelationshipType

__all__ = ["RECORDS", "PersonWithCounts", "RelationshipWithPeople"]


class PersonWithCounts(msgspec.Struct, frozen=True, gc=False):
    """A person with live face and photo counts and a cover face (GET /api/people).

    ``face_count`` is counted from ``faces`` (ignored faces included), not the stored,
    never-maintained column. ``cover_face_id`` is the selected thumbnail face when it
    belongs to the person, otherwise the person's first face (not-ignored before ignored,
    then oldest, then by id); ``cover_photo_path`` is that face's photo's ``file_path``.
    Both are None for a person without faces.
    """

    id: str
    name: str
    notes: str | None
    birthdate: datetime | None
    face_count: int
    representative_face: str | None
    selected_thumbnail_face_id: str | None
    created_at: datetime
    photo_count: int
    cover_face_id: str | None
    cover_photo_path: str | None


class RelationshipWithPeople(msgspec.Struct, frozen=True, gc=False):
    """A relationship with both persons attached (None where a person row is missing)."""

    id: str
    person1_id: str
    person2_id: str
    relationship_type: RelationshipType
    notes: str | None
    created_at: datetime
    person1: Person | None
    person2: Person | None


RECORDS: tuple[type, ...] = (PersonWithCounts, RelationshipWithPeople)
