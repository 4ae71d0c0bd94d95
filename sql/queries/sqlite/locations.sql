-- locations: SQLite bodies (PostgreSQL: ../postgres/locations.sql).

-- name: locations.located_photos
-- returns: rows LocatedPhoto
-- Every file version (all tiers) whose metadata holds usable GPS coordinates, with its media
-- asset, oldest first (created_at ASC, then id ASC): the input of location clustering (#81,
-- #82 in docs/storage-mapping.md). Coordinates: metadata.ai.gpsCoordinates when both are JSON numbers
-- and non-zero, else metadata.exif.gpsLatitude/gpsLongitude; kept when both are non-zero,
-- latitude in [-90, 90] and longitude in [-180, 180] (compared as REAL). Returned as the
-- stored decimal text ("->" gives a number's JSON text verbatim).
SELECT pos.id, pos.latitude, pos.longitude, pos.metadata, pos.media_asset
FROM (
    SELECT raw.id, raw.created_at, raw.metadata, raw.media_asset,
           CASE WHEN CAST(raw.ai_lat AS REAL) <> 0 AND CAST(raw.ai_lon AS REAL) <> 0
                THEN raw.ai_lat ELSE raw.exif_lat END AS latitude,
           CASE WHEN CAST(raw.ai_lat AS REAL) <> 0 AND CAST(raw.ai_lon AS REAL) <> 0
                THEN raw.ai_lon ELSE raw.exif_lon END AS longitude
    FROM (
        SELECT fv.id, fv.created_at, fv.metadata,
               CASE WHEN ma.id IS NULL THEN NULL
                    ELSE json_object('id', ma.id, 'original_filename', ma.original_filename,
                                     'created_at', ma.created_at)
               END AS media_asset,
               CASE WHEN json_type(fv.metadata, '$.ai.gpsCoordinates.latitude')
                         IN ('integer', 'real')
                    THEN fv.metadata -> '$.ai.gpsCoordinates.latitude' END AS ai_lat,
               CASE WHEN json_type(fv.metadata, '$.ai.gpsCoordinates.longitude')
                         IN ('integer', 'real')
                    THEN fv.metadata -> '$.ai.gpsCoordinates.longitude' END AS ai_lon,
               CASE WHEN json_type(fv.metadata, '$.exif.gpsLatitude') IN ('integer', 'real')
                    THEN fv.metadata -> '$.exif.gpsLatitude' END AS exif_lat,
               CASE WHEN json_type(fv.metadata, '$.exif.gpsLongitude') IN ('integer', 'real')
                    THEN fv.metadata -> '$.exif.gpsLongitude' END AS exif_lon
        FROM file_versions AS fv
        LEFT JOIN media_assets AS ma ON ma.id = fv.media_asset_id
    ) AS raw
) AS pos
WHERE CAST(pos.latitude AS REAL) <> 0 AND CAST(pos.longitude AS REAL) <> 0
  AND CAST(pos.latitude AS REAL) BETWEEN -90 AND 90
  AND CAST(pos.longitude AS REAL) BETWEEN -180 AND 180
ORDER BY pos.created_at, pos.id;
