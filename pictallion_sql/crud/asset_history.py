"""Queries on ``asset_history``."""

from __future__ import annotations

from ..models import AssetHistory, InsertAssetHistory, UpdateAssetHistory
from ._base import Repository

__all__ = ["AssetHistoryRepository", "asset_history"]


class AssetHistoryRepository(Repository[AssetHistory, InsertAssetHistory, UpdateAssetHistory]):
    """``asset_history`` rows."""

    def __init__(self) -> None:
        super().__init__(AssetHistory, InsertAssetHistory, UpdateAssetHistory)


asset_history = AssetHistoryRepository()
