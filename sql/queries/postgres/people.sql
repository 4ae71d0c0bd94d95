-- people: PostgreSQL bodies of the queries whose SQL differs by dialect.

-- name: people.search_by_name
-- returns: rows Person
-- params: pattern, limit
-- People whose lower-cased name contains :pattern (a LIKE pattern, '\' escapes), by name in byte order, then id.
-- Folded under the ICU root collation: Unicode's full lowercase mapping, as Python's str.lower on SQLite.
SELECT id, name, notes, birthdate,
       face_count, representative_face, selected_thumbnail_face_id, created_at
FROM people
WHERE lower(name COLLATE "und-x-icu")
      LIKE lower(CAST(:pattern AS text) COLLATE "und-x-icu") ESCAPE '\'
ORDER BY name COLLATE "C", id
LIMIT :limit;
