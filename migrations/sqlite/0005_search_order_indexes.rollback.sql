-- Undo 0005_search_order_indexes.

DROP INDEX IF EXISTS idx_file_versions_event_order;

DROP INDEX IF EXISTS idx_file_versions_size_order;

DROP INDEX IF EXISTS idx_file_versions_rating_order;
