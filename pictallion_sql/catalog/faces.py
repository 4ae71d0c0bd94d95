"""Queries on ``faces``: per person and photo, assignment, ignoring, bulk insert."""

from __future__ import annotations

import operator
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from pictallion_sql.catalog.base import Repository, check_id, check_page
from pictallion_sql.catalog.pages import Keyset, Page
from pictallion_sql.drivers.base import Executor
from pictallion_sql.errors import ValidationError
from pictallion_sql.models import Face, InsertFace, UpdateFace
from pictallion_sql.query.named import queries

__all__ = ["FaceRepository", "face"]

_ALL = queries.rows("faces.get_all", Face)
_BY_PERSON = queries.rows("faces.get_by_person", Face)
_BY_PHOTO = queries.rows("faces.get_by_photo", Face)
_UNASSIGNED = queries.rows("faces.get_unassigned", Face)
_IGNORED = queries.rows("faces.get_ignored", Face)
_ASSIGN = queries.command("faces.assign")
_SET_IGNORED = queries.command("faces.set_ignored")
_SET_IGNORED_MANY = queries.command("faces.set_ignored_many")
_GET_MANY = queries.rows("faces.get_many", Face)
_COUNT_MANY = queries.scalar("faces.count_many", int)

_NO_LIMIT = 2**63 - 1

_BY_CREATION = (
    ("after_created_at", "after_id"),
    (datetime, str),
    operator.attrgetter("created_at", "id"),
)
_UNASSIGNED_PAGES = Keyset(
    "faces.unassigned", _UNASSIGNED, queries.rows("faces.get_unassigned_after", Face), *_BY_CREATION
)
_PERSON_PAGES = Keyset(
    "faces.person",
    queries.rows("faces.get_by_person_page", Face),
    queries.rows("faces.get_by_person_after", Face),
    *_BY_CREATION,
)


def _check_ids(name: str, ids: Any) -> list[str]:
    if isinstance(ids, str | bytes) or not isinstance(ids, Sequence):
        raise ValidationError(f"{name} must be a list of string ids", field=name)
    for value in ids:
        check_id(name, value)
    return list(ids)


def _check_bool(name: str, value: Any) -> None:
    if type(value) is not bool:
        raise ValidationError(f"{name} must be a bool, got {type(value).__name__}", field=name)


class FaceRepository(Repository[Face, InsertFace, UpdateFace]):
    """``faces`` rows. Every list is ordered oldest first (created_at, then id)."""

    def __init__(self) -> None:
        super().__init__(Face, InsertFace, UpdateFace)

    async def get_all(self, db: Executor) -> list[Face]:
        """Every face, ignored and assigned ones included (#36)."""
        return await db.run(_ALL)

    async def get_by_person(self, db: Executor, *, person_id: str) -> list[Face]:
        """The faces assigned to a person, ignored ones included (#37)."""
        check_id("person_id", person_id)
        return await db.run(_BY_PERSON, person_id=person_id)

    async def get_by_person_page(
        self, db: Executor, *, person_id: str, after: str | None = None, limit: int = 100
    ) -> Page[Face]:
        """:meth:`get_by_person` read by key: one page and the cursor of the next.

        ``after``: the previous page's ``next_cursor``; docs/pagination.md has the errors.
        """
        check_id("person_id", person_id)
        filters = {"person_id": person_id}
        return await _PERSON_PAGES.page(db, after=after, limit=limit, filters=filters)

    async def get_by_photo(self, db: Executor, *, photo_id: str) -> list[Face]:
        """The faces detected on one file version (#38)."""
        check_id("photo_id", photo_id)
        return await db.run(_BY_PHOTO, photo_id=photo_id)

    async def get_unassigned(self, db: Executor, *, limit: int | None = 100) -> list[Face]:
        """Faces assigned to nobody and not ignored, at most ``limit`` (None: all) (#43)."""
        if limit is not None:
            check_page(0, limit)
        bound = _NO_LIMIT if limit is None else limit
        return await db.run(_UNASSIGNED, limit=bound)

    async def get_unassigned_page(
        self, db: Executor, *, after: str | None = None, limit: int = 100
    ) -> Page[Face]:
        """:meth:`get_unassigned` read by key: one page and the cursor of the next.

        ``after``: the previous page's ``next_cursor``; docs/pagination.md has the errors.
        """
        return await _UNASSIGNED_PAGES.page(db, after=after, limit=limit, filters={})

    async def get_ignored(self, db: Executor) -> list[Face]:
        """The ignored faces, assigned or not (#47)."""
        return await db.run(_IGNORED)

    async def get_many(self, db: Executor, *, ids: Sequence[str]) -> list[Face]:
        """The faces among ``ids`` (unknown ids are skipped)."""
        face_ids = _check_ids("ids", ids)
        if not face_ids:
            return []
        return await db.run(_GET_MANY, ids=face_ids)

    async def assign_to_person(self, db: Executor, *, face_id: str, person_id: str | None) -> bool:
        """Assign a face to a person (None unassigns); False if there is no such face (#39/#40).

        An unknown person raises ForeignKeyError.
        """
        check_id("face_id", face_id)
        if person_id is not None:
            check_id("person_id", person_id)
        return bool(await db.run(_ASSIGN, face_id=face_id, person_id=person_id))

    async def assign_many(
        self, db: Executor, *, assignments: Iterable[tuple[str, str | None]]
    ) -> int:
        """Apply several (face_id, person_id) assignments atomically; the faces found.

        One statement per pair in one transaction (a single executemany round trip); if
        any person is unknown, ForeignKeyError is raised and no face changes. Unknown
        faces are skipped; when a face appears twice, its last pair wins.
        """
        if isinstance(assignments, str | bytes | Mapping) or not isinstance(assignments, Iterable):
            raise ValidationError(
                "assignments must be (face_id, person_id) pairs", field="assignments"
            )
        rows: list[dict[str, Any]] = []
        for pair in assignments:
            if not isinstance(pair, tuple | list) or len(pair) != 2:
                raise ValidationError(
                    "assignments must be (face_id, person_id) pairs", field="assignments"
                )
            face_id, person_id = pair
            check_id("face_id", face_id)
            if person_id is not None:
                check_id("person_id", person_id)
            rows.append({"face_id": face_id, "person_id": person_id})
        if not rows:
            return 0
        face_ids = sorted({row["face_id"] for row in rows})
        async with db.transaction() as conn:
            await conn.run_many(_ASSIGN, rows)
            found = await conn.run(_COUNT_MANY, ids=face_ids)
        return found

    async def ignore(self, db: Executor, *, id: str) -> bool:
        """Mark a face ignored; False if there is no such face (#45)."""
        return await self._set_ignored(db, id, True)

    async def unignore(self, db: Executor, *, id: str) -> bool:
        """Mark a face not ignored; False if there is no such face (#46)."""
        return await self._set_ignored(db, id, False)

    async def ignore_many(self, db: Executor, *, ids: Sequence[str]) -> int:
        """Mark every face in ``ids`` ignored in one statement; the number of faces found."""
        return await self._set_ignored_many(db, ids, True)

    async def unignore_many(self, db: Executor, *, ids: Sequence[str]) -> int:
        """Mark every face in ``ids`` not ignored in one statement; the number found."""
        return await self._set_ignored_many(db, ids, False)

    async def _set_ignored(self, db: Executor, face_id: str, ignored: bool) -> bool:
        check_id("id", face_id)
        return bool(await db.run(_SET_IGNORED, id=face_id, ignored=ignored))

    async def _set_ignored_many(self, db: Executor, ids: Sequence[str], ignored: bool) -> int:
        face_ids = _check_ids("ids", ids)
        _check_bool("ignored", ignored)
        if not face_ids:
            return 0
        return await db.run(_SET_IGNORED_MANY, ids=face_ids, ignored=ignored)


face = FaceRepository()
