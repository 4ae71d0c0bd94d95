"""One repository object per table; every call takes ``db`` (a Database or a Connection) first.

from pictallion_sql import crud

photo = await crud.file_version.get(db, id=photo_id)
golds = await crud.file_version.get_by_tier(db, tier="gold", limit=50)
async with crud.file_version.stream_all(db, batch_size=1000) as photos:
    async for photo in photos:  # every row, in batches: memory stays flat
        ...
"""

from __future__ import annotations

from pictallion_sql.catalog.ai_prompts import AIPromptRepository, ai_prompt
from pictallion_sql.catalog.asset_history import AssetHistoryRepository, asset_history
from pictallion_sql.catalog.collection_photos import CollectionPhotoRepository, collection_photo
from pictallion_sql.catalog.collections import CollectionRepository, collection
from pictallion_sql.catalog.events import EventRepository, event
from pictallion_sql.catalog.faces import FaceRepository, face
from pictallion_sql.catalog.file_versions import FileVersionRepository, file_version
from pictallion_sql.catalog.global_tags import GlobalTagRepository, global_tag
from pictallion_sql.catalog.locations import LocationRepository, location
from pictallion_sql.catalog.media_assets import MediaAssetRepository, media_asset
from pictallion_sql.catalog.people import PersonRepository, person
from pictallion_sql.catalog.relationships import RelationshipRepository, relationship
from pictallion_sql.catalog.settings import SettingRepository, setting
from pictallion_sql.catalog.users import UserRepository, user

__all__ = [
    "AIPromptRepository",
    "AssetHistoryRepository",
    "CollectionPhotoRepository",
    "CollectionRepository",
    "EventRepository",
    "FaceRepository",
    "FileVersionRepository",
    "GlobalTagRepository",
    "LocationRepository",
    "MediaAssetRepository",
    "PersonRepository",
    "RelationshipRepository",
    "SettingRepository",
    "UserRepository",
    "ai_prompt",
    "asset_history",
    "collection",
    "collection_photo",
    "event",
    "face",
    "file_version",
    "global_tag",
    "location",
    "media_asset",
    "person",
    "relationship",
    "setting",
    "user",
]
