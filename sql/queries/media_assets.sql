-- media_assets: the calls every repository has (get, get_multi, stream_all, count, exists,
-- remove) are the template's (templates/generic.sql) for its columns (fragments/columns.sql);
-- inserts and partial updates are built per column set at run time (pictallion_sql/query/dynamic.py).
-- generic: media_assets MediaAsset

-- ---------------------------------------------------------------------------------------
-- Specialised queries (crud.media_asset).
-- ---------------------------------------------------------------------------------------

-- name: media_assets.get_all
-- returns: rows MediaAsset
-- Every media asset, newest first (created_at DESC, id DESC).
SELECT id, original_filename, created_at
FROM media_assets
ORDER BY created_at DESC, id DESC;

-- name: media_assets.get_recent
-- returns: rows MediaAsset
-- params: limit
-- The :limit newest media assets (created_at DESC, id DESC).
SELECT id, original_filename, created_at
FROM media_assets
ORDER BY created_at DESC, id DESC
LIMIT :limit;

-- name: media_assets.get_by_filename
-- returns: one MediaAsset
-- params: original_filename
-- The first asset with exactly this original filename (not unique): the oldest
-- (created_at, then id).
SELECT id, original_filename, created_at
FROM media_assets
WHERE original_filename = :original_filename
ORDER BY created_at, id
LIMIT 1;

-- name: media_assets.add_tag_to_library
-- returns: none
-- params: id, tag, created_at
-- Add a tag to the tag library if it is not there yet (updatePhoto's addTagToLibrary: no
-- usage_count increment; usage_count takes its default, 1). Returns 1 if added, 0 if present.
INSERT INTO global_tag_library (id, tag, created_at)
VALUES (:id, :tag, :created_at)
ON CONFLICT DO NOTHING;

-- name: media_assets.get_for_update
-- returns: one MediaAsset
-- params: id
-- An asset as it is before an audited update (PostgreSQL locks the row until the
-- transaction ends; SQLite's write transaction already holds the database).
SELECT id, original_filename, created_at
FROM media_assets
WHERE id = :id;
