"""Composite records of the photos queries: versions with their asset, details, stats, search.

A "photo" is a ``file_versions`` row. The listings nest the version's media asset under
``media_asset`` (built as a JSON object in SQL, so one query answers the whole listing);
the version's own columns come first, in table order, exactly as in
:class:`~pictallion_sql.models.FileVersion`.
"""

from __future__ import annotations

from datetime import datetime

import msgspec

from pictallion_sql.models import (
    AssetHistory,
    CombinedMetadata,
    Face,
    FileVersion,
    MediaAsset,
    StoredProcessingState,
    Tier,
)

__all__ = [
    "RECORDS",
    "CollectionStats",
    "DisplayMediaAsset",
    "FileVersionWithAsset",
    "FileVersionWithDisplayAsset",
    "IngestedPhoto",
    "PhotoDetails",
    "PhotoSearchHit",
    "PhotoSearchPage",
    "PhotoSearchResult",
    "SearchFacets",
    "SearchRow",
    "SimilarPhoto",
]


class DisplayMediaAsset(MediaAsset, frozen=True, gc=False):
    """A media asset plus ``display_filename``: the basename of the version's file path."""

    display_filename: str


class FileVersionWithAsset(FileVersion, frozen=True, gc=False):
    """A version's columns and its media asset (None only if the asset row is missing)."""

    media_asset: MediaAsset | None


class FileVersionWithDisplayAsset(FileVersion, frozen=True, gc=False):
    """A version's columns and its asset with ``display_filename`` (recent photos, listing)."""

    media_asset: DisplayMediaAsset | None


class PhotoDetails(FileVersionWithAsset, frozen=True, gc=False):
    """One version with its media asset and the asset's history (newest first)."""

    history: list[AssetHistory]


class CollectionStats(msgspec.Struct, frozen=True, gc=False):
    """Dashboard counts: media assets, silver versions, gold versions (bronze is not counted)."""

    total_photos: int
    silver_count: int
    gold_count: int


class SimilarPhoto(msgspec.Struct, frozen=True, gc=False):
    """A version whose perceptual hash resembles another's; ``similarity`` is 0-100."""

    id: str
    file_path: str
    perceptual_hash: str
    tier: Tier
    original_filename: str | None
    similarity: int


class PhotoSearchHit(msgspec.Struct, frozen=True, gc=False):
    """One row of a live-search page: the version, its asset, and the total match count."""

    id: str
    media_asset_id: str
    tier: Tier
    file_path: str
    file_hash: str
    file_size: int
    mime_type: str
    metadata: CombinedMetadata | None
    is_reviewed: bool | None
    rating: int | None
    keywords: list[str] | None
    location: str | None
    event_type: str | None
    event_name: str | None
    perceptual_hash: str | None
    ai_short_description: str | None
    processing_state: StoredProcessingState | None
    created_at: datetime
    media_asset: MediaAsset | None
    total_count: int


class PhotoSearchResult(msgspec.Struct, frozen=True, gc=False):
    """A page of live-search matches and how many matched in all."""

    photos: list[FileVersionWithAsset]
    total_count: int
    next_cursor: str | None = None
    """Pass as ``after`` for the page that follows; None when this page is the last."""
    total_exact: bool = True
    """False when counting stopped at the count limit: at least ``total_count`` matched."""


class SearchFacets(msgspec.Struct, frozen=True, gc=False):
    """Counts over the photos a search counted, each by count descending, then key.

    ``tiers`` and ``ratings`` (a NULL rating counts as 0) cover every match; the other
    facets leave out NULL and empty values; a keyword counts once per photo.
    """

    tiers: dict[str, int]
    ratings: dict[int, int]
    event_types: dict[str, int]
    mime_types: dict[str, int]
    cameras: dict[str, int]
    keywords: dict[str, int]


class PhotoSearchPage(msgspec.Struct, frozen=True, gc=False):
    """A page of search matches, how many matched, and the facets of the counted matches."""

    photos: list[FileVersionWithAsset]
    total_count: int
    facets: SearchFacets
    next_cursor: str | None = None
    """Pass as ``after`` (same filters and sort) for the page that follows; None at the end."""
    total_exact: bool = True
    """False when counting stopped at the count limit: at least ``total_count`` matched, and
    the facets count the first ``total_count`` matches in the search's order."""


class SearchRow(msgspec.Struct, frozen=True, gc=False):
    """One row of the search statement: a photo of the page (``facet`` NULL) or a facet count.

    The photo's columns come first, in :class:`FileVersionWithAsset` order; they are NULL
    on facet rows, which carry ``facet``, ``value`` and ``count`` instead.
    """

    id: str | None
    media_asset_id: str | None
    tier: Tier | None
    file_path: str | None
    file_hash: str | None
    file_size: int | None
    mime_type: str | None
    metadata: CombinedMetadata | None
    is_reviewed: bool | None
    rating: int | None
    keywords: list[str] | None
    location: str | None
    event_type: str | None
    event_name: str | None
    perceptual_hash: str | None
    ai_short_description: str | None
    processing_state: StoredProcessingState | None
    created_at: datetime | None
    media_asset: MediaAsset | None
    search_position: int | None
    facet: str | None
    value: str | None
    count: int | None


class IngestedPhoto(msgspec.Struct, frozen=True, gc=False):
    """What one upload created: the asset, its first version, its faces, the history entry."""

    media_asset: MediaAsset
    file_version: FileVersion
    faces: list[Face]
    history: AssetHistory


RECORDS: tuple[type, ...] = (
    CollectionStats,
    DisplayMediaAsset,
    FileVersionWithAsset,
    FileVersionWithDisplayAsset,
    PhotoDetails,
    PhotoSearchHit,
    PhotoSearchResult,
    SimilarPhoto,
    IngestedPhoto,
)
