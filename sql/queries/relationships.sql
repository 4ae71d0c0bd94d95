-- relationships: the generic calls every repository has (get, get_multi, count, exists, remove).
-- Inserts and partial updates are built per column set at run time (pictallion_sql/_dynamic.py).

-- name: relationships.get
-- returns: one Relationship
-- params: id
SELECT id, person1_id, person2_id, relationship_type,
       notes, created_at
FROM relationships
WHERE id = :id;

-- name: relationships.get_multi
-- returns: rows Relationship
-- params: skip, limit
-- A page of rows, oldest first (created_at, then id).
SELECT id, person1_id, person2_id, relationship_type,
       notes, created_at
FROM relationships
ORDER BY created_at, id
LIMIT :limit OFFSET :skip;

-- name: relationships.stream_all
-- returns: rows Relationship
-- Every row, in get_multi's order: what Repository.stream_all fetches in batches.
SELECT id, person1_id, person2_id, relationship_type,
       notes, created_at
FROM relationships
ORDER BY created_at, id;

-- name: relationships.count
-- returns: scalar int
SELECT count(*) FROM relationships;

-- name: relationships.exists
-- returns: scalar bool
-- params: id
SELECT EXISTS (SELECT 1 FROM relationships WHERE id = :id);

-- name: relationships.remove
-- returns: one Relationship
-- params: id
DELETE FROM relationships
WHERE id = :id
RETURNING id, person1_id, person2_id, relationship_type,
       notes, created_at;
