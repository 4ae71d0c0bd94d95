-- media_assets: SQLite bodies of the queries whose SQL differs per dialect.

-- name: media_assets.get_many
-- returns: rows MediaAsset
-- params: ids
-- The assets whose id is in the JSON list :ids (order: id; callers reorder as they need).
SELECT id, original_filename, created_at
FROM media_assets
WHERE id IN (SELECT value FROM json_each(:ids))
ORDER BY id;
