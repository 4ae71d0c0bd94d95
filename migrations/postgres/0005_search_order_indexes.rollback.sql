-- Undo 0005_search_order_indexes. A plain DROP INDEX holds its lock for a moment only;
-- lock_timeout keeps it from queueing behind a long transaction.

SET lock_timeout = '10s';

DROP INDEX IF EXISTS idx_file_versions_event_order;

DROP INDEX IF EXISTS idx_file_versions_size_order;

DROP INDEX IF EXISTS idx_file_versions_rating_order;
