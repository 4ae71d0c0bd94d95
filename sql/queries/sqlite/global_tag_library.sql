-- global_tag_library: SQLite bodies (JSON arrays in place of PostgreSQL arrays).

-- name: global_tag_library.upsert_counts
-- returns: rows GlobalTag
-- params: tags, counts, created_at
-- Count uses of many distinct tags in one statement: tags[i] is inserted with usage_count
-- counts[i], or counts[i] is added to its usage_count (tags and counts arrive as JSON arrays;
-- WHERE TRUE keeps SQLite from reading ON CONFLICT as a join constraint).
INSERT INTO global_tag_library (tag, usage_count, created_at)
SELECT t.value, c.value, :created_at
FROM json_each(:tags) AS t
INNER JOIN json_each(:counts) AS c ON c.key = t.key
WHERE TRUE
ON CONFLICT (tag) DO UPDATE
SET usage_count = global_tag_library.usage_count + excluded.usage_count
RETURNING id, tag, usage_count, created_at;
