-- faces: the calls every repository has (get, get_multi, stream_all, count, exists,
-- remove) are the template's (templates/generic.sql) for its columns (fragments/columns.sql);
-- inserts and partial updates are built per column set at run time (pictallion_sql/query/dynamic.py).
-- generic: faces Face

-- name: faces.get_all
-- returns: rows Face
-- Every face, ignored and assigned ones included, oldest first (created_at, then id).
SELECT id, photo_id, person_id, bounding_box,
       confidence, embedding, ignored, created_at
FROM faces
ORDER BY created_at, id;

-- name: faces.get_by_person
-- returns: rows Face
-- params: person_id
-- The faces assigned to a person (ignored ones included), oldest first (created_at, then id).
SELECT id, photo_id, person_id, bounding_box,
       confidence, embedding, ignored, created_at
FROM faces
WHERE person_id = :person_id
ORDER BY created_at, id;

-- name: faces.get_by_photo
-- returns: rows Face
-- params: photo_id
-- The faces detected on one file version, oldest first (created_at, then id).
SELECT id, photo_id, person_id, bounding_box,
       confidence, embedding, ignored, created_at
FROM faces
WHERE photo_id = :photo_id
ORDER BY created_at, id;

-- name: faces.get_unassigned
-- returns: rows Face
-- params: limit
-- Faces assigned to nobody and not ignored, oldest first (created_at, then id), at most :limit.
SELECT id, photo_id, person_id, bounding_box,
       confidence, embedding, ignored, created_at
FROM faces
WHERE person_id IS NULL AND ignored = FALSE
ORDER BY created_at, id
LIMIT :limit;

-- name: faces.get_ignored
-- returns: rows Face
-- The ignored faces, assigned or not, oldest first (created_at, then id).
SELECT id, photo_id, person_id, bounding_box,
       confidence, embedding, ignored, created_at
FROM faces
WHERE ignored = TRUE
ORDER BY created_at, id;

-- name: faces.assign
-- returns: none
-- params: face_id, person_id
-- Assign a face to a person (NULL unassigns it); 1 if the face exists, else 0.
UPDATE faces
SET person_id = :person_id
WHERE id = :face_id;

-- name: faces.set_ignored
-- returns: none
-- params: id, ignored
-- Mark one face ignored or not; 1 if the face exists, else 0.
UPDATE faces
SET ignored = :ignored
WHERE id = :id;

-- name: faces.get_unassigned_after
-- returns: rows Face
-- params: after_created_at, after_id, limit
-- The page of get_unassigned after the face keyed (after_created_at, after_id) (keyset):
-- a range of idx_faces_unassigned.
SELECT id, photo_id, person_id, bounding_box,
       confidence, embedding, ignored, created_at
FROM faces
WHERE person_id IS NULL AND ignored = FALSE
  AND (created_at, id) > (:after_created_at, :after_id)
ORDER BY created_at, id
LIMIT :limit;

-- name: faces.get_by_person_page
-- returns: rows Face
-- params: person_id, limit
-- The first page of get_by_person (oldest first), at most :limit faces.
SELECT id, photo_id, person_id, bounding_box,
       confidence, embedding, ignored, created_at
FROM faces
WHERE person_id = :person_id
ORDER BY created_at, id
LIMIT :limit;

-- name: faces.get_by_person_after
-- returns: rows Face
-- params: person_id, after_created_at, after_id, limit
-- The page of get_by_person after the face keyed (after_created_at, after_id) (keyset):
-- a range of idx_faces_person_id (person_id, created_at, id).
SELECT id, photo_id, person_id, bounding_box,
       confidence, embedding, ignored, created_at
FROM faces
WHERE person_id = :person_id
  AND (created_at, id) > (:after_created_at, :after_id)
ORDER BY created_at, id
LIMIT :limit;
