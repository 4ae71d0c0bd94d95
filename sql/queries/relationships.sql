-- relationships: the generic calls every repository has (get, get_multi, count, exists, remove).
-- Inserts and partial updates are built per column set at run time (pictallion_sql/_dynamic.py).

-- name: relationships.get
-- returns: one Relationship
-- params: id
SELECT id, person1_id, person2_id, relationship_type,
       notes, created_at
FROM relationships
WHERE id = :id;

-- name: relationships.get_multi
-- returns: rows Relationship
-- params: skip, limit
-- A page of rows, oldest first (created_at, then id).
SELECT id, person1_id, person2_id, relationship_type,
       notes, created_at
FROM relationships
ORDER BY created_at, id
LIMIT :limit OFFSET :skip;

-- name: relationships.get_multi_after
-- returns: rows Relationship
-- params: after_created_at, after_id, limit
-- The page of get_multi after the row keyed (created_at, id) (keyset).
SELECT id, person1_id, person2_id, relationship_type,
       notes, created_at
FROM relationships
WHERE (created_at, id) > (:after_created_at, :after_id)
ORDER BY created_at, id
LIMIT :limit;

-- name: relationships.stream_all
-- returns: rows Relationship
-- Every row, in get_multi's order: what Repository.stream_all fetches in batches.
SELECT id, person1_id, person2_id, relationship_type,
       notes, created_at
FROM relationships
ORDER BY created_at, id;

-- name: relationships.count
-- returns: scalar int
SELECT count(*) FROM relationships;

-- name: relationships.exists
-- returns: scalar bool
-- params: id
SELECT EXISTS (SELECT 1 FROM relationships WHERE id = :id);

-- name: relationships.remove
-- returns: one Relationship
-- params: id
DELETE FROM relationships
WHERE id = :id
RETURNING id, person1_id, person2_id, relationship_type,
       notes, created_at;

-- name: relationships.get_by_person
-- returns: rows RelationshipWithPeople
-- params: person_id
-- The relationships on either side of a person, each with person1 and person2 nested (NULL if
-- missing), newest first (created_at DESC, then id DESC).
SELECT r.id, r.person1_id, r.person2_id, r.relationship_type, r.notes, r.created_at,
       CASE WHEN p1.id IS NULL THEN NULL
            ELSE {{json_object}}('id', p1.id, 'name', p1.name, 'notes', p1.notes,
                                   'birthdate', p1.birthdate, 'face_count', p1.face_count,
                                   'representative_face', p1.representative_face,
                                   'selected_thumbnail_face_id', p1.selected_thumbnail_face_id,
                                   'created_at', p1.created_at)
       END AS person1,
       CASE WHEN p2.id IS NULL THEN NULL
            ELSE {{json_object}}('id', p2.id, 'name', p2.name, 'notes', p2.notes,
                                   'birthdate', p2.birthdate, 'face_count', p2.face_count,
                                   'representative_face', p2.representative_face,
                                   'selected_thumbnail_face_id', p2.selected_thumbnail_face_id,
                                   'created_at', p2.created_at)
       END AS person2
FROM relationships AS r
LEFT JOIN people AS p1 ON p1.id = r.person1_id
LEFT JOIN people AS p2 ON p2.id = r.person2_id
WHERE r.person1_id = :person_id OR r.person2_id = :person_id
ORDER BY r.created_at DESC, r.id DESC;
