-- The index the photo listing's total needs: the assets of every gold and silver
-- version, read in order without touching the table (file_versions.count_highest_tier).
-- It holds the tier too: SQLite reads a partial index alone only when it has every
-- column the query names.
--
-- Built on a live database without blocking writes: CREATE INDEX CONCURRENTLY, which
-- cannot run inside a transaction, hence "transactional: false" (yoyo runs each
-- statement on its own). lock_timeout bounds every wait for a lock, including the waits
-- for older transactions a concurrent build makes, so a long transaction makes the
-- migration fail fast instead of queueing behind it. A failed concurrent build leaves an
-- invalid index: the DROP before the build clears it when the migration is run again.
-- docs/indexes.md says how to run it on a large database.
-- transactional: false
-- depends: 0003_catalogue_indexes

SET lock_timeout = '10s';

DROP INDEX CONCURRENTLY IF EXISTS idx_file_versions_listed_asset;

CREATE INDEX CONCURRENTLY idx_file_versions_listed_asset ON file_versions (media_asset_id, tier) WHERE tier IN ('gold', 'silver');
