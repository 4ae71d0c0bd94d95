-- locations: PostgreSQL bodies. Name orders use COLLATE "C" (byte order, as SQLite's BINARY).

-- name: locations.get_all
-- returns: rows Location
-- Every location, least photos first: photo_count ASC with NULL last, then name ASC
-- (byte order), then id ASC. docs/storage-mapping.md #77 (getLocations).
SELECT id, name, description, latitude,
       longitude, radius, is_user_defined, photo_count,
       place_name, place_type, created_at, updated_at
FROM locations
ORDER BY photo_count NULLS LAST, name COLLATE "C", id;

-- name: locations.top
-- returns: rows Location
-- params: limit
-- The locations with the most photos (#81 topLocations): photo_count DESC with NULL counted
-- as 0 and placed after a real 0, then name ASC (byte order), then id ASC.
SELECT id, name, description, latitude,
       longitude, radius, is_user_defined, photo_count,
       place_name, place_type, created_at, updated_at
FROM locations
ORDER BY COALESCE(photo_count, 0) DESC, CASE WHEN photo_count IS NULL THEN 1 ELSE 0 END,
         name COLLATE "C", id
LIMIT :limit;

-- name: locations.recent
-- returns: rows Location
-- params: limit
-- The newest locations (#81 recentLocations): created_at DESC, ties in the order of
-- locations.top.
SELECT id, name, description, latitude,
       longitude, radius, is_user_defined, photo_count,
       place_name, place_type, created_at, updated_at
FROM locations
ORDER BY created_at DESC, COALESCE(photo_count, 0) DESC,
         CASE WHEN photo_count IS NULL THEN 1 ELSE 0 END, name COLLATE "C", id
LIMIT :limit;

-- name: locations.located_photos
-- returns: rows LocatedPhoto
-- Every file version (all tiers) whose metadata holds usable GPS coordinates, with its media
-- asset, oldest first (created_at ASC, then id ASC): the input of location clustering (#81,
-- #82 in docs/storage-mapping.md). Coordinates: metadata.ai.gpsCoordinates when both are JSON numbers
-- and non-zero, else metadata.exif.gpsLatitude/gpsLongitude; kept when both are non-zero,
-- latitude in [-90, 90] and longitude in [-180, 180] (compared as double precision, as the
-- old backend's JavaScript did; magnitudes of 1000 or more are clamped first so that the cast
-- cannot overflow). Returned as the stored decimal text.
SELECT fv.id, pos.latitude, pos.longitude, fv.metadata,
       CASE WHEN ma.id IS NULL THEN NULL
            ELSE json_build_object('id', ma.id, 'original_filename', ma.original_filename,
                                   'created_at', ma.created_at)
       END AS media_asset
FROM file_versions AS fv
LEFT JOIN media_assets AS ma ON ma.id = fv.media_asset_id
CROSS JOIN LATERAL (
    SELECT CASE WHEN jsonb_typeof(fv.metadata -> 'ai' -> 'gpsCoordinates' -> 'latitude') = 'number'
                THEN fv.metadata -> 'ai' -> 'gpsCoordinates' ->> 'latitude' END AS ai_lat,
           CASE WHEN jsonb_typeof(fv.metadata -> 'ai' -> 'gpsCoordinates' -> 'longitude') = 'number'
                THEN fv.metadata -> 'ai' -> 'gpsCoordinates' ->> 'longitude' END AS ai_lon,
           CASE WHEN jsonb_typeof(fv.metadata -> 'exif' -> 'gpsLatitude') = 'number'
                THEN fv.metadata -> 'exif' ->> 'gpsLatitude' END AS exif_lat,
           CASE WHEN jsonb_typeof(fv.metadata -> 'exif' -> 'gpsLongitude') = 'number'
                THEN fv.metadata -> 'exif' ->> 'gpsLongitude' END AS exif_lon
) AS raw
CROSS JOIN LATERAL (
    SELECT CASE WHEN CAST(raw.ai_lat AS numeric) >= 1000 THEN 1000
                WHEN CAST(raw.ai_lat AS numeric) <= -1000 THEN -1000
                ELSE CAST(raw.ai_lat AS double precision) END AS ai_lat,
           CASE WHEN CAST(raw.ai_lon AS numeric) >= 1000 THEN 1000
                WHEN CAST(raw.ai_lon AS numeric) <= -1000 THEN -1000
                ELSE CAST(raw.ai_lon AS double precision) END AS ai_lon,
           CASE WHEN CAST(raw.exif_lat AS numeric) >= 1000 THEN 1000
                WHEN CAST(raw.exif_lat AS numeric) <= -1000 THEN -1000
                ELSE CAST(raw.exif_lat AS double precision) END AS exif_lat,
           CASE WHEN CAST(raw.exif_lon AS numeric) >= 1000 THEN 1000
                WHEN CAST(raw.exif_lon AS numeric) <= -1000 THEN -1000
                ELSE CAST(raw.exif_lon AS double precision) END AS exif_lon
) AS deg
CROSS JOIN LATERAL (
    SELECT CASE WHEN deg.ai_lat <> 0 AND deg.ai_lon <> 0 THEN raw.ai_lat
                ELSE raw.exif_lat END AS latitude,
           CASE WHEN deg.ai_lat <> 0 AND deg.ai_lon <> 0 THEN raw.ai_lon
                ELSE raw.exif_lon END AS longitude,
           CASE WHEN deg.ai_lat <> 0 AND deg.ai_lon <> 0 THEN deg.ai_lat
                ELSE deg.exif_lat END AS lat,
           CASE WHEN deg.ai_lat <> 0 AND deg.ai_lon <> 0 THEN deg.ai_lon
                ELSE deg.exif_lon END AS lon
) AS pos
WHERE pos.lat <> 0 AND pos.lon <> 0
  AND pos.lat BETWEEN -90 AND 90 AND pos.lon BETWEEN -180 AND 180
ORDER BY fv.created_at, fv.id;
