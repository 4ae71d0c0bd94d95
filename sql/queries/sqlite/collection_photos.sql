-- collection_photos: SQLite bodies of the queries whose SQL differs per dialect.

-- name: collection_photos.add_many
-- returns: none
-- params: collection_id, photo_ids, added_at
-- Add many photos to a collection in one statement, one row per id in the given order
-- (photo_ids arrives as a JSON array).
INSERT INTO collection_photos (collection_id, photo_id, added_at)
SELECT :collection_id, p.value, :added_at
FROM json_each(:photo_ids) AS p
ORDER BY p.key;
