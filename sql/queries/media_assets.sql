-- media_assets: the generic calls every repository has (get, get_multi, count, exists, remove).
-- Inserts and partial updates are built per column set at run time (pictallion_sql/_dynamic.py).

-- name: media_assets.get
-- returns: one MediaAsset
-- params: id
SELECT id, original_filename, created_at
FROM media_assets
WHERE id = :id;

-- name: media_assets.get_multi
-- returns: rows MediaAsset
-- params: skip, limit
-- A page of rows, oldest first (created_at, then id).
SELECT id, original_filename, created_at
FROM media_assets
ORDER BY created_at, id
LIMIT :limit OFFSET :skip;

-- name: media_assets.count
-- returns: scalar int
SELECT count(*) FROM media_assets;

-- name: media_assets.exists
-- returns: scalar bool
-- params: id
SELECT EXISTS (SELECT 1 FROM media_assets WHERE id = :id);

-- name: media_assets.remove
-- returns: one MediaAsset
-- params: id
DELETE FROM media_assets
WHERE id = :id
RETURNING id, original_filename, created_at;
