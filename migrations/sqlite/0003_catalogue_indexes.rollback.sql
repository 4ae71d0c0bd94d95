-- Undo 0003_catalogue_indexes.

DROP INDEX IF EXISTS idx_relationships_person2_id;

DROP INDEX IF EXISTS idx_relationships_person1_id;

DROP INDEX IF EXISTS idx_events_person_id;

DROP INDEX IF EXISTS idx_collection_photos_photo_id;

DROP INDEX IF EXISTS idx_collection_photos_collection_id;

DROP INDEX IF EXISTS idx_asset_history_timestamp;

DROP INDEX IF EXISTS idx_asset_history_media_asset_id;

DROP INDEX IF EXISTS idx_faces_unassigned;

DROP INDEX IF EXISTS idx_faces_person_id;

DROP INDEX IF EXISTS idx_faces_photo_id;

DROP INDEX IF EXISTS idx_media_assets_created_at;

DROP INDEX IF EXISTS idx_file_versions_file_hash;

DROP INDEX IF EXISTS idx_file_versions_created_at;

DROP INDEX IF EXISTS idx_file_versions_tier_created_at;

DROP INDEX IF EXISTS idx_file_versions_gold_asset;

DROP INDEX IF EXISTS idx_file_versions_media_asset_id;
