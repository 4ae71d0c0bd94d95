-- asset_history: the generic calls every repository has (get, get_multi, count, exists, remove).
-- Inserts and partial updates are built per column set at run time (pictallion_sql/_dynamic.py).

-- name: asset_history.get
-- returns: one AssetHistory
-- params: id
SELECT id, media_asset_id, action, details,
       "timestamp"
FROM asset_history
WHERE id = :id;

-- name: asset_history.get_multi
-- returns: rows AssetHistory
-- params: skip, limit
-- A page of rows, oldest first (timestamp, then id).
SELECT id, media_asset_id, action, details,
       "timestamp"
FROM asset_history
ORDER BY timestamp, id
LIMIT :limit OFFSET :skip;

-- name: asset_history.get_multi_after
-- returns: rows AssetHistory
-- params: after_timestamp, after_id, limit
-- The page of get_multi after the row keyed (timestamp, id) (keyset).
SELECT id, media_asset_id, action, details,
       "timestamp"
FROM asset_history
WHERE ("timestamp", id) > (:after_timestamp, :after_id)
ORDER BY timestamp, id
LIMIT :limit;

-- name: asset_history.stream_all
-- returns: rows AssetHistory
-- Every row, in get_multi's order: what Repository.stream_all fetches in batches.
SELECT id, media_asset_id, action, details,
       "timestamp"
FROM asset_history
ORDER BY timestamp, id;

-- name: asset_history.count
-- returns: scalar int
SELECT count(*) FROM asset_history;

-- name: asset_history.exists
-- returns: scalar bool
-- params: id
SELECT EXISTS (SELECT 1 FROM asset_history WHERE id = :id);

-- name: asset_history.remove
-- returns: one AssetHistory
-- params: id
DELETE FROM asset_history
WHERE id = :id
RETURNING id, media_asset_id, action, details,
       "timestamp";

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
