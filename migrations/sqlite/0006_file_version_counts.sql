-- Exact counts of the photo listings, kept by the database itself: rows written through
-- the library, by the old application or by hand are all counted the same way.
--
-- file_version_counts holds one row per count name: 'versions' (every version),
-- 'tier:<tier>' (versions of one tier), 'listed_assets' (assets with a gold or silver
-- version), 'unprocessed_assets' (a silver version and no gold one), 'visible_silver'
-- (silver versions of assets without gold), 'assets' (media assets) and
-- 'collection:<id>' (a collection's photo rows), the last two kept by triggers on
-- media_assets and collection_photos. SQLite has one writer at a time, so one row per name
-- never makes writers wait for each other.
--
-- Row triggers keep them. For the three asset counts, a trigger reads the asset's gold and
-- silver versions after the change (from idx_file_versions_listed_asset) and subtracts
-- what the changed row contributed to get the state before it: no per-asset table.
-- UPSERTs need a WHERE on their SELECT (SQLite's parsing rule), hence WHERE TRUE.
-- Triggers cannot use WITH in SQLite, hence the nested sub-queries.
-- The backfill runs in the migration's transaction, which holds the write lock.
--
-- While a smart collection exists, row triggers also log which versions were written
-- (file_version_changes, in commit order: SQLite has one writer at a time), so that a
-- smart collection's refresh may evaluate its rules over the versions written since its
-- last refresh only (smart_collection_refreshes keeps, per collection, the rules it was
-- refreshed with and the last log entry it saw). Any write to a collection's rows
-- (collection_photos), or to its smart flag or rules, drops its mark: the next refresh of
-- it is a full one. A refresh prunes the entries every mark has seen.
-- AUTOINCREMENT: a sequence number is never reused once pruned.
-- depends: 0005_search_order_indexes

CREATE TABLE file_version_counts (
    name TEXT PRIMARY KEY NOT NULL,
    n INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE file_version_changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    photo_id TEXT NOT NULL
);

CREATE TABLE smart_collection_refreshes (
    collection_id TEXT PRIMARY KEY NOT NULL,
    rules TEXT NOT NULL,
    seen TEXT NOT NULL
);

CREATE TRIGGER file_version_changes_insert AFTER INSERT ON file_versions
WHEN EXISTS (SELECT 1 FROM collections WHERE is_smart_collection = 1)
BEGIN
    INSERT INTO file_version_changes (photo_id) VALUES (NEW.id);
END;

CREATE TRIGGER file_version_changes_update AFTER UPDATE ON file_versions
WHEN EXISTS (SELECT 1 FROM collections WHERE is_smart_collection = 1)
BEGIN
    INSERT INTO file_version_changes (photo_id) VALUES (NEW.id);
END;

CREATE TRIGGER smart_collection_refreshes_rules
AFTER UPDATE OF is_smart_collection, smart_rules, id ON collections
BEGIN
    DELETE FROM smart_collection_refreshes WHERE collection_id = OLD.id;
END;

CREATE TRIGGER smart_collection_refreshes_gone AFTER DELETE ON collections
BEGIN
    DELETE FROM smart_collection_refreshes WHERE collection_id = OLD.id;
END;

CREATE TRIGGER collection_photos_counts_insert AFTER INSERT ON collection_photos
BEGIN
    DELETE FROM smart_collection_refreshes WHERE collection_id = NEW.collection_id;
    INSERT INTO file_version_counts (name, n) VALUES ('collection:' || NEW.collection_id, 1)
    ON CONFLICT (name) DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER collection_photos_counts_update AFTER UPDATE ON collection_photos
BEGIN
    DELETE FROM smart_collection_refreshes
    WHERE collection_id IN (OLD.collection_id, NEW.collection_id);
    INSERT INTO file_version_counts (name, n)
    VALUES ('collection:' || OLD.collection_id, -1), ('collection:' || NEW.collection_id, 1)
    ON CONFLICT (name) DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER collection_photos_counts_delete AFTER DELETE ON collection_photos
BEGIN
    DELETE FROM smart_collection_refreshes WHERE collection_id = OLD.collection_id;
    INSERT INTO file_version_counts (name, n) VALUES ('collection:' || OLD.collection_id, -1)
    ON CONFLICT (name) DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER media_assets_counts_insert AFTER INSERT ON media_assets
BEGIN
    INSERT INTO file_version_counts (name, n) VALUES ('assets', 1)
    ON CONFLICT (name) DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER media_assets_counts_delete AFTER DELETE ON media_assets
BEGIN
    INSERT INTO file_version_counts (name, n) VALUES ('assets', -1)
    ON CONFLICT (name) DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER file_version_counts_insert AFTER INSERT ON file_versions
BEGIN
    INSERT INTO file_version_counts (name, n) VALUES ('versions', 1), ('tier:' || NEW.tier, 1)
    ON CONFLICT (name) DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER file_version_counts_insert_assets AFTER INSERT ON file_versions
WHEN NEW.tier IN ('gold', 'silver')
BEGIN
    -- og / os: the asset had another gold / silver version. Two index probes; only a first
    -- gold version counts the asset's silver versions (they leave visible_silver).
    INSERT INTO file_version_counts (name, n)
    SELECT k.name, k.n
    FROM (SELECT names.column1 AS name,
                 CASE names.column1
                     WHEN 'listed_assets' THEN 1 - (st.og OR st.os)
                     WHEN 'unprocessed_assets'
                         THEN ((st.os OR st.ds) AND NOT (st.og OR st.dg)) - (st.os AND NOT st.og)
                     ELSE CASE
                         WHEN st.ds THEN NOT st.og
                         WHEN st.og THEN 0
                         ELSE -(SELECT count(*) FROM file_versions AS fv
                                WHERE fv.media_asset_id = NEW.media_asset_id AND fv.tier = 'silver')
                     END
                 END AS n
          FROM (SELECT EXISTS (SELECT 1 FROM file_versions AS fv
                               WHERE fv.media_asset_id = NEW.media_asset_id AND fv.tier = 'gold'
                                 AND fv.id <> NEW.id) AS og,
                       EXISTS (SELECT 1 FROM file_versions AS fv
                               WHERE fv.media_asset_id = NEW.media_asset_id AND fv.tier = 'silver'
                                 AND fv.id <> NEW.id) AS os,
                       (NEW.tier = 'gold') AS dg,
                       (NEW.tier = 'silver') AS ds) AS st
          CROSS JOIN (VALUES ('listed_assets'), ('unprocessed_assets'), ('visible_silver')) AS names) AS k
    WHERE k.n <> 0
    ON CONFLICT (name) DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER file_version_counts_delete AFTER DELETE ON file_versions
BEGIN
    INSERT INTO file_version_counts (name, n) VALUES ('versions', -1), ('tier:' || OLD.tier, -1)
    ON CONFLICT (name) DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER file_version_counts_delete_assets AFTER DELETE ON file_versions
WHEN OLD.tier IN ('gold', 'silver')
BEGIN
    -- og / os: the asset still has a gold / silver version. Two index probes; only its last
    -- gold version leaving counts its silver versions (they join visible_silver).
    INSERT INTO file_version_counts (name, n)
    SELECT k.name, k.n
    FROM (SELECT names.column1 AS name,
                 CASE names.column1
                     WHEN 'listed_assets' THEN (st.og OR st.os) - 1
                     WHEN 'unprocessed_assets'
                         THEN (st.os AND NOT st.og) - ((st.os OR st.ds) AND NOT (st.og OR st.dg))
                     ELSE CASE
                         WHEN st.ds THEN -(NOT st.og)
                         WHEN st.og THEN 0
                         ELSE (SELECT count(*) FROM file_versions AS fv
                               WHERE fv.media_asset_id = OLD.media_asset_id AND fv.tier = 'silver')
                     END
                 END AS n
          FROM (SELECT EXISTS (SELECT 1 FROM file_versions AS fv
                               WHERE fv.media_asset_id = OLD.media_asset_id AND fv.tier = 'gold')
                           AS og,
                       EXISTS (SELECT 1 FROM file_versions AS fv
                               WHERE fv.media_asset_id = OLD.media_asset_id AND fv.tier = 'silver')
                           AS os,
                       (OLD.tier = 'gold') AS dg,
                       (OLD.tier = 'silver') AS ds) AS st
          CROSS JOIN (VALUES ('listed_assets'), ('unprocessed_assets'), ('visible_silver')) AS names) AS k
    WHERE k.n <> 0
    ON CONFLICT (name) DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER file_version_counts_update AFTER UPDATE OF tier ON file_versions
WHEN OLD.tier IS NOT NEW.tier
BEGIN
    INSERT INTO file_version_counts (name, n) VALUES ('tier:' || OLD.tier, -1), ('tier:' || NEW.tier, 1)
    ON CONFLICT (name) DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER file_version_counts_update_assets AFTER UPDATE OF tier, media_asset_id ON file_versions
WHEN (OLD.tier IN ('gold', 'silver') OR NEW.tier IN ('gold', 'silver'))
    AND (OLD.tier IS NOT NEW.tier OR OLD.media_asset_id IS NOT NEW.media_asset_id)
BEGIN
    INSERT INTO file_version_counts (name, n)
    SELECT k.name, k.n
    FROM (SELECT names.column1 AS name,
                 CASE names.column1
                     WHEN 'listed_assets' THEN (st.g > 0 OR st.s > 0) - (st.g - st.dg > 0 OR st.s - st.ds > 0)
                     WHEN 'unprocessed_assets' THEN (st.s > 0 AND st.g = 0) - (st.s - st.ds > 0 AND st.g - st.dg = 0)
                     ELSE (CASE WHEN st.g = 0 THEN st.s ELSE 0 END)
                          - (CASE WHEN st.g - st.dg = 0 THEN st.s - st.ds ELSE 0 END)
                 END AS n
          FROM (SELECT coalesce(sum(fv.tier = 'gold'), 0) AS g,
                       coalesce(sum(fv.tier = 'silver'), 0) AS s,
                       (NEW.media_asset_id = a.id AND NEW.tier = 'gold') - (OLD.media_asset_id = a.id AND OLD.tier = 'gold') AS dg,
                       (NEW.media_asset_id = a.id AND NEW.tier = 'silver') - (OLD.media_asset_id = a.id AND OLD.tier = 'silver') AS ds
                FROM (SELECT OLD.media_asset_id AS id UNION SELECT NEW.media_asset_id) AS a
                LEFT JOIN file_versions AS fv
                    ON fv.media_asset_id = a.id AND fv.tier IN ('gold', 'silver')
                GROUP BY a.id) AS st
          CROSS JOIN (VALUES ('listed_assets'), ('unprocessed_assets'), ('visible_silver')) AS names) AS k
    WHERE k.n <> 0
    ON CONFLICT (name) DO UPDATE SET n = n + excluded.n;
END;

INSERT INTO file_version_counts (name, n)
SELECT 'versions', count(*) FROM file_versions
UNION ALL
SELECT 'tier:' || tier, count(*) FROM file_versions GROUP BY tier
UNION ALL
SELECT 'listed_assets', count(*) FROM (SELECT DISTINCT media_asset_id FROM file_versions WHERE tier IN ('gold', 'silver'))
UNION ALL
SELECT 'unprocessed_assets', count(*)
FROM (SELECT media_asset_id FROM file_versions WHERE tier IN ('gold', 'silver')
      GROUP BY media_asset_id HAVING max(tier = 'gold') = 0)
UNION ALL
SELECT 'visible_silver', count(*)
FROM file_versions AS fv
WHERE fv.tier = 'silver'
  AND NOT EXISTS (SELECT 1 FROM file_versions AS g WHERE g.media_asset_id = fv.media_asset_id AND g.tier = 'gold')
UNION ALL
SELECT 'assets', count(*) FROM media_assets
UNION ALL
SELECT 'collection:' || collection_id, count(*) FROM collection_photos GROUP BY collection_id;
