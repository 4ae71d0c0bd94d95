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
