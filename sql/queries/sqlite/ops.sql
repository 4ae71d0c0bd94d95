-- Operations, SQLite bodies (the PostgreSQL ones are in ../postgres/ops.sql).

-- name: ops.stats
-- returns: scalar str
-- Everything `pictallion-db stats` shows, in one round trip, as one JSON document:
-- row counts of the 14 tables, file versions per tier and per processing state,
-- and the size of the database file (pages times page size; the -wal file is
-- added by the caller).
SELECT json_object(
    'tables', json_object(
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
    'file_version_tiers', json((
        SELECT coalesce(json_group_object(tier, n), '{}')
        FROM (SELECT tier, count(*) AS n FROM file_versions GROUP BY tier ORDER BY tier) AS t
    )),
    'processing_states', json((
        SELECT coalesce(json_group_object(state, n), '{}')
        FROM (SELECT coalesce(processing_state, '(null)') AS state, count(*) AS n
              FROM file_versions GROUP BY state ORDER BY state) AS s
    )),
    'size_bytes', (SELECT page_count FROM pragma_page_count())
                  * (SELECT page_size FROM pragma_page_size())
);

-- name: ops.foreign_key_orphans
-- returns: scalar str
-- For each of the 9 foreign keys, the rows whose reference has no parent row, as a
-- JSON object {constraint name: count}. The constraints forbid such rows, but a dump
-- restored with triggers disabled, or a constraint dropped by hand, can leave them.
SELECT json_object(
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
);

-- name: ops.stats_estimated
-- returns: scalar str
-- `pictallion-db stats --estimated`, for dashboards: the shape of ops.stats without reading
-- the large tables. file_versions, media_assets and collection_photos, and file versions
-- per tier, come from the counts the database keeps (migration 0006); the other tables are
-- counted (SQLite reads its smallest index); processing states are not estimated ({}).
SELECT json_object(
    'tables', json_object(
        'users', (SELECT count(*) FROM users),
        'asset_history', (SELECT count(*) FROM asset_history),
        'collections', (SELECT count(*) FROM collections),
        'people', (SELECT count(*) FROM people),
        'faces', (SELECT count(*) FROM faces),
        'events', (SELECT count(*) FROM events),
        'relationships', (SELECT count(*) FROM relationships),
        'settings', (SELECT count(*) FROM settings),
        'ai_prompts', (SELECT count(*) FROM ai_prompts),
        'global_tag_library', (SELECT count(*) FROM global_tag_library),
        'locations', (SELECT count(*) FROM locations)
    ),
    'kept', json((
        SELECT coalesce(json_group_object(fvc.name, fvc.n), '{}')
        FROM file_version_counts AS fvc
    )),
    'processing_states', json('{}'),
    'size_bytes', (SELECT page_count FROM pragma_page_count())
                  * (SELECT page_size FROM pragma_page_size())
);
