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

-- name: collections.change_mark
-- returns: scalar str
-- Where the log of version writes stands for a smart refresh beginning now: the snapshot
-- (as text) after taking lock 6006, which keeps the log's pruning off until the commit.
-- Versions written by a transaction not visible in it are new to the next refresh.
SELECT CAST(pg_current_snapshot() AS text)
FROM (SELECT pg_advisory_xact_lock(6006)) AS locked;

-- name: collections.prune_changes
-- returns: none
-- Drop the log entries every smart collection's mark has seen (lock 6006 is held).
DELETE FROM file_version_changes
WHERE xid < (SELECT min(pg_snapshot_xmin(CAST(scr.seen AS pg_snapshot)))
             FROM smart_collection_refreshes AS scr);
