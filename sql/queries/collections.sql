-- collections: the generic calls every repository has (get, get_multi, count, exists, remove).
-- Inserts and partial updates are built per column set at run time (pictallion_sql/_dynamic.py).

-- name: collections.get
-- returns: one Collection
-- params: id
SELECT id, name, description, is_public,
       cover_photo, is_smart_collection, smart_rules, created_at,
       updated_at
FROM collections
WHERE id = :id;

-- name: collections.get_multi
-- returns: rows Collection
-- params: skip, limit
-- A page of rows, oldest first (created_at, then id).
SELECT id, name, description, is_public,
       cover_photo, is_smart_collection, smart_rules, created_at,
       updated_at
FROM collections
ORDER BY created_at, id
LIMIT :limit OFFSET :skip;

-- name: collections.count
-- returns: scalar int
SELECT count(*) FROM collections;

-- name: collections.exists
-- returns: scalar bool
-- params: id
SELECT EXISTS (SELECT 1 FROM collections WHERE id = :id);

-- name: collections.remove
-- returns: one Collection
-- params: id
DELETE FROM collections
WHERE id = :id
RETURNING id, name, description, is_public,
       cover_photo, is_smart_collection, smart_rules, created_at,
       updated_at;
