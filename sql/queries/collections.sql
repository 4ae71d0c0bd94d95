-- collections: the calls every repository has (get, get_multi, stream_all, count, exists,
-- remove) are the template's (templates/generic.sql) for its columns (fragments/columns.sql);
-- inserts and partial updates are built per column set at run time (pictallion_sql/query/dynamic.py).
-- collections.get_for_update, change_mark and prune_changes differ per dialect: their bodies
-- are in postgres/collections.sql and sqlite/collections.sql.
-- generic: collections Collection

-- name: collections.get_all
-- returns: rows Collection
-- Every collection, smart and regular together, newest first (created_at DESC, id DESC).
SELECT id, name, description, is_public,
       cover_photo, is_smart_collection, smart_rules, created_at,
       updated_at
FROM collections
ORDER BY created_at DESC, id DESC;

-- name: collections.get_by_name
-- returns: one Collection
-- params: name
-- The collection with exactly this name; names are not unique, so the oldest (created_at, id).
SELECT id, name, description, is_public,
       cover_photo, is_smart_collection, smart_rules, created_at,
       updated_at
FROM collections
WHERE name = :name
ORDER BY created_at, id
LIMIT 1;

-- name: collections.get_smart
-- returns: rows Collection
-- Smart collections (is_smart_collection true; NULL and false excluded), newest first (created_at DESC, id DESC).
SELECT id, name, description, is_public,
       cover_photo, is_smart_collection, smart_rules, created_at,
       updated_at
FROM collections
WHERE is_smart_collection = TRUE
ORDER BY created_at DESC, id DESC;

-- name: collections.get_smart_by_id
-- returns: one Collection
-- params: id
-- The collection with this id if it is a smart collection, else no row.
SELECT id, name, description, is_public,
       cover_photo, is_smart_collection, smart_rules, created_at,
       updated_at
FROM collections
WHERE id = :id AND is_smart_collection = TRUE;

-- name: collections.refresh_mark
-- returns: scalar str
-- params: collection_id, rules
-- The mark of a smart collection's last refresh, if its rules are still :rules and no write
-- to its photos came since (those drop the mark); else no row: refresh it whole.
SELECT scr.seen
FROM smart_collection_refreshes AS scr
WHERE scr.collection_id = :collection_id AND scr.rules = :rules;

-- name: collections.kept_photo_count
-- returns: scalar int
-- params: collection_id
-- The number of photo rows of a collection (duplicates counted), as the database keeps it
-- (migration 0006): one indexed read however large the collection.
SELECT CAST(coalesce(sum(k.n), 0) AS bigint)
FROM file_version_counts AS k
WHERE k.name = 'collection:' || :collection_id;

-- name: collections.set_refresh_mark
-- returns: none
-- params: collection_id, rules, seen
-- Record what a smart collection's refresh saw: its rules and the log's mark.
INSERT INTO smart_collection_refreshes (collection_id, rules, seen)
VALUES (:collection_id, :rules, :seen)
ON CONFLICT (collection_id) DO UPDATE
SET rules = excluded.rules, seen = excluded.seen;

-- name: collections.smart_photo_count
-- returns: scalar int
-- params: collection_id
-- The number of photo rows of a smart collection (duplicates counted); 0 if it is not smart or missing.
SELECT count(*)
FROM collection_photos AS cp
INNER JOIN collections AS c ON c.id = cp.collection_id
WHERE cp.collection_id = :collection_id AND c.is_smart_collection = TRUE;

-- name: collections.get_all_with_stats
-- returns: rows CollectionWithStats
-- Every collection with photo_count (collection_photos rows, duplicates counted: a count
-- the database keeps, migration 0006, so a large collection costs no more than a small one)
-- and cover_file_path (file_path of the most recently added photo: added_at DESC, then the
-- junction row's id DESC); newest collection first (created_at DESC, id DESC).
SELECT c.id, c.name, c.description, c.is_public,
       c.cover_photo, c.is_smart_collection, c.smart_rules, c.created_at,
       c.updated_at,
       (SELECT CAST(coalesce(sum(k.n), 0) AS bigint)
          FROM file_version_counts AS k
         WHERE k.name = 'collection:' || c.id) AS photo_count,
       (SELECT fv.file_path
          FROM collection_photos AS cp
          INNER JOIN file_versions AS fv ON fv.id = cp.photo_id
         WHERE cp.collection_id = c.id
         ORDER BY cp.added_at DESC, cp.id DESC
         LIMIT 1) AS cover_file_path
FROM collections AS c
ORDER BY c.created_at DESC, c.id DESC;

-- name: collections.photos_for_smart_collections
-- returns: rows FileVersionWithAsset
-- Every file version (all tiers) with its media asset nested, the candidates smart rules are
-- evaluated on; newest first (created_at DESC, id DESC).
SELECT {{file_version_with_asset}}
FROM file_versions AS fv
LEFT JOIN media_assets AS ma ON ma.id = fv.media_asset_id
ORDER BY fv.created_at DESC, fv.id DESC;
