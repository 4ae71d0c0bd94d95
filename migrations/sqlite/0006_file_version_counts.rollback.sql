-- Undo 0006_file_version_counts: the triggers go first, then what they wrote.

DROP TRIGGER IF EXISTS file_version_counts_update_assets;
DROP TRIGGER IF EXISTS file_version_counts_update;
DROP TRIGGER IF EXISTS file_version_counts_delete_assets;
DROP TRIGGER IF EXISTS file_version_counts_delete;
DROP TRIGGER IF EXISTS file_version_counts_insert_assets;
DROP TRIGGER IF EXISTS file_version_counts_insert;
DROP TABLE IF EXISTS file_version_counts;
