"""The library contender: pictallion-sql through its public API only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from workload import INGEST_BATCH, Workload

from pictallion_sql import Database, connect, crud
from pictallion_sql.catalog.search import PhotoFilters


class LibraryContender:
    """Every operation is one call of a ``crud`` repository."""

    name = "library"

    def __init__(self, dialect: str, url: str) -> None:
        self.url = url
        self.db: Database

    async def open(self) -> None:
        """Connect (the pool opens its connections on first use)."""
        self.db = await connect(self.url)

    async def close(self) -> None:
        """Close the pool."""
        await self.db.close()

    async def ingest(self, w: Workload) -> dict[str, list[str]]:
        """Assets, versions, people, faces and settings through ``create_many``."""
        db = self.db
        assets = await _bulk(crud.media_asset, db, w.assets)
        versions = await _bulk(
            crud.file_version,
            db,
            [
                {"media_asset_id": assets[a], **v}
                for a, v in zip(w.version_asset, w.versions, strict=True)
            ],
        )
        people = await _bulk(crud.person, db, w.people)
        faces = await _bulk(
            crud.face,
            db,
            [
                {
                    "photo_id": versions[v],
                    "person_id": None if p is None else people[p],
                    **f,
                }
                for v, p, f in zip(w.face_version, w.face_person, w.faces, strict=True)
            ],
        )
        await _bulk(crud.setting, db, w.settings)
        return {"assets": assets, "versions": versions, "people": people, "faces": faces}

    async def get_version(self, id: str) -> Any:
        """One version by id."""
        return await crud.file_version.get(self.db, id=id)

    async def get_person(self, id: str) -> Any:
        """One person by id."""
        return await crud.person.get(self.db, id=id)

    async def tier_page(self, tier: str, skip: int) -> Any:
        """A page of 50 versions of one tier, newest first."""
        return await crud.file_version.get_by_tier(self.db, tier=tier, skip=skip, limit=50)  # type: ignore[arg-type]

    async def people_search(self, text: str) -> Any:
        """People whose name contains ``text``, ignoring case."""
        return await crud.person.search_by_name(self.db, name_query=text, limit=10)

    async def unassigned_faces(self, limit: int) -> Any:
        """Faces of nobody, not ignored."""
        return await crud.face.get_unassigned(self.db, limit=limit)

    async def upsert_setting(self, key: str, value: str, category: str) -> Any:
        """Insert or update one setting."""
        return await crud.setting.set_value(self.db, key=key, value=value, category=category)

    async def get_setting(self, key: str) -> Any:
        """One setting by key."""
        return await crud.setting.get_by_key(self.db, key=key)

    async def person_photos(self, person_id: str) -> Any:
        """The versions showing a person, each with its asset."""
        return await crud.person.get_photos(self.db, person_id=person_id)

    async def photo_listing(self, skip: int) -> Any:
        """A page of 50 of the photo listing (each asset's best version)."""
        return await crud.file_version.list_photos(self.db, skip=skip, limit=50)

    async def search(
        self, keyword: str, tier: str, rating_min: int, start: datetime, end: datetime
    ) -> Any:
        """A page of 50 matches of several filters, newest first, with total and facets.

        Every match is counted (``exact_total``), as the floor's statement does: the count
        limit's own statement is measured against the library's size by bench/scale.py.
        """
        filters = PhotoFilters(
            tier=tier,  # type: ignore[arg-type]
            rating_min=rating_min,
            keywords=[keyword],
            created_from=start,
            created_to=end,
        )
        return await crud.file_version.search(self.db, filters=filters, limit=50, exact_total=True)

    def to_plain(self, phase: str, results: list[Any]) -> Any:
        """The answers as plain values (records are msgspec Structs already).

        A search page's ``next_cursor`` is the library's own: the floor has none to compare.
        """
        if phase == "search":
            return [
                {"photos": p.photos, "total_count": p.total_count, "facets": p.facets}
                for p in results
            ]
        return results


async def _bulk(repo: Any, db: Database, rows: list[dict[str, Any]]) -> list[str]:
    ids: list[str] = []
    for start in range(0, len(rows), INGEST_BATCH):
        # The ingest needs only the new ids, so no row is read back.
        ids.extend(
            await repo.create_many(db, objs=rows[start : start + INGEST_BATCH], returning=False)
        )
    return ids
