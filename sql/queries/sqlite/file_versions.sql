-- file_versions: SQLite bodies of the queries whose SQL differs per dialect.
-- The media asset (and the history) are nested as JSON built with json_object /
-- json_group_array (over an ordered subquery: SQLite 3.40 has no ORDER BY inside
-- aggregates); the stored ISO timestamp text decodes to the same datetime as PostgreSQL's.
-- display_filename is computed exactly as in the PostgreSQL body.

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
            ELSE json_object('id', ma.id,
                             'original_filename', ma.original_filename,
                             'created_at', ma.created_at)
       END AS media_asset,
       (SELECT json_group_array(json_object('id', h.id,
                                            'media_asset_id', h.media_asset_id,
                                            'action', h.action,
                                            'details', h.details,
                                            'timestamp', h."timestamp"))
        FROM (SELECT id, media_asset_id, action, details, "timestamp"
              FROM asset_history
              WHERE media_asset_id = fv.media_asset_id
              ORDER BY "timestamp" DESC, id DESC) AS h) AS history
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
WHERE EXISTS (SELECT 1 FROM json_each(keywords) AS k
              WHERE k.type = 'text' AND k.value = :tag)
   OR (json_type(metadata, '$.ai.aiTags') = 'array'
       AND EXISTS (SELECT 1 FROM json_each(metadata, '$.ai.aiTags') AS t
                   WHERE t.type = 'text' AND t.value = :tag))
ORDER BY created_at DESC, id DESC
LIMIT :limit OFFSET :skip;

-- name: file_versions.search
-- returns: rows PhotoSearchHit
-- params: query, tier, rating_min, rating_max, count_limit, limit, offset
-- The live search, as the PostgreSQL body: pictallion_lower() (Python's str.lower) folds as
-- PostgreSQL's lower() under the ICU root collation; the keywords are joined with spaces.
-- total_count stops counting at :count_limit.
WITH matched AS NOT MATERIALIZED (
    SELECT {{file_version_with_asset}}
    FROM file_versions AS fv
    LEFT JOIN media_assets AS ma ON ma.id = fv.media_asset_id
    WHERE (:tier IS NULL OR fv.tier = :tier)
      AND (:query IS NULL
           OR instr(pictallion_lower(ma.original_filename), pictallion_lower(:query)) > 0
           OR instr(pictallion_lower(fv.location), pictallion_lower(:query)) > 0
           OR instr(pictallion_lower((SELECT group_concat(k.value, ' ')
                                      FROM json_each(fv.keywords) AS k)),
                    pictallion_lower(:query)) > 0)
      AND (:rating_min IS NULL OR COALESCE(fv.rating, 0) >= :rating_min)
      AND (:rating_max IS NULL OR COALESCE(fv.rating, 0) <= :rating_max)
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
      WHERE (:tier IS NULL OR fv.tier = :tier)
        AND (:query IS NULL
             OR instr(pictallion_lower(ma.original_filename), pictallion_lower(:query)) > 0
             OR instr(pictallion_lower(fv.location), pictallion_lower(:query)) > 0
             OR instr(pictallion_lower((SELECT group_concat(k.value, ' ')
                                        FROM json_each(fv.keywords) AS k)),
                      pictallion_lower(:query)) > 0)
        AND (:rating_min IS NULL OR COALESCE(fv.rating, 0) >= :rating_min)
        AND (:rating_max IS NULL OR COALESCE(fv.rating, 0) <= :rating_max)
      LIMIT :count_limit) AS counted;

-- name: file_versions.search_page
-- returns: rows FileVersionWithAsset
-- params: query, tier, rating_min, rating_max, limit, offset
-- The PostgreSQL body: a live-search page without its total, newest first, cut by LIMIT.
SELECT fv.id, fv.media_asset_id, fv.tier, fv.file_path, fv.file_hash, fv.file_size,
       fv.mime_type, fv.metadata, fv.is_reviewed, fv.rating, fv.keywords, fv.location,
       fv.event_type, fv.event_name, fv.perceptual_hash, fv.ai_short_description,
       fv.processing_state, fv.created_at,
       CASE WHEN ma.id IS NULL THEN NULL
            ELSE json_object('id', ma.id, 'original_filename', ma.original_filename,
                             'created_at', ma.created_at)
       END AS media_asset
FROM file_versions AS fv
LEFT JOIN media_assets AS ma ON ma.id = fv.media_asset_id
WHERE (:tier IS NULL OR fv.tier = :tier)
  AND (:query IS NULL
       OR instr(pictallion_lower(ma.original_filename), pictallion_lower(:query)) > 0
       OR instr(pictallion_lower(fv.location), pictallion_lower(:query)) > 0
       OR instr(pictallion_lower((SELECT group_concat(k.value, ' ')
                                  FROM json_each(fv.keywords) AS k)),
                pictallion_lower(:query)) > 0)
  AND (:rating_min IS NULL OR COALESCE(fv.rating, 0) >= :rating_min)
  AND (:rating_max IS NULL OR COALESCE(fv.rating, 0) <= :rating_max)
ORDER BY fv.created_at DESC, fv.id DESC
LIMIT :limit OFFSET :offset;

-- name: file_versions.search_page_after
-- returns: rows FileVersionWithAsset
-- params: query, tier, rating_min, rating_max, after_created, after_id, limit, offset
-- The PostgreSQL body: the live-search page after the cursor (created_at, id).
SELECT fv.id, fv.media_asset_id, fv.tier, fv.file_path, fv.file_hash, fv.file_size,
       fv.mime_type, fv.metadata, fv.is_reviewed, fv.rating, fv.keywords, fv.location,
       fv.event_type, fv.event_name, fv.perceptual_hash, fv.ai_short_description,
       fv.processing_state, fv.created_at,
       CASE WHEN ma.id IS NULL THEN NULL
            ELSE json_object('id', ma.id, 'original_filename', ma.original_filename,
                             'created_at', ma.created_at)
       END AS media_asset
FROM file_versions AS fv
LEFT JOIN media_assets AS ma ON ma.id = fv.media_asset_id
WHERE (:tier IS NULL OR fv.tier = :tier)
  AND (:query IS NULL
       OR instr(pictallion_lower(ma.original_filename), pictallion_lower(:query)) > 0
       OR instr(pictallion_lower(fv.location), pictallion_lower(:query)) > 0
       OR instr(pictallion_lower((SELECT group_concat(k.value, ' ')
                                  FROM json_each(fv.keywords) AS k)),
                pictallion_lower(:query)) > 0)
  AND (:rating_min IS NULL OR COALESCE(fv.rating, 0) >= :rating_min)
  AND (:rating_max IS NULL OR COALESCE(fv.rating, 0) <= :rating_max)
  AND fv.created_at <= :after_created
  AND (fv.created_at < :after_created OR fv.id < :after_id)
ORDER BY fv.created_at DESC, fv.id DESC
LIMIT :limit OFFSET :offset;

-- name: file_versions.similar
-- returns: rows SimilarPhoto
-- params: id, threshold, limit
-- The PostgreSQL body's similarity with SQLite's means: the differing characters are counted
-- over a recursive series of positions, and REAL is the same IEEE double, so both dialects
-- round identically. CAST truncates, which is floor() for these non-negative values.
SELECT id, file_path, perceptual_hash, tier, original_filename, similarity
FROM (
    SELECT fv.id, fv.file_path, fv.perceptual_hash, fv.tier, ma.original_filename,
           fv.created_at,
           CASE
               WHEN length(fv.perceptual_hash) <> length(target.perceptual_hash) THEN 0
               WHEN length(fv.perceptual_hash) = 0 THEN NULL
               ELSE CAST((1.0 - CAST((WITH RECURSIVE pos(i) AS (
                                          SELECT 1
                                          UNION ALL
                                          SELECT i + 1 FROM pos
                                          WHERE i < length(fv.perceptual_hash)
)

SELECT count(*) FROM pos
                                      WHERE substr(fv.perceptual_hash, i, 1)
                                            <> substr(target.perceptual_hash, i, 1)) AS REAL)
                               / length(fv.perceptual_hash)) * 100 + 0.5 AS INTEGER)
           END AS similarity
    FROM file_versions AS target
    INNER JOIN file_versions AS fv ON fv.id <> target.id AND fv.perceptual_hash IS NOT NULL
    LEFT JOIN media_assets AS ma ON ma.id = fv.media_asset_id
    WHERE target.id = :id AND target.perceptual_hash IS NOT NULL
) AS scored
WHERE similarity >= :threshold
ORDER BY similarity DESC, created_at DESC, id DESC
LIMIT :limit;

-- name: file_versions.by_tag_after
-- returns: rows FileVersion
-- params: tag, after_created_at, after_id, limit
-- The page of by_tag after the version keyed (after_created_at, after_id) (keyset).
SELECT {{file_versions_columns}}
FROM file_versions
WHERE (created_at, id) < (:after_created_at, :after_id)
  AND (EXISTS (SELECT 1 FROM json_each(keywords) AS k
               WHERE k.type = 'text' AND k.value = :tag)
       OR (json_type(metadata, '$.ai.aiTags') = 'array'
           AND EXISTS (SELECT 1 FROM json_each(metadata, '$.ai.aiTags') AS t
                       WHERE t.type = 'text' AND t.value = :tag)))
ORDER BY created_at DESC, id DESC
LIMIT :limit;
