-- Undo 0006_file_version_counts: the triggers go first, then what they wrote.

SET LOCAL lock_timeout = '10s';

DROP TRIGGER IF EXISTS file_version_counts_truncate ON file_versions;
DROP TRIGGER IF EXISTS file_version_counts_delete ON file_versions;
DROP TRIGGER IF EXISTS file_version_counts_update ON file_versions;
DROP TRIGGER IF EXISTS file_version_counts_insert ON file_versions;
DROP FUNCTION IF EXISTS file_version_counts_track();
DROP TABLE IF EXISTS file_version_counts;
DROP TABLE IF EXISTS file_version_asset_tiers;
