-- settings: the generic calls every repository has (get, get_multi, count, exists, remove).
-- Inserts and partial updates are built per column set at run time (pictallion_sql/_dynamic.py).

-- name: settings.get
-- returns: one Setting
-- params: id
SELECT id, "key", "value", category,
       description, created_at, updated_at
FROM settings
WHERE id = :id;

-- name: settings.get_multi
-- returns: rows Setting
-- params: skip, limit
-- A page of rows, oldest first (created_at, then id).
SELECT id, "key", "value", category,
       description, created_at, updated_at
FROM settings
ORDER BY created_at, id
LIMIT :limit OFFSET :skip;

-- name: settings.count
-- returns: scalar int
SELECT count(*) FROM settings;

-- name: settings.exists
-- returns: scalar bool
-- params: id
SELECT EXISTS (SELECT 1 FROM settings WHERE id = :id);

-- name: settings.remove
-- returns: one Setting
-- params: id
DELETE FROM settings
WHERE id = :id
RETURNING id, "key", "value", category,
       description, created_at, updated_at;
