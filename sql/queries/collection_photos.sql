-- collection_photos: the calls every repository has (get, get_multi, stream_all, count, exists,
-- remove) are the template's (templates/generic.sql) for its columns (fragments/columns.sql);
-- inserts and partial updates are built per column set at run time (pictallion_sql/query/dynamic.py).
-- collection_photos.add_many differs per dialect: its bodies are in
-- postgres/collection_photos.sql and sqlite/collection_photos.sql.
-- generic: collection_photos CollectionPhoto added_at

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
SELECT {{file_version_with_asset}}
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
