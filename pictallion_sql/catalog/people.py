"""Queries on ``people``: listing, name search, thumbnails, deleting a person whole."""

from __future__ import annotations

import operator
from datetime import datetime
from typing import Any

from pictallion_sql.catalog.base import Repository, check_id, check_page, check_text
from pictallion_sql.catalog.pages import Keyset, Page
from pictallion_sql.drivers.base import Executor
from pictallion_sql.errors import ValidationError
from pictallion_sql.limits import shown
from pictallion_sql.models import INT4_MAX, InsertPerson, Person, UpdatePerson
from pictallion_sql.query.named import queries
from pictallion_sql.records.composites.people import PersonWithCounts
from pictallion_sql.records.composites.photos import FileVersionWithAsset

__all__ = ["PersonRepository", "escape_like", "person"]

_ALL = queries.rows("people.get_all", Person)
_PAGE = queries.rows("people.get_page", Person)
_BY_NAME = queries.one("people.get_by_name", Person)
_SEARCH = queries.rows("people.search_by_name", Person)
_SET_THUMBNAIL = queries.one("people.set_thumbnail", Person)
_SET_FACE_COUNT = queries.one("people.set_face_count", Person)
_SET_REPRESENTATIVE = queries.one("people.set_representative_face", Person)
_UNASSIGN_FACES = queries.command("people.delete_unassign_faces")
_DETACH_EVENTS = queries.command("people.delete_detach_events")
_DELETE_RELATIONSHIPS = queries.command("people.delete_relationships")
_PHOTOS = queries.rows("people.get_photos", FileVersionWithAsset)
_WITH_COUNTS = queries.rows("people.get_with_counts", PersonWithCounts)
_BY_CREATION = (
    ("after_created_at", "after_id"),
    (datetime, str),
    operator.attrgetter("created_at", "id"),
)
_PEOPLE_PAGES = Keyset(
    "people.all", _PAGE, queries.rows("people.get_page_after", Person), *_BY_CREATION
)
_PHOTO_PAGES = Keyset(
    "people.photos",
    queries.rows("people.get_photos_page", FileVersionWithAsset),
    queries.rows("people.get_photos_after", FileVersionWithAsset),
    *_BY_CREATION,
)

# "No limit" for a page of people without a cap: the largest LIMIT both dialects accept.
_NO_LIMIT = 2**63 - 1


def escape_like(text: str) -> str:
    """``text`` with ``\\``, ``%`` and ``_`` escaped for ``LIKE ... ESCAPE '\\'``."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _check_text(name: str, value: Any) -> None:
    if type(value) is not str:
        raise ValidationError(f"{name} must be a string, got {type(value).__name__}", field=name)
    check_text(name, value)


class PersonRepository(Repository[Person, InsertPerson, UpdatePerson]):
    """``people`` rows.

    ``create`` and ``update`` accept a ``birthdate`` string in a mapping (RFC 3339, or a
    date alone meaning midnight UTC); structs take datetimes. Errors are raised, never
    swallowed into ``[]`` or ``None`` as the old backend's getPeople/updatePerson did.
    """

    def __init__(self) -> None:
        super().__init__(Person, InsertPerson, UpdatePerson)

    async def get_all(
        self, db: Executor, *, skip: int = 0, limit: int | None = None
    ) -> list[Person]:
        """Every person (or a page), newest first (created_at DESC, then id DESC) (#31)."""
        check_page(skip, 0 if limit is None else limit)
        if skip == 0 and limit is None:
            return await db.run(_ALL)
        return await db.run(_PAGE, skip=skip, limit=_NO_LIMIT if limit is None else limit)

    async def get_all_page(
        self, db: Executor, *, after: str | None = None, limit: int = 100
    ) -> Page[Person]:
        """:meth:`get_all` read by key: one page and the cursor of the next.

        ``after``: the previous page's ``next_cursor``; docs/pagination.md has the errors.
        """
        return await _PEOPLE_PAGES.page(db, after=after, limit=limit, filters={})

    async def get_by_name(self, db: Executor, *, name: str) -> Person | None:
        """The person named exactly ``name``; the oldest (created_at, id) of several, or None."""
        _check_text("name", name)
        return await db.run(_BY_NAME, name=name)

    async def search_by_name(
        self, db: Executor, *, name_query: str, limit: int = 10
    ) -> list[Person]:
        """People whose name contains ``name_query``, ignoring case; by name (byte order), id.

        Every letter is case-folded on both dialects ("élodie" finds "Élodie"), and ``%``,
        ``_`` and ``\\`` in ``name_query`` match themselves.
        """
        _check_text("name_query", name_query)
        check_page(0, limit)
        pattern = f"%{escape_like(name_query)}%"
        return await db.run(_SEARCH, pattern=pattern, limit=limit)

    async def set_thumbnail(
        self, db: Executor, *, person_id: str, face_id: str | None
    ) -> Person | None:
        """Select one of the person's faces as thumbnail (None clears it) (#34).

        Returns the updated person, or None if there is no such person. A face that is
        not one of the person's raises ValidationError and changes nothing.
        """
        check_id("person_id", person_id)
        if face_id is not None:
            check_id("face_id", face_id)
        async with db.transaction() as conn:
            updated = await conn.run(_SET_THUMBNAIL, person_id=person_id, face_id=face_id)
            if updated is None and await conn.run(self._exists, id=person_id):
                raise ValidationError(
                    f"face {face_id} is not a face of person {person_id}", field="face_id"
                )
        return updated

    async def update_face_count(
        self, db: Executor, *, person_id: str, face_count: int
    ) -> Person | None:
        """Store ``face_count`` on the person; the updated person, or None (#44)."""
        check_id("person_id", person_id)
        if type(face_count) is not int or not 0 <= face_count <= INT4_MAX:
            raise ValidationError(
                f"face_count must be a non-negative int4 integer, got {shown(face_count)}",
                field="face_count",
            )
        return await db.run(_SET_FACE_COUNT, id=person_id, face_count=face_count)

    async def update_representative_face(
        self, db: Executor, *, person_id: str, file_path: str | None
    ) -> Person | None:
        """Store the file path of the person's representative face; the person, or None (#48)."""
        check_id("person_id", person_id)
        if file_path is not None:
            _check_text("file_path", file_path)
        return await db.run(_SET_REPRESENTATIVE, id=person_id, representative_face=file_path)

    async def remove(self, db: Executor, *, id: str) -> Person | None:
        """Delete a person in one transaction; returns the deleted row, or None (#33).

        The person's faces are kept and unassigned, events linked to the person are kept
        with ``person_id`` NULL, and relationships naming the person on either side are
        deleted. Either all of it happens or nothing does.
        """
        check_id("id", id)
        async with db.transaction() as conn:
            await conn.run(_UNASSIGN_FACES, id=id)
            await conn.run(_DETACH_EVENTS, id=id)
            await conn.run(_DELETE_RELATIONSHIPS, id=id)
            deleted = await conn.run(self._remove, id=id)
        return deleted

    async def get_photos(self, db: Executor, *, person_id: str) -> list[FileVersionWithAsset]:
        """The distinct file versions showing the person, asset nested; newest first (#51).

        Photos where the person's face is ignored are included.
        """
        check_id("person_id", person_id)
        return await db.run(_PHOTOS, person_id=person_id)

    async def get_photos_page(
        self, db: Executor, *, person_id: str, after: str | None = None, limit: int = 100
    ) -> Page[FileVersionWithAsset]:
        """:meth:`get_photos` read by key: one page and the cursor of the next.

        ``after``: the previous page's ``next_cursor``; docs/pagination.md has the errors.
        """
        check_id("person_id", person_id)
        filters = {"person_id": person_id}
        return await _PHOTO_PAGES.page(db, after=after, limit=limit, filters=filters)

    async def get_people_with_counts(self, db: Executor) -> list[PersonWithCounts]:
        """Every person with live face/photo counts and a cover face, newest first (2.6)."""
        return await db.run(_WITH_COUNTS)


person = PersonRepository()
