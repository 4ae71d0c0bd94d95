-- The index the photo listing's total needs: the assets of every gold and silver
-- version, read in order without touching the table (file_versions.count_highest_tier).
-- It holds the tier too: SQLite reads a partial index alone only when it has every
-- column the query names.
-- SQLite has one writer at a time: the index is built in the migration's transaction.
-- depends: 0003_catalogue_indexes

CREATE INDEX IF NOT EXISTS idx_file_versions_listed_asset ON file_versions (media_asset_id, tier) WHERE tier IN ('gold', 'silver');
