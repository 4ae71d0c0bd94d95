-- file_versions: the generic calls every repository has (get, get_multi, count, exists, remove).
-- Inserts and partial updates are built per column set at run time (pictallion_sql/_dynamic.py).

-- name: file_versions.get
-- returns: one FileVersion
-- params: id
SELECT id, media_asset_id, tier, file_path,
       file_hash, file_size, mime_type, metadata,
       is_reviewed, rating, keywords, location,
       event_type, event_name, perceptual_hash, ai_short_description,
       processing_state, created_at
FROM file_versions
WHERE id = :id;

-- name: file_versions.get_multi
-- returns: rows FileVersion
-- params: skip, limit
-- A page of rows, oldest first (created_at, then id).
SELECT id, media_asset_id, tier, file_path,
       file_hash, file_size, mime_type, metadata,
       is_reviewed, rating, keywords, location,
       event_type, event_name, perceptual_hash, ai_short_description,
       processing_state, created_at
FROM file_versions
ORDER BY created_at, id
LIMIT :limit OFFSET :skip;

-- name: file_versions.count
-- returns: scalar int
SELECT count(*) FROM file_versions;

-- name: file_versions.exists
-- returns: scalar bool
-- params: id
SELECT EXISTS (SELECT 1 FROM file_versions WHERE id = :id);

-- name: file_versions.remove
-- returns: one FileVersion
-- params: id
DELETE FROM file_versions
WHERE id = :id
RETURNING id, media_asset_id, tier, file_path,
       file_hash, file_size, mime_type, metadata,
       is_reviewed, rating, keywords, location,
       event_type, event_name, perceptual_hash, ai_short_description,
       processing_state, created_at;
