"""Queries on ``collection_photos``: which photos (file versions) a collection holds."""

from __future__ import annotations

import operator
from collections.abc import Sequence
from datetime import datetime

from pictallion_sql.catalog.base import Repository, check_id, utc_now
from pictallion_sql.catalog.pages import Keyset, Page
from pictallion_sql.drivers.base import Executor
from pictallion_sql.errors import ValidationError
from pictallion_sql.models import CollectionPhoto, InsertCollectionPhoto, UpdateCollectionPhoto
from pictallion_sql.query.named import queries
from pictallion_sql.records.composites.photos import FileVersionWithAsset

__all__ = ["CollectionPhotoRepository", "check_photo_ids", "collection_photo"]

_ADD = queries.single("collection_photos.add", CollectionPhoto)
_ADD_MANY = queries.command("collection_photos.add_many")
_GET_ENTRY = queries.one("collection_photos.get_entry", CollectionPhoto)
_BY_COLLECTION = queries.rows("collection_photos.get_by_collection", CollectionPhoto)
_PHOTOS_OF_COLLECTION = queries.rows("collection_photos.photos_of_collection", FileVersionWithAsset)
_REMOVE_PHOTO = queries.command("collection_photos.remove_photo")
_DELETE_BY_COLLECTION = queries.command("collection_photos.delete_by_collection")
_MEMBER_PAGES = Keyset(
    "collection.members",
    queries.rows("collection_photos.get_by_collection_page", CollectionPhoto),
    queries.rows("collection_photos.get_by_collection_after", CollectionPhoto),
    ("after_added_at", "after_id"),
    (datetime, str),
    operator.attrgetter("added_at", "id"),
)


def check_photo_ids(name: str, value: object) -> list[str]:
    """A list or tuple of string ids as a list; a lone string is refused, not iterated."""
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise ValidationError(
            f"{name} must be a list of string ids, got {type(value).__name__}", field=name
        )
    for item in value:
        check_id(name, item)
    return list(value)


class CollectionPhotoRepository(
    Repository[CollectionPhoto, InsertCollectionPhoto, UpdateCollectionPhoto]
):
    """``collection_photos`` rows."""

    def __init__(self) -> None:
        super().__init__(CollectionPhoto, InsertCollectionPhoto, UpdateCollectionPhoto)

    async def add(self, db: Executor, *, collection_id: str, photo_id: str) -> CollectionPhoto:
        """Add a photo to a collection (#28); a photo added twice gets two rows. Returns the row."""
        check_id("collection_id", collection_id)
        check_id("photo_id", photo_id)
        return await db.run(
            _ADD, collection_id=collection_id, photo_id=photo_id, added_at=utc_now()
        )

    async def add_many(self, db: Executor, *, collection_id: str, photo_ids: Sequence[str]) -> int:
        """Add photos in one statement, a row per id in order (repeats kept). Returns the count."""
        check_id("collection_id", collection_id)
        ids = check_photo_ids("photo_ids", photo_ids)
        if not ids:
            return 0
        return await db.run(
            _ADD_MANY, collection_id=collection_id, photo_ids=ids, added_at=utc_now()
        )

    async def get_entry(
        self, db: Executor, *, collection_id: str, photo_id: str
    ) -> CollectionPhoto | None:
        """The membership row of a photo in a collection (the latest of duplicates), or None."""
        check_id("collection_id", collection_id)
        check_id("photo_id", photo_id)
        return await db.run(_GET_ENTRY, collection_id=collection_id, photo_id=photo_id)

    async def get_by_collection(self, db: Executor, *, collection_id: str) -> list[CollectionPhoto]:
        """The membership rows of a collection, most recently added first (added_at, id DESC)."""
        check_id("collection_id", collection_id)
        return await db.run(_BY_COLLECTION, collection_id=collection_id)

    async def get_by_collection_page(
        self, db: Executor, *, collection_id: str, after: str | None = None, limit: int = 100
    ) -> Page[CollectionPhoto]:
        """:meth:`get_by_collection` read by key: one page and the cursor of the next.

        ``after``: the previous page's ``next_cursor``; docs/pagination.md has the errors.
        """
        check_id("collection_id", collection_id)
        filters = {"collection_id": collection_id}
        return await _MEMBER_PAGES.page(db, after=after, limit=limit, filters=filters)

    async def get_photos(self, db: Executor, *, collection_id: str) -> list[FileVersionWithAsset]:
        """The photos of a collection with their asset (#29): added_at DESC, then row id DESC."""
        check_id("collection_id", collection_id)
        return await db.run(_PHOTOS_OF_COLLECTION, collection_id=collection_id)

    async def remove_photo(self, db: Executor, *, collection_id: str, photo_id: str) -> int:
        """Remove a photo from a collection, every duplicate row too. Returns the rows removed."""
        check_id("collection_id", collection_id)
        check_id("photo_id", photo_id)
        return await db.run(_REMOVE_PHOTO, collection_id=collection_id, photo_id=photo_id)

    async def remove_all(self, db: Executor, *, collection_id: str) -> int:
        """Remove every photo row of a collection. Returns the rows removed."""
        check_id("collection_id", collection_id)
        return await db.run(_DELETE_BY_COLLECTION, collection_id=collection_id)


collection_photo = CollectionPhotoRepository()
