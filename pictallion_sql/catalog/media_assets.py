"""Queries on ``media_assets``: listings, lookups, bulk creation and ``update_photo``."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

import msgspec

from pictallion_sql.catalog.base import Repository, check_count, check_id, check_text, utc_now
from pictallion_sql.drivers.base import Executor
from pictallion_sql.errors import NotFoundError, ValidationError
from pictallion_sql.limits import MAX_INDEXED_TEXT_BYTES, MAX_LIST_ITEMS
from pictallion_sql.models import InsertMediaAsset, MediaAsset, UpdateMediaAsset
from pictallion_sql.query.dynamic import update_query
from pictallion_sql.query.named import queries

__all__ = ["MediaAssetRepository", "check_limit", "media_asset"]

_GET_ALL = queries.rows("media_assets.get_all", MediaAsset)
_GET_RECENT = queries.rows("media_assets.get_recent", MediaAsset)
_GET_BY_FILENAME = queries.one("media_assets.get_by_filename", MediaAsset)
_ADD_TAG = queries.command("media_assets.add_tag_to_library")

# The media_assets columns update_photo applies; every other key is ignored, as the
# application's updatePhoto did (Drizzle dropped keys that were not columns).
_PHOTO_COLUMNS = {"original_filename": "original_filename", "originalFilename": "original_filename"}

RowT = TypeVar("RowT", bound=msgspec.Struct)


def check_limit(name: str, value: int) -> None:
    """Reject a ``limit``-like argument that is not an integer from 0 to 2**63 - 1."""
    check_count(name, value)


class MediaAssetRepository(Repository[MediaAsset, InsertMediaAsset, UpdateMediaAsset]):
    """``media_assets`` rows."""

    def __init__(self) -> None:
        super().__init__(MediaAsset, InsertMediaAsset, UpdateMediaAsset)

    async def get_all(self, db: Executor) -> list[MediaAsset]:
        """Every media asset, newest first (created_at DESC, id DESC)."""
        return await db.run(_GET_ALL)

    async def get_recent(self, db: Executor, *, limit: int = 50) -> list[MediaAsset]:
        """The ``limit`` newest media assets (created_at DESC, id DESC)."""
        check_limit("limit", limit)
        return await db.run(_GET_RECENT, limit=limit)

    async def get_by_filename(self, db: Executor, *, filename: str) -> MediaAsset | None:
        """The oldest asset with exactly this original filename (created_at, id), or None."""
        if type(filename) is not str:
            raise ValidationError("filename must be a string", field="filename")
        check_text("filename", filename)
        return await db.run(_GET_BY_FILENAME, original_filename=filename)

    async def update_photo(
        self, db: Executor, *, id: str, updates: Mapping[str, Any]
    ) -> MediaAsset:
        """Apply ``updates`` to an asset and add its ``tags`` to the tag library, atomically.

        Only ``original_filename`` (or ``originalFilename``) is a media_assets column that
        can change; other keys are ignored, as the application's updatePhoto did. Each tag
        in ``tags`` is added to the tag library unless present (usage counts unchanged).
        Raises NotFoundError("Photo not found") when the asset does not exist.
        """
        check_id("id", id)
        if not isinstance(updates, Mapping):
            raise ValidationError("updates must be a mapping", field="updates")
        given: dict[str, Any] = {}
        for key in ("originalFilename", "original_filename"):
            if key in updates:
                given[_PHOTO_COLUMNS[key]] = updates[key]
        values = self.update_values(given) if given else {}
        tags = updates.get("tags")
        if tags is not None and (
            isinstance(tags, str)
            or not isinstance(tags, Sequence)
            or any(type(t) is not str for t in tags)
        ):
            raise ValidationError("tags must be a list of strings", field="tags")
        if tags is not None:
            if len(tags) > MAX_LIST_ITEMS:
                raise ValidationError(
                    f"tags has {len(tags)} items, more than the limit of {MAX_LIST_ITEMS}",
                    field="tags",
                )
            for tag in tags:
                check_text("tags", tag, MAX_INDEXED_TEXT_BYTES)
        async with db.transaction() as conn:
            if values:
                query = update_query(self.table, self.row, tuple(values))
                row = await conn.run(query, id=id, **values)
            else:
                row = await conn.run(self._get, id=id)
            if row is None:
                raise NotFoundError("Photo not found", table=self.table)
            if tags:
                now = utc_now()
                await conn.run_many(
                    _ADD_TAG,
                    [{"id": str(uuid.uuid4()), "tag": tag, "created_at": now} for tag in tags],
                )
        return row


media_asset = MediaAssetRepository()
