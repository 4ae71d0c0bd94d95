-- people: the calls every repository has (get, get_multi, stream_all, count, exists,
-- remove) are the template's (templates/generic.sql) for its columns (fragments/columns.sql);
-- inserts and partial updates are built per column set at run time (pictallion_sql/query/dynamic.py).
-- generic: people Person

-- name: people.get_all
-- returns: rows Person
-- Every person, newest first (created_at DESC, then id DESC).
SELECT id, name, notes, birthdate,
       face_count, representative_face, selected_thumbnail_face_id, created_at
FROM people
ORDER BY created_at DESC, id DESC;

-- name: people.get_page
-- returns: rows Person
-- params: skip, limit
-- A page of people, newest first (created_at DESC, then id DESC).
SELECT id, name, notes, birthdate,
       face_count, representative_face, selected_thumbnail_face_id, created_at
FROM people
ORDER BY created_at DESC, id DESC
LIMIT :limit OFFSET :skip;

-- name: people.get_by_name
-- returns: one Person
-- params: name
-- The person whose name is exactly :name (case-sensitive); the oldest (created_at, then id) of several.
SELECT id, name, notes, birthdate,
       face_count, representative_face, selected_thumbnail_face_id, created_at
FROM people
WHERE name = :name
ORDER BY created_at, id
LIMIT 1;

-- name: people.set_thumbnail
-- returns: one Person
-- params: person_id, face_id
-- Select :face_id as the person's thumbnail, only if that face belongs to the person (NULL clears it); the updated person, or no row.
UPDATE people
SET selected_thumbnail_face_id = CAST(:face_id AS text)
WHERE id = :person_id
  AND (CAST(:face_id AS text) IS NULL
       OR EXISTS (SELECT 1 FROM faces AS f
                  WHERE f.id = CAST(:face_id AS text) AND f.person_id = :person_id))
RETURNING id, name, notes, birthdate,
       face_count, representative_face, selected_thumbnail_face_id, created_at;

-- name: people.set_face_count
-- returns: one Person
-- params: id, face_count
-- Store a face count on the person; the updated person, or no row.
UPDATE people
SET face_count = :face_count
WHERE id = :id
RETURNING id, name, notes, birthdate,
       face_count, representative_face, selected_thumbnail_face_id, created_at;

-- name: people.set_representative_face
-- returns: one Person
-- params: id, representative_face
-- Store the file path of the person's representative face; the updated person, or no row.
UPDATE people
SET representative_face = :representative_face
WHERE id = :id
RETURNING id, name, notes, birthdate,
       face_count, representative_face, selected_thumbnail_face_id, created_at;

-- name: people.delete_unassign_faces
-- returns: none
-- params: id
-- Deleting a person, step 1: the person's faces become unassigned (kept, person_id NULL).
UPDATE faces
SET person_id = NULL
WHERE person_id = :id;

-- name: people.delete_detach_events
-- returns: none
-- params: id
-- Deleting a person, step 2: events (birthdays) linked to the person keep existing, unlinked.
UPDATE events
SET person_id = NULL
WHERE person_id = :id;

-- name: people.delete_relationships
-- returns: none
-- params: id
-- Deleting a person, step 3: relationships on either side of the person are deleted.
DELETE FROM relationships
WHERE person1_id = :id OR person2_id = :id;

-- name: people.get_with_counts
-- returns: rows PersonWithCounts
-- Every person with live face and photo counts and a cover face, newest first (created_at DESC, id DESC).
-- Counts include ignored faces. Cover: the selected thumbnail face if it is one of the person's
-- faces, else the first face (not ignored before ignored, then created_at, then id).
SELECT p.id, p.name, p.notes, p.birthdate,
       COALESCE(agg.face_count, 0) AS face_count,
       p.representative_face, p.selected_thumbnail_face_id, p.created_at,
       COALESCE(agg.photo_count, 0) AS photo_count,
       cover.id AS cover_face_id,
       fv.file_path AS cover_photo_path
FROM people AS p
LEFT JOIN (
    SELECT person_id, count(*) AS face_count, count(DISTINCT photo_id) AS photo_count
    FROM faces
    WHERE person_id IS NOT NULL
    GROUP BY person_id
) AS agg ON agg.person_id = p.id
LEFT JOIN faces AS cover ON cover.id = COALESCE(
    (SELECT s.id FROM faces AS s
     WHERE s.id = p.selected_thumbnail_face_id AND s.person_id = p.id),
    (SELECT f.id FROM faces AS f
     WHERE f.person_id = p.id
     ORDER BY f.ignored, f.created_at, f.id
     LIMIT 1))
LEFT JOIN file_versions AS fv ON fv.id = cover.photo_id
ORDER BY p.created_at DESC, p.id DESC;

-- name: people.get_photos
-- returns: rows FileVersionWithAsset
-- params: person_id
-- The distinct file versions that show a face of the person (ignored faces included), each with
-- its media asset nested; newest version first (created_at DESC, id DESC).
SELECT {{file_version_with_asset}}
FROM file_versions AS fv
LEFT JOIN media_assets AS ma ON ma.id = fv.media_asset_id
WHERE fv.id IN (SELECT f.photo_id FROM faces AS f WHERE f.person_id = :person_id)
ORDER BY fv.created_at DESC, fv.id DESC;

-- name: people.get_page_after
-- returns: rows Person
-- params: after_created_at, after_id, limit
-- The page of get_page after the person keyed (after_created_at, after_id) (keyset).
SELECT id, name, notes, birthdate,
       face_count, representative_face, selected_thumbnail_face_id, created_at
FROM people
WHERE (created_at, id) < (:after_created_at, :after_id)
ORDER BY created_at DESC, id DESC
LIMIT :limit;

-- name: people.get_photos_page
-- returns: rows FileVersionWithAsset
-- params: person_id, limit
-- The first page of get_photos (newest version first), at most :limit rows.
SELECT {{file_version_with_asset}}
FROM file_versions AS fv
LEFT JOIN media_assets AS ma ON ma.id = fv.media_asset_id
WHERE fv.id IN (SELECT f.photo_id FROM faces AS f WHERE f.person_id = :person_id)
ORDER BY fv.created_at DESC, fv.id DESC
LIMIT :limit;

-- name: people.get_photos_after
-- returns: rows FileVersionWithAsset
-- params: person_id, after_created_at, after_id, limit
-- The page of get_photos after the version keyed (after_created_at, after_id) (keyset).
SELECT {{file_version_with_asset}}
FROM file_versions AS fv
LEFT JOIN media_assets AS ma ON ma.id = fv.media_asset_id
WHERE fv.id IN (SELECT f.photo_id FROM faces AS f WHERE f.person_id = :person_id)
  AND (fv.created_at, fv.id) < (:after_created_at, :after_id)
ORDER BY fv.created_at DESC, fv.id DESC
LIMIT :limit;
