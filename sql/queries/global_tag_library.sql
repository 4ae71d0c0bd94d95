-- global_tag_library: the generic calls every repository has (get, get_multi, count, exists, remove).
-- Inserts and partial updates are built per column set at run time (pictallion_sql/_dynamic.py).

-- name: global_tag_library.get
-- returns: one GlobalTag
-- params: id
SELECT id, tag, usage_count, created_at
FROM global_tag_library
WHERE id = :id;

-- name: global_tag_library.get_multi
-- returns: rows GlobalTag
-- params: skip, limit
-- A page of rows, oldest first (created_at, then id).
SELECT id, tag, usage_count, created_at
FROM global_tag_library
ORDER BY created_at, id
LIMIT :limit OFFSET :skip;

-- name: global_tag_library.count
-- returns: scalar int
SELECT count(*) FROM global_tag_library;

-- name: global_tag_library.exists
-- returns: scalar bool
-- params: id
SELECT EXISTS (SELECT 1 FROM global_tag_library WHERE id = :id);

-- name: global_tag_library.remove
-- returns: one GlobalTag
-- params: id
DELETE FROM global_tag_library
WHERE id = :id
RETURNING id, tag, usage_count, created_at;
