-- settings: PostgreSQL bodies that sort text in byte order (COLLATE "C"), as SQLite does.

-- name: settings.get_all
-- returns: rows Setting
-- Every setting by category, then key, both in byte order (unique key: the order is total).
SELECT id, "key", "value", category,
       description, created_at, updated_at
FROM settings
ORDER BY category COLLATE "C", "key" COLLATE "C";

-- name: settings.get_by_category
-- returns: rows Setting
-- params: category
-- The settings of one category (exact match), by key in byte order.
SELECT id, "key", "value", category,
       description, created_at, updated_at
FROM settings
WHERE category = :category
ORDER BY "key" COLLATE "C";
