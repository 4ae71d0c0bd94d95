"""The old names of the catalogue calls, kept for code ported from the earlier backends.

Each repository has one name per operation (``crud.file_version.get_by_hash``). The names
the TypeScript backend's storage layer and the earlier Python port used for the same
operations live here, one object per repository, with the arguments those callers passed
(``offset=`` instead of ``skip=``, ids positional after ``db`` where the port passed them so)::

    from pictallion_sql import crud

    photo = await crud.compat.file_version.get_file_by_hash(db, file_hash=h)
    # the same as
    photo = await crud.file_version.get_by_hash(db, file_hash=h)

Every method calls its canonical call and answers the same; an error about a renamed
argument names the argument the caller passed. docs/storage-mapping.md lists, for every old
name, the canonical call and the name here. New code should call the canonical names.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from pictallion_sql.catalog.ai_prompts import ai_prompt as _ai_prompt
from pictallion_sql.catalog.asset_history import asset_history as _asset_history
from pictallion_sql.catalog.collection_photos import collection_photo as _collection_photo
from pictallion_sql.catalog.collections import collection as _collection
from pictallion_sql.catalog.events import event as _event
from pictallion_sql.catalog.file_versions import ListingTier
from pictallion_sql.catalog.file_versions import file_version as _file_version
from pictallion_sql.catalog.global_tags import global_tag as _global_tag
from pictallion_sql.catalog.locations import location as _location
from pictallion_sql.catalog.media_assets import media_asset as _media_asset
from pictallion_sql.catalog.people import person as _person
from pictallion_sql.catalog.settings import setting as _setting
from pictallion_sql.drivers.base import Executor
from pictallion_sql.errors import ValidationError
from pictallion_sql.models import (
    AIPrompt,
    AssetHistory,
    Collection,
    CollectionPhoto,
    Event,
    FileVersion,
    InsertAIPrompt,
    InsertAssetHistory,
    InsertCollection,
    InsertEvent,
    InsertFileVersion,
    InsertMediaAsset,
    MediaAsset,
    Person,
    Tier,
    UpdateAIPrompt,
    UpdateCollection,
    UpdateEvent,
    UpdateFileVersion,
    UpdateMediaAsset,
)
from pictallion_sql.records.composites.collections import TagLibraryEntry
from pictallion_sql.records.composites.photos import (
    FileVersionWithAsset,
    FileVersionWithDisplayAsset,
    PhotoSearchPage,
    PhotoSearchResult,
    SimilarPhoto,
)

if TYPE_CHECKING:
    from pictallion_sql.catalog.search import PhotoFilters, PhotoSort
    from pictallion_sql.catalog.smart_rules import SmartCollectionUpdate

__all__ = [
    "AIPromptCompat",
    "AssetHistoryCompat",
    "CollectionCompat",
    "EventCompat",
    "FileVersionCompat",
    "GlobalTagCompat",
    "LocationCompat",
    "MediaAssetCompat",
    "PersonCompat",
    "SettingCompat",
    "ai_prompt",
    "asset_history",
    "collection",
    "event",
    "file_version",
    "global_tag",
    "location",
    "media_asset",
    "person",
    "setting",
]


@contextmanager
def _argument_named(canonical: str, old: str) -> Iterator[None]:
    """Re-raise a ValidationError about ``canonical`` as one about ``old``, the caller's name."""
    try:
        yield
    except ValidationError as exc:
        if exc.field != canonical:
            raise
        message = str(exc)
        if message.startswith(canonical):
            message = old + message[len(canonical) :]
        raise ValidationError(message, field=old) from None


class FileVersionCompat:
    """Old names of ``crud.file_version`` calls."""

    async def create_file_version(
        self, db: Executor, *, obj_in: InsertFileVersion | Mapping[str, Any]
    ) -> FileVersion:
        """createFileVersion / the port's ``create_file_version``: ``create``."""
        return await _file_version.create(db, obj_in=obj_in)

    async def get_file_version(self, db: Executor, *, id: str) -> FileVersion | None:
        """getFileVersion / the port's ``get_file_version``: ``get``."""
        return await _file_version.get(db, id=id)

    async def update_file_version(
        self,
        db: Executor,
        *,
        db_obj: FileVersion | str,
        obj_in: UpdateFileVersion | Mapping[str, Any],
    ) -> FileVersion | None:
        """updateFileVersion / the port's ``update_file_version``: ``update``."""
        return await _file_version.update(db, db_obj=db_obj, obj_in=obj_in)

    async def get_file_versions_by_asset(
        self, db: Executor, *, media_asset_id: str
    ) -> list[FileVersion]:
        """getFileVersionsByAsset / the port's ``get_file_versions_by_asset``: ``get_by_asset``."""
        return await _file_version.get_by_asset(db, media_asset_id=media_asset_id)

    async def get_by_media_asset(self, db: Executor, *, media_asset_id: str) -> list[FileVersion]:
        """The earlier port's ``get_by_media_asset``: ``get_by_asset``."""
        return await _file_version.get_by_asset(db, media_asset_id=media_asset_id)

    async def get_file_by_hash(self, db: Executor, *, file_hash: str) -> FileVersion | None:
        """getFileByHash / the port's ``get_file_by_hash``: ``get_by_hash``."""
        return await _file_version.get_by_hash(db, file_hash=file_hash)

    async def delete_faces_by_photo(self, db: Executor, *, photo_id: str) -> int:
        """deleteFacesByPhoto: ``delete_faces``."""
        return await _file_version.delete_faces(db, photo_id=photo_id)

    async def find_similar_photos(
        self, db: Executor, *, id: str, threshold: float = 85, limit: int = 20
    ) -> list[SimilarPhoto]:
        """The port's ``find_similar_photos``: ``find_similar``."""
        return await _file_version.find_similar(db, id=id, threshold=threshold, limit=limit)

    async def get_all_file_versions_with_assets(
        self, db: Executor, *, skip: int = 0, limit: int | None = None
    ) -> list[FileVersionWithAsset]:
        """getAllFileVersionsWithAssets: ``get_all_with_assets``."""
        return await _file_version.get_all_with_assets(db, skip=skip, limit=limit)

    async def get_all_file_versions(
        self, db: Executor, *, limit: int | None = None, offset: int = 0
    ) -> list[FileVersion]:
        """getAllFileVersions / the port's ``get_all_file_versions``: ``get_all``."""
        with _argument_named("skip", "offset"):
            return await _file_version.get_all(db, skip=offset, limit=limit)

    async def get_highest_tier_photos(
        self, db: Executor, *, limit: int = 100, offset: int = 0
    ) -> list[FileVersionWithDisplayAsset]:
        """The port's ``get_highest_tier_photos``: ``list_photos``."""
        with _argument_named("skip", "offset"):
            return await _file_version.list_photos(db, skip=offset, limit=limit)

    async def get_unprocessed_photos(
        self, db: Executor, *, limit: int | None = None, offset: int = 0
    ) -> list[FileVersionWithDisplayAsset]:
        """The port's ``get_unprocessed_photos``: ``list_unprocessed``."""
        with _argument_named("skip", "offset"):
            return await _file_version.list_unprocessed(db, skip=offset, limit=limit)

    async def get_photos_by_tier(
        self,
        db: Executor,
        *,
        tier: Tier,
        show_superseded: bool = False,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[FileVersionWithAsset]:
        """The port's ``get_photos_by_tier``: ``list_by_tier`` (``show_all_versions``)."""
        with (
            _argument_named("skip", "offset"),
            _argument_named("show_all_versions", "show_superseded"),
        ):
            return await _file_version.list_by_tier(
                db, tier=tier, show_all_versions=show_superseded, skip=offset, limit=limit
            )

    async def get_photos_count(
        self, db: Executor, *, tier: ListingTier | None = None, show_superseded: bool = False
    ) -> int:
        """The port's ``get_photos_count``: the canonical one with ``show_all_versions``."""
        with _argument_named("show_all_versions", "show_superseded"):
            return await _file_version.get_photos_count(
                db, tier=tier, show_all_versions=show_superseded
            )

    async def search_photos(
        self,
        db: Executor,
        *,
        query: str | None = None,
        tier: Tier | None = "silver",
        rating_min: int | None = None,
        rating_max: int | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> PhotoSearchResult:
        """``search_photos`` paged with ``offset`` (POST /api/photos/search): ``skip``."""
        with _argument_named("skip", "offset"):
            return await _file_version.search_photos(
                db,
                query=query,
                tier=tier,
                rating_min=rating_min,
                rating_max=rating_max,
                skip=offset,
                limit=limit,
            )

    async def search(
        self,
        db: Executor,
        filters: PhotoFilters | Mapping[str, Any] | None = None,
        *,
        sort: PhotoSort | Mapping[str, Any] | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> PhotoSearchPage:
        """``search`` with ``filters`` positional and paged with ``offset``: ``skip``."""
        with _argument_named("skip", "offset"):
            return await _file_version.search(
                db, filters=filters, sort=sort, skip=offset, limit=limit
            )


class MediaAssetCompat:
    """Old names of ``crud.media_asset`` calls."""

    async def create_media_asset(
        self, db: Executor, *, obj_in: InsertMediaAsset | Mapping[str, Any]
    ) -> MediaAsset:
        """createMediaAsset / the port's ``create_media_asset``: ``create``."""
        return await _media_asset.create(db, obj_in=obj_in)

    async def get_media_asset(self, db: Executor, *, id: str) -> MediaAsset | None:
        """getMediaAsset / the port's ``get_media_asset``: ``get``."""
        return await _media_asset.get(db, id=id)

    async def update_media_asset(
        self,
        db: Executor,
        *,
        db_obj: MediaAsset | str,
        obj_in: UpdateMediaAsset | Mapping[str, Any],
    ) -> MediaAsset | None:
        """updateMediaAsset / the port's ``update_media_asset``: ``update``."""
        return await _media_asset.update(db, db_obj=db_obj, obj_in=obj_in)


class AssetHistoryCompat:
    """Old names of ``crud.asset_history`` calls."""

    async def create_asset_history(
        self, db: Executor, *, obj_in: InsertAssetHistory | Mapping[str, Any]
    ) -> AssetHistory:
        """createAssetHistory / the port's ``create_asset_history``: ``create``."""
        return await _asset_history.create(db, obj_in=obj_in)

    async def get_asset_history(self, db: Executor, *, media_asset_id: str) -> list[AssetHistory]:
        """getAssetHistory / the port's ``get_asset_history``: ``get_by_asset``."""
        return await _asset_history.get_by_asset(db, media_asset_id=media_asset_id)

    async def get_recent_activity(self, db: Executor, *, limit: int = 10) -> list[AssetHistory]:
        """getRecentActivity: ``get_recent``."""
        return await _asset_history.get_recent(db, limit=limit)


class CollectionCompat:
    """Old names of ``crud.collection`` and ``crud.collection_photo`` calls.

    The Python routes' names take their arguments positionally after ``db``, as those
    routes pass them, or by name.
    """

    async def get_collections(self, db: Executor) -> list[Collection]:
        """getCollections / ``get_collections``: ``crud.collection.get_all``."""
        return await _collection.get_all(db)

    async def get_collection(self, db: Executor, id: str) -> Collection | None:
        """getCollection / ``get_collection``: ``crud.collection.get``."""
        return await _collection.get(db, id=id)

    async def create_collection(
        self, db: Executor, collection: InsertCollection | Mapping[str, Any]
    ) -> Collection:
        """createCollection / ``create_collection``: ``crud.collection.create``."""
        return await _collection.create(db, obj_in=collection)

    async def update_collection(
        self, db: Executor, id: str, updates: UpdateCollection | Mapping[str, Any]
    ) -> Collection | None:
        """updateCollection / ``update_collection``: ``crud.collection.update``."""
        return await _collection.update(db, db_obj=id, obj_in=updates)

    async def delete(self, db: Executor, *, id: str) -> Collection | None:
        """deleteCollection, by its earlier name here: ``crud.collection.remove``."""
        return await _collection.remove(db, id=id)

    async def delete_collection(self, db: Executor, id: str) -> Collection | None:
        """deleteCollection / ``delete_collection``: ``crud.collection.remove``."""
        return await _collection.remove(db, id=id)

    async def add_photo(
        self, db: Executor, *, collection_id: str, photo_id: str
    ) -> CollectionPhoto:
        """addPhotoToCollection, by its earlier name here: ``crud.collection_photo.add``."""
        return await _collection_photo.add(db, collection_id=collection_id, photo_id=photo_id)

    async def add_photo_to_collection(
        self, db: Executor, collection_id: str, photo_id: str
    ) -> CollectionPhoto:
        """addPhotoToCollection / ``add_photo_to_collection``: ``crud.collection_photo.add``."""
        return await _collection_photo.add(db, collection_id=collection_id, photo_id=photo_id)

    async def get_photos(self, db: Executor, *, collection_id: str) -> list[FileVersionWithAsset]:
        """getCollectionPhotos, by its earlier name here: ``crud.collection_photo.get_photos``."""
        return await _collection_photo.get_photos(db, collection_id=collection_id)

    async def get_collection_photos(
        self, db: Executor, collection_id: str
    ) -> list[FileVersionWithAsset]:
        """getCollectionPhotos / ``get_collection_photos``: ``crud.collection_photo.get_photos``."""
        return await _collection_photo.get_photos(db, collection_id=collection_id)

    async def get_collection_photo(
        self, db: Executor, collection_id: str, photo_id: str
    ) -> CollectionPhoto | None:
        """The port's ``get_collection_photo``: ``crud.collection_photo.get_entry``."""
        return await _collection_photo.get_entry(db, collection_id=collection_id, photo_id=photo_id)

    async def remove_photo_from_collection(
        self, db: Executor, collection_id: str, photo_id: str
    ) -> int:
        """removePhotoFromCollection: ``crud.collection_photo.remove_photo``."""
        return await _collection_photo.remove_photo(
            db, collection_id=collection_id, photo_id=photo_id
        )

    async def evaluate_smart_collection(
        self, db: Executor, *, collection_id: str
    ) -> SmartCollectionUpdate:
        """The service layer's ``evaluate_smart_collection``: ``refresh_smart``."""
        return await _collection.refresh_smart(db, collection_id=collection_id)

    async def update_smart_collections(self, db: Executor) -> list[SmartCollectionUpdate]:
        """advancedSearch.updateSmartCollections: ``refresh_all_smart``."""
        return await _collection.refresh_all_smart(db)


class EventCompat:
    """Old names of ``crud.event`` calls, positional after ``db`` as the Python routes pass them."""

    async def create_event(self, db: Executor, event: InsertEvent | Mapping[str, Any]) -> Event:
        """createEvent / ``create_event``: ``create``."""
        return await _event.create(db, obj_in=event)

    async def get_events(self, db: Executor) -> list[Event]:
        """getEvents / ``get_events``: ``get_all``."""
        return await _event.get_all(db)

    async def get_event(self, db: Executor, id: str) -> Event | None:
        """getEvent / ``get_event``: ``get``."""
        return await _event.get(db, id=id)

    async def update_event(
        self, db: Executor, id: str, updates: UpdateEvent | Mapping[str, Any]
    ) -> Event | None:
        """updateEvent / ``update_event``: ``update``."""
        return await _event.update(db, db_obj=id, obj_in=updates)

    async def delete_event(self, db: Executor, id: str) -> Event | None:
        """deleteEvent / ``delete_event``: ``remove``."""
        return await _event.remove(db, id=id)

    async def get_events_by_type(self, db: Executor, type: str) -> list[Event]:
        """getEventsByType / ``get_events_by_type``: ``get_by_type``."""
        return await _event.get_by_type(db, type=type)


class AIPromptCompat:
    """Old names of ``crud.ai_prompt`` calls, positional after ``db`` as the routes pass them."""

    async def get_all_ai_prompts(self, db: Executor) -> list[AIPrompt]:
        """getAllAIPrompts / ``get_all_ai_prompts``: ``get_all``."""
        return await _ai_prompt.get_all(db)

    async def get_ai_prompt(self, db: Executor, id: str) -> AIPrompt | None:
        """getAIPrompt / ``get_ai_prompt``: ``get``."""
        return await _ai_prompt.get(db, id=id)

    async def get_ai_prompts_by_category(self, db: Executor, category: str) -> list[AIPrompt]:
        """getAIPromptsByCategory / ``get_ai_prompts_by_category``: ``get_by_category``."""
        return await _ai_prompt.get_by_category(db, category=category)

    async def get_ai_prompts_by_provider(self, db: Executor, provider: str) -> list[AIPrompt]:
        """getAIPromptsByProvider / ``get_ai_prompts_by_provider``: ``get_by_provider``."""
        return await _ai_prompt.get_by_provider(db, provider=provider)

    async def create_ai_prompt(
        self, db: Executor, prompt: InsertAIPrompt | Mapping[str, Any]
    ) -> AIPrompt:
        """createAIPrompt / ``create_ai_prompt``: ``create``."""
        return await _ai_prompt.create(db, obj_in=prompt)

    async def update_ai_prompt(
        self, db: Executor, id: str, updates: UpdateAIPrompt | Mapping[str, Any]
    ) -> AIPrompt | None:
        """updateAIPrompt / ``update_ai_prompt``: ``update``."""
        return await _ai_prompt.update(db, db_obj=id, obj_in=updates)

    async def delete_ai_prompt(self, db: Executor, id: str) -> AIPrompt | None:
        """deleteAIPrompt / ``delete_ai_prompt``: ``remove``."""
        return await _ai_prompt.remove(db, id=id)

    async def get_active_ai_prompts(self, db: Executor) -> list[AIPrompt]:
        """getActiveAIPrompts / ``get_active_ai_prompts``: ``get_active``."""
        return await _ai_prompt.get_active(db)

    async def reset_ai_prompts_to_defaults(self, db: Executor) -> list[AIPrompt]:
        """resetAIPromptsToDefaults / ``reset_ai_prompts_to_defaults``: ``reset_to_defaults``."""
        return await _ai_prompt.reset_to_defaults(db)


class GlobalTagCompat:
    """Old names of ``crud.global_tag`` calls."""

    async def get_tag_library(self, db: Executor) -> list[TagLibraryEntry]:
        """The Python routes' ``get_tag_library``: ``list_library``."""
        return await _global_tag.list_library(db)


class LocationCompat:
    """Old names of ``crud.location`` calls."""

    async def delete(self, db: Executor, *, id: str) -> bool:
        """deleteLocation: ``remove``; True if a location was deleted, False if there was none."""
        return await _location.remove(db, id=id) is not None


class PersonCompat:
    """Old names of ``crud.person`` calls."""

    async def delete(self, db: Executor, *, id: str) -> Person | None:
        """deletePerson, by its earlier name here: ``remove``."""
        return await _person.remove(db, id=id)

    async def get_people(self, db: Executor, *, skip: int = 0, limit: int = 100) -> list[Person]:
        """The earlier port's paged ``get_people``: ``get_all`` with a default page of 100."""
        return await _person.get_all(db, skip=skip, limit=limit)


class SettingCompat:
    """Old names of ``crud.setting`` calls."""

    async def get_setting_value(
        self, db: Executor, key: str, default: str | None = None
    ) -> str | None:
        """The Python routes' ``get_setting_value(key, default)``: ``get_value``."""
        return await _setting.get_value(db, key=key, default=default)


file_version = FileVersionCompat()
media_asset = MediaAssetCompat()
asset_history = AssetHistoryCompat()
collection = CollectionCompat()
event = EventCompat()
ai_prompt = AIPromptCompat()
global_tag = GlobalTagCompat()
location = LocationCompat()
person = PersonCompat()
setting = SettingCompat()
