-- file_versions: PostgreSQL bodies of the queries whose SQL differs per dialect.
-- The media asset (and the history) are nested as JSON built with json_build_object /
-- json_agg; timestamps inside them come out as ISO text and decode to the same datetime
-- as SQLite's stored text. display_filename is the basename of file_path (trailing
-- slashes ignored, as Node's path.basename does), computed the same way on both dialects.

-- name: file_versions.recent_photos
-- returns: rows FileVersionWithDisplayAsset
-- params: limit
-- The newest versions of every tier (created_at DESC, id DESC) with their asset and its
-- display_filename.
SELECT fv.id, fv.media_asset_id, fv.tier, fv.file_path,
       fv.file_hash, fv.file_size, fv.mime_type, fv.metadata,
       fv.is_reviewed, fv.rating, fv.keywords, fv.location,
       fv.event_type, fv.event_name, fv.perceptual_hash, fv.ai_short_description,
       fv.processing_state, fv.created_at,
       CASE WHEN ma.id IS NULL THEN NULL
            ELSE json_build_object(
                'id', ma.id,
                'original_filename', ma.original_filename,
                'created_at', ma.created_at,
                'display_filename', substr(rtrim(fv.file_path, '/'),
                    length(rtrim(rtrim(fv.file_path, '/'),
                                 replace(rtrim(fv.file_path, '/'), '/', ''))) + 1))
       END AS media_asset
FROM file_versions AS fv
LEFT JOIN media_assets AS ma ON ma.id = fv.media_asset_id
ORDER BY fv.created_at DESC, fv.id DESC
LIMIT :limit;

-- name: file_versions.highest_tier
-- returns: rows FileVersionWithDisplayAsset
-- params: skip, limit
-- The photo listing: per asset its most recent gold version, else its most recent silver
-- (recency: created_at DESC, id DESC); sorted by the version's created_at DESC, then the
-- asset's created_at DESC and id DESC (the order the assets were walked in).
-- A version is its asset's pick when no version of the asset beats it: as an anti-join, a
-- page walks the versions newest first and stops at its end instead of ranking the library.
SELECT fv.id, fv.media_asset_id, fv.tier, fv.file_path,
       fv.file_hash, fv.file_size, fv.mime_type, fv.metadata,
       fv.is_reviewed, fv.rating, fv.keywords, fv.location,
       fv.event_type, fv.event_name, fv.perceptual_hash, fv.ai_short_description,
       fv.processing_state, fv.created_at,
       json_build_object(
           'id', ma.id,
           'original_filename', ma.original_filename,
           'created_at', ma.created_at,
           'display_filename', substr(rtrim(fv.file_path, '/'),
               length(rtrim(rtrim(fv.file_path, '/'),
                            replace(rtrim(fv.file_path, '/'), '/', ''))) + 1)
       ) AS media_asset
FROM file_versions AS fv
JOIN media_assets AS ma ON ma.id = fv.media_asset_id
WHERE fv.tier IN ('gold', 'silver')
  AND NOT EXISTS (
      SELECT 1 FROM file_versions AS better
      WHERE better.media_asset_id = fv.media_asset_id
        AND better.id <> fv.id
        AND ((better.tier = 'gold' AND fv.tier = 'silver')
             OR (better.tier = fv.tier
                 AND (better.created_at > fv.created_at
                      OR (better.created_at = fv.created_at AND better.id > fv.id)))))
ORDER BY fv.created_at DESC, ma.created_at DESC, ma.id DESC
LIMIT :limit OFFSET :skip;

-- name: file_versions.unprocessed
-- returns: rows FileVersionWithDisplayAsset
-- params: skip, limit
-- Assets with a silver version and no gold version, each with its most recent silver
-- (created_at DESC, id DESC); in asset order: the asset's created_at DESC, id DESC.
WITH latest_silver AS (
    SELECT v.id,
           row_number() OVER (
               PARTITION BY v.media_asset_id
               ORDER BY v.created_at DESC, v.id DESC) AS pick
    FROM file_versions AS v
    WHERE v.tier = 'silver'
      AND NOT EXISTS (SELECT 1 FROM file_versions AS g
                      WHERE g.media_asset_id = v.media_asset_id AND g.tier = 'gold')
)
SELECT fv.id, fv.media_asset_id, fv.tier, fv.file_path,
       fv.file_hash, fv.file_size, fv.mime_type, fv.metadata,
       fv.is_reviewed, fv.rating, fv.keywords, fv.location,
       fv.event_type, fv.event_name, fv.perceptual_hash, fv.ai_short_description,
       fv.processing_state, fv.created_at,
       json_build_object(
           'id', ma.id,
           'original_filename', ma.original_filename,
           'created_at', ma.created_at,
           'display_filename', substr(rtrim(fv.file_path, '/'),
               length(rtrim(rtrim(fv.file_path, '/'),
                            replace(rtrim(fv.file_path, '/'), '/', ''))) + 1)
       ) AS media_asset
FROM latest_silver AS s
JOIN file_versions AS fv ON fv.id = s.id
JOIN media_assets AS ma ON ma.id = fv.media_asset_id
WHERE s.pick = 1
ORDER BY ma.created_at DESC, ma.id DESC
LIMIT :limit OFFSET :skip;

-- name: file_versions.all_with_assets
-- returns: rows FileVersionWithAsset
-- params: skip, limit
-- A page of every version with its media asset, newest first (created_at DESC, id DESC).
SELECT fv.id, fv.media_asset_id, fv.tier, fv.file_path,
       fv.file_hash, fv.file_size, fv.mime_type, fv.metadata,
       fv.is_reviewed, fv.rating, fv.keywords, fv.location,
       fv.event_type, fv.event_name, fv.perceptual_hash, fv.ai_short_description,
       fv.processing_state, fv.created_at,
       CASE WHEN ma.id IS NULL THEN NULL
            ELSE json_build_object('id', ma.id,
                                   'original_filename', ma.original_filename,
                                   'created_at', ma.created_at)
       END AS media_asset
FROM file_versions AS fv
LEFT JOIN media_assets AS ma ON ma.id = fv.media_asset_id
ORDER BY fv.created_at DESC, fv.id DESC
LIMIT :limit OFFSET :skip;

-- name: file_versions.tier_listing
-- returns: rows FileVersionWithAsset
-- params: tier, show_all_versions, skip, limit
-- A page of the versions of :tier with their asset, newest first (created_at DESC, id DESC);
-- unless :show_all_versions, silver versions whose asset also has a gold version are left out.
SELECT fv.id, fv.media_asset_id, fv.tier, fv.file_path,
       fv.file_hash, fv.file_size, fv.mime_type, fv.metadata,
       fv.is_reviewed, fv.rating, fv.keywords, fv.location,
       fv.event_type, fv.event_name, fv.perceptual_hash, fv.ai_short_description,
       fv.processing_state, fv.created_at,
       CASE WHEN ma.id IS NULL THEN NULL
            ELSE json_build_object('id', ma.id,
                                   'original_filename', ma.original_filename,
                                   'created_at', ma.created_at)
       END AS media_asset
FROM file_versions AS fv
LEFT JOIN media_assets AS ma ON ma.id = fv.media_asset_id
WHERE fv.tier = :tier
  AND (CAST(:show_all_versions AS boolean)
       OR fv.tier <> 'silver'
       OR NOT EXISTS (SELECT 1 FROM file_versions AS g
                      WHERE g.media_asset_id = fv.media_asset_id AND g.tier = 'gold'))
ORDER BY fv.created_at DESC, fv.id DESC
LIMIT :limit OFFSET :skip;

-- name: file_versions.sibling_versions
-- returns: rows FileVersionWithAsset
-- params: id
-- Every version of the asset of version :id (itself included) with the asset: gold, then
-- silver, then any other tier; within a tier newest first (created_at DESC, id DESC).
SELECT fv.id, fv.media_asset_id, fv.tier, fv.file_path,
       fv.file_hash, fv.file_size, fv.mime_type, fv.metadata,
       fv.is_reviewed, fv.rating, fv.keywords, fv.location,
       fv.event_type, fv.event_name, fv.perceptual_hash, fv.ai_short_description,
       fv.processing_state, fv.created_at,
       CASE WHEN ma.id IS NULL THEN NULL
            ELSE json_build_object('id', ma.id,
                                   'original_filename', ma.original_filename,
                                   'created_at', ma.created_at)
       END AS media_asset
FROM file_versions AS base
JOIN file_versions AS fv ON fv.media_asset_id = base.media_asset_id
LEFT JOIN media_assets AS ma ON ma.id = fv.media_asset_id
WHERE base.id = :id
ORDER BY CASE fv.tier WHEN 'gold' THEN 0 WHEN 'silver' THEN 1 ELSE 2 END,
         fv.created_at DESC, fv.id DESC;

-- name: file_versions.details
-- returns: one PhotoDetails
-- params: id
-- Version :id with its media asset and the asset's history, newest first
-- ("timestamp" DESC, id DESC; an empty list when there is none).
SELECT fv.id, fv.media_asset_id, fv.tier, fv.file_path,
       fv.file_hash, fv.file_size, fv.mime_type, fv.metadata,
       fv.is_reviewed, fv.rating, fv.keywords, fv.location,
       fv.event_type, fv.event_name, fv.perceptual_hash, fv.ai_short_description,
       fv.processing_state, fv.created_at,
       CASE WHEN ma.id IS NULL THEN NULL
            ELSE json_build_object('id', ma.id,
                                   'original_filename', ma.original_filename,
                                   'created_at', ma.created_at)
       END AS media_asset,
       COALESCE(
           (SELECT json_agg(json_build_object('id', h.id,
                                              'media_asset_id', h.media_asset_id,
                                              'action', h.action,
                                              'details', h.details,
                                              'timestamp', h."timestamp")
                            ORDER BY h."timestamp" DESC, h.id DESC)
            FROM asset_history AS h
            WHERE h.media_asset_id = fv.media_asset_id),
           CAST('[]' AS json)) AS history
FROM file_versions AS fv
LEFT JOIN media_assets AS ma ON ma.id = fv.media_asset_id
WHERE fv.id = :id;

-- name: file_versions.by_tag
-- returns: rows FileVersion
-- params: tag, skip, limit
-- A page of the versions tagged :tag (exact, case-sensitive) in keywords or in
-- metadata.ai.aiTags, newest first (created_at DESC, id DESC).
SELECT id, media_asset_id, tier, file_path,
       file_hash, file_size, mime_type, metadata,
       is_reviewed, rating, keywords, location,
       event_type, event_name, perceptual_hash, ai_short_description,
       processing_state, created_at
FROM file_versions
WHERE CAST(:tag AS text) = ANY (keywords)
   OR (jsonb_typeof(metadata -> 'ai' -> 'aiTags') = 'array'
       AND metadata -> 'ai' -> 'aiTags' @> jsonb_build_array(CAST(:tag AS text)))
ORDER BY created_at DESC, id DESC
LIMIT :limit OFFSET :skip;

-- name: file_versions.search
-- returns: rows PhotoSearchHit
-- params: query, tier, rating_min, rating_max, limit, offset
-- The live search (POST /api/photos/search): each filter applies only when given (not NULL).
-- query: case-insensitive substring of the asset's original filename, the location, or the
-- keywords joined with spaces; tier: equal; rating_min/max: inclusive, NULL rating as 0.
-- Newest first (created_at DESC, id DESC); total_count counts every match.
SELECT fv.id, fv.media_asset_id, fv.tier, fv.file_path, fv.file_hash, fv.file_size,
       fv.mime_type, fv.metadata, fv.is_reviewed, fv.rating, fv.keywords, fv.location,
       fv.event_type, fv.event_name, fv.perceptual_hash, fv.ai_short_description,
       fv.processing_state, fv.created_at,
       CASE WHEN ma.id IS NULL THEN NULL
            ELSE json_build_object('id', ma.id, 'original_filename', ma.original_filename,
                                   'created_at', ma.created_at)
       END AS media_asset,
       count(*) OVER () AS total_count
FROM file_versions AS fv
LEFT JOIN media_assets AS ma ON ma.id = fv.media_asset_id
WHERE (CAST(:tier AS text) IS NULL OR fv.tier = :tier)
  AND (CAST(:query AS text) IS NULL
       OR strpos(lower(ma.original_filename COLLATE "und-x-icu"), lower(CAST(:query AS text) COLLATE "und-x-icu")) > 0
       OR strpos(lower(fv.location COLLATE "und-x-icu"), lower(CAST(:query AS text) COLLATE "und-x-icu")) > 0
       OR strpos(lower(array_to_string(fv.keywords, ' ') COLLATE "und-x-icu"), lower(CAST(:query AS text) COLLATE "und-x-icu")) > 0)
  AND (CAST(:rating_min AS integer) IS NULL OR COALESCE(fv.rating, 0) >= :rating_min)
  AND (CAST(:rating_max AS integer) IS NULL OR COALESCE(fv.rating, 0) <= :rating_max)
ORDER BY fv.created_at DESC, fv.id DESC
LIMIT :limit OFFSET :offset;

-- name: file_versions.search_count
-- returns: scalar int
-- params: query, tier, rating_min, rating_max
-- How many versions file_versions.search matches (for a page past the last match).
SELECT count(*)
FROM file_versions AS fv
LEFT JOIN media_assets AS ma ON ma.id = fv.media_asset_id
WHERE (CAST(:tier AS text) IS NULL OR fv.tier = :tier)
  AND (CAST(:query AS text) IS NULL
       OR strpos(lower(ma.original_filename COLLATE "und-x-icu"), lower(CAST(:query AS text) COLLATE "und-x-icu")) > 0
       OR strpos(lower(fv.location COLLATE "und-x-icu"), lower(CAST(:query AS text) COLLATE "und-x-icu")) > 0
       OR strpos(lower(array_to_string(fv.keywords, ' ') COLLATE "und-x-icu"), lower(CAST(:query AS text) COLLATE "und-x-icu")) > 0)
  AND (CAST(:rating_min AS integer) IS NULL OR COALESCE(fv.rating, 0) >= :rating_min)
  AND (CAST(:rating_max AS integer) IS NULL OR COALESCE(fv.rating, 0) <= :rating_max);

-- name: file_versions.similar
-- returns: rows SimilarPhoto
-- params: id, threshold, limit
-- Versions whose perceptual hash is at least :threshold % similar to version :id's (A1 + A2).
-- similarity = round((1 - differing characters / length) * 100) in double precision, halves
-- up, as the application computed it; 0 when the lengths differ; two empty hashes are never
-- similar. Most similar first, then newest (created_at DESC, id DESC). No rows when :id is
-- missing or has no perceptual hash.
SELECT id, file_path, perceptual_hash, tier, original_filename, similarity
FROM (
    SELECT fv.id, fv.file_path, fv.perceptual_hash, fv.tier, ma.original_filename,
           fv.created_at,
           CASE
               WHEN length(fv.perceptual_hash) <> length(target.perceptual_hash) THEN 0
               WHEN length(fv.perceptual_hash) = 0 THEN NULL
               ELSE CAST(floor((1 - (SELECT count(*)
                                     FROM unnest(string_to_array(fv.perceptual_hash, NULL),
                                                 string_to_array(target.perceptual_hash, NULL))
                                          AS pair(mine, theirs)
                                     WHERE mine <> theirs)
                                    / CAST(length(fv.perceptual_hash) AS double precision))
                               * 100 + 0.5) AS integer)
           END AS similarity
    FROM file_versions AS target
    JOIN file_versions AS fv ON fv.id <> target.id AND fv.perceptual_hash IS NOT NULL
    LEFT JOIN media_assets AS ma ON ma.id = fv.media_asset_id
    WHERE target.id = :id AND target.perceptual_hash IS NOT NULL
) AS scored
WHERE similarity >= CAST(:threshold AS double precision)
ORDER BY similarity DESC, created_at DESC, id DESC
LIMIT :limit;
