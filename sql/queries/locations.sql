-- locations: the generic calls every repository has (get, get_multi, count, exists, remove).
-- Inserts and partial updates are built per column set at run time (pictallion_sql/_dynamic.py).

-- name: locations.get
-- returns: one Location
-- params: id
SELECT id, name, description, latitude,
       longitude, radius, is_user_defined, photo_count,
       place_name, place_type, created_at, updated_at
FROM locations
WHERE id = :id;

-- name: locations.get_multi
-- returns: rows Location
-- params: skip, limit
-- A page of rows, oldest first (created_at, then id).
SELECT id, name, description, latitude,
       longitude, radius, is_user_defined, photo_count,
       place_name, place_type, created_at, updated_at
FROM locations
ORDER BY created_at, id
LIMIT :limit OFFSET :skip;

-- name: locations.count
-- returns: scalar int
SELECT count(*) FROM locations;

-- name: locations.exists
-- returns: scalar bool
-- params: id
SELECT EXISTS (SELECT 1 FROM locations WHERE id = :id);

-- name: locations.remove
-- returns: one Location
-- params: id
DELETE FROM locations
WHERE id = :id
RETURNING id, name, description, latitude,
       longitude, radius, is_user_defined, photo_count,
       place_name, place_type, created_at, updated_at;
