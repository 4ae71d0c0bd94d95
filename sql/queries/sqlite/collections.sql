-- collections: SQLite bodies of the queries whose SQL differs per dialect.

-- name: collections.get_for_update
-- returns: one Collection
-- params: id
-- The collection with this id; the write transaction (BEGIN IMMEDIATE) already holds the lock.
SELECT id, name, description, is_public,
       cover_photo, is_smart_collection, smart_rules, created_at,
       updated_at
FROM collections
WHERE id = :id;
