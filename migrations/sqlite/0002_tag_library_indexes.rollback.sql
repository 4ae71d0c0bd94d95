-- Undo 0002_tag_library_indexes.

DROP INDEX IF EXISTS idx_global_tag_library_tag;

DROP INDEX IF EXISTS idx_global_tag_library_usage;
