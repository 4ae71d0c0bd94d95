-- asset_history: the calls every repository has (get, get_multi, stream_all, count, exists,
-- remove) are the template's (templates/generic.sql) for its columns (fragments/columns.sql);
-- inserts and partial updates are built per column set at run time (pictallion_sql/query/dynamic.py).
-- generic: asset_history AssetHistory timestamp

-- ---------------------------------------------------------------------------------------
-- Specialised queries (crud.asset_history).
-- ---------------------------------------------------------------------------------------

-- name: asset_history.get_by_asset
-- returns: rows AssetHistory
-- params: media_asset_id
-- The history of one media asset, newest first ("timestamp" DESC, id DESC).
SELECT id, media_asset_id, action, details,
       "timestamp"
FROM asset_history
WHERE media_asset_id = :media_asset_id
ORDER BY "timestamp" DESC, id DESC;

-- name: asset_history.get_recent
-- returns: rows AssetHistory
-- params: limit
-- The :limit most recent history entries of every asset ("timestamp" DESC, id DESC).
SELECT id, media_asset_id, action, details,
       "timestamp"
FROM asset_history
ORDER BY "timestamp" DESC, id DESC
LIMIT :limit;

-- name: asset_history.get_by_asset_in_order
-- returns: rows AssetHistory
-- params: media_asset_id
-- The history of one media asset in the order it happened ("timestamp", then id).
SELECT id, media_asset_id, action, details,
       "timestamp"
FROM asset_history
WHERE media_asset_id = :media_asset_id
ORDER BY "timestamp", id;
