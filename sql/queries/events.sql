-- events: the calls every repository has (get, get_multi, stream_all, count, exists,
-- remove) are the template's (templates/generic.sql) for its columns (fragments/columns.sql);
-- inserts and partial updates are built per column set at run time (pictallion_sql/query/dynamic.py).
-- generic: events Event

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
