-- collection_photos: SQLite bodies of the queries whose SQL differs per dialect.

-- name: collection_photos.photos_of_collection
-- returns: rows FileVersionWithAsset
-- params: collection_id
-- The photos of a collection with their media asset nested, most recently added first
-- (added_at DESC, then the membership row's id DESC); a photo added twice appears twice.
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
FROM collection_photos cp
JOIN file_versions fv ON fv.id = cp.photo_id
LEFT JOIN media_assets ma ON ma.id = fv.media_asset_id
WHERE cp.collection_id = :collection_id
ORDER BY cp.added_at DESC, cp.id DESC;

-- name: collection_photos.add_many
-- returns: none
-- params: collection_id, photo_ids, added_at
-- Add many photos to a collection in one statement, one row per id in the given order
-- (photo_ids arrives as a JSON array).
INSERT INTO collection_photos (collection_id, photo_id, added_at)
SELECT :collection_id, p.value, :added_at
FROM json_each(:photo_ids) AS p
ORDER BY p.key;
