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

-- name: users.stream_all
-- returns: rows User
-- Every row, in get_multi's order: what Repository.stream_all fetches in batches.
SELECT id, username, password
FROM users
ORDER BY username COLLATE "C", id;
