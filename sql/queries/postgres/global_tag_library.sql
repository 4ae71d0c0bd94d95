-- global_tag_library: PostgreSQL bodies (byte-order text sorting, array parameters).

-- name: global_tag_library.list_library
-- returns: rows TagLibraryEntry
-- The library screen's list: most used first (usage_count DESC), then tag in byte order (unique: total).
SELECT tag, usage_count, created_at
FROM global_tag_library
ORDER BY usage_count DESC, tag COLLATE "C";

-- name: global_tag_library.all_tags
-- returns: rows TagName
-- Every tag, in byte order.
SELECT tag
FROM global_tag_library
ORDER BY tag COLLATE "C";

-- name: global_tag_library.upsert_counts
-- returns: rows GlobalTag
-- params: tags, counts, created_at
-- Count uses of many distinct tags in one statement: tags[i] is inserted with usage_count
-- counts[i], or counts[i] is added to its usage_count.
INSERT INTO global_tag_library (tag, usage_count, created_at)
SELECT t.tag, t.n, CAST(:created_at AS timestamp)
FROM unnest(CAST(:tags AS text[]), CAST(:counts AS integer[])) AS t(tag, n)
ON CONFLICT (tag) DO UPDATE
SET usage_count = global_tag_library.usage_count + excluded.usage_count
RETURNING id, tag, usage_count, created_at;
