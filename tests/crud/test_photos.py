"""The photos group: media_assets, file_versions, asset_history, and the photo composites.

Every read method runs on both dialects against the fixed library and must answer the
same (the differential test), with the expected ids and order asserted; the write
methods run once per dialect on a fresh database.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from operator import attrgetter
from typing import Any

import msgspec
import pytest

from pictallion_sql import crud
from pictallion_sql.catalog.file_versions import similarity
from pictallion_sql.errors import (
    ForeignKeyError,
    NotFoundError,
    ValidationError,
)
from pictallion_sql.models import FileVersion, InsertFileVersion, InsertMediaAsset
from pictallion_sql.query.registry import make_query
from pictallion_sql.records.composites.photos import (
    CollectionStats,
    FileVersionWithAsset,
    FileVersionWithDisplayAsset,
    PhotoDetails,
    PhotoSearchResult,
)
from tests.library import at, load_library, uid

# Every test here asserts the results of the statements it runs by value.
pytestmark = pytest.mark.pins


def fv(*ns: int) -> list[str]:
    """Ids of file versions ``ns``."""
    return [uid("fv", n) for n in ns]


def asset(*ns: int) -> list[str]:
    """Ids of media assets ``ns``."""
    return [uid("asset", n) for n in ns]


def hist(*ns: int) -> list[str]:
    """Ids of asset history entries ``ns``."""
    return [uid("hist", n) for n in ns]


MISSING = "99999999-0000-4000-8000-000000000000"
# History timestamps come from the database clock; the order tests fix them explicitly.
_SET_HISTORY_TIME = make_query(
    "test.set_history_time",
    "none",
    None,
    'UPDATE asset_history SET "timestamp" = :at WHERE id = :id',
)


def summary(result: Any) -> Any:
    """What a case asserts: ids in order, a single id, a count, or the stats tuple."""
    if result is None or isinstance(result, int | bool):
        return result
    if isinstance(result, list):
        return [r.id for r in result]
    if isinstance(result, PhotoSearchResult):
        return ([p.id for p in result.photos], result.total_count)
    if isinstance(result, CollectionStats):
        return (result.total_photos, result.silver_count, result.gold_count)
    return result.id


# (repository, method, keyword arguments, expected summary)
READ_CASES: list[tuple[str, str, dict[str, Any], Any]] = [
    # media assets
    ("media_asset", "get_all", {}, asset(6, 5, 4, 3, 2, 1)),
    ("media_asset", "get_recent", {}, asset(6, 5, 4, 3, 2, 1)),
    ("media_asset", "get_recent", {"limit": 2}, asset(6, 5)),
    ("media_asset", "get_recent", {"limit": 0}, []),
    ("media_asset", "get_by_filename", {"filename": "IMG_0001.jpg"}, uid("asset", 1)),
    ("media_asset", "get_by_filename", {"filename": "Élodie à la plage.png"}, uid("asset", 4)),
    ("media_asset", "get_by_filename", {"filename": "img_0001.jpg"}, None),
    ("compat.media_asset", "get_media_asset", {"id": uid("asset", 3)}, uid("asset", 3)),
    ("media_asset", "get", {"id": MISSING}, None),
    # file versions: plain lists
    ("compat.file_version", "get_file_version", {"id": uid("fv", 3)}, uid("fv", 3)),
    ("file_version", "get", {"id": MISSING}, None),
    ("file_version", "get_by_asset", {"media_asset_id": uid("asset", 6)}, fv(9, 10, 8)),
    ("file_version", "get_by_asset", {"media_asset_id": uid("asset", 4)}, fv(6)),
    ("file_version", "get_by_asset", {"media_asset_id": MISSING}, []),
    ("compat.file_version", "get_by_media_asset", {"media_asset_id": uid("asset", 1)}, fv(2, 1)),
    (
        "compat.file_version",
        "get_file_versions_by_asset",
        {"media_asset_id": uid("asset", 3)},
        fv(5, 4),
    ),
    ("file_version", "get_by_tier", {"tier": "silver"}, fv(10, 8, 7, 5, 3, 1)),
    ("file_version", "get_by_tier", {"tier": "gold", "skip": 1, "limit": 1}, fv(6)),
    ("file_version", "get_by_tier", {"tier": "bronze"}, fv(4)),
    ("file_version", "get_all", {}, fv(9, 10, 8, 7, 6, 5, 4, 3, 2, 1)),
    ("file_version", "get_all", {"skip": 8}, fv(2, 1)),
    ("compat.file_version", "get_all_file_versions", {"limit": 2, "offset": 1}, fv(10, 8)),
    ("file_version", "get_by_hash", {"file_hash": "hash06"}, uid("fv", 8)),
    ("file_version", "get_by_hash", {"file_hash": "hash03"}, uid("fv", 4)),
    ("compat.file_version", "get_file_by_hash", {"file_hash": "hash01"}, uid("fv", 1)),
    ("file_version", "get_by_hash", {"file_hash": "HASH01"}, None),
    ("file_version", "get_collection_stats", {}, (6, 6, 3)),
    ("file_version", "get_photos_with_events", {}, fv(7, 5, 2)),
    ("file_version", "get_photos_without_events", {}, fv(9, 10, 8, 6, 4, 3, 1)),
    ("file_version", "get_photos_by_tag", {"tag": "beach"}, fv(2, 1)),
    ("file_version", "get_photos_by_tag", {"tag": "Sunset"}, fv(2, 1)),
    ("file_version", "get_photos_by_tag", {"tag": "sunset"}, fv(2)),
    ("file_version", "get_photos_by_tag", {"tag": "100%_sale"}, fv(7)),
    ("file_version", "get_photos_by_tag", {"tag": "famille"}, fv(6)),
    ("file_version", "get_photos_by_tag", {"tag": "BEACH"}, []),
    ("file_version", "get_photos_by_tag", {"tag": "beach", "limit": 1}, fv(2)),
    # file versions: listings with the asset nested
    ("file_version", "get_recent_photos", {}, fv(9, 10, 8, 7, 6, 5)),
    ("file_version", "get_recent_photos", {"limit": 1}, fv(9)),
    ("file_version", "list_photos", {}, fv(9, 7, 6, 5, 3, 2)),
    ("file_version", "list_photos", {"skip": 1, "limit": 2}, fv(7, 6)),
    ("compat.file_version", "get_highest_tier_photos", {"limit": 3, "offset": 3}, fv(5, 3, 2)),
    ("file_version", "list_unprocessed", {}, fv(7, 5, 3)),
    ("compat.file_version", "get_unprocessed_photos", {"limit": 1, "offset": 1}, fv(5)),
    ("file_version", "get_all_with_assets", {}, fv(9, 10, 8, 7, 6, 5, 4, 3, 2, 1)),
    ("file_version", "get_all_with_assets", {"skip": 9, "limit": 5}, fv(1)),
    ("file_version", "list_by_tier", {"tier": "silver"}, fv(7, 5, 3)),
    (
        "file_version",
        "list_by_tier",
        {"tier": "silver", "show_all_versions": True},
        fv(10, 8, 7, 5, 3, 1),
    ),
    ("file_version", "list_by_tier", {"tier": "gold"}, fv(9, 6, 2)),
    ("file_version", "list_by_tier", {"tier": "bronze"}, fv(4)),
    (
        "compat.file_version",
        "get_photos_by_tier",
        {"tier": "silver", "show_superseded": True, "limit": 2},
        fv(10, 8),
    ),
    ("file_version", "get_photos_count", {}, 6),
    ("file_version", "get_photos_count", {"tier": "unprocessed"}, 3),
    ("file_version", "get_photos_count", {"tier": "all_versions"}, 10),
    ("file_version", "get_photos_count", {"tier": "silver"}, 3),
    ("compat.file_version", "get_photos_count", {"tier": "silver", "show_superseded": True}, 6),
    ("file_version", "get_photos_count", {"tier": "gold"}, 3),
    ("file_version", "get_photos_count", {"tier": "bronze"}, 1),
    ("file_version", "get_sibling_versions", {"id": uid("fv", 8)}, fv(9, 10, 8)),
    ("file_version", "get_sibling_versions", {"id": uid("fv", 4)}, fv(5, 4)),
    ("file_version", "get_sibling_versions", {"id": uid("fv", 1)}, fv(2, 1)),
    ("file_version", "get_sibling_versions", {"id": MISSING}, []),
    ("file_version", "get_with_details", {"id": uid("fv", 2)}, uid("fv", 2)),
    ("file_version", "get_with_details", {"id": uid("fv", 6)}, uid("fv", 6)),
    ("file_version", "get_with_details", {"id": uid("fv", 3)}, uid("fv", 3)),
    ("file_version", "get_with_details", {"id": MISSING}, None),
    # similarity (A1 + A2)
    ("file_version", "find_similar", {"id": uid("fv", 1)}, fv(2, 3)),
    ("file_version", "find_similar", {"id": uid("fv", 1), "threshold": 0}, fv(2, 3, 4, 5)),
    ("file_version", "find_similar", {"id": uid("fv", 1), "threshold": 0, "limit": 2}, fv(2, 3)),
    ("file_version", "find_similar", {"id": uid("fv", 3), "threshold": 80}, fv(2, 1)),
    ("compat.file_version", "find_similar_photos", {"id": uid("fv", 1), "threshold": 100}, fv(2)),
    ("file_version", "find_similar", {"id": uid("fv", 7)}, []),
    ("file_version", "find_similar", {"id": MISSING}, []),
    # live search (2.5.2)
    ("file_version", "search_photos", {}, (fv(10, 8, 7, 5, 3, 1), 6)),
    ("file_version", "search_photos", {"query": "img"}, (fv(10, 8, 7, 3, 1), 5)),
    ("file_version", "search_photos", {"query": "ÉLODIE", "tier": None}, (fv(6), 1)),
    ("file_version", "search_photos", {"query": "À LA", "tier": None}, (fv(6), 1)),
    ("file_version", "search_photos", {"query": "nice", "tier": None}, (fv(6), 1)),
    ("file_version", "search_photos", {"query": "beach sunset", "tier": None}, (fv(2), 1)),
    ("file_version", "search_photos", {"query": "100%", "tier": None}, (fv(7), 1)),
    ("file_version", "search_photos", {"query": "%", "tier": None}, (fv(7), 1)),
    ("file_version", "search_photos", {"query": "0%_S"}, (fv(7), 1)),
    ("file_version", "search_photos", {"query": "zzz"}, ([], 0)),
    ("file_version", "search_photos", {"query": ""}, (fv(10, 8, 7, 5, 3, 1), 6)),
    ("file_version", "search_photos", {"rating_min": 3}, (fv(10, 1), 2)),
    ("file_version", "search_photos", {"rating_max": 0}, (fv(7, 3), 2)),
    ("file_version", "search_photos", {"rating_min": 2, "rating_max": 3}, (fv(10, 8, 1), 3)),
    ("compat.file_version", "search_photos", {"limit": 2, "offset": 1}, (fv(8, 7), 6)),
    ("compat.file_version", "search_photos", {"offset": 100}, ([], 6)),
    ("file_version", "search_photos", {"tier": "gold"}, (fv(9, 6, 2), 3)),
    ("file_version", "search_photos", {"tier": "gold", "rating_min": 5}, (fv(2), 1)),
    ("file_version", "search_photos", {"tier": None, "limit": 3}, (fv(9, 10, 8), 10)),
    # asset history
    ("asset_history", "get_by_asset", {"media_asset_id": uid("asset", 1)}, hist(2, 1)),
    ("asset_history", "get_by_asset", {"media_asset_id": uid("asset", 6)}, hist(5, 4)),
    ("asset_history", "get_by_asset", {"media_asset_id": uid("asset", 3)}, []),
    ("compat.asset_history", "get_asset_history", {"media_asset_id": uid("asset", 2)}, hist(3)),
    ("asset_history", "get_recent", {}, hist(5, 4, 3, 2, 1)),
    ("asset_history", "get_recent", {"limit": 2}, hist(5, 4)),
    ("compat.asset_history", "get_recent_activity", {"limit": 1}, hist(5)),
]


@pytest.mark.parametrize(
    ("repo", "method", "kwargs", "expected"),
    READ_CASES,
    ids=[f"{r}.{m}{sorted(k.items())}" for r, m, k, _ in READ_CASES],
)
async def test_read_methods_answer_the_same_on_both_dialects(
    library_pair: tuple[Any, Any], repo: str, method: str, kwargs: dict[str, Any], expected: Any
) -> None:
    sqlite_db, pg_db = library_pair
    call: Callable[..., Awaitable[Any]] = attrgetter(f"{repo}.{method}")(crud)
    lite = await call(sqlite_db, **kwargs)
    pg = await call(pg_db, **kwargs)
    assert lite == pg
    assert summary(lite) == expected


async def test_listings_nest_the_asset_and_display_filename(
    library_pair: tuple[Any, Any],
) -> None:
    for db in library_pair:
        recent = await crud.file_version.get_recent_photos(db, limit=3)
        assert all(isinstance(p, FileVersionWithDisplayAsset) for p in recent)
        assert [p.media_asset.display_filename for p in recent if p.media_asset] == [
            "photo_9.jpg",
            "photo_10.jpg",
            "photo_8.jpg",
        ]
        first = recent[0]
        assert first.media_asset is not None
        assert first.media_asset.id == first.media_asset_id == uid("asset", 6)
        assert first.media_asset.original_filename == "IMG_0006.jpg"
        assert first.media_asset.created_at == datetime(2026, 7, 1, 12, 40, 0, 123456)
        # The version's own columns are exactly the plain row's.
        plain = await crud.file_version.get(db, id=first.id)
        assert msgspec.structs.astuple(first)[:-1] == msgspec.structs.astuple(plain)

        listing = await crud.file_version.list_photos(db)
        nice = next(p for p in listing if p.id == uid("fv", 6))
        assert nice.media_asset is not None
        assert nice.media_asset.original_filename == "Élodie à la plage.png"
        assert nice.media_asset.display_filename == "photo_6.jpg"

        with_assets = await crud.file_version.get_all_with_assets(db)
        assert all(isinstance(p, FileVersionWithAsset) for p in with_assets)
        nulls = next(p for p in with_assets if p.id == uid("fv", 3))
        assert (nulls.rating, nulls.keywords, nulls.metadata, nulls.is_reviewed) == (
            None,
            None,
            None,
            None,
        )
        assert nulls.processing_state is None
        assert nulls.media_asset == await crud.media_asset.get(db, id=uid("asset", 2))


async def test_details_hold_the_asset_and_its_history_newest_first(
    library_pair: tuple[Any, Any],
) -> None:
    for db in library_pair:
        details = await crud.file_version.get_with_details(db, id=uid("fv", 2))
        assert isinstance(details, PhotoDetails)
        assert details.media_asset == await crud.media_asset.get(db, id=uid("asset", 1))
        assert details.history == await crud.asset_history.get_by_asset(
            db, media_asset_id=uid("asset", 1)
        )
        assert [h.action for h in details.history] == ["PROMOTED", "INGESTED"]
        assert details.history[0].details is None
        assert details.metadata is not None and details.metadata.ai is not None
        assert details.keywords == ["beach", "sunset"]
        empty = await crud.file_version.get_with_details(db, id=uid("fv", 6))
        assert empty is not None and empty.history == []
        # Timestamp ties in the history are broken by id, descending.
        ties = await crud.file_version.get_with_details(db, id=uid("fv", 9))
        assert ties is not None and [h.id for h in ties.history] == hist(5, 4)


async def test_similarity_scores_and_stats(library_pair: tuple[Any, Any]) -> None:
    for db in library_pair:
        found = await crud.file_version.find_similar(db, id=uid("fv", 1), threshold=0)
        assert [p.similarity for p in found] == [100, 88, 25, 0]
        assert found[0].original_filename == "IMG_0001.jpg"
        assert found[0].perceptual_hash == "ffee0011"
        stats = await crud.file_version.get_collection_stats(db)
        assert stats == CollectionStats(total_photos=6, silver_count=6, gold_count=3)


def test_similarity_follows_the_application_rounding() -> None:
    assert similarity("ffee0011", "ffee0012") == 88  # 87.5 rounds half up
    assert similarity("ab", "ac") == 50
    assert similarity("abc", "ab") == 0
    assert similarity("", "") is None
    assert similarity("0" * 200, "0" * 199 + "1") == 100  # 99.5 rounds up


# ------------------------------------------------------------------------------------------
# Validation: our exception type, naming the argument, identical on both dialects.
# ------------------------------------------------------------------------------------------

BAD_CALLS: list[tuple[str, str, dict[str, Any], str]] = [
    ("file_version", "get_by_tier", {"tier": "platinum"}, "tier"),
    ("file_version", "get_by_tier", {"tier": "gold", "skip": -1}, "skip"),
    ("file_version", "get_by_tier", {"tier": "gold", "limit": "10"}, "limit"),
    ("file_version", "list_by_tier", {"tier": "unprocessed"}, "tier"),
    (
        "file_version",
        "list_by_tier",
        {"tier": "gold", "show_all_versions": "yes"},
        "show_all_versions",
    ),
    ("file_version", "get_photos_count", {"tier": "everything"}, "tier"),
    ("file_version", "get_by_asset", {"media_asset_id": 5}, "media_asset_id"),
    ("file_version", "get_by_hash", {"file_hash": None}, "file_hash"),
    ("file_version", "get_recent_photos", {"limit": -1}, "limit"),
    ("file_version", "list_photos", {"limit": True}, "limit"),
    ("file_version", "find_similar", {"id": uid("fv", 1), "threshold": "high"}, "threshold"),
    ("file_version", "find_similar", {"id": uid("fv", 1), "limit": -5}, "limit"),
    ("file_version", "search_photos", {"tier": "all"}, "tier"),
    ("file_version", "search_photos", {"rating_min": "3"}, "rating_min"),
    ("compat.file_version", "search_photos", {"offset": -1}, "offset"),
    ("file_version", "search_photos", {"query": 42}, "query"),
    ("file_version", "get_photos_by_tag", {"tag": ["beach"]}, "tag"),
    (
        "file_version",
        "update_perceptual_hash",
        {"id": uid("fv", 1), "perceptual_hash": 7},
        "perceptual_hash",
    ),
    ("media_asset", "get_recent", {"limit": -1}, "limit"),
    ("media_asset", "get_by_filename", {"filename": None}, "filename"),
    ("asset_history", "get_recent", {"limit": 1.5}, "limit"),
    ("asset_history", "get_by_asset", {"media_asset_id": None}, "media_asset_id"),
]


@pytest.mark.parametrize(
    ("repo", "method", "kwargs", "field"),
    BAD_CALLS,
    ids=[f"{r}.{m}-{f}" for r, m, _, f in BAD_CALLS],
)
async def test_bad_arguments_raise_validation_errors(
    library_pair: tuple[Any, Any], repo: str, method: str, kwargs: dict[str, Any], field: str
) -> None:
    for db in library_pair:
        with pytest.raises(ValidationError) as info:
            await attrgetter(f"{repo}.{method}")(crud)(db, **kwargs)
        assert info.value.field == field


# ------------------------------------------------------------------------------------------
# Writes, once per dialect on a fresh database.
# ------------------------------------------------------------------------------------------


def _version(asset_id: str, **extra: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "media_asset_id": asset_id,
        "tier": "silver",
        "file_path": "media/silver/2026/07/new.jpg",
        "file_hash": "abc123",
        "file_size": 1234,
        "mime_type": "image/jpeg",
    }
    row.update(extra)
    return row


async def test_create_get_update_asset_and_version(db: Any) -> None:
    created = await crud.compat.media_asset.create_media_asset(
        db, obj_in=InsertMediaAsset(original_filename="new.jpg")
    )
    assert created.original_filename == "new.jpg"
    assert await crud.media_asset.get(db, id=created.id) == created
    renamed = await crud.media_asset.update(
        db, db_obj=created, obj_in={"original_filename": "renamed.jpg"}
    )
    assert renamed is not None and renamed.original_filename == "renamed.jpg"
    assert renamed.created_at == created.created_at
    with pytest.raises(ValidationError):
        await crud.media_asset.update(db, db_obj=created.id, obj_in={})

    version = await crud.compat.file_version.create_file_version(db, obj_in=_version(created.id))
    # Omitted columns take the database defaults.
    assert (version.is_reviewed, version.rating, version.keywords) == (False, 0, [])
    assert (version.processing_state, version.metadata) == ("processed", None)
    updated = await crud.compat.file_version.update_file_version(
        db, db_obj=version.id, obj_in={"rating": 4, "keywords": ["a", "b"], "location": None}
    )
    assert updated is not None
    assert (updated.rating, updated.keywords, updated.location) == (4, ["a", "b"], None)
    assert updated.created_at == version.created_at
    assert await crud.file_version.update(db, db_obj=MISSING, obj_in={"rating": 1}) is None
    with pytest.raises(ValidationError) as info:
        await crud.file_version.update(db, db_obj=version.id, obj_in={"rating": 6})
    assert info.value.field == "rating"
    with pytest.raises(ValidationError) as info:
        await crud.file_version.create(db, obj_in=_version(created.id, tier="platinum"))
    assert info.value.field == "tier"
    with pytest.raises(ForeignKeyError) as fk:
        await crud.file_version.create(db, obj_in=_version(MISSING))
    assert (fk.value.table, fk.value.column) == ("file_versions", "media_asset_id")
    assert await crud.file_version.count(db) == 1


async def test_update_perceptual_hash(db: Any) -> None:
    await load_library(db)
    assert await crud.file_version.update_perceptual_hash(
        db, id=uid("fv", 7), perceptual_hash="ffee0011"
    )
    changed = await crud.file_version.get(db, id=uid("fv", 7))
    assert changed is not None and changed.perceptual_hash == "ffee0011"
    assert not await crud.file_version.update_perceptual_hash(db, id=MISSING, perceptual_hash="00")
    similar = await crud.file_version.find_similar(db, id=uid("fv", 7))
    assert [p.id for p in similar] == fv(2, 1, 3)


async def test_remove_refuses_referenced_versions_and_deletes_nothing(db: Any) -> None:
    await load_library(db)
    before = await crud.file_version.count(db)
    # fv 3 has two faces; fv 2 has faces and collection rows.
    with pytest.raises(ForeignKeyError) as info:
        await crud.file_version.remove(db, id=uid("fv", 3))
    assert (info.value.table, info.value.column) == ("faces", "photo_id")
    assert info.value.referenced_table == "file_versions"
    assert await crud.file_version.count(db) == before
    assert await crud.file_version.exists(db, id=uid("fv", 3))

    # Once its faces are gone, the version can go.
    assert await crud.compat.file_version.delete_faces_by_photo(db, photo_id=uid("fv", 3)) == 2
    assert await crud.file_version.delete_faces(db, photo_id=uid("fv", 3)) == 0
    removed = await crud.file_version.remove(db, id=uid("fv", 3))
    assert removed is not None
    assert (
        removed.id,
        removed.media_asset_id,
        removed.tier,
        removed.file_path,
        removed.rating,
        removed.keywords,
        removed.perceptual_hash,
        removed.created_at,
    ) == (
        uid("fv", 3),
        uid("asset", 2),
        "silver",
        "media/silver/2026/07/photo_3.jpg",
        None,
        None,
        "ffee0012",
        at(11),
    )
    assert await crud.file_version.remove(db, id=uid("fv", 3)) is None

    # fv 2 is still in collections after its faces are deleted.
    await crud.file_version.delete_faces(db, photo_id=uid("fv", 2))
    with pytest.raises(ForeignKeyError) as info:
        await crud.file_version.remove(db, id=uid("fv", 2))
    assert (info.value.table, info.value.column) == ("collection_photos", "photo_id")
    assert await crud.file_version.count(db) == before - 1


async def test_asset_history_create_and_lists(db: Any) -> None:
    created = await crud.media_asset.create(db, obj_in={"original_filename": "x.jpg"})
    first = await crud.compat.asset_history.create_asset_history(
        db, obj_in={"media_asset_id": created.id, "action": "INGESTED", "details": "up"}
    )
    second = await crud.asset_history.create(
        db, obj_in={"media_asset_id": created.id, "action": "PROMOTED"}
    )
    assert second.details is None
    await db.run(_SET_HISTORY_TIME, id=first.id, at=at(1))
    await db.run(_SET_HISTORY_TIME, id=second.id, at=at(2))
    history = await crud.asset_history.get_by_asset(db, media_asset_id=created.id)
    assert [(h.id, h.action, h.details, h.timestamp) for h in history] == [
        (second.id, "PROMOTED", None, at(2)),
        (first.id, "INGESTED", "up", at(1)),
    ]
    assert await crud.asset_history.get_recent(db, limit=1) == history[:1]
    assert await crud.asset_history.get_recent(db, limit=5) == history
    # Equal timestamps: the larger id first.
    await db.run(_SET_HISTORY_TIME, id=first.id, at=at(2))
    tied = await crud.asset_history.get_by_asset(db, media_asset_id=created.id)
    assert [h.id for h in tied] == sorted([first.id, second.id], reverse=True)
    with pytest.raises(ValidationError) as info:
        await crud.asset_history.create(db, obj_in={"media_asset_id": created.id})
    assert info.value.field == "action"
    with pytest.raises(ForeignKeyError) as fk:
        await crud.asset_history.create(db, obj_in={"media_asset_id": MISSING, "action": "X"})
    assert (fk.value.table, fk.value.column) == ("asset_history", "media_asset_id")
    assert await crud.asset_history.count(db) == 2


async def test_update_photo(db: Any) -> None:
    created = await crud.media_asset.create(db, obj_in={"original_filename": "a.jpg"})
    await crud.global_tag.create(db, obj_in={"tag": "beach", "usage_count": 5})

    renamed = await crud.media_asset.update_photo(
        db,
        id=created.id,
        updates={
            "original_filename": "b.jpg",
            "tags": ["beach", "sunset", "Sunset", "sunset"],
            "updatedAt": "ignored",
            "isFavorite": True,
        },
    )
    assert renamed.original_filename == "b.jpg"
    assert renamed.created_at == created.created_at
    tags = {t.tag: t.usage_count for t in await crud.global_tag.get_multi(db, limit=100)}
    # New tags are added once with the default count; existing ones are left alone.
    assert tags == {"beach": 5, "sunset": 1, "Sunset": 1}

    # A tags-only update (empty SET in the old backend) still answers the asset.
    same = await crud.media_asset.update_photo(db, id=created.id, updates={"tags": ["élan"]})
    assert same == renamed
    assert await crud.global_tag.count(db) == 4
    camel = await crud.media_asset.update_photo(
        db, id=created.id, updates={"originalFilename": "c.jpg"}
    )
    assert camel.original_filename == "c.jpg"

    with pytest.raises(NotFoundError, match="Photo not found"):
        await crud.media_asset.update_photo(db, id=MISSING, updates={"tags": ["never"]})
    with pytest.raises(ValidationError) as info:
        await crud.media_asset.update_photo(db, id=created.id, updates={"tags": "beach"})
    assert info.value.field == "tags"
    with pytest.raises(ValidationError) as info:
        await crud.media_asset.update_photo(db, id=created.id, updates={"original_filename": 5})
    assert info.value.field == "original_filename"
    assert await crud.global_tag.count(db) == 4

    # The rename and the tag inserts are one unit: rolled back together.
    with pytest.raises(RuntimeError):
        async with db.transaction() as conn:
            await crud.media_asset.update_photo(
                conn, id=created.id, updates={"original_filename": "d.jpg", "tags": ["gone"]}
            )
            raise RuntimeError("abort")
    assert (await crud.media_asset.get(db, id=created.id)) == camel
    assert await crud.global_tag.count(db) == 4


async def test_create_many_assets_in_input_order(db: Any) -> None:
    names = [f"IMG_{i:04d}.jpg" for i in range(300)] + ["Élodie.png"]
    created = await crud.media_asset.create_many(
        db,
        objs=[
            {"original_filename": n} if i % 2 else InsertMediaAsset(original_filename=n)
            for i, n in enumerate(names)
        ],
    )
    assert [a.original_filename for a in created] == names
    assert len({a.id for a in created}) == len(names)
    assert await crud.media_asset.count(db) == len(names)
    assert await crud.media_asset.get(db, id=created[-1].id) == created[-1]
    assert await crud.media_asset.create_many(db, objs=[]) == []

    with pytest.raises(ValidationError) as info:
        await crud.media_asset.create_many(
            db, objs=[{"original_filename": "ok.jpg"}, {"original_filename": None}]
        )
    assert info.value.field == "original_filename"
    assert "objs[1]" in str(info.value)
    with pytest.raises(ValidationError) as info:
        await crud.media_asset.create_many(db, objs={"original_filename": "x"})  # type: ignore[arg-type]
    assert info.value.field == "objs"
    assert await crud.media_asset.count(db) == len(names)


async def test_create_many_versions_mixed_fields_defaults_and_order(db: Any) -> None:
    a, b = await crud.media_asset.create_many(
        db, objs=[{"original_filename": "a.jpg"}, {"original_filename": "b.jpg"}]
    )
    objs: list[Any] = [
        _version(a.id, file_path="p/0.jpg"),
        _version(
            b.id,
            file_path="p/1.jpg",
            tier="gold",
            rating=5,
            keywords=["x", "y z"],
            metadata={"exif": {"camera": "Pixel 9"}, "ai": None},
            is_reviewed=True,
        ),
        _version(a.id, file_path="p/2.jpg"),
        InsertFileVersion(
            **_version(
                b.id,
                file_path="p/3.jpg",
                rating=None,
                keywords=None,
                is_reviewed=None,
                processing_state=None,
            )
        ),
        _version(a.id, file_path="p/4.jpg", keywords=[]),
        _version(
            a.id,
            file_path='p/5 "q" \\ é\n.jpg',
            keywords=["a,b", 'c"d', "{x}", "NULL", "", "É"],
            location="Nice, France",
        ),
    ]
    created = await crud.file_version.create_many(db, objs=objs)
    assert [v.file_path for v in created[:5]] == [f"p/{i}.jpg" for i in range(5)]
    assert [v.media_asset_id for v in created] == [a.id, b.id, a.id, b.id, a.id, a.id]
    plain, full, _, nulls, empty, awkward = created
    assert awkward.file_path == 'p/5 "q" \\ é\n.jpg'
    assert awkward.keywords == ["a,b", 'c"d', "{x}", "NULL", "", "É"]
    assert awkward.location == "Nice, France"
    assert (plain.rating, plain.keywords, plain.is_reviewed) == (0, [], False)
    assert plain.processing_state == "processed"
    assert (full.tier, full.rating, full.keywords, full.is_reviewed) == (
        "gold",
        5,
        ["x", "y z"],
        True,
    )
    assert full.metadata is not None and full.metadata.ai is None
    assert full.metadata.exif is not msgspec.UNSET and full.metadata.exif.camera == "Pixel 9"
    assert (nulls.rating, nulls.keywords, nulls.is_reviewed, nulls.processing_state) == (
        None,
        None,
        None,
        None,
    )
    assert empty.keywords == []
    for version in created:
        assert await crud.file_version.get(db, id=version.id) == version
    assert await crud.file_version.count(db) == 6


async def test_create_many_versions_is_atomic(db: Any) -> None:
    a = await crud.media_asset.create(db, obj_in={"original_filename": "a.jpg"})
    good = [_version(a.id, file_path=f"p/{i}.jpg") for i in range(50)]
    with pytest.raises(ForeignKeyError) as info:
        # The last row names an asset that does not exist, in a field set of its own.
        await crud.file_version.create_many(db, objs=[*good, _version(MISSING, rating=2)])
    assert (info.value.table, info.value.column) == ("file_versions", "media_asset_id")
    assert await crud.file_version.count(db) == 0
    with pytest.raises(ValidationError) as bad:
        await crud.file_version.create_many(db, objs=[*good, _version(a.id, file_size=2**31)])
    assert bad.value.field == "file_size"
    assert "objs[50]" in str(bad.value)
    assert await crud.file_version.count(db) == 0


async def test_listings_follow_writes(db: Any) -> None:
    a = await crud.media_asset.create(db, obj_in={"original_filename": "new/IMG.jpg"})
    silver = await crud.file_version.create(
        db, obj_in=_version(a.id, file_path="media/silver/2026/07/IMG_9.jpg")
    )
    assert [p.id for p in await crud.file_version.list_unprocessed(db)] == [silver.id]
    assert await crud.file_version.get_photos_count(db, tier="unprocessed") == 1
    gold = await crud.file_version.create(
        db, obj_in=_version(a.id, tier="gold", file_path="media/gold/2026-07/gold/")
    )
    assert await crud.file_version.list_unprocessed(db) == []
    listing = await crud.file_version.list_photos(db)
    assert [p.id for p in listing] == [gold.id]
    # Node's path.basename ignores trailing slashes.
    assert listing[0].media_asset is not None
    assert listing[0].media_asset.display_filename == "gold"
    siblings = await crud.file_version.get_sibling_versions(db, id=silver.id)
    assert [p.id for p in siblings] == [gold.id, silver.id]
    assert await crud.file_version.list_by_tier(db, tier="silver") == []
    stats = await crud.file_version.get_collection_stats(db)
    assert stats == CollectionStats(1, 1, 1)


async def test_ingest_photo_writes_everything_or_nothing(db: Any) -> None:
    await load_library(db)
    tables = (crud.media_asset, crud.file_version, crud.face, crud.asset_history)
    before = [await repo.count(db) for repo in tables]

    ingested = await crud.file_version.ingest_photo(
        db,
        original_filename="upload.jpg",
        version={
            "file_path": "media/silver/2026/07/upload.jpg",
            "file_hash": "feed",
            "file_size": 10,
            "mime_type": "image/jpeg",
            "metadata": {"faceDetection": {"attempted": True, "method": "heuristic"}},
            "is_reviewed": False,
        },
        faces=[
            {"bounding_box": [1, 2, 3, 4], "confidence": 90, "embedding": [0.1, 0.2]},
            {"bounding_box": [5, 6, 7, 8], "confidence": 80, "person_id": None},
        ],
        details="File uploaded to Silver tier: upload.jpg",
    )
    assert ingested.media_asset.original_filename == "upload.jpg"
    assert ingested.file_version.media_asset_id == ingested.media_asset.id
    assert ingested.file_version.tier == "silver"
    assert [f.photo_id for f in ingested.faces] == [ingested.file_version.id] * 2
    assert [f.person_id for f in ingested.faces] == [None, None]
    assert (ingested.history.action, ingested.history.media_asset_id) == (
        "INGESTED",
        ingested.media_asset.id,
    )
    after = [await repo.count(db) for repo in tables]
    assert after == [before[0] + 1, before[1] + 1, before[2] + 2, before[3] + 1]

    # A face naming a person that does not exist fails the last-but-one statement.
    with pytest.raises(ForeignKeyError) as info:
        await crud.file_version.ingest_photo(
            db,
            original_filename="broken.jpg",
            version=_version("ignored"),
            faces=[{"bounding_box": [0, 0, 1, 1], "confidence": 50, "person_id": MISSING}],
        )
    assert (info.value.table, info.value.column) == ("faces", "person_id")
    assert [await repo.count(db) for repo in tables] == after
    assert await crud.media_asset.get_by_filename(db, filename="broken.jpg") is None

    with pytest.raises(ValidationError) as bad:
        await crud.file_version.ingest_photo(
            db, original_filename="x.jpg", version={"tier": "gold", "file_path": "x"}
        )
    assert bad.value.field == "file_hash"
    with pytest.raises(ValidationError) as bad:
        await crud.file_version.ingest_photo(
            db,
            original_filename="x.jpg",
            version=_version("ignored"),
            faces=[{"bounding_box": [0, 0, 1, 1], "confidence": 500}],
        )
    assert bad.value.field == "confidence"
    assert [await repo.count(db) for repo in tables] == after


async def test_a_failed_statement_inside_an_outer_transaction_spoils_it(db: Any) -> None:
    a = await crud.media_asset.create(db, obj_in={"original_filename": "a.jpg"})
    with pytest.raises(
        ForeignKeyError,
        match=r"^foreign key violation: asset_history\.media_asset_id refers to a media_assets "
        r"row that does not exist$",
    ) as caught:
        async with db.transaction() as conn:
            await crud.file_version.create_many(conn, objs=[_version(a.id)])
            await crud.asset_history.create(conn, obj_in={"media_asset_id": MISSING, "action": "X"})
    assert caught.value.query == "asset_history.insert[media_asset_id,action]"
    assert await crud.file_version.count(db) == 0


def test_row_records_keep_the_version_columns_first() -> None:
    fields = FileVersion.__struct_fields__
    for record in (FileVersionWithAsset, FileVersionWithDisplayAsset, PhotoDetails):
        assert record.__struct_fields__[: len(fields)] == fields
