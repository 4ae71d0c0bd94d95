-- media_assets: PostgreSQL bodies of the queries whose SQL differs per dialect.

-- name: media_assets.get_many
-- returns: rows MediaAsset
-- params: ids
-- The assets whose id is in the list :ids (order: id; callers reorder as they need).
SELECT id, original_filename, created_at
FROM media_assets
WHERE id = ANY (CAST(:ids AS varchar[]))
ORDER BY id;
