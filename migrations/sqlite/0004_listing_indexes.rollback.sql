-- Undo 0004_listing_indexes.

DROP INDEX IF EXISTS idx_file_versions_listed_asset;
