-- Operations: health, maintenance. Used by pictallion_sql.database.db_manager and
-- pictallion_sql.db_utils (and so by `pictallion-db`). The statistics and the
-- foreign-key check differ per dialect: see postgres/ops.sql and sqlite/ops.sql.

-- name: ops.ping
-- returns: scalar int
-- One round trip, for the health check's latency.
SELECT 1;

-- name: ops.vacuum
-- returns: none
-- Reclaims space. Runs outside any transaction (autocommit), as both engines require.
VACUUM;

-- name: ops.analyze
-- returns: none
-- Refreshes the planner's statistics of every table.
ANALYZE;
