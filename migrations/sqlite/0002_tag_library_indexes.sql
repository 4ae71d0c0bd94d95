-- The two tag-library indexes, as in migrations/postgres/0002_tag_library_indexes.sql:
-- most-used tags first for the tag picker, and a plain index on tag.
-- IF NOT EXISTS keeps the statements identical to the PostgreSQL migration's.
-- depends: 0001_initial_schema

CREATE INDEX IF NOT EXISTS idx_global_tag_library_usage ON global_tag_library (usage_count DESC);

CREATE INDEX IF NOT EXISTS idx_global_tag_library_tag ON global_tag_library (tag);
