-- users: the generic calls every repository has (get, get_multi, count, exists, remove).
-- Inserts and partial updates are built per column set at run time (pictallion_sql/_dynamic.py).

-- name: users.get
-- returns: one User
-- params: id
SELECT id, username, password
FROM users
WHERE id = :id;

-- name: users.get_multi
-- returns: rows User
-- params: skip, limit
-- A page of rows, by username (byte order on both dialects), then id.
SELECT id, username, password
FROM users
ORDER BY username, id
LIMIT :limit OFFSET :skip;

-- name: users.get_multi_after
-- returns: rows User
-- params: after_username, after_id, limit
-- The page of get_multi after the row keyed (username, id) (keyset).
SELECT id, username, password
FROM users
WHERE (username, id) > (:after_username, :after_id)
ORDER BY username, id
LIMIT :limit;

-- name: users.stream_all
-- returns: rows User
-- Every row, in get_multi's order: what Repository.stream_all fetches in batches.
SELECT id, username, password
FROM users
ORDER BY username, id;

-- name: users.count
-- returns: scalar int
SELECT count(*) FROM users;

-- name: users.exists
-- returns: scalar bool
-- params: id
SELECT EXISTS (SELECT 1 FROM users WHERE id = :id);

-- name: users.remove
-- returns: one User
-- params: id
DELETE FROM users
WHERE id = :id
RETURNING id, username, password;

-- name: users.get_by_username
-- returns: one User
-- params: username
-- The user with this username (unique, case-sensitive), or no row.
SELECT id, username, password
FROM users
WHERE username = :username;
