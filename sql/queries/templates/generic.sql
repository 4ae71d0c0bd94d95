-- The calls every repository has, with the same SQL for every table. A table's query file
-- asks for them with one line, '-- generic: <table> <Record>' (pages ordered by created_at,
-- then id) or '-- generic: <table> <Record> <order column>', and defines the fragment
-- '<table>_columns': its columns, in the order of its record. Loading fills in the table,
-- the record, the order column and the columns (pictallion_sql/query/registry.py); the
-- result of each is shown by `pictallion-db sql <table>.get` and the like.

-- name: {{table_name}}.get
-- returns: one {{record}}
-- params: id
SELECT {{columns}}
FROM {{table_name}}
WHERE id = :id;

-- name: {{table_name}}.get_multi
-- returns: rows {{record}}
-- params: skip, limit
-- A page of rows, in order of {{order_by}}, then id.
SELECT {{columns}}
FROM {{table_name}}
ORDER BY {{order_by}}, id
LIMIT :limit OFFSET :skip;

-- name: {{table_name}}.get_multi_after
-- returns: rows {{record}}
-- params: after_{{order_by}}, after_id, limit
-- The page of get_multi after the row keyed ({{order_by}}, id) (keyset).
SELECT {{columns}}
FROM {{table_name}}
WHERE ({{order_by}}, id) > (:after_{{order_by}}, :after_id)
ORDER BY {{order_by}}, id
LIMIT :limit;

-- name: {{table_name}}.stream_all
-- returns: rows {{record}}
-- Every row, in get_multi's order: what Repository.stream_all fetches in batches.
SELECT {{columns}}
FROM {{table_name}}
ORDER BY {{order_by}}, id;

-- name: {{table_name}}.count
-- returns: scalar int
SELECT count(*) FROM {{table_name}};

-- name: {{table_name}}.exists
-- returns: scalar bool
-- params: id
SELECT EXISTS (SELECT 1 FROM {{table_name}} WHERE id = :id);

-- name: {{table_name}}.remove
-- returns: one {{record}}
-- params: id
DELETE FROM {{table_name}}
WHERE id = :id
RETURNING {{columns}};
