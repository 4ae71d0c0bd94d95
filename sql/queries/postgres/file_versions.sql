-- file_versions: PostgreSQL bodies of the queries whose SQL differs per dialect.
-- The media asset (and the history) are nested as JSON built with json_build_object /
-- json_agg; timestamps inside them come out as ISO text and decode to the same datetime
-- as SQLite's stored text. display_filename is the basename of file_path (trailing
-- slashes ignored, as Node's path.basename does), computed the same way on both dialects.

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
SELECT {{file_versions_columns}}
FROM file_versions
WHERE CAST(:tag AS text) = ANY (keywords)
   OR (jsonb_typeof(metadata -> 'ai' -> 'aiTags') = 'array'
       AND metadata -> 'ai' -> 'aiTags' @> jsonb_build_array(CAST(:tag AS text)))
ORDER BY created_at DESC, id DESC
LIMIT :limit OFFSET :skip;

-- name: file_versions.search
-- returns: rows PhotoSearchHit
-- params: query, tier, rating_min, rating_max, count_limit, limit, offset
-- The live search (POST /api/photos/search): each filter applies only when given (not NULL).
-- query: case-insensitive substring of the asset's original filename, the location, or the
-- keywords joined with spaces; tier: equal; rating_min/max: inclusive, NULL rating as 0.
-- Newest first (created_at DESC, id DESC). total_count counts the matches, stopping at
-- :count_limit (the caller passes the largest bigint for an exact count): the matches
-- are written once, in a CTE that is inlined into the page and into the count.
WITH matched AS NOT MATERIALIZED (
    SELECT {{file_version_with_asset}}
    FROM file_versions AS fv
    LEFT JOIN media_assets AS ma ON ma.id = fv.media_asset_id
    WHERE (CAST(:tier AS text) IS NULL OR fv.tier = :tier)
      AND (CAST(:query AS text) IS NULL
           OR strpos(lower(ma.original_filename COLLATE "und-x-icu"),
                     lower(CAST(:query AS text) COLLATE "und-x-icu")) > 0
           OR strpos(lower(fv.location COLLATE "und-x-icu"),
                     lower(CAST(:query AS text) COLLATE "und-x-icu")) > 0
           OR strpos(lower(array_to_string(fv.keywords, ' ') COLLATE "und-x-icu"),
                     lower(CAST(:query AS text) COLLATE "und-x-icu")) > 0)
      AND (CAST(:rating_min AS integer) IS NULL OR COALESCE(fv.rating, 0) >= :rating_min)
      AND (CAST(:rating_max AS integer) IS NULL OR COALESCE(fv.rating, 0) <= :rating_max)
)

SELECT {{file_versions_columns}}, media_asset,
       (SELECT count(*)
        FROM (SELECT 1 FROM matched LIMIT :count_limit) AS counted) AS total_count
FROM matched
ORDER BY created_at DESC, id DESC
LIMIT :limit OFFSET :offset;

-- name: file_versions.search_count
-- returns: scalar int
-- params: query, tier, rating_min, rating_max, count_limit
-- How many versions file_versions.search matches (for a page past the last match),
-- stopping at :count_limit.
SELECT count(*)
FROM (SELECT 1
      FROM file_versions AS fv
      LEFT JOIN media_assets AS ma ON ma.id = fv.media_asset_id
      WHERE (CAST(:tier AS text) IS NULL OR fv.tier = :tier)
        AND (CAST(:query AS text) IS NULL
             OR strpos(lower(ma.original_filename COLLATE "und-x-icu"),
                       lower(CAST(:query AS text) COLLATE "und-x-icu")) > 0
             OR strpos(lower(fv.location COLLATE "und-x-icu"),
                       lower(CAST(:query AS text) COLLATE "und-x-icu")) > 0
             OR strpos(lower(array_to_string(fv.keywords, ' ') COLLATE "und-x-icu"),
                       lower(CAST(:query AS text) COLLATE "und-x-icu")) > 0)
        AND (CAST(:rating_min AS integer) IS NULL OR COALESCE(fv.rating, 0) >= :rating_min)
        AND (CAST(:rating_max AS integer) IS NULL OR COALESCE(fv.rating, 0) <= :rating_max)
      LIMIT :count_limit) AS counted;

-- name: file_versions.search_page
-- returns: rows FileVersionWithAsset
-- params: query, tier, rating_min, rating_max, limit, offset
-- A live-search page without its total (known already): read newest first through
-- idx_file_versions_tier_created_at / idx_file_versions_created_at, stopping at LIMIT.
SELECT fv.id, fv.media_asset_id, fv.tier, fv.file_path, fv.file_hash, fv.file_size,
       fv.mime_type, fv.metadata, fv.is_reviewed, fv.rating, fv.keywords, fv.location,
       fv.event_type, fv.event_name, fv.perceptual_hash, fv.ai_short_description,
       fv.processing_state, fv.created_at,
       CASE WHEN ma.id IS NULL THEN NULL
            ELSE json_build_object('id', ma.id, 'original_filename', ma.original_filename,
                                   'created_at', ma.created_at)
       END AS media_asset
FROM file_versions AS fv
LEFT JOIN media_assets AS ma ON ma.id = fv.media_asset_id
WHERE (CAST(:tier AS text) IS NULL OR fv.tier = :tier)
  AND (CAST(:query AS text) IS NULL
       OR strpos(lower(ma.original_filename COLLATE "und-x-icu"),
                 lower(CAST(:query AS text) COLLATE "und-x-icu")) > 0
       OR strpos(lower(fv.location COLLATE "und-x-icu"),
                 lower(CAST(:query AS text) COLLATE "und-x-icu")) > 0
       OR strpos(lower(array_to_string(fv.keywords, ' ') COLLATE "und-x-icu"),
                 lower(CAST(:query AS text) COLLATE "und-x-icu")) > 0)
  AND (CAST(:rating_min AS integer) IS NULL OR COALESCE(fv.rating, 0) >= :rating_min)
  AND (CAST(:rating_max AS integer) IS NULL OR COALESCE(fv.rating, 0) <= :rating_max)
ORDER BY fv.created_at DESC, fv.id DESC
LIMIT :limit OFFSET :offset;

-- name: file_versions.search_page_after
-- returns: rows FileVersionWithAsset
-- params: query, tier, rating_min, rating_max, after_created, after_id, limit, offset
-- The live-search page after the cursor (created_at, id) of the previous page's last photo.
-- The redundant created_at <= bound lets the index scan start at the cursor.
SELECT fv.id, fv.media_asset_id, fv.tier, fv.file_path, fv.file_hash, fv.file_size,
       fv.mime_type, fv.metadata, fv.is_reviewed, fv.rating, fv.keywords, fv.location,
       fv.event_type, fv.event_name, fv.perceptual_hash, fv.ai_short_description,
       fv.processing_state, fv.created_at,
       CASE WHEN ma.id IS NULL THEN NULL
            ELSE json_build_object('id', ma.id, 'original_filename', ma.original_filename,
                                   'created_at', ma.created_at)
       END AS media_asset
FROM file_versions AS fv
LEFT JOIN media_assets AS ma ON ma.id = fv.media_asset_id
WHERE (CAST(:tier AS text) IS NULL OR fv.tier = :tier)
  AND (CAST(:query AS text) IS NULL
       OR strpos(lower(ma.original_filename COLLATE "und-x-icu"),
                 lower(CAST(:query AS text) COLLATE "und-x-icu")) > 0
       OR strpos(lower(fv.location COLLATE "und-x-icu"),
                 lower(CAST(:query AS text) COLLATE "und-x-icu")) > 0
       OR strpos(lower(array_to_string(fv.keywords, ' ') COLLATE "und-x-icu"),
                 lower(CAST(:query AS text) COLLATE "und-x-icu")) > 0)
  AND (CAST(:rating_min AS integer) IS NULL OR COALESCE(fv.rating, 0) >= :rating_min)
  AND (CAST(:rating_max AS integer) IS NULL OR COALESCE(fv.rating, 0) <= :rating_max)
  AND fv.created_at <= CAST(:after_created AS timestamp)
  AND (fv.created_at < CAST(:after_created AS timestamp) OR fv.id < CAST(:after_id AS text))
ORDER BY fv.created_at DESC, fv.id DESC
LIMIT :limit OFFSET :offset;

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
    INNER JOIN file_versions AS fv ON fv.id <> target.id AND fv.perceptual_hash IS NOT NULL
    LEFT JOIN media_assets AS ma ON ma.id = fv.media_asset_id
    WHERE target.id = :id AND target.perceptual_hash IS NOT NULL
) AS scored
WHERE similarity >= CAST(:threshold AS double precision)
ORDER BY similarity DESC, created_at DESC, id DESC
LIMIT :limit;

-- name: file_versions.get_for_update
-- returns: one FileVersion
-- params: id
-- The row locked until the audited write's transaction ends, so the history's old values
-- are the ones the write replaced.
SELECT {{file_versions_columns}}
FROM file_versions
WHERE id = :id
FOR UPDATE;

-- name: file_versions.by_tag_after
-- returns: rows FileVersion
-- params: tag, after_created_at, after_id, limit
-- The page of by_tag after the version keyed (after_created_at, after_id) (keyset).
SELECT {{file_versions_columns}}
FROM file_versions
WHERE (created_at, id) < (:after_created_at, :after_id)
  AND (CAST(:tag AS text) = ANY (keywords)
       OR (jsonb_typeof(metadata -> 'ai' -> 'aiTags') = 'array'
           AND metadata -> 'ai' -> 'aiTags' @> jsonb_build_array(CAST(:tag AS text))))
ORDER BY created_at DESC, id DESC
LIMIT :limit;
