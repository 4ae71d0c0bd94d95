-- Undo 0006_file_version_counts: the triggers go first, then what they wrote.

SET LOCAL lock_timeout = '10s';

DROP TRIGGER IF EXISTS smart_collection_refreshes_rules ON collections;
DROP FUNCTION IF EXISTS smart_collection_refreshes_forget_rules();
DROP TRIGGER IF EXISTS collection_photos_counts_truncate ON collection_photos;
DROP TRIGGER IF EXISTS collection_photos_counts_delete ON collection_photos;
DROP TRIGGER IF EXISTS collection_photos_counts_update ON collection_photos;
DROP TRIGGER IF EXISTS collection_photos_counts_insert ON collection_photos;
DROP FUNCTION IF EXISTS collection_photos_track();
DROP TRIGGER IF EXISTS media_assets_counts_truncate ON media_assets;
DROP TRIGGER IF EXISTS media_assets_counts_delete ON media_assets;
DROP TRIGGER IF EXISTS media_assets_counts_insert ON media_assets;
DROP FUNCTION IF EXISTS media_assets_track();
DROP TRIGGER IF EXISTS file_version_counts_truncate ON file_versions;
DROP TRIGGER IF EXISTS file_version_counts_delete ON file_versions;
DROP TRIGGER IF EXISTS file_version_counts_update ON file_versions;
DROP TRIGGER IF EXISTS file_version_counts_insert ON file_versions;
DROP FUNCTION IF EXISTS file_version_counts_track();
DROP FUNCTION IF EXISTS file_version_counts_compact();
DROP TABLE IF EXISTS file_version_counts;
DROP TABLE IF EXISTS file_version_asset_tiers;
DROP TABLE IF EXISTS smart_collection_refreshes;
DROP TABLE IF EXISTS file_version_changes;
