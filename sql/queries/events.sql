-- events: the generic calls every repository has (get, get_multi, count, exists, remove).
-- Inserts and partial updates are built per column set at run time (pictallion_sql/_dynamic.py).

-- name: events.get
-- returns: one Event
-- params: id
SELECT id, name, "type", "date",
       is_recurring, recurring_type, country, region,
       person_id, is_enabled, description, created_at
FROM events
WHERE id = :id;

-- name: events.get_multi
-- returns: rows Event
-- params: skip, limit
-- A page of rows, oldest first (created_at, then id).
SELECT id, name, "type", "date",
       is_recurring, recurring_type, country, region,
       person_id, is_enabled, description, created_at
FROM events
ORDER BY created_at, id
LIMIT :limit OFFSET :skip;

-- name: events.get_multi_after
-- returns: rows Event
-- params: after_created_at, after_id, limit
-- The page of get_multi after the row keyed (created_at, id) (keyset).
SELECT id, name, "type", "date",
       is_recurring, recurring_type, country, region,
       person_id, is_enabled, description, created_at
FROM events
WHERE (created_at, id) > (:after_created_at, :after_id)
ORDER BY created_at, id
LIMIT :limit;

-- name: events.stream_all
-- returns: rows Event
-- Every row, in get_multi's order: what Repository.stream_all fetches in batches.
SELECT id, name, "type", "date",
       is_recurring, recurring_type, country, region,
       person_id, is_enabled, description, created_at
FROM events
ORDER BY created_at, id;

-- name: events.count
-- returns: scalar int
SELECT count(*) FROM events;

-- name: events.exists
-- returns: scalar bool
-- params: id
SELECT EXISTS (SELECT 1 FROM events WHERE id = :id);

-- name: events.remove
-- returns: one Event
-- params: id
DELETE FROM events
WHERE id = :id
RETURNING id, name, "type", "date",
       is_recurring, recurring_type, country, region,
       person_id, is_enabled, description, created_at;

-- name: events.get_all
-- returns: rows Event
-- Every event by date, earliest first (date ASC, then id ASC). docs/storage-mapping.md #58 (getEvents).
SELECT id, name, "type", "date",
       is_recurring, recurring_type, country, region,
       person_id, is_enabled, description, created_at
FROM events
ORDER BY "date", id;

-- name: events.get_by_type
-- returns: rows Event
-- params: type
-- Events of one type (holiday, birthday, custom), earliest first (date ASC, then id ASC). #62.
SELECT id, name, "type", "date",
       is_recurring, recurring_type, country, region,
       person_id, is_enabled, description, created_at
FROM events
WHERE "type" = :type
ORDER BY "date", id;

-- name: events.get_enabled
-- returns: rows Event
-- Events that event detection considers: is_enabled = true (NULL counts as disabled, as the
-- old backend's truthiness test did), earliest first (date ASC, then id ASC).
SELECT id, name, "type", "date",
       is_recurring, recurring_type, country, region,
       person_id, is_enabled, description, created_at
FROM events
WHERE is_enabled = TRUE
ORDER BY "date", id;
