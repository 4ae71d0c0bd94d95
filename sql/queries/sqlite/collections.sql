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

-- name: collections.change_mark
-- returns: scalar str
-- Where the log of version writes stands for a smart refresh beginning now: its last entry
-- (the write transaction already holds the lock). Later entries are new to the next refresh.
SELECT CAST(coalesce(max(ch.seq), 0) AS TEXT)
FROM file_version_changes AS ch;

-- name: collections.prune_changes
-- returns: none
-- Drop the log entries every smart collection's mark has seen.
DELETE FROM file_version_changes
WHERE seq <= (SELECT min(CAST(scr.seen AS INTEGER)) FROM smart_collection_refreshes AS scr);
