-- faces: SQLite bodies of the queries whose SQL differs by dialect.
-- A list parameter arrives as JSON text (the adapter encodes it); json_each walks it.

-- name: faces.get_many
-- returns: rows Face
-- params: ids
-- The faces whose id is in the list :ids, oldest first (created_at, then id).
SELECT id, photo_id, person_id, bounding_box,
       confidence, embedding, ignored, created_at
FROM faces
WHERE id IN (SELECT value FROM json_each(:ids))
ORDER BY created_at, id;

-- name: faces.count_many
-- returns: scalar int
-- params: ids
-- How many of the ids in the list :ids are faces.
SELECT count(*) FROM faces WHERE id IN (SELECT value FROM json_each(:ids));

-- name: faces.set_ignored_many
-- returns: none
-- params: ids, ignored
-- Mark every face whose id is in the list :ids ignored or not; the number of faces found.
UPDATE faces
SET ignored = :ignored
WHERE id IN (SELECT value FROM json_each(:ids));
