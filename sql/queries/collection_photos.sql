-- collection_photos: the generic calls every repository has (get, get_multi, count, exists, remove).
-- Inserts and partial updates are built per column set at run time (pictallion_sql/_dynamic.py).

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
