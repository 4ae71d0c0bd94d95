-- The two tag-library indexes of the hand-written server SQL file
-- (server/migrations/add-global-tag-library.sql): most-used tags first for the
-- tag picker, and a plain index on tag. drizzle-kit does not create them.
--
-- IF NOT EXISTS: databases set up with that SQL file already have both indexes
-- and must still migrate cleanly.
-- depends: 0001_initial_schema

CREATE INDEX IF NOT EXISTS idx_global_tag_library_usage ON global_tag_library (usage_count DESC);

CREATE INDEX IF NOT EXISTS idx_global_tag_library_tag ON global_tag_library (tag);
