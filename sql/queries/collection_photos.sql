-- collection_photos: the generic calls every repository has (get, get_multi, count, exists, remove).
-- Inserts and partial updates are built per column set at run time (pictallion_sql/_dynamic.py).
-- collection_photos.add_many differs per dialect: its bodies are in
-- postgres/collection_photos.sql and sqlite/collection_photos.sql.

-- name: collection_photos.get
-- returns: one CollectionPhoto
-- params: id
SELECT id, collection_id, photo_id, added_at
FROM collection_photos
WHERE id = :id;

-- name: collection_photos.get_multi
-- returns: rows CollectionPhoto
-- params: skip, limit
-- A page of rows, oldest first (added_at, then id).
SELECT id, collection_id, photo_id, added_at
FROM collection_photos
ORDER BY added_at, id
LIMIT :limit OFFSET :skip;

-- name: collection_photos.get_multi_after
-- returns: rows CollectionPhoto
-- params: after_added_at, after_id, limit
-- The page of get_multi after the row keyed (added_at, id) (keyset).
SELECT id, collection_id, photo_id, added_at
FROM collection_photos
WHERE (added_at, id) > (:after_added_at, :after_id)
ORDER BY added_at, id
LIMIT :limit;

-- name: collection_photos.stream_all
-- returns: rows CollectionPhoto
-- Every row, in get_multi's order: what Repository.stream_all fetches in batches.
SELECT id, collection_id, photo_id, added_at
FROM collection_photos
ORDER BY added_at, id;

-- name: collection_photos.count
-- returns: scalar int
SELECT count(*) FROM collection_photos;

-- name: collection_photos.exists
-- returns: scalar bool
-- params: id
SELECT EXISTS (SELECT 1 FROM collection_photos WHERE id = :id);

-- name: collection_photos.remove
-- returns: one CollectionPhoto
-- params: id
DELETE FROM collection_photos
WHERE id = :id
RETURNING id, collection_id, photo_id, added_at;

-- name: collection_photos.add
-- returns: one CollectionPhoto
-- params: collection_id, photo_id, added_at
-- Add a photo to a collection (no duplicate check: the same photo may be added twice).
INSERT INTO collection_photos (collection_id, photo_id, added_at)
VALUES (:collection_id, :photo_id, :added_at)
RETURNING id, collection_id, photo_id, added_at;

-- name: collection_photos.add_row
-- returns: none
-- params: collection_id, photo_id, added_at
-- Add a photo to a collection without reading the row back (run once per photo by run_many).
INSERT INTO collection_photos (collection_id, photo_id, added_at)
VALUES (:collection_id, :photo_id, :added_at);

-- name: collection_photos.get_entry
-- returns: one CollectionPhoto
-- params: collection_id, photo_id
-- The membership row of a photo in a collection; with duplicates, the most recently added (added_at DESC, id DESC).
SELECT id, collection_id, photo_id, added_at
FROM collection_photos
WHERE collection_id = :collection_id AND photo_id = :photo_id
ORDER BY added_at DESC, id DESC
LIMIT 1;

-- name: collection_photos.get_by_collection
-- returns: rows CollectionPhoto
-- params: collection_id
-- The membership rows of a collection, most recently added first (added_at DESC, id DESC).
SELECT id, collection_id, photo_id, added_at
FROM collection_photos
WHERE collection_id = :collection_id
ORDER BY added_at DESC, id DESC;

-- name: collection_photos.remove_photo
-- returns: none
-- params: collection_id, photo_id
-- Remove a photo from a collection: every membership row of that pair (duplicates too).
DELETE FROM collection_photos
WHERE collection_id = :collection_id AND photo_id = :photo_id;

-- name: collection_photos.delete_by_collection
-- returns: none
-- params: collection_id
-- Remove every photo row of a collection (before deleting it, or before re-filling it).
DELETE FROM collection_photos
WHERE collection_id = :collection_id;

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
            ELSE {{json_object}}('id', ma.id,
                                   'original_filename', ma.original_filename,
                                   'created_at', ma.created_at)
       END AS media_asset
FROM collection_photos AS cp
INNER JOIN file_versions AS fv ON fv.id = cp.photo_id
LEFT JOIN media_assets AS ma ON ma.id = fv.media_asset_id
WHERE cp.collection_id = :collection_id
ORDER BY cp.added_at DESC, cp.id DESC;

-- name: collection_photos.get_by_collection_page
-- returns: rows CollectionPhoto
-- params: collection_id, limit
-- The first page of get_by_collection (most recently added first), at most :limit rows.
SELECT id, collection_id, photo_id, added_at
FROM collection_photos
WHERE collection_id = :collection_id
ORDER BY added_at DESC, id DESC
LIMIT :limit;

-- name: collection_photos.get_by_collection_after
-- returns: rows CollectionPhoto
-- params: collection_id, after_added_at, after_id, limit
-- The page of get_by_collection after the row keyed (after_added_at, after_id) (keyset):
-- a range of idx_collection_photos_collection_id (collection_id, added_at DESC, id DESC).
SELECT id, collection_id, photo_id, added_at
FROM collection_photos
WHERE collection_id = :collection_id
  AND (added_at, id) < (:after_added_at, :after_id)
ORDER BY added_at DESC, id DESC
LIMIT :limit;
