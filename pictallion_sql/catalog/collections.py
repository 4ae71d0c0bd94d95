"""Queries on ``collections``: regular and smart collections, their photos, rule evaluation.

A smart collection is a ``collections`` row with ``is_smart_collection`` true and rules in
``smart_rules``; its photos are ordinary ``collection_photos`` rows, replaced as a whole by
:meth:`CollectionRepository.refresh_smart` (rules: :mod:`pictallion_sql.catalog.smart_rules`). The
``*_smart_collection*`` calls only see smart collections: for a regular or missing collection
they return None, [], 0 or False (or raise NotFoundError where they would write).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

import msgspec

from pictallion_sql.catalog.base import Repository, check_id, check_text, utc_now
from pictallion_sql.catalog.collection_photos import check_photo_ids
from pictallion_sql.catalog.smart_rules import (
    SmartCollectionUpdate,
    UnsupportedRules,
    compile_smart_rules,
)
from pictallion_sql.drivers.base import Executor
from pictallion_sql.errors import DatabaseError, IntegrityError, NotFoundError, ValidationError
from pictallion_sql.models import (
    Collection,
    CollectionPhoto,
    InsertCollection,
    SmartRules,
    UpdateCollection,
)
from pictallion_sql.query.dynamic import returning_columns
from pictallion_sql.query.named import queries
from pictallion_sql.query.registry import Query, make_query
from pictallion_sql.records.composites.collections import CollectionWithStats
from pictallion_sql.records.composites.photos import FileVersionWithAsset

__all__ = ["CollectionRepository", "collection"]

log = logging.getLogger("pictallion_sql.smart_collections")

_GET_ALL = queries.rows("collections.get_all", Collection)
_GET_BY_NAME = queries.one("collections.get_by_name", Collection)
_GET_FOR_UPDATE = queries.one("collections.get_for_update", Collection)
_GET_SMART = queries.rows("collections.get_smart", Collection)
_GET_SMART_BY_ID = queries.one("collections.get_smart_by_id", Collection)
_SMART_PHOTO_COUNT = queries.scalar("collections.smart_photo_count", int)
_CHANGE_MARK = queries.scalar("collections.change_mark", str)
_KEPT_PHOTO_COUNT = queries.scalar("collections.kept_photo_count", int)
_REFRESH_MARK = queries.scalar_or_none("collections.refresh_mark", str)
_SET_REFRESH_MARK = queries.command("collections.set_refresh_mark")
_PRUNE_CHANGES = queries.command("collections.prune_changes")
_WITH_STATS = queries.rows("collections.get_all_with_stats", CollectionWithStats)
_PHOTOS_FOR_SMART = queries.rows("collections.photos_for_smart_collections", FileVersionWithAsset)
_ADD_ROW = queries.command("collection_photos.add_row")
_BY_COLLECTION = queries.rows("collection_photos.get_by_collection", CollectionPhoto)
_PHOTOS_OF_COLLECTION = queries.rows("collection_photos.photos_of_collection", FileVersionWithAsset)
_DELETE_PHOTOS = queries.command("collection_photos.delete_by_collection")


@cache
def _smart_update_query(columns: tuple[str, ...]) -> Query:
    """``UPDATE collections SET ... WHERE id = :id AND is_smart_collection`` per column set."""
    # Imported here so that importing the repositories does not load the query builder.
    from pypika import Parameter, Table
    from pypika import Query as Builder

    target = Table("collections")
    builder = Builder.update(target)
    for column in columns:
        builder = builder.set(target.field(column), Parameter(f":{column}"))
    builder = builder.where(target.id == Parameter(":id")).where(
        target.is_smart_collection == True  # noqa: E712 (pypika renders "= true")
    )
    sql = builder.get_sql(quote_char='"') + f" RETURNING {returning_columns(Collection)}"
    return make_query(f"collections.update_smart[{','.join(columns)}]", "one", Collection, sql)


class CollectionRepository(Repository[Collection, InsertCollection, UpdateCollection]):
    """``collections`` rows, their photos, and smart-collection evaluation."""

    def __init__(self) -> None:
        super().__init__(Collection, InsertCollection, UpdateCollection)

    # -- regular collections (catalogue #23-#29, 2.3, 2.6) ------------------------------------

    async def get_all(self, db: Executor) -> list[Collection]:
        """Every collection, smart and regular, newest first (created_at DESC, id DESC) (#24)."""
        return await db.run(_GET_ALL)

    async def get_by_name(self, db: Executor, *, name: str) -> Collection | None:
        """The collection with exactly this name (the oldest if several), or None."""
        if not isinstance(name, str):
            raise ValidationError(f"name must be a string, got {type(name).__name__}", field="name")
        check_text("name", name)
        return await db.run(_GET_BY_NAME, name=name)

    async def get_all_with_stats(self, db: Executor) -> list[CollectionWithStats]:
        """Every collection with its photo count and cover file path, in one query (2.6)."""
        return await db.run(_WITH_STATS)

    async def remove(self, db: Executor, *, id: str) -> Collection | None:
        """Delete a collection and its photo rows in one transaction (#27); the row, or None."""
        check_id("id", id)
        async with db.transaction() as conn:
            await conn.run(_DELETE_PHOTOS, collection_id=id)
            return await conn.run(self._remove, id=id)

    # -- smart collections (2.3, 2.6) ---------------------------------------------------------

    async def get_smart_collections(self, db: Executor) -> list[Collection]:
        """Smart collections (is_smart_collection true), newest first (created_at, id DESC)."""
        return await db.run(_GET_SMART)

    async def get_smart_collection(self, db: Executor, *, id: str) -> Collection | None:
        """The smart collection with ``id``; None if missing or not a smart collection."""
        check_id("id", id)
        return await db.run(_GET_SMART_BY_ID, id=id)

    async def create_smart_collection(
        self,
        db: Executor,
        *,
        name: str,
        description: str | None = None,
        rules: SmartRules | Mapping[str, Any] | Sequence[Any] | None = None,
    ) -> Collection:
        """Create a smart collection as the smart-collections screen does (not public, no photos).

        ``rules`` are stored as given (object form, weighted-rule array); None stores ``{}``.
        Rules that could not be evaluated raise UnsupportedRules (a ValidationError naming the
        rule) and nothing is written. Photos are filled in by :meth:`refresh_smart`.
        """
        if rules is not None:
            compile_smart_rules(rules)
        values: dict[str, Any] = {
            "name": name,
            "description": description,
            "is_smart_collection": True,
            "smart_rules": {} if rules is None else rules,
            "is_public": False,
        }
        return await self.create(db, obj_in=values)

    async def update_smart_collection(
        self, db: Executor, *, id: str, obj_in: UpdateCollection | Mapping[str, Any]
    ) -> Collection | None:
        """Set fields of a smart collection and touch updated_at; None if missing or not smart.

        New ``smart_rules`` that could not be evaluated raise UnsupportedRules, writing nothing;
        the photos change only on the next :meth:`refresh_smart`.
        """
        check_id("id", id)
        values = self.update_values(obj_in)
        if values.get("smart_rules") is not None:
            compile_smart_rules(values["smart_rules"])
        query = _smart_update_query(tuple(values))
        return await db.run(query, id=id, **values)

    async def toggle_smart_collection(
        self, db: Executor, *, id: str, is_active: bool
    ) -> Collection | None:
        """Switch a smart collection on or off: writes ``is_public``, as the toggle route does."""
        return await self.update_smart_collection(db, id=id, obj_in={"is_public": is_active})

    async def delete_smart_collection(self, db: Executor, *, id: str) -> Collection | None:
        """Delete a smart collection and its photo rows atomically; None if not a smart one."""
        check_id("id", id)
        async with db.transaction() as conn:
            row = await conn.run(_GET_FOR_UPDATE, id=id)
            if row is None or not row.is_smart_collection:
                return None
            await conn.run(_DELETE_PHOTOS, collection_id=id)
            return await conn.run(self._remove, id=id)

    async def get_smart_collection_photos(
        self, db: Executor, *, collection_id: str
    ) -> list[FileVersionWithAsset]:
        """A smart collection's photos, as ``collection_photo.get_photos``; [] if not smart."""
        check_id("collection_id", collection_id)
        async with db.transaction(readonly=True) as conn:
            if await conn.run(_GET_SMART_BY_ID, id=collection_id) is None:
                return []
            return await conn.run(_PHOTOS_OF_COLLECTION, collection_id=collection_id)

    async def get_smart_collection_photo_count(self, db: Executor, *, collection_id: str) -> int:
        """The number of photo rows of a smart collection; 0 if it is not one."""
        check_id("collection_id", collection_id)
        return await db.run(_SMART_PHOTO_COUNT, collection_id=collection_id)

    async def add_photos_to_smart_collection(
        self, db: Executor, *, collection_id: str, photo_ids: Sequence[str]
    ) -> int:
        """Add photos not yet in a smart collection, atomically; returns how many were added.

        Ids already in the collection, and repeats within ``photo_ids``, are skipped. Raises
        NotFoundError if the collection is missing or not smart, ForeignKeyError (nothing
        added) if an id names no file version.
        """
        check_id("collection_id", collection_id)
        ids = check_photo_ids("photo_ids", photo_ids)
        async with db.transaction() as conn:
            row = await conn.run(_GET_FOR_UPDATE, id=collection_id)
            if row is None or not row.is_smart_collection:
                raise NotFoundError(
                    f"smart collection {collection_id} not found", table="collections"
                )
            present = await conn.run(_BY_COLLECTION, collection_id=collection_id)
            known = {entry.photo_id for entry in present}
            new = [p for p in dict.fromkeys(ids) if p not in known]
            added_at = utc_now()
            await conn.run_many(
                _ADD_ROW,
                [
                    {"collection_id": collection_id, "photo_id": p, "added_at": added_at}
                    for p in new
                ],
            )
            return len(new)

    async def add_photo_to_smart_collection(
        self, db: Executor, *, collection_id: str, photo_id: str
    ) -> bool:
        """Add one photo to a smart collection unless it is there; True if it was added."""
        check_id("photo_id", photo_id)
        added = await self.add_photos_to_smart_collection(
            db, collection_id=collection_id, photo_ids=[photo_id]
        )
        return added == 1

    async def get_photos_for_smart_collections(self, db: Executor) -> list[FileVersionWithAsset]:
        """Every file version with its asset, the candidates rules run on (newest first)."""
        return await db.run(_PHOTOS_FOR_SMART)

    # -- rule evaluation (A3-A6) --------------------------------------------------------------

    async def preview_smart_rules(
        self,
        db: Executor,
        *,
        rules: SmartRules | Mapping[str, Any] | Sequence[Any] | None,
    ) -> list[str]:
        """The ids of the versions ``rules`` (either shape) match, newest first; writes nothing.

        Raises UnsupportedRules (a ValidationError) naming a rule that cannot be evaluated.
        """
        compiled = compile_smart_rules(rules)
        matches = await db.run(compiled.select, **compiled.params)
        return [m.id for m in matches]

    async def refresh_smart(self, db: Executor, *, collection_id: str) -> SmartCollectionUpdate:
        """Replace a smart collection's photos by the versions its rules match, atomically.

        In one transaction, with the collection row locked, by difference: one ``DELETE``
        removes the rows whose photo no longer matches (and extra rows of a photo held
        twice), then one ``INSERT ... SELECT`` built from the rules adds the matches that
        are not members yet (no row passes through Python). Members that still match keep
        their row and its ``added_at``. ``matched`` is the number of matches (the
        collection's photos afterwards), ``removed`` the number of rows it held before.

        Incrementally when it can: if the rules are those of the collection's last refresh,
        read only the version's own row (not faceCount nor personAge), and nothing wrote
        to the collection's photos since, both statements look only at the versions
        written since that refresh (the database logs them, migration 0006): the same
        membership, at a cost that follows the writes instead of the library's size.
        Raises NotFoundError if the collection does not exist or is not a smart
        collection, UnsupportedRules if its rules cannot be evaluated; either way nothing
        changes. A failing statement rolls the whole replacement back.
        """
        check_id("collection_id", collection_id)
        async with db.transaction() as conn:
            row = await conn.run(_GET_FOR_UPDATE, id=collection_id)
            if row is None or not row.is_smart_collection:
                raise NotFoundError(
                    f"smart collection {collection_id} not found", table="collections"
                )
            compiled = compile_smart_rules(row.smart_rules)
            rules = msgspec.json.encode(row.smart_rules).decode()
            mark = await conn.run(_CHANGE_MARK)
            seen = await conn.run(_REFRESH_MARK, collection_id=collection_id, rules=rules)
            held = await conn.run(_KEPT_PHOTO_COUNT, collection_id=collection_id)
            if seen is not None and compiled.incremental:
                dropped = await conn.run(
                    compiled.drop_changed, collection_id=collection_id, seen=seen, **compiled.params
                )
                added = await conn.run(
                    compiled.refresh_changed,
                    collection_id=collection_id,
                    added_at=utc_now(),
                    seen=seen,
                    **compiled.params,
                )
            else:
                dropped = await conn.run(
                    compiled.drop, collection_id=collection_id, **compiled.params
                )
                added = await conn.run(
                    compiled.refresh,
                    collection_id=collection_id,
                    added_at=utc_now(),
                    **compiled.params,
                )
            # After this refresh's own writes to the photos, which drop the old mark.
            await conn.run(_SET_REFRESH_MARK, collection_id=collection_id, rules=rules, seen=mark)
            await conn.run(_PRUNE_CHANGES)
            return SmartCollectionUpdate(
                row.id, row.name, "updated", matched=held - dropped + added, removed=held
            )

    async def refresh_all_smart(self, db: Executor) -> list[SmartCollectionUpdate]:
        """Refresh every smart collection, each in its own transaction; one result each.

        Rules that cannot be evaluated give "skipped" with the reason; a refresh that fails
        with a database error is rolled back and reported as "failed". Neither changes that
        collection nor stops the run. Results follow get_smart_collections' order; a
        collection deleted or made regular meanwhile is left out.
        """
        results: list[SmartCollectionUpdate] = []
        for row in await db.run(_GET_SMART):
            try:
                result = await self.refresh_smart(db, collection_id=row.id)
            except NotFoundError:
                continue
            except UnsupportedRules as exc:
                result = _skipped(row, str(exc))
            except (IntegrityError, DatabaseError) as exc:
                log.warning("smart collection %s not refreshed: %s", row.id, exc)
                result = SmartCollectionUpdate(row.id, row.name, "failed", reason=str(exc))
            results.append(result)
        return results


def _skipped(row: Collection, reason: str) -> SmartCollectionUpdate:
    return SmartCollectionUpdate(row.id, row.name, "skipped", reason=reason)


collection = CollectionRepository()
