-- media_assets: the generic calls every repository has (get, get_multi, count, exists, remove).
-- Inserts and partial updates are built per column set at run time (pictallion_sql/_dynamic.py).

-- name: media_assets.get
-- returns: one MediaAsset
-- params: id
SELECT id, original_filename, created_at
FROM media_assets
WHERE id = :id;

-- name: media_assets.get_multi
-- returns: rows MediaAsset
-- params: skip, limit
-- A page of rows, oldest first (created_at, then id).
SELECT id, original_filename, created_at
FROM media_assets
ORDER BY created_at, id
LIMIT :limit OFFSET :skip;

-- name: media_assets.get_multi_after
-- returns: rows MediaAsset
-- params: after_created_at, after_id, limit
-- The page of get_multi after the row keyed (created_at, id) (keyset).
SELECT id, original_filename, created_at
FROM media_assets
WHERE (created_at, id) > (:after_created_at, :after_id)
ORDER BY created_at, id
LIMIT :limit;

-- name: media_assets.stream_all
-- returns: rows MediaAsset
-- Every row, in get_multi's order: what Repository.stream_all fetches in batches.
SELECT id, original_filename, created_at
FROM media_assets
ORDER BY created_at, id;

-- name: media_assets.count
-- returns: scalar int
SELECT count(*) FROM media_assets;

-- name: media_assets.exists
-- returns: scalar bool
-- params: id
SELECT EXISTS (SELECT 1 FROM media_assets WHERE id = :id);

-- name: media_assets.remove
-- returns: one MediaAsset
-- params: id
DELETE FROM media_assets
WHERE id = :id
RETURNING id, original_filename, created_at;

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
