-- The indexes the catalogue's filters and orders need: every foreign-key column, the
-- listings' sort keys (created_at DESC, id DESC, with and without tier), the file hash,
-- faces by person and by photo and the unassigned ones, history by asset and by time,
-- and collection membership. docs/indexes.md names the queries each one serves.
--
-- Additive only. IF NOT EXISTS: on a large live database a DBA may build some or all of
-- them by hand first with CREATE INDEX CONCURRENTLY (which cannot run inside the
-- transaction this migration runs in); the migration then keeps those and builds the
-- rest. The same statements as migrations/sqlite/0003_catalogue_indexes.sql.
-- depends: 0002_tag_library_indexes

CREATE INDEX IF NOT EXISTS idx_file_versions_media_asset_id ON file_versions (media_asset_id);

CREATE INDEX IF NOT EXISTS idx_file_versions_gold_asset ON file_versions (media_asset_id) WHERE tier = 'gold';

CREATE INDEX IF NOT EXISTS idx_file_versions_tier_created_at ON file_versions (tier, created_at DESC, id DESC);

CREATE INDEX IF NOT EXISTS idx_file_versions_created_at ON file_versions (created_at DESC, id DESC);

CREATE INDEX IF NOT EXISTS idx_file_versions_file_hash ON file_versions (file_hash);

CREATE INDEX IF NOT EXISTS idx_media_assets_created_at ON media_assets (created_at DESC, id DESC);

CREATE INDEX IF NOT EXISTS idx_faces_photo_id ON faces (photo_id);

CREATE INDEX IF NOT EXISTS idx_faces_person_id ON faces (person_id, created_at, id);

CREATE INDEX IF NOT EXISTS idx_faces_unassigned ON faces (created_at, id) WHERE person_id IS NULL;

CREATE INDEX IF NOT EXISTS idx_asset_history_media_asset_id ON asset_history (media_asset_id, "timestamp" DESC, id DESC);

CREATE INDEX IF NOT EXISTS idx_asset_history_timestamp ON asset_history ("timestamp" DESC, id DESC);

CREATE INDEX IF NOT EXISTS idx_collection_photos_collection_id ON collection_photos (collection_id, added_at DESC, id DESC);

CREATE INDEX IF NOT EXISTS idx_collection_photos_photo_id ON collection_photos (photo_id);

CREATE INDEX IF NOT EXISTS idx_events_person_id ON events (person_id);

CREATE INDEX IF NOT EXISTS idx_relationships_person1_id ON relationships (person1_id);

CREATE INDEX IF NOT EXISTS idx_relationships_person2_id ON relationships (person2_id);
