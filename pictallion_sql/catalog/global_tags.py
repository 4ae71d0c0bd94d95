"""Queries on ``global_tag_library``: every tag ever applied, with how often it was used."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from pictallion_sql.catalog.base import Repository, check_text, utc_now
from pictallion_sql.drivers.base import Executor
from pictallion_sql.errors import ValidationError
from pictallion_sql.limits import MAX_INDEXED_TEXT_BYTES, MAX_LIST_ITEMS
from pictallion_sql.models import GlobalTag, InsertGlobalTag, UpdateGlobalTag
from pictallion_sql.query.named import queries
from pictallion_sql.records.composites.collections import TagLibraryEntry, TagName

__all__ = ["GlobalTagRepository", "global_tag"]

_LIST_LIBRARY = queries.rows("global_tag_library.list_library", TagLibraryEntry)
_ALL_TAGS = queries.rows("global_tag_library.all_tags", TagName)
_BY_TAG = queries.one("global_tag_library.get_by_tag", GlobalTag)
_UPSERT_TAG = queries.single("global_tag_library.upsert_tag", GlobalTag)
_UPSERT_COUNTS = queries.rows("global_tag_library.upsert_counts", GlobalTag)
_ADD_TAG = queries.command("global_tag_library.add_tag")
_DELETE_TAG = queries.command("global_tag_library.delete_tag")


def _check_tag(name: str, value: object) -> str:
    if not isinstance(value, str):
        raise ValidationError(f"{name} must be a string, got {type(value).__name__}", field=name)
    return check_text(name, value, MAX_INDEXED_TEXT_BYTES)


def _check_tags(value: object) -> list[str]:
    # A lone string is refused rather than iterated character by character.
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise ValidationError(
            f"tags must be a list of strings, got {type(value).__name__}", field="tags"
        )
    if len(value) > MAX_LIST_ITEMS:
        raise ValidationError(
            f"tags has {len(value)} items, more than the limit of {MAX_LIST_ITEMS}", field="tags"
        )
    return [_check_tag("tags", tag) for tag in value]


class GlobalTagRepository(Repository[GlobalTag, InsertGlobalTag, UpdateGlobalTag]):
    """``global_tag_library`` rows."""

    def __init__(self) -> None:
        super().__init__(GlobalTag, InsertGlobalTag, UpdateGlobalTag)

    async def list_library(self, db: Executor) -> list[TagLibraryEntry]:
        """The library (R1): tag, usage_count, created_at; most used first, then tag byte order."""
        return await db.run(_LIST_LIBRARY)

    async def get_all_tags(self, db: Executor) -> list[str]:
        """Every tag in the library, in byte order (#86)."""
        return [row.tag for row in await db.run(_ALL_TAGS)]

    async def get_by_tag(self, db: Executor, *, tag: str) -> GlobalTag | None:
        """The library entry of this exact (case-sensitive) tag, or None."""
        _check_tag("tag", tag)
        return await db.run(_BY_TAG, tag=tag)

    async def upsert_tag(self, db: Executor, *, tag: str) -> GlobalTag:
        """Count one use of a tag (R2/R3): insert with usage_count 1, or add 1. Returns the row."""
        _check_tag("tag", tag)
        return await db.run(_UPSERT_TAG, tag=tag, created_at=utc_now())

    async def upsert_tags(self, db: Executor, *, tags: Sequence[str]) -> list[GlobalTag]:
        """Count one use per item of ``tags`` in one statement (a repeat counts again).

        Returns one row per distinct tag, in order of first appearance. A string given
        for ``tags`` is a ValidationError (it is not split into characters).
        """
        counts = Counter(_check_tags(tags))
        if not counts:
            return []
        rows = await db.run(
            _UPSERT_COUNTS,
            tags=list(counts),
            counts=list(counts.values()),
            created_at=utc_now(),
        )
        by_tag = {row.tag: row for row in rows}
        return [by_tag[tag] for tag in counts]

    async def add_tag_to_library(self, db: Executor, *, tag: str) -> bool:
        """Add a tag with usage_count 1 unless present (#87; an existing one is not counted)."""
        _check_tag("tag", tag)
        return await db.run(_ADD_TAG, tag=tag, created_at=utc_now()) > 0

    async def delete_tag(self, db: Executor, *, tag: str) -> bool:
        """Delete the library entry of this exact tag (R4); True if there was one."""
        _check_tag("tag", tag)
        return await db.run(_DELETE_TAG, tag=tag) > 0


global_tag = GlobalTagRepository()
