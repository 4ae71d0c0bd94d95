-- global_tag_library: the generic calls every repository has (get, get_multi, count, exists, remove).
-- Inserts and partial updates are built per column set at run time (pictallion_sql/_dynamic.py).
-- global_tag_library.list_library and .all_tags order text in byte order (PostgreSQL bodies with
-- COLLATE "C" in postgres/); global_tag_library.upsert_counts differs per dialect (postgres/, sqlite/).

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

-- name: global_tag_library.get_multi_after
-- returns: rows GlobalTag
-- params: after_created_at, after_id, limit
-- The page of get_multi after the row keyed (created_at, id) (keyset).
SELECT id, tag, usage_count, created_at
FROM global_tag_library
WHERE (created_at, id) > (:after_created_at, :after_id)
ORDER BY created_at, id
LIMIT :limit;

-- name: global_tag_library.stream_all
-- returns: rows GlobalTag
-- Every row, in get_multi's order: what Repository.stream_all fetches in batches.
SELECT id, tag, usage_count, created_at
FROM global_tag_library
ORDER BY created_at, id;

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

-- name: global_tag_library.list_library
-- returns: rows TagLibraryEntry
-- The library screen's list: most used first (usage_count DESC), then tag in byte order (unique: total).
SELECT tag, usage_count, created_at
FROM global_tag_library
ORDER BY usage_count DESC, tag ASC;

-- name: global_tag_library.all_tags
-- returns: rows TagName
-- Every tag, in byte order.
SELECT tag
FROM global_tag_library
ORDER BY tag;

-- name: global_tag_library.get_by_tag
-- returns: one GlobalTag
-- params: tag
-- The library entry of this exact tag (tags are unique), or no row.
SELECT id, tag, usage_count, created_at
FROM global_tag_library
WHERE tag = :tag;

-- name: global_tag_library.upsert_tag
-- returns: one GlobalTag
-- params: tag, created_at
-- Count one use of a tag: insert it with usage_count 1 (id from the column default), or add 1.
INSERT INTO global_tag_library (tag, usage_count, created_at)
VALUES (:tag, 1, :created_at)
ON CONFLICT (tag) DO UPDATE
SET usage_count = global_tag_library.usage_count + 1
RETURNING id, tag, usage_count, created_at;

-- name: global_tag_library.add_tag
-- returns: none
-- params: tag, created_at
-- Add a tag with usage_count 1 unless it is already there (an existing tag is not counted again).
INSERT INTO global_tag_library (tag, created_at)
VALUES (:tag, :created_at)
ON CONFLICT DO NOTHING;

-- name: global_tag_library.delete_tag
-- returns: none
-- params: tag
-- Delete the library entry of this exact tag; the affected row count is 0 or 1.
DELETE FROM global_tag_library WHERE tag = :tag;
