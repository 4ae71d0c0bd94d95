-- media_assets: the PostgreSQL bodies of queries whose shared body differs.

-- name: media_assets.get_for_update
-- returns: one MediaAsset
-- params: id
-- The row locked until the audited write's transaction ends.
SELECT id, original_filename, created_at
FROM media_assets
WHERE id = :id
FOR UPDATE;
