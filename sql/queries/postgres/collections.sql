-- collections: PostgreSQL bodies of the queries whose SQL differs per dialect.

-- name: collections.get_for_update
-- returns: one Collection
-- params: id
-- The collection with this id, locked until the transaction ends (re-evaluation, photo adds).
SELECT id, name, description, is_public,
       cover_photo, is_smart_collection, smart_rules, created_at,
       updated_at
FROM collections
WHERE id = :id
FOR UPDATE;
