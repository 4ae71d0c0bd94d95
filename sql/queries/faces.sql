-- faces: the generic calls every repository has (get, get_multi, count, exists, remove).
-- Inserts and partial updates are built per column set at run time (pictallion_sql/_dynamic.py).

-- name: faces.get
-- returns: one Face
-- params: id
SELECT id, photo_id, person_id, bounding_box,
       confidence, embedding, ignored, created_at
FROM faces
WHERE id = :id;

-- name: faces.get_multi
-- returns: rows Face
-- params: skip, limit
-- A page of rows, oldest first (created_at, then id).
SELECT id, photo_id, person_id, bounding_box,
       confidence, embedding, ignored, created_at
FROM faces
ORDER BY created_at, id
LIMIT :limit OFFSET :skip;

-- name: faces.count
-- returns: scalar int
SELECT count(*) FROM faces;

-- name: faces.exists
-- returns: scalar bool
-- params: id
SELECT EXISTS (SELECT 1 FROM faces WHERE id = :id);

-- name: faces.remove
-- returns: one Face
-- params: id
DELETE FROM faces
WHERE id = :id
RETURNING id, photo_id, person_id, bounding_box,
       confidence, embedding, ignored, created_at;
