"""Queries on ``file_versions`` (the API's "photos"): lookups, listings, search, similarity.

The listings of the photo routes are single queries: each answers what the old routes
assembled with one storage call per asset or per version.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, get_args

from pictallion_sql.catalog.audit import audit_on, audited_command
from pictallion_sql.catalog.base import Repository, check_id, check_page, check_text
from pictallion_sql.catalog.ingest import ingest
from pictallion_sql.catalog.media_assets import check_limit
from pictallion_sql.catalog.pages import Keyset, Page
from pictallion_sql.drivers.base import Executor
from pictallion_sql.errors import ValidationError
from pictallion_sql.limits import shown
from pictallion_sql.models import (
    INT4_MAX,
    INT4_MIN,
    FileVersion,
    InsertFileVersion,
    Tier,
    UpdateFileVersion,
)
from pictallion_sql.query.named import queries
from pictallion_sql.records.composites.photos import (
    CollectionStats,
    FileVersionWithAsset,
    FileVersionWithDisplayAsset,
    IngestedPhoto,
    PhotoDetails,
    PhotoSearchPage,
    PhotoSearchResult,
    SimilarPhoto,
)

if TYPE_CHECKING:
    from pictallion_sql.catalog.search import PhotoFilters, PhotoSort

__all__ = ["FileVersionRepository", "file_version"]

_BY_ASSET = queries.rows("file_versions.get_by_asset", FileVersion)
_BY_TIER = queries.rows("file_versions.get_by_tier", FileVersion)
_ALL = queries.rows("file_versions.get_all", FileVersion)
_BY_HASH = queries.one("file_versions.get_by_hash", FileVersion)
_SET_PHASH = queries.command("file_versions.update_perceptual_hash")
_DELETE_FACES = queries.command("file_versions.delete_faces")
_STATS = queries.single("file_versions.collection_stats", CollectionStats)
_WITH_EVENTS = queries.rows("file_versions.with_events", FileVersion)
_WITHOUT_EVENTS = queries.rows("file_versions.without_events", FileVersion)
_SIMILAR = queries.rows("file_versions.similar", SimilarPhoto)
_RECENT_PHOTOS = queries.rows("file_versions.recent_photos", FileVersionWithDisplayAsset)
_HIGHEST_TIER = queries.rows("file_versions.highest_tier", FileVersionWithDisplayAsset)
_UNPROCESSED = queries.rows("file_versions.unprocessed", FileVersionWithDisplayAsset)
_ALL_WITH_ASSETS = queries.rows("file_versions.all_with_assets", FileVersionWithAsset)
_TIER_LISTING = queries.rows("file_versions.tier_listing", FileVersionWithAsset)
_SIBLINGS = queries.rows("file_versions.sibling_versions", FileVersionWithAsset)
_DETAILS = queries.one("file_versions.details", PhotoDetails)
_BY_TAG = queries.rows("file_versions.by_tag", FileVersion)
_COUNT_ALL = queries.scalar("file_versions.count", int)
_COUNT_HIGHEST = queries.scalar("file_versions.count_highest_tier", int)
_COUNT_UNPROCESSED = queries.scalar("file_versions.count_unprocessed", int)
_COUNT_BY_TIER = queries.scalar("file_versions.count_by_tier", int)
_COUNTED = queries.scalar("file_versions.counted", int)

_BY_VERSION = (
    ("after_created_at", "after_id"),
    (datetime, str),
    operator.attrgetter("created_at", "id"),
)
_TIER_PAGES = Keyset(
    "fv.tier", _BY_TIER, queries.rows("file_versions.get_by_tier_after", FileVersion), *_BY_VERSION
)
_ALL_PAGES = Keyset(
    "fv.all", _ALL, queries.rows("file_versions.get_all_after", FileVersion), *_BY_VERSION
)
_TAG_PAGES = Keyset(
    "fv.tag", _BY_TAG, queries.rows("file_versions.by_tag_after", FileVersion), *_BY_VERSION
)
_WITH_ASSETS_PAGES = Keyset(
    "fv.assets",
    _ALL_WITH_ASSETS,
    queries.rows("file_versions.all_with_assets_after", FileVersionWithAsset),
    *_BY_VERSION,
)
_TIER_LISTING_PAGES = Keyset(
    "fv.listing",
    _TIER_LISTING,
    queries.rows("file_versions.tier_listing_after", FileVersionWithAsset),
    *_BY_VERSION,
)


def _asset_of(row: FileVersionWithDisplayAsset) -> Any:
    asset = row.media_asset
    if asset is None:  # both listings join the asset: not reached
        raise ValueError(f"file version {row.id} came without its media asset")
    return asset


def _photo_key(row: FileVersionWithDisplayAsset) -> tuple[Any, ...]:
    asset = _asset_of(row)
    return (row.created_at, asset.created_at, asset.id)


def _asset_key(row: FileVersionWithDisplayAsset) -> tuple[Any, ...]:
    asset = _asset_of(row)
    return (asset.created_at, asset.id)


_PHOTO_PAGES = Keyset(
    "fv.photos",
    _HIGHEST_TIER,
    queries.rows("file_versions.highest_tier_after", FileVersionWithDisplayAsset),
    ("after_created_at", "after_asset_created_at", "after_asset_id"),
    (datetime, datetime, str),
    _photo_key,
)
_UNPROCESSED_PAGES = Keyset(
    "fv.unprocessed",
    _UNPROCESSED,
    queries.rows("file_versions.unprocessed_after", FileVersionWithDisplayAsset),
    ("after_asset_created_at", "after_asset_id"),
    (datetime, str),
    _asset_key,
)

TIERS: tuple[str, ...] = get_args(Tier)
# The tier values the photo listing route understands besides real tiers.
ListingTier = Tier | Literal["unprocessed", "all_versions"]
_LISTING_TIERS = (*TIERS, "unprocessed", "all_versions")

# "No limit" for the listings the old backend never capped: the largest LIMIT both
# dialects accept (SQLite rejects LIMIT NULL).
_NO_LIMIT = 2**63 - 1


def _count_name(tier: str | None, show_all_versions: bool) -> str:
    """The name under which file_version_counts keeps the total of one listing."""
    if tier is None:
        return "listed_assets"
    if tier == "unprocessed":
        return "unprocessed_assets"
    if tier == "all_versions":
        return "versions"
    if tier == "silver" and not show_all_versions:
        return "visible_silver"
    return f"tier:{tier}"


def _check_tier(value: Any, name: str = "tier", allowed: tuple[str, ...] = TIERS) -> None:
    if value not in allowed or type(value) is not str:
        raise ValidationError(
            f"{name} must be one of {', '.join(allowed)}, got {shown(value)}", field=name
        )


def _limit_or_all(limit: int | None) -> int:
    if limit is None:
        return _NO_LIMIT
    check_limit("limit", limit)
    return limit


def _check_bool(name: str, value: Any) -> None:
    if type(value) is not bool:
        raise ValidationError(f"{name} must be a boolean, got {shown(value)}", field=name)


def similarity(a: str, b: str) -> int | None:
    """Perceptual-hash similarity 0-100 as the application computed it (None: incomparable).

    round((1 - differing characters / length) * 100), rounding halves up like JavaScript's
    Math.round; 0 when the lengths differ; None for two empty hashes (JavaScript got NaN,
    which never passes a threshold).
    """
    if len(a) != len(b):
        return 0
    if not a:
        return None
    differing = sum(1 for x, y in zip(a, b, strict=True) if x != y)
    return math.floor((1 - differing / len(a)) * 100 + 0.5)


class FileVersionRepository(Repository[FileVersion, InsertFileVersion, UpdateFileVersion]):
    """``file_versions`` rows."""

    def __init__(self) -> None:
        super().__init__(FileVersion, InsertFileVersion, UpdateFileVersion)

    # ---- single versions and plain lists ---------------------------------------------

    async def get_by_asset(self, db: Executor, *, media_asset_id: str) -> list[FileVersion]:
        """The versions of one asset, newest first (created_at DESC, id DESC); [] if none."""
        check_id("media_asset_id", media_asset_id)
        return await db.run(_BY_ASSET, media_asset_id=media_asset_id)

    async def get_by_tier(
        self, db: Executor, *, tier: Tier, skip: int = 0, limit: int = 100
    ) -> list[FileVersion]:
        """A page of the versions of one tier, newest first (created_at DESC, id DESC)."""
        _check_tier(tier)
        check_page(skip, limit)
        return await db.run(_BY_TIER, tier=tier, skip=skip, limit=limit)

    async def get_by_tier_page(
        self, db: Executor, *, tier: Tier, after: str | None = None, limit: int = 100
    ) -> Page[FileVersion]:
        """:meth:`get_by_tier` read by key: one page and the cursor of the next.

        ``after``: the previous page's ``next_cursor``; docs/pagination.md has the errors.
        """
        _check_tier(tier)
        return await _TIER_PAGES.page(db, after=after, limit=limit, filters={"tier": tier})

    async def get_all(
        self, db: Executor, *, skip: int = 0, limit: int | None = None
    ) -> list[FileVersion]:
        """Every version (or a page), newest first (created_at DESC, id DESC)."""
        check_page(skip, 0)
        return await db.run(_ALL, skip=skip, limit=_limit_or_all(limit))

    async def get_all_page(
        self, db: Executor, *, after: str | None = None, limit: int = 100
    ) -> Page[FileVersion]:
        """:meth:`get_all` read by key: one page and the cursor of the next.

        ``after``: the previous page's ``next_cursor``; docs/pagination.md has the errors.
        """
        return await _ALL_PAGES.page(db, after=after, limit=limit, filters={})

    async def get_by_hash(self, db: Executor, *, file_hash: str) -> FileVersion | None:
        """The oldest version with this MD5 hash (created_at, then id), or None."""
        if type(file_hash) is not str:
            raise ValidationError("file_hash must be a string", field="file_hash")
        check_text("file_hash", file_hash)
        return await db.run(_BY_HASH, file_hash=file_hash)

    async def update_perceptual_hash(
        self, db: Executor, *, id: str, perceptual_hash: str | None
    ) -> bool:
        """Store a version's perceptual hash; False if the version does not exist."""
        check_id("id", id)
        if perceptual_hash is not None and type(perceptual_hash) is not str:
            raise ValidationError("perceptual_hash must be a string", field="perceptual_hash")
        if perceptual_hash is not None:
            check_text("perceptual_hash", perceptual_hash)
        if audit_on(db, "file_versions"):
            params = {"id": id, "perceptual_hash": perceptual_hash}
            return bool(await audited_command(db, "file_versions", id, _SET_PHASH, params))
        return bool(await db.run(_SET_PHASH, id=id, perceptual_hash=perceptual_hash))

    async def delete_faces(self, db: Executor, *, photo_id: str) -> int:
        """Delete every face detected on version ``photo_id``; returns how many were deleted."""
        check_id("photo_id", photo_id)
        return await db.run(_DELETE_FACES, photo_id=photo_id)

    async def get_collection_stats(self, db: Executor) -> CollectionStats:
        """Counts of media assets, silver versions and gold versions (0 when empty)."""
        return await db.run(_STATS)

    async def get_photos_with_events(self, db: Executor) -> list[FileVersion]:
        """Versions with a non-empty event_type, newest first (created_at DESC, id DESC)."""
        return await db.run(_WITH_EVENTS)

    async def get_photos_without_events(self, db: Executor) -> list[FileVersion]:
        """Versions whose event_type is NULL or empty, newest first (created_at DESC, id DESC)."""
        return await db.run(_WITHOUT_EVENTS)

    async def get_photos_by_tag(
        self, db: Executor, *, tag: str, skip: int = 0, limit: int = 100
    ) -> list[FileVersion]:
        """Versions with ``tag`` (exact) in keywords or metadata.ai.aiTags, newest first."""
        if type(tag) is not str:
            raise ValidationError("tag must be a string", field="tag")
        check_text("tag", tag)
        check_page(skip, limit)
        return await db.run(_BY_TAG, tag=tag, skip=skip, limit=limit)

    async def get_photos_by_tag_page(
        self, db: Executor, *, tag: str, after: str | None = None, limit: int = 100
    ) -> Page[FileVersion]:
        """:meth:`get_photos_by_tag` read by key: one page and the cursor of the next.

        ``after``: the previous page's ``next_cursor``; docs/pagination.md has the errors.
        """
        if type(tag) is not str:
            raise ValidationError("tag must be a string", field="tag")
        check_text("tag", tag)
        return await _TAG_PAGES.page(db, after=after, limit=limit, filters={"tag": tag})

    # ---- listings with the media asset nested ----------------------------------------

    async def get_recent_photos(
        self, db: Executor, *, limit: int = 6
    ) -> list[FileVersionWithDisplayAsset]:
        """The newest versions of every tier with their asset and its display_filename."""
        check_limit("limit", limit)
        return await db.run(_RECENT_PHOTOS, limit=limit)

    async def list_photos(
        self, db: Executor, *, skip: int = 0, limit: int = 100
    ) -> list[FileVersionWithDisplayAsset]:
        """The photo listing: each asset's best version (most recent gold, else silver).

        Sorted by the version's created_at DESC (then the asset's created_at DESC, id DESC);
        ``limit`` defaults to the route's cap of 100.
        """
        check_page(skip, limit)
        return await db.run(_HIGHEST_TIER, skip=skip, limit=limit)

    async def list_photos_page(
        self, db: Executor, *, after: str | None = None, limit: int = 100
    ) -> Page[FileVersionWithDisplayAsset]:
        """:meth:`list_photos` read by key: one page and the cursor of the next.

        The key is the listing's whole order: the version's created_at, then its asset's
        created_at and id.

        ``after``: the previous page's ``next_cursor``; docs/pagination.md has the errors.
        """
        return await _PHOTO_PAGES.page(db, after=after, limit=limit, filters={})

    async def list_unprocessed(
        self, db: Executor, *, skip: int = 0, limit: int | None = None
    ) -> list[FileVersionWithDisplayAsset]:
        """Assets with a silver and no gold version: their most recent silver version.

        In asset order (the asset's created_at DESC, id DESC); no cap unless ``limit``.
        """
        check_page(skip, 0)
        return await db.run(_UNPROCESSED, skip=skip, limit=_limit_or_all(limit))

    async def list_unprocessed_page(
        self, db: Executor, *, after: str | None = None, limit: int = 100
    ) -> Page[FileVersionWithDisplayAsset]:
        """:meth:`list_unprocessed` read by key (the asset's created_at, then its id).

        ``after``: the previous page's ``next_cursor``; docs/pagination.md has the errors.
        """
        return await _UNPROCESSED_PAGES.page(db, after=after, limit=limit, filters={})

    async def get_all_with_assets(
        self, db: Executor, *, skip: int = 0, limit: int | None = None
    ) -> list[FileVersionWithAsset]:
        """Every version with its media asset, newest first (created_at DESC, id DESC)."""
        check_page(skip, 0)
        return await db.run(_ALL_WITH_ASSETS, skip=skip, limit=_limit_or_all(limit))

    async def get_all_with_assets_page(
        self, db: Executor, *, after: str | None = None, limit: int = 100
    ) -> Page[FileVersionWithAsset]:
        """:meth:`get_all_with_assets` read by key: one page and the cursor of the next.

        ``after``: the previous page's ``next_cursor``; docs/pagination.md has the errors.
        """
        return await _WITH_ASSETS_PAGES.page(db, after=after, limit=limit, filters={})

    async def list_by_tier(
        self,
        db: Executor,
        *,
        tier: Tier,
        show_all_versions: bool = False,
        skip: int = 0,
        limit: int | None = None,
    ) -> list[FileVersionWithAsset]:
        """Versions of one tier with their asset, newest first (created_at DESC, id DESC).

        Unless ``show_all_versions``, silver versions whose asset also has a gold version
        are left out (the route's showAllVersions rule). No cap unless ``limit``.
        """
        _check_tier(tier)
        _check_bool("show_all_versions", show_all_versions)
        check_page(skip, 0)
        return await db.run(
            _TIER_LISTING,
            tier=tier,
            show_all_versions=show_all_versions,
            skip=skip,
            limit=_limit_or_all(limit),
        )

    async def list_by_tier_page(
        self,
        db: Executor,
        *,
        tier: Tier,
        show_all_versions: bool = False,
        after: str | None = None,
        limit: int = 100,
    ) -> Page[FileVersionWithAsset]:
        """:meth:`list_by_tier` read by key: one page and the cursor of the next.

        ``after``: the previous page's ``next_cursor``; docs/pagination.md has the errors.
        """
        _check_tier(tier)
        _check_bool("show_all_versions", show_all_versions)
        filters = {"tier": tier, "show_all_versions": show_all_versions}
        return await _TIER_LISTING_PAGES.page(db, after=after, limit=limit, filters=filters)

    async def get_photos_count(
        self, db: Executor, *, tier: ListingTier | None = None, show_all_versions: bool = False
    ) -> int:
        """How many rows the photo listing for ``tier`` has, without pagination or cap.

        The total a paged photo listing shows (GET /api/photos of the old backends)::

            total = await crud.file_version.get_photos_count(db, tier="gold")

        :param tier: None: assets with a gold or silver version (:meth:`list_photos`);
            "unprocessed": :meth:`list_unprocessed`; "all_versions": every version; a tier:
            :meth:`list_by_tier`.
        :param show_all_versions: with a tier, count the versions an asset's higher tier
            supersedes too (as :meth:`list_by_tier` lists them).
        :raises ValidationError: another ``tier`` (field ``tier``), or a ``show_all_versions``
            that is not a bool.

        The database keeps these counts itself (triggers of migration 0006, see
        docs/counts.md): one indexed read whatever the library's size, exact in every
        transaction, whoever wrote the rows. :meth:`scan_photos_count` counts the rows.
        """
        if tier is not None:
            _check_tier(tier, allowed=_LISTING_TIERS)
            _check_bool("show_all_versions", show_all_versions)
        return await db.run(_COUNTED, name=_count_name(tier, show_all_versions))

    async def scan_photos_count(
        self, db: Executor, *, tier: ListingTier | None = None, show_all_versions: bool = False
    ) -> int:
        """:meth:`get_photos_count` counted from the rows themselves instead of the kept counts.

        The same figure, at the cost of reading every matching row (about a second at a
        million versions): for checking the kept counts, not for routes.
        """
        if tier is None:
            return await db.run(_COUNT_HIGHEST)
        _check_tier(tier, allowed=_LISTING_TIERS)
        _check_bool("show_all_versions", show_all_versions)
        if tier == "unprocessed":
            return await db.run(_COUNT_UNPROCESSED)
        if tier == "all_versions":
            return await db.run(_COUNT_ALL)
        return await db.run(_COUNT_BY_TIER, tier=tier, show_all_versions=show_all_versions)

    async def get_sibling_versions(self, db: Executor, *, id: str) -> list[FileVersionWithAsset]:
        """Every version of the asset of version ``id`` (itself included), with the asset.

        Gold first, then silver, then other tiers; within a tier newest first (created_at
        DESC, id DESC). [] when the version does not exist.
        """
        check_id("id", id)
        return await db.run(_SIBLINGS, id=id)

    async def get_with_details(self, db: Executor, *, id: str) -> PhotoDetails | None:
        """Version ``id`` with its media asset and the asset's history (newest first), or None."""
        check_id("id", id)
        return await db.run(_DETAILS, id=id)

    # ---- similarity (advancedSearch.findSimilarPhotos, A1 + A2) ----------------------

    async def find_similar(
        self, db: Executor, *, id: str, threshold: float = 85, limit: int = 20
    ) -> list[SimilarPhoto]:
        """Versions whose perceptual hash is at least ``threshold`` % similar to version ``id``'s.

        Most similar first, then newest (created_at DESC, id DESC); computed in the database.
        [] when the version is missing or has no perceptual hash.
        """
        check_id("id", id)
        if type(threshold) not in (int, float):
            raise ValidationError("threshold must be a number", field="threshold")
        try:
            # Both dialects compare a double: an integer one cannot hold is out of range.
            percent = float(threshold)
        except OverflowError:
            percent = math.nan
        if not math.isfinite(percent):
            raise ValidationError(
                f"threshold must be a finite number, got {shown(threshold)}", field="threshold"
            )
        check_limit("limit", limit)
        return await db.run(_SIMILAR, id=id, threshold=percent, limit=limit)

    # ---- live search (POST /api/photos/search, 2.5.2) --------------------------------

    async def search_photos(
        self,
        db: Executor,
        *,
        query: str | None = None,
        tier: Tier | None = "silver",
        rating_min: int | None = None,
        rating_max: int | None = None,
        skip: int = 0,
        limit: int = 50,
        after: str | None = None,
        exact_total: bool = False,
    ) -> PhotoSearchResult:
        """A page of matching versions with their asset, newest first, and the match count.

        ``query``: case-insensitive substring of the asset's original filename, the
        location, or the keywords joined with spaces (an empty query matches everything).
        ``tier``: the route searched silver versions, the default; None searches every tier.
        ``rating_min``/``rating_max``: inclusive, a NULL rating counting as 0.
        ``after``: the ``next_cursor`` of the previous page of the same search (``skip``
        then counts from it). A large total is kept between pages (docs/search.md).
        ``total_count`` stops at the ``search_count_limit`` setting (``total_exact`` is
        then False) unless ``exact_total`` asks for every match to be counted.
        """
        if query is not None and type(query) is not str:
            raise ValidationError("query must be a string", field="query")
        if query is not None:
            check_text("query", query)
        if tier is not None:
            _check_tier(tier)
        for name, value in (("rating_min", rating_min), ("rating_max", rating_max)):
            if value is not None and type(value) is not int:
                raise ValidationError(f"{name} must be an integer", field=name)
            if value is not None and not INT4_MIN <= value <= INT4_MAX:
                raise ValidationError(
                    f"{name} must be an integer from {INT4_MIN} to {INT4_MAX}, got {shown(value)}",
                    field=name,
                )
        check_page(skip, limit)
        params: dict[str, Any] = {
            "query": query or None,
            "tier": tier,
            "rating_min": rating_min,
            "rating_max": rating_max,
        }
        # Loaded on first use: the search modules are not needed to import the repositories.
        from pictallion_sql.catalog.photo_search import live_search_page

        return await live_search_page(
            db, params, skip=skip, limit=limit, after=after, exact_total=exact_total
        )

    # ---- search with filters, sort and facets (advancedSearch.searchPhotos, 2.5.1) ------

    async def search(
        self,
        db: Executor,
        *,
        filters: PhotoFilters | Mapping[str, Any] | None = None,
        sort: PhotoSort | Mapping[str, Any] | None = None,
        skip: int = 0,
        limit: int = 50,
        after: str | None = None,
        exact_total: bool = False,
    ) -> PhotoSearchPage:
        """A page of the versions matching ``filters`` (with their asset), the total and facets.

        ``filters``/``sort`` may be plain mappings (a JSON body); the default order is
        created_at DESC. ``after`` is the ``next_cursor`` of the previous page of the same
        search (``skip`` then counts from it). One statement answers the page, the count
        and the facets. They count the first ``search_count_limit`` matches (setting,
        1,000) in the search's order, with ``total_exact`` False when there are more,
        unless ``exact_total`` asks for every match; the totals of a large or capped
        search are then kept and its following pages read only their photos.
        docs/search.md has the semantics.
        """
        from pictallion_sql.catalog.photo_search import search_page

        return await search_page(
            db, filters, sort, skip=skip, limit=limit, after=after, exact_total=exact_total
        )

    # ---- writes -----------------------------------------------------------------------

    async def ingest_photo(
        self,
        db: Executor,
        *,
        original_filename: str,
        version: InsertFileVersion | Mapping[str, Any],
        faces: Sequence[Mapping[str, Any]] = (),
        details: str | None = None,
    ) -> IngestedPhoto:
        """The upload flow in one transaction: asset, first version, faces, INGESTED entry.

        Everything is validated before anything is written; a failure part-way writes
        nothing::

            ingested = await crud.file_version.ingest_photo(
                db,
                original_filename="IMG_0001.jpg",
                version={"file_path": "media/silver/IMG_0001.jpg", "file_hash": "9e10...",
                         "file_size": 2_345_678, "mime_type": "image/jpeg"},
                faces=[{"bounding_box": [10, 20, 100, 120], "confidence": 97}],
            )
            ingested.file_version.media_asset_id == ingested.media_asset.id  # True

        :param original_filename: the new media asset's file name.
        :param version: the version's columns (``InsertFileVersion`` fields); its
            ``media_asset_id`` is the new asset's (a value given is replaced) and ``tier``
            defaults to silver.
        :param faces: each face's columns (``InsertFace`` fields) except ``photo_id``.
        :param details: the ``details`` of the ``INGESTED`` history entry.
        :returns: the rows written: ``media_asset``, ``file_version``, ``faces``, ``history``.
        :raises ValidationError: a value that does not fit its column, naming the field.
        :raises DuplicateKeyError: a unique value already taken.
        """
        return await ingest(
            db,
            original_filename=original_filename,
            version=version,
            faces=faces,
            details=details,
        )


file_version = FileVersionRepository()
