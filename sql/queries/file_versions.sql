-- file_versions: the calls every repository has (get, get_multi, stream_all, count, exists,
-- remove) are the template's (templates/generic.sql) for its columns (fragments/columns.sql);
-- inserts and partial updates are built per column set at run time (pictallion_sql/query/dynamic.py).
-- generic: file_versions FileVersion

-- ---------------------------------------------------------------------------------------
-- Specialised queries (crud.file_version). Every list ends its ORDER BY with id, in the
-- direction of the main key, so both dialects return the same order on ties.
-- ---------------------------------------------------------------------------------------

-- name: file_versions.get_by_asset
-- returns: rows FileVersion
-- params: media_asset_id
-- The versions of one media asset, newest first (created_at DESC, id DESC).
SELECT {{file_versions_columns}}
FROM file_versions
WHERE media_asset_id = :media_asset_id
ORDER BY created_at DESC, id DESC;

-- name: file_versions.get_by_tier
-- returns: rows FileVersion
-- params: tier, skip, limit
-- A page of the versions of one tier, newest first (created_at DESC, id DESC).
SELECT {{file_versions_columns}}
FROM file_versions
WHERE tier = :tier
ORDER BY created_at DESC, id DESC
LIMIT :limit OFFSET :skip;

-- name: file_versions.get_all
-- returns: rows FileVersion
-- params: skip, limit
-- A page of every version, newest first (created_at DESC, id DESC).
SELECT {{file_versions_columns}}
FROM file_versions
ORDER BY created_at DESC, id DESC
LIMIT :limit OFFSET :skip;

-- name: file_versions.get_by_hash
-- returns: one FileVersion
-- params: file_hash
-- The first version with this MD5 hash: the oldest (created_at, then id), i.e. the copy
-- that brought the file in; the silver and gold copies of one asset share the hash.
SELECT {{file_versions_columns}}
FROM file_versions
WHERE file_hash = :file_hash
ORDER BY created_at, id
LIMIT 1;

-- name: file_versions.update_perceptual_hash
-- returns: none
-- params: id, perceptual_hash
-- Store a version's perceptual hash; the count is 0 when there is no such version.
UPDATE file_versions
SET perceptual_hash = :perceptual_hash
WHERE id = :id;

-- name: file_versions.delete_faces
-- returns: none
-- params: photo_id
-- Delete every face detected on one version (demote/reprocess); returns how many went.
DELETE FROM faces
WHERE photo_id = :photo_id;

-- name: file_versions.collection_stats
-- returns: one CollectionStats
-- Media assets, silver versions and gold versions: three counts the database keeps
-- (migration 0006), read in one statement whatever the library's size.
SELECT CAST(coalesce(sum(k.n) FILTER (WHERE k.name = 'assets'), 0) AS bigint) AS total_photos,
       CAST(coalesce(sum(k.n) FILTER (WHERE k.name = 'tier:silver'), 0) AS bigint) AS silver_count,
       CAST(coalesce(sum(k.n) FILTER (WHERE k.name = 'tier:gold'), 0) AS bigint) AS gold_count
FROM file_version_counts AS k
WHERE k.name IN ('assets', 'tier:silver', 'tier:gold');

-- name: file_versions.with_events
-- returns: rows FileVersion
-- Versions with an event type (not NULL, not empty), newest first (created_at DESC, id DESC).
SELECT {{file_versions_columns}}
FROM file_versions
WHERE event_type IS NOT NULL AND event_type <> ''
ORDER BY created_at DESC, id DESC;

-- name: file_versions.without_events
-- returns: rows FileVersion
-- Versions whose event type is NULL or empty, newest first (created_at DESC, id DESC).
SELECT {{file_versions_columns}}
FROM file_versions
WHERE event_type IS NULL OR event_type = ''
ORDER BY created_at DESC, id DESC;

-- name: file_versions.count_highest_tier
-- returns: scalar int
-- How many rows the photo listing has without its cap: assets with a gold or silver version.
-- No join with media_assets: the foreign key already guarantees the asset. The distinct
-- asset ids come in order from idx_file_versions_listed_asset (an index-only scan), so
-- they are counted without a sort or a hash.
SELECT count(listed.media_asset_id)
FROM (SELECT DISTINCT fv.media_asset_id
      FROM file_versions AS fv
      WHERE fv.tier IN ('gold', 'silver')) AS listed;

-- name: file_versions.count_unprocessed
-- returns: scalar int
-- How many assets have a silver version and no gold version.
SELECT count(*)
FROM media_assets AS ma
WHERE EXISTS (SELECT 1 FROM file_versions AS s
              WHERE s.media_asset_id = ma.id AND s.tier = 'silver')
  AND NOT EXISTS (SELECT 1 FROM file_versions AS g
                  WHERE g.media_asset_id = ma.id AND g.tier = 'gold');

-- name: file_versions.counted
-- returns: scalar int
-- params: name
-- A count the database keeps (migration 0006): the sum of its rows in file_version_counts,
-- one row on SQLite, a few hundred deltas at most on PostgreSQL; 0 when it has none.
SELECT CAST(coalesce(sum(fvc.n), 0) AS bigint)
FROM file_version_counts AS fvc
WHERE fvc.name = :name;

-- name: file_versions.count_by_tier
-- returns: scalar int
-- params: tier, show_all_versions
-- How many rows the tier listing has: versions of :tier, without the silver versions whose
-- asset also has a gold version unless :show_all_versions.
SELECT count(*)
FROM file_versions AS fv
WHERE fv.tier = :tier
  AND (CAST(:show_all_versions AS boolean)
       OR fv.tier <> 'silver'
       OR NOT EXISTS (SELECT 1 FROM file_versions AS g
                      WHERE g.media_asset_id = fv.media_asset_id AND g.tier = 'gold'));

-- name: file_versions.all_with_assets
-- returns: rows FileVersionWithAsset
-- params: skip, limit
-- A page of every version with its media asset, newest first (created_at DESC, id DESC).
SELECT {{file_version_with_asset}}
FROM file_versions AS fv
LEFT JOIN media_assets AS ma ON ma.id = fv.media_asset_id
ORDER BY fv.created_at DESC, fv.id DESC
LIMIT :limit OFFSET :skip;

-- name: file_versions.highest_tier
-- returns: rows FileVersionWithDisplayAsset
-- params: skip, limit
-- The photo listing: per asset its most recent gold version, else its most recent silver
-- (recency: created_at DESC, id DESC); sorted by the version's created_at DESC, then the
-- asset's created_at DESC and id DESC (the order the assets were walked in).
-- A version is its asset's pick when no version of the asset beats it: as an anti-join, a
-- page walks the versions newest first and stops at its end instead of ranking the library.
-- CROSS JOIN (an inner join with its condition in WHERE) keeps SQLite's join order: the
-- versions first, in idx_file_versions_created_at order. Left free, SQLite walks every
-- asset and sorts all matches (1.6 s instead of 0.5 ms at 100,000 versions); PostgreSQL
-- plans it as the inner join it is.
SELECT fv.id, fv.media_asset_id, fv.tier, fv.file_path,
       fv.file_hash, fv.file_size, fv.mime_type, fv.metadata,
       fv.is_reviewed, fv.rating, fv.keywords, fv.location,
       fv.event_type, fv.event_name, fv.perceptual_hash, fv.ai_short_description,
       fv.processing_state, fv.created_at,
       {{json_object}}(
           'id', ma.id,
           'original_filename', ma.original_filename,
           'created_at', ma.created_at,
           'display_filename', substr(rtrim(fv.file_path, '/'),
               length(rtrim(rtrim(fv.file_path, '/'),
                            replace(rtrim(fv.file_path, '/'), '/', ''))) + 1)
       ) AS media_asset
FROM file_versions AS fv
CROSS JOIN media_assets AS ma
WHERE ma.id = fv.media_asset_id
  AND fv.tier IN ('gold', 'silver')
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
            ELSE {{json_object}}(
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

-- name: file_versions.sibling_versions
-- returns: rows FileVersionWithAsset
-- params: id
-- Every version of the asset of version :id (itself included) with the asset: gold, then
-- silver, then any other tier; within a tier newest first (created_at DESC, id DESC).
SELECT {{file_version_with_asset}}
FROM file_versions AS base
INNER JOIN file_versions AS fv ON fv.media_asset_id = base.media_asset_id
LEFT JOIN media_assets AS ma ON ma.id = fv.media_asset_id
WHERE base.id = :id
ORDER BY CASE fv.tier WHEN 'gold' THEN 0 WHEN 'silver' THEN 1 ELSE 2 END,
         fv.created_at DESC, fv.id DESC;

-- name: file_versions.tier_listing
-- returns: rows FileVersionWithAsset
-- params: tier, show_all_versions, skip, limit
-- A page of the versions of :tier with their asset, newest first (created_at DESC, id DESC);
-- unless :show_all_versions, silver versions whose asset also has a gold version are left out.
-- The gold test is a scalar probe per row (one entry of idx_file_versions_gold_asset), not a
-- NOT EXISTS: inside the OR, PostgreSQL would run that as a hashed sub-plan reading every
-- gold entry on each page; as a plain anti-join it misestimates and scans.
SELECT {{file_version_with_asset}}
FROM file_versions AS fv
LEFT JOIN media_assets AS ma ON ma.id = fv.media_asset_id
WHERE fv.tier = :tier
  AND (CAST(:show_all_versions AS boolean)
       OR fv.tier <> 'silver'
       OR (SELECT 1 FROM file_versions AS g
           WHERE g.media_asset_id = fv.media_asset_id AND g.tier = 'gold'
           LIMIT 1) IS NULL)
ORDER BY fv.created_at DESC, fv.id DESC
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
       {{json_object}}(
           'id', ma.id,
           'original_filename', ma.original_filename,
           'created_at', ma.created_at,
           'display_filename', substr(rtrim(fv.file_path, '/'),
               length(rtrim(rtrim(fv.file_path, '/'),
                            replace(rtrim(fv.file_path, '/'), '/', ''))) + 1)
       ) AS media_asset
FROM latest_silver AS s
INNER JOIN file_versions AS fv ON fv.id = s.id
INNER JOIN media_assets AS ma ON ma.id = fv.media_asset_id
WHERE s.pick = 1
ORDER BY ma.created_at DESC, ma.id DESC
LIMIT :limit OFFSET :skip;

-- name: file_versions.get_for_update
-- returns: one FileVersion
-- params: id
-- A version as it is before an audited update or delete (PostgreSQL locks the row until
-- the transaction ends; SQLite's write transaction already holds the database).
SELECT {{file_versions_columns}}
FROM file_versions
WHERE id = :id;

-- name: file_versions.get_by_tier_after
-- returns: rows FileVersion
-- params: tier, after_created_at, after_id, limit
-- The page of get_by_tier after the version keyed (after_created_at, after_id). Every
-- *_after query is a keyset page (catalog/pages.py): a row-value comparison against the
-- ORDER BY tuple is a range of the index both dialects walk (SQLite: "SEARCH ... USING
-- INDEX (<expr>)", PostgreSQL: an Index Cond), so a deep page costs what the first one
-- costs. The OR spelled out is not: SQLite then reads the index from its top.
SELECT {{file_versions_columns}}
FROM file_versions
WHERE tier = :tier
  AND (created_at, id) < (:after_created_at, :after_id)
ORDER BY created_at DESC, id DESC
LIMIT :limit;

-- name: file_versions.get_all_after
-- returns: rows FileVersion
-- params: after_created_at, after_id, limit
-- The page of get_all after the version keyed (after_created_at, after_id).
SELECT {{file_versions_columns}}
FROM file_versions
WHERE (created_at, id) < (:after_created_at, :after_id)
ORDER BY created_at DESC, id DESC
LIMIT :limit;

-- name: file_versions.all_with_assets_after
-- returns: rows FileVersionWithAsset
-- params: after_created_at, after_id, limit
-- The page of all_with_assets after the version keyed (after_created_at, after_id).
SELECT {{file_version_with_asset}}
FROM file_versions AS fv
LEFT JOIN media_assets AS ma ON ma.id = fv.media_asset_id
WHERE (fv.created_at, fv.id) < (:after_created_at, :after_id)
ORDER BY fv.created_at DESC, fv.id DESC
LIMIT :limit;

-- name: file_versions.tier_listing_after
-- returns: rows FileVersionWithAsset
-- params: tier, show_all_versions, after_created_at, after_id, limit
-- The page of tier_listing after the version keyed (after_created_at, after_id).
SELECT {{file_version_with_asset}}
FROM file_versions AS fv
LEFT JOIN media_assets AS ma ON ma.id = fv.media_asset_id
WHERE fv.tier = :tier
  AND (fv.created_at, fv.id) < (:after_created_at, :after_id)
  AND (CAST(:show_all_versions AS boolean)
       OR fv.tier <> 'silver'
       OR (SELECT 1 FROM file_versions AS g
           WHERE g.media_asset_id = fv.media_asset_id AND g.tier = 'gold'
           LIMIT 1) IS NULL)
ORDER BY fv.created_at DESC, fv.id DESC
LIMIT :limit;

-- name: file_versions.highest_tier_after
-- returns: rows FileVersionWithDisplayAsset
-- params: after_created_at, after_asset_created_at, after_asset_id, limit
-- The page of highest_tier after the row keyed (version created_at, asset created_at,
-- asset id). The key spans two tables, so no one index holds it: the version's created_at
-- bound alone is the range walked in idx_file_versions_created_at, and the asset's part
-- only orders the ties of that bound.
SELECT fv.id, fv.media_asset_id, fv.tier, fv.file_path,
       fv.file_hash, fv.file_size, fv.mime_type, fv.metadata,
       fv.is_reviewed, fv.rating, fv.keywords, fv.location,
       fv.event_type, fv.event_name, fv.perceptual_hash, fv.ai_short_description,
       fv.processing_state, fv.created_at,
       {{json_object}}(
           'id', ma.id,
           'original_filename', ma.original_filename,
           'created_at', ma.created_at,
           'display_filename', substr(rtrim(fv.file_path, '/'),
               length(rtrim(rtrim(fv.file_path, '/'),
                            replace(rtrim(fv.file_path, '/'), '/', ''))) + 1)
       ) AS media_asset
FROM file_versions AS fv
CROSS JOIN media_assets AS ma
WHERE ma.id = fv.media_asset_id
  AND fv.created_at <= :after_created_at
  AND (fv.created_at < :after_created_at
       OR (ma.created_at, ma.id) < (:after_asset_created_at, :after_asset_id))
  AND fv.tier IN ('gold', 'silver')
  AND NOT EXISTS (
      SELECT 1 FROM file_versions AS better
      WHERE better.media_asset_id = fv.media_asset_id
        AND better.id <> fv.id
        AND ((better.tier = 'gold' AND fv.tier = 'silver')
             OR (better.tier = fv.tier
                 AND (better.created_at > fv.created_at
                      OR (better.created_at = fv.created_at AND better.id > fv.id)))))
ORDER BY fv.created_at DESC, ma.created_at DESC, ma.id DESC
LIMIT :limit;

-- name: file_versions.unprocessed_after
-- returns: rows FileVersionWithDisplayAsset
-- params: after_asset_created_at, after_asset_id, limit
-- The page of unprocessed after the asset keyed (after_asset_created_at, after_asset_id).
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
       {{json_object}}(
           'id', ma.id,
           'original_filename', ma.original_filename,
           'created_at', ma.created_at,
           'display_filename', substr(rtrim(fv.file_path, '/'),
               length(rtrim(rtrim(fv.file_path, '/'),
                            replace(rtrim(fv.file_path, '/'), '/', ''))) + 1)
       ) AS media_asset
FROM latest_silver AS s
INNER JOIN file_versions AS fv ON fv.id = s.id
INNER JOIN media_assets AS ma ON ma.id = fv.media_asset_id
WHERE s.pick = 1
  AND (ma.created_at, ma.id) < (:after_asset_created_at, :after_asset_id)
ORDER BY ma.created_at DESC, ma.id DESC
LIMIT :limit;
