-- The indexes a search page reads in sort order (crud.file_version.search with a known
-- total): one per sort key with the version id as the tie-break, both compared by their
-- bytes (COLLATE "C") as the search orders them, so that a page of 50 reads about
-- 50 / selectivity index entries instead of sorting every match. An ascending btree
-- serves both directions. Newest first (created_at) already has idx_file_versions_created_at.
--
-- Built on a live database without blocking writes, as 0004: CREATE INDEX CONCURRENTLY
-- outside a transaction ("transactional: false"), lock_timeout bounding every wait for a
-- lock, and a DROP first that clears an invalid index a failed build left behind.
-- docs/indexes.md says how to run it on a large database.
-- transactional: false
-- depends: 0004_listing_indexes

SET lock_timeout = '10s';

DROP INDEX CONCURRENTLY IF EXISTS idx_file_versions_rating_order;

CREATE INDEX CONCURRENTLY idx_file_versions_rating_order ON file_versions ((COALESCE(rating, 0)), (id COLLATE "C"));

DROP INDEX CONCURRENTLY IF EXISTS idx_file_versions_size_order;

CREATE INDEX CONCURRENTLY idx_file_versions_size_order ON file_versions (file_size, (id COLLATE "C"));

DROP INDEX CONCURRENTLY IF EXISTS idx_file_versions_event_order;

CREATE INDEX CONCURRENTLY idx_file_versions_event_order ON file_versions ((COALESCE(event_name, '') COLLATE "C"), (id COLLATE "C"));
