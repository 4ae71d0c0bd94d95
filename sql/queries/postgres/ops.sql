-- Operations, PostgreSQL bodies (the SQLite ones are in ../sqlite/ops.sql).

-- name: ops.stats
-- returns: scalar str
-- Everything `pictallion-db stats` shows, in one round trip, as one JSON document:
-- row counts of the 14 tables, file versions per tier and per processing state,
-- and the database's size on disk.
SELECT json_build_object(
    'tables', json_build_object(
        'users', (SELECT count(*) FROM users),
        'media_assets', (SELECT count(*) FROM media_assets),
        'file_versions', (SELECT count(*) FROM file_versions),
        'asset_history', (SELECT count(*) FROM asset_history),
        'collections', (SELECT count(*) FROM collections),
        'collection_photos', (SELECT count(*) FROM collection_photos),
        'people', (SELECT count(*) FROM people),
        'faces', (SELECT count(*) FROM faces),
        'events', (SELECT count(*) FROM events),
        'relationships', (SELECT count(*) FROM relationships),
        'settings', (SELECT count(*) FROM settings),
        'ai_prompts', (SELECT count(*) FROM ai_prompts),
        'global_tag_library', (SELECT count(*) FROM global_tag_library),
        'locations', (SELECT count(*) FROM locations)
    ),
    'file_version_tiers', (
        SELECT coalesce(json_object_agg(tier, n ORDER BY tier), '{}'::json)
        FROM (SELECT tier, count(*) AS n FROM file_versions GROUP BY tier) AS t
    ),
    'processing_states', (
        SELECT coalesce(json_object_agg(state, n ORDER BY state), '{}'::json)
        FROM (SELECT coalesce(processing_state, '(null)') AS state, count(*) AS n
              FROM file_versions GROUP BY state) AS s
    ),
    'size_bytes', pg_database_size(current_database())
)::text;

-- name: ops.foreign_key_orphans
-- returns: scalar str
-- For each of the 9 foreign keys, the rows whose reference has no parent row, as a
-- JSON object {constraint name: count}. The constraints forbid such rows, but a dump
-- restored with triggers disabled, or a constraint dropped by hand, can leave them.
SELECT json_build_object(
    'asset_history_media_asset_id_media_assets_id_fk', (
        SELECT count(*) FROM asset_history AS c WHERE c.media_asset_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM media_assets AS p WHERE p.id = c.media_asset_id)),
    'collection_photos_collection_id_collections_id_fk', (
        SELECT count(*) FROM collection_photos AS c WHERE c.collection_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM collections AS p WHERE p.id = c.collection_id)),
    'collection_photos_photo_id_file_versions_id_fk', (
        SELECT count(*) FROM collection_photos AS c WHERE c.photo_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM file_versions AS p WHERE p.id = c.photo_id)),
    'events_person_id_people_id_fk', (
        SELECT count(*) FROM events AS c WHERE c.person_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM people AS p WHERE p.id = c.person_id)),
    'faces_photo_id_file_versions_id_fk', (
        SELECT count(*) FROM faces AS c WHERE c.photo_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM file_versions AS p WHERE p.id = c.photo_id)),
    'faces_person_id_people_id_fk', (
        SELECT count(*) FROM faces AS c WHERE c.person_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM people AS p WHERE p.id = c.person_id)),
    'file_versions_media_asset_id_media_assets_id_fk', (
        SELECT count(*) FROM file_versions AS c WHERE c.media_asset_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM media_assets AS p WHERE p.id = c.media_asset_id)),
    'relationships_person1_id_people_id_fk', (
        SELECT count(*) FROM relationships AS c WHERE c.person1_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM people AS p WHERE p.id = c.person1_id)),
    'relationships_person2_id_people_id_fk', (
        SELECT count(*) FROM relationships AS c WHERE c.person2_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM people AS p WHERE p.id = c.person2_id))
)::text;

-- name: ops.stats_estimated
-- returns: scalar str
-- `pictallion-db stats --estimated`, for dashboards: the shape of ops.stats without reading
-- any table. Row counts are the planner's estimates (pg_class.reltuples, as of the last
-- ANALYZE or autovacuum; 0 before the first), except file_versions, media_assets and
-- collection_photos, whose exact counts the database keeps (migration 0006); file versions
-- per tier are kept counts too; per processing state, the column's statistics (its most
-- common values and NULL fraction; values too rare to be listed there are left out) times
-- the estimated rows.
SELECT json_build_object(
    'tables', (
        SELECT coalesce(json_object_agg(c.relname, greatest(c.reltuples, 0)::bigint), '{}'::json)
        FROM pg_class AS c
        INNER JOIN pg_namespace AS ns ON ns.oid = c.relnamespace
        WHERE ns.nspname = current_schema() AND c.relkind IN ('r', 'p')
    ),
    'kept', (
        SELECT coalesce(json_object_agg(k.name, k.n), '{}'::json)
        FROM (SELECT fvc.name, sum(fvc.n) AS n
              FROM file_version_counts AS fvc
              GROUP BY fvc.name) AS k
    ),
    'processing_states', (
        SELECT coalesce(json_object_agg(m.state, round(m.freq * greatest(c.reltuples, 0))),
                        '{}'::json)
        FROM pg_stats AS s
        INNER JOIN pg_class AS c ON c.relname = s.tablename
        INNER JOIN pg_namespace AS ns ON ns.oid = c.relnamespace AND ns.nspname = s.schemaname
        CROSS JOIN LATERAL (
            SELECT u.state, u.freq
            FROM unnest(s.most_common_vals::text::text [],
                        s.most_common_freqs) AS u (state, freq)
            UNION ALL
            SELECT '(null)', s.null_frac WHERE s.null_frac > 0
        ) AS m
        WHERE s.schemaname = current_schema() AND s.tablename = 'file_versions'
          AND s.attname = 'processing_state'
    ),
    'size_bytes', pg_database_size(current_database())
)::text;
