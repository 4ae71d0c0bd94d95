-- collection_photos: PostgreSQL bodies of the queries whose SQL differs per dialect.

-- name: collection_photos.add_many
-- returns: none
-- params: collection_id, photo_ids, added_at
-- Add many photos to a collection in one statement, one row per id in the given order.
INSERT INTO collection_photos (collection_id, photo_id, added_at)
SELECT CAST(:collection_id AS varchar), p.photo_id, CAST(:added_at AS timestamp)
FROM unnest(CAST(:photo_ids AS varchar[])) WITH ORDINALITY AS p(photo_id, n)
ORDER BY p.n;
