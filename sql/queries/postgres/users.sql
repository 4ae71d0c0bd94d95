-- users: PostgreSQL bodies that sort usernames in byte order (COLLATE "C"), as SQLite does,
-- whatever the database's collation.

-- name: users.get_multi
-- returns: rows User
-- params: skip, limit
-- A page of rows, by username in byte order, then id.
SELECT id, username, password
FROM users
ORDER BY username COLLATE "C", id
LIMIT :limit OFFSET :skip;

-- name: users.get_multi_after
-- returns: rows User
-- params: after_username, after_id, limit
-- The page of get_multi after the row keyed (username, id) (keyset).
SELECT id, username, password
FROM users
WHERE (username COLLATE "C", id) > (:after_username COLLATE "C", :after_id)
ORDER BY username COLLATE "C", id
LIMIT :limit;

-- name: users.stream_all
-- returns: rows User
-- Every row, in get_multi's order: what Repository.stream_all fetches in batches.
SELECT id, username, password
FROM users
ORDER BY username COLLATE "C", id;
