-- settings: the generic calls every repository has (get, get_multi, count, exists, remove).
-- Inserts and partial updates are built per column set at run time (pictallion_sql/_dynamic.py).
-- settings.get_all and settings.get_by_category order text in byte order: their PostgreSQL bodies
-- (COLLATE "C") are in postgres/settings.sql; SQLite's default BINARY collation is byte order.

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

-- name: settings.get_multi_after
-- returns: rows Setting
-- params: after_created_at, after_id, limit
-- The page of get_multi after the row keyed (created_at, id) (keyset).
SELECT id, "key", "value", category,
       description, created_at, updated_at
FROM settings
WHERE (created_at, id) > (:after_created_at, :after_id)
ORDER BY created_at, id
LIMIT :limit;

-- name: settings.stream_all
-- returns: rows Setting
-- Every row, in get_multi's order: what Repository.stream_all fetches in batches.
SELECT id, "key", "value", category,
       description, created_at, updated_at
FROM settings
ORDER BY created_at, id;

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

-- name: settings.get_all
-- returns: rows Setting
-- Every setting by category, then key, both in byte order (unique key: the order is total).
SELECT id, "key", "value", category,
       description, created_at, updated_at
FROM settings
ORDER BY category, "key";

-- name: settings.get_by_key
-- returns: one Setting
-- params: key
-- The setting with this key (keys are unique), or no row.
SELECT id, "key", "value", category,
       description, created_at, updated_at
FROM settings
WHERE "key" = :key;

-- name: settings.get_by_category
-- returns: rows Setting
-- params: category
-- The settings of one category (exact match), by key in byte order.
SELECT id, "key", "value", category,
       description, created_at, updated_at
FROM settings
WHERE category = :category
ORDER BY "key";

-- name: settings.get_value
-- returns: scalar str
-- params: key
-- The value of the setting with this key, or no row.
SELECT "value" FROM settings WHERE "key" = :key;

-- name: settings.update_value
-- returns: one Setting
-- params: key, value, updated_at
-- Change the value of an existing setting (no upsert) and stamp updated_at; no row if the key is missing.
UPDATE settings
SET "value" = :value, updated_at = :updated_at
WHERE "key" = :key
RETURNING id, "key", "value", category,
       description, created_at, updated_at;

-- name: settings.set_value
-- returns: one Setting
-- params: key, value, category, now
-- One atomic upsert: insert the setting, or on an existing key change its value and updated_at
-- (category and description of an existing setting are kept).
INSERT INTO settings ("key", "value", category, created_at, updated_at)
VALUES (:key, :value, :category, :now, :now)
ON CONFLICT ("key") DO UPDATE
SET "value" = excluded."value", updated_at = excluded.updated_at
RETURNING id, "key", "value", category,
       description, created_at, updated_at;

-- name: settings.delete_by_key
-- returns: none
-- params: key
-- Delete the setting with this key; the affected row count is 0 or 1.
DELETE FROM settings WHERE "key" = :key;
