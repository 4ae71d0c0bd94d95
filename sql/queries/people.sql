-- people: the generic calls every repository has (get, get_multi, count, exists, remove).
-- Inserts and partial updates are built per column set at run time (pictallion_sql/_dynamic.py).

-- name: people.get
-- returns: one Person
-- params: id
SELECT id, name, notes, birthdate,
       face_count, representative_face, selected_thumbnail_face_id, created_at
FROM people
WHERE id = :id;

-- name: people.get_multi
-- returns: rows Person
-- params: skip, limit
-- A page of rows, oldest first (created_at, then id).
SELECT id, name, notes, birthdate,
       face_count, representative_face, selected_thumbnail_face_id, created_at
FROM people
ORDER BY created_at, id
LIMIT :limit OFFSET :skip;

-- name: people.count
-- returns: scalar int
SELECT count(*) FROM people;

-- name: people.exists
-- returns: scalar bool
-- params: id
SELECT EXISTS (SELECT 1 FROM people WHERE id = :id);

-- name: people.remove
-- returns: one Person
-- params: id
DELETE FROM people
WHERE id = :id
RETURNING id, name, notes, birthdate,
       face_count, representative_face, selected_thumbnail_face_id, created_at;
