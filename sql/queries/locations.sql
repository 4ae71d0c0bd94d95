-- locations: the calls every repository has (get, get_multi, stream_all, count, exists,
-- remove) are the template's (templates/generic.sql) for its columns (fragments/columns.sql);
-- inserts and partial updates are built per column set at run time (pictallion_sql/query/dynamic.py).
-- generic: locations Location

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
