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

-- name: file_versions.stream_all
-- returns: rows FileVersion
-- Every row, in get_multi's order: what Repository.stream_all fetches in batches.
SELECT id, media_asset_id, tier, file_path,
       file_hash, file_size, mime_type, metadata,
       is_reviewed, rating, keywords, location,
       event_type, event_name, perceptual_hash, ai_short_description,
       processing_state, created_at
FROM file_versions
ORDER BY created_at, id;

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

-- ---------------------------------------------------------------------------------------
-- Specialised queries (crud.file_version). Every list ends its ORDER BY with id, in the
-- direction of the main key, so both dialects return the same order on ties.
-- ---------------------------------------------------------------------------------------

-- name: file_versions.get_by_asset
-- returns: rows FileVersion
-- params: media_asset_id
-- The versions of one media asset, newest first (created_at DESC, id DESC).
SELECT id, media_asset_id, tier, file_path,
       file_hash, file_size, mime_type, metadata,
       is_reviewed, rating, keywords, location,
       event_type, event_name, perceptual_hash, ai_short_description,
       processing_state, created_at
FROM file_versions
WHERE media_asset_id = :media_asset_id
ORDER BY created_at DESC, id DESC;

-- name: file_versions.get_by_tier
-- returns: rows FileVersion
-- params: tier, skip, limit
-- A page of the versions of one tier, newest first (created_at DESC, id DESC).
SELECT id, media_asset_id, tier, file_path,
       file_hash, file_size, mime_type, metadata,
       is_reviewed, rating, keywords, location,
       event_type, event_name, perceptual_hash, ai_short_description,
       processing_state, created_at
FROM file_versions
WHERE tier = :tier
ORDER BY created_at DESC, id DESC
LIMIT :limit OFFSET :skip;

-- name: file_versions.get_all
-- returns: rows FileVersion
-- params: skip, limit
-- A page of every version, newest first (created_at DESC, id DESC).
SELECT id, media_asset_id, tier, file_path,
       file_hash, file_size, mime_type, metadata,
       is_reviewed, rating, keywords, location,
       event_type, event_name, perceptual_hash, ai_short_description,
       processing_state, created_at
FROM file_versions
ORDER BY created_at DESC, id DESC
LIMIT :limit OFFSET :skip;

-- name: file_versions.get_by_hash
-- returns: one FileVersion
-- params: file_hash
-- The first version with this MD5 hash: the oldest (created_at, then id), i.e. the copy
-- that brought the file in; the silver and gold copies of one asset share the hash.
SELECT id, media_asset_id, tier, file_path,
       file_hash, file_size, mime_type, metadata,
       is_reviewed, rating, keywords, location,
       event_type, event_name, perceptual_hash, ai_short_description,
       processing_state, created_at
FROM file_versions
WHERE file_hash = :file_hash
ORDER BY created_at, id
LIMIT 1;

-- name: file_versions.update_perceptual_hash
-- returns: none
-- params: id, perceptual_hash
-- Store a version's perceptual hash; the count is 0 when there is no such version.
UPDATE file_versions
SET perceptual_hash = :perceptual_hash
WHERE id = :id;

-- name: file_versions.delete_faces
-- returns: none
-- params: photo_id
-- Delete every face detected on one version (demote/reprocess); returns how many went.
DELETE FROM faces
WHERE photo_id = :photo_id;

-- name: file_versions.collection_stats
-- returns: one CollectionStats
-- Media assets, silver versions and gold versions, counted in one statement.
SELECT (SELECT count(*) FROM media_assets) AS total_photos,
       count(*) FILTER (WHERE tier = 'silver') AS silver_count,
       count(*) FILTER (WHERE tier = 'gold') AS gold_count
FROM file_versions;

-- name: file_versions.with_events
-- returns: rows FileVersion
-- Versions with an event type (not NULL, not empty), newest first (created_at DESC, id DESC).
SELECT id, media_asset_id, tier, file_path,
       file_hash, file_size, mime_type, metadata,
       is_reviewed, rating, keywords, location,
       event_type, event_name, perceptual_hash, ai_short_description,
       processing_state, created_at
FROM file_versions
WHERE event_type IS NOT NULL AND event_type <> ''
ORDER BY created_at DESC, id DESC;

-- name: file_versions.without_events
-- returns: rows FileVersion
-- Versions whose event type is NULL or empty, newest first (created_at DESC, id DESC).
SELECT id, media_asset_id, tier, file_path,
       file_hash, file_size, mime_type, metadata,
       is_reviewed, rating, keywords, location,
       event_type, event_name, perceptual_hash, ai_short_description,
       processing_state, created_at
FROM file_versions
WHERE event_type IS NULL OR event_type = ''
ORDER BY created_at DESC, id DESC;

-- name: file_versions.count_highest_tier
-- returns: scalar int
-- How many rows the photo listing has without its cap: assets with a gold or silver version.
SELECT count(DISTINCT fv.media_asset_id)
FROM file_versions AS fv
JOIN media_assets AS ma ON ma.id = fv.media_asset_id
WHERE fv.tier IN ('gold', 'silver');

-- name: file_versions.count_unprocessed
-- returns: scalar int
-- How many assets have a silver version and no gold version.
SELECT count(*)
FROM media_assets AS ma
WHERE EXISTS (SELECT 1 FROM file_versions AS s
              WHERE s.media_asset_id = ma.id AND s.tier = 'silver')
  AND NOT EXISTS (SELECT 1 FROM file_versions AS g
                  WHERE g.media_asset_id = ma.id AND g.tier = 'gold');

-- name: file_versions.count_by_tier
-- returns: scalar int
-- params: tier, show_all_versions
-- How many rows the tier listing has: versions of :tier, without the silver versions whose
-- asset also has a gold version unless :show_all_versions.
SELECT count(*)
FROM file_versions AS fv
WHERE fv.tier = :tier
  AND (CAST(:show_all_versions AS boolean)
       OR fv.tier <> 'silver'
       OR NOT EXISTS (SELECT 1 FROM file_versions AS g
                      WHERE g.media_asset_id = fv.media_asset_id AND g.tier = 'gold'));
