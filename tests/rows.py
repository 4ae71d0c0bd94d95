"""Rows the tests create again and again: one media asset, a numbered file version."""

from __future__ import annotations

from typing import Any

from pictallion_sql import crud


def version_row(asset_id: str, index: int, **extra: Any) -> dict[str, Any]:
    """The input of silver file version number ``index`` of ``asset_id``; ``extra`` adds or
    replaces columns."""
    return {
        "media_asset_id": asset_id,
        "tier": "silver",
        "file_path": f"media/silver/{index:05d}.jpg",
        "file_hash": f"hash{index}",
        "file_size": 1000 + index,
        "mime_type": "image/jpeg",
        **extra,
    }


async def new_asset(db: Any, filename: str = "a.jpg") -> Any:
    """A new media asset named ``filename``."""
    return await crud.media_asset.create(db, obj_in={"original_filename": filename})


async def new_photo(
    db: Any, filename: str = "a.jpg", index: int = 0, **extra: Any
) -> tuple[Any, Any]:
    """A new media asset and its file version ``version_row(asset, index, **extra)``:
    (asset, version)."""
    asset = await new_asset(db, filename)
    version = await crud.file_version.create(db, obj_in=version_row(asset.id, index, **extra))
    return asset, version
