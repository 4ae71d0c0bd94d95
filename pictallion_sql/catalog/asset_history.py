"""Queries on ``asset_history``: an asset's history and the recent activity feed."""

from __future__ import annotations

from pictallion_sql.catalog.base import Repository, check_id
from pictallion_sql.catalog.media_assets import check_limit
from pictallion_sql.drivers.base import Executor
from pictallion_sql.models import AssetHistory, InsertAssetHistory, UpdateAssetHistory
from pictallion_sql.query.named import queries

__all__ = ["AssetHistoryRepository", "asset_history"]

_BY_ASSET = queries.rows("asset_history.get_by_asset", AssetHistory)
_RECENT = queries.rows("asset_history.get_recent", AssetHistory)


class AssetHistoryRepository(Repository[AssetHistory, InsertAssetHistory, UpdateAssetHistory]):
    """``asset_history`` rows."""

    def __init__(self) -> None:
        super().__init__(AssetHistory, InsertAssetHistory, UpdateAssetHistory)

    async def get_by_asset(self, db: Executor, *, media_asset_id: str) -> list[AssetHistory]:
        """The history of one asset, newest first (timestamp DESC, id DESC); [] if none."""
        check_id("media_asset_id", media_asset_id)
        return await db.run(_BY_ASSET, media_asset_id=media_asset_id)

    async def get_recent(self, db: Executor, *, limit: int = 10) -> list[AssetHistory]:
        """The ``limit`` most recent entries of every asset (timestamp DESC, id DESC)."""
        check_limit("limit", limit)
        return await db.run(_RECENT, limit=limit)


asset_history = AssetHistoryRepository()
