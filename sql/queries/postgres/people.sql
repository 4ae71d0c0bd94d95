-- people: PostgreSQL bodies of the queries whose SQL differs by dialect.

-- name: people.search_by_name
-- returns: rows Person
-- params: pattern, limit
-- People whose lower-cased name contains :pattern (a LIKE pattern, '\' escapes), by name in byte order, then id.
-- Folded under the ICU root collation: Unicode's full lowercase mapping, as Python's str.lower on SQLite.
SELECT id, name, notes, birthdate,
       face_count, representative_face, selected_thumbnail_face_id, created_at
FROM people
WHERE lower(name COLLATE "und-x-icu") LIKE lower(CAST(:pattern AS text) COLLATE "und-x-icu") ESCAPE '\'
ORDER BY name COLLATE "C", id
LIMIT :limit;

-- name: people.get_photos
-- returns: rows FileVersionWithAsset
-- params: person_id
-- The distinct file versions that show a face of the person (ignored faces included), each with
-- its media asset nested; newest version first (created_at DESC, id DESC).
SELECT fv.id, fv.media_asset_id, fv.tier, fv.file_path, fv.file_hash, fv.file_size,
       fv.mime_type, fv.metadata, fv.is_reviewed, fv.rating, fv.keywords, fv.location,
       fv.event_type, fv.event_name, fv.perceptual_hash, fv.ai_short_description,
       fv.processing_state, fv.created_at,
       CASE WHEN ma.id IS NULL THEN NULL
            ELSE json_build_object('id', ma.id,
                                   'original_filename', ma.original_filename,
                                   'created_at', ma.created_at)
       END AS media_asset
FROM file_versions fv
LEFT JOIN media_assets ma ON ma.id = fv.media_asset_id
WHERE fv.id IN (SELECT f.photo_id FROM faces f WHERE f.person_id = :person_id)
ORDER BY fv.created_at DESC, fv.id DESC;
