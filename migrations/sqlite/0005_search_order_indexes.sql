-- The indexes a search page reads in sort order (crud.file_version.search with a known
-- total): one per sort key with the version id as the tie-break (SQLite's BINARY
-- collation already compares bytes), so that a page reads about limit / selectivity
-- index entries instead of sorting every match. Newest first already has
-- idx_file_versions_created_at.
-- SQLite has one writer at a time: the indexes are built in the migration's transaction.
-- depends: 0004_listing_indexes

CREATE INDEX IF NOT EXISTS idx_file_versions_rating_order ON file_versions (COALESCE(rating, 0), id);

CREATE INDEX IF NOT EXISTS idx_file_versions_size_order ON file_versions (file_size, id);

CREATE INDEX IF NOT EXISTS idx_file_versions_event_order ON file_versions (COALESCE(event_name, ''), id);
