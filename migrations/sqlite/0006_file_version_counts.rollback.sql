-- Undo 0006_file_version_counts: the triggers go first, then what they wrote.

DROP TRIGGER IF EXISTS smart_collection_refreshes_rules;
DROP TRIGGER IF EXISTS media_assets_counts_delete;
DROP TRIGGER IF EXISTS media_assets_counts_insert;
DROP TRIGGER IF EXISTS collection_photos_counts_delete;
DROP TRIGGER IF EXISTS collection_photos_counts_update;
DROP TRIGGER IF EXISTS collection_photos_counts_insert;
DROP TRIGGER IF EXISTS smart_collection_refreshes_gone;
DROP TRIGGER IF EXISTS file_version_changes_update;
DROP TRIGGER IF EXISTS file_version_changes_insert;
DROP TRIGGER IF EXISTS file_version_counts_update_assets;
DROP TRIGGER IF EXISTS file_version_counts_update;
DROP TRIGGER IF EXISTS file_version_counts_delete_assets;
DROP TRIGGER IF EXISTS file_version_counts_delete;
DROP TRIGGER IF EXISTS file_version_counts_insert_assets;
DROP TRIGGER IF EXISTS file_version_counts_insert;
DROP TABLE IF EXISTS file_version_counts;
DROP TABLE IF EXISTS smart_collection_refreshes;
DROP TABLE IF EXISTS file_version_changes;
