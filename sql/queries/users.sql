-- users: the calls every repository has (get, get_multi, stream_all, count, exists,
-- remove) are the template's (templates/generic.sql) for its columns (fragments/columns.sql);
-- inserts and partial updates are built per column set at run time (pictallion_sql/query/dynamic.py).
-- generic: users User username

-- name: users.get_by_username
-- returns: one User
-- params: username
-- The user with this username (unique, case-sensitive), or no row.
SELECT id, username, password
FROM users
WHERE username = :username;
