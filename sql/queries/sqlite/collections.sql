-- collections: SQLite bodies of the queries whose SQL differs per dialect.

-- name: collections.get_for_update
-- returns: one Collection
-- params: id
-- The collection with this id; the write transaction (BEGIN IMMEDIATE) already holds the lock.
SELECT id, name, description, is_public,
       cover_photo, is_smart_collection, smart_rules, created_at,
       updated_at
FROM collections
WHERE id = :id;

-- name: collections.photos_for_smart_collections
-- returns: rows FileVersionWithAsset
-- Every file version (all tiers) with its media asset nested, the candidates smart rules are
-- evaluated on; newest first (created_at DESC, id DESC).
SELECT fv.id, fv.media_asset_id, fv.tier, fv.file_path,
       fv.file_hash, fv.file_size, fv.mime_type, fv.metadata,
       fv.is_reviewed, fv.rating, fv.keywords, fv.location,
       fv.event_type, fv.event_name, fv.perceptual_hash, fv.ai_short_description,
       fv.processing_state, fv.created_at,
       CASE WHEN ma.id IS NULL THEN NULL
            ELSE json_object('id', ma.id,
                             'original_filename', ma.original_filename,
                             'created_at', ma.created_at)
       END AS media_asset
FROM file_versions fv
LEFT JOIN media_assets ma ON ma.id = fv.media_asset_id
ORDER BY fv.created_at DESC, fv.id DESC;
