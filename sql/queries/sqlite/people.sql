-- people: SQLite bodies of the queries whose SQL differs by dialect.

-- name: people.search_by_name
-- returns: rows Person
-- params: pattern, limit
-- People whose lower-cased name contains :pattern (a LIKE pattern, '\' escapes), by name in byte order, then id.
-- pictallion_lower is Python's str.lower, registered on every connection (SQLite's lower() folds ASCII only).
SELECT id, name, notes, birthdate,
       face_count, representative_face, selected_thumbnail_face_id, created_at
FROM people
WHERE pictallion_lower(name) LIKE pictallion_lower(CAST(:pattern AS text)) ESCAPE '\'
ORDER BY name, id
LIMIT :limit;
