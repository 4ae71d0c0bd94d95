"""Queries on ``media_assets``."""

from __future__ import annotations

from ..models import InsertMediaAsset, MediaAsset, UpdateMediaAsset
from ._base import Repository

__all__ = ["MediaAssetRepository", "media_asset"]


class MediaAssetRepository(Repository[MediaAsset, InsertMediaAsset, UpdateMediaAsset]):
    """``media_assets`` rows."""

    def __init__(self) -> None:
        super().__init__(MediaAsset, InsertMediaAsset, UpdateMediaAsset)


media_asset = MediaAssetRepository()
