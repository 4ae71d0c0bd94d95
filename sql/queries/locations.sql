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

-- name: locations.get_multi_after
-- returns: rows Location
-- params: after_created_at, after_id, limit
-- The page of get_multi after the row keyed (created_at, id) (keyset).
SELECT id, name, description, latitude,
       longitude, radius, is_user_defined, photo_count,
       place_name, place_type, created_at, updated_at
FROM locations
WHERE (created_at, id) > (:after_created_at, :after_id)
ORDER BY created_at, id
LIMIT :limit;

-- name: locations.stream_all
-- returns: rows Location
-- Every row, in get_multi's order: what Repository.stream_all fetches in batches.
SELECT id, name, description, latitude,
       longitude, radius, is_user_defined, photo_count,
       place_name, place_type, created_at, updated_at
FROM locations
ORDER BY created_at, id;

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

-- Orders below sort names by bytes (UTF-8 code points): SQLite's BINARY collation here,
-- COLLATE "C" in the PostgreSQL bodies (sql/queries/postgres/locations.sql).

-- name: locations.get_all
-- returns: rows Location
-- Every location, least photos first: photo_count ASC with NULL last (as PostgreSQL put it),
-- then name ASC (byte order), then id ASC. docs/storage-mapping.md #77 (getLocations).
SELECT id, name, description, latitude,
       longitude, radius, is_user_defined, photo_count,
       place_name, place_type, created_at, updated_at
FROM locations
ORDER BY photo_count NULLS LAST, name, id;

-- name: locations.top
-- returns: rows Location
-- params: limit
-- The locations with the most photos (#81 topLocations): photo_count DESC with NULL counted
-- as 0 and placed after a real 0, then name ASC (byte order), then id ASC. This is the
-- old backend's stable sort of the getLocations list.
SELECT id, name, description, latitude,
       longitude, radius, is_user_defined, photo_count,
       place_name, place_type, created_at, updated_at
FROM locations
ORDER BY COALESCE(photo_count, 0) DESC, CASE WHEN photo_count IS NULL THEN 1 ELSE 0 END ASC,
         name ASC, id ASC
LIMIT :limit;

-- name: locations.recent
-- returns: rows Location
-- params: limit
-- The newest locations (#81 recentLocations): created_at DESC, ties in the order of
-- locations.top (the old backend sorted that list again, stably).
SELECT id, name, description, latitude,
       longitude, radius, is_user_defined, photo_count,
       place_name, place_type, created_at, updated_at
FROM locations
ORDER BY created_at DESC, COALESCE(photo_count, 0) DESC,
         CASE WHEN photo_count IS NULL THEN 1 ELSE 0 END ASC, name ASC, id ASC
LIMIT :limit;
