"""One repository object per table; every call takes ``db`` (a Database or a Connection) first.

from pictallion_sql import crud

photo = await crud.file_version.get(db, id=photo_id)
golds = await crud.file_version.get_by_tier(db, tier="gold", limit=50)
async with crud.file_version.stream_all(db, batch_size=1000) as photos:
    async for photo in photos:  # every row, in batches: memory stays flat
        ...

The names the earlier backends used for the same calls are in :mod:`pictallion_sql.crud.compat`
(``crud.compat.file_version.get_file_by_hash``). Only the repositories, their classes and
``compat`` are reachable here: ``crud.faces`` (the name of a catalogue module) is an
AttributeError that names ``crud.face``.
"""

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
from pictallion_sql.crud import compat as compat  # the old names; not a repository

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

# The catalogue module of each repository, by the name a caller may reach for.
_MODULE_NAMES = {
    "ai_prompts": "ai_prompt",
    "collection_photos": "collection_photo",
    "collections": "collection",
    "events": "event",
    "faces": "face",
    "file_versions": "file_version",
    "global_tags": "global_tag",
    "global_tag_library": "global_tag",
    "locations": "location",
    "media_assets": "media_asset",
    "people": "person",
    "persons": "person",
    "relationships": "relationship",
    "settings": "setting",
    "users": "user",
}


def __getattr__(name: str) -> object:
    # Called only for names the module does not define: point a table or module name
    # at its repository instead of exposing the module under a repository-like name.
    suggestion = _MODULE_NAMES.get(name)
    if suggestion is not None:
        raise AttributeError(
            f"module 'pictallion_sql.crud' has no attribute {name!r}; "
            f"did you mean crud.{suggestion}?",
            name=name,
            obj=__name__,
        )
    raise AttributeError(f"module 'pictallion_sql.crud' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*__all__, "compat"])
