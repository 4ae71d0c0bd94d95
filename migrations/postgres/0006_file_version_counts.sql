-- Exact counts of the photo listings, kept by the database itself: rows written through
-- the library, by the old application or by hand are all counted the same way.
--
-- file_version_asset_tiers holds, per media asset, how many gold and silver versions it
-- has. file_version_counts holds signed deltas per count name; a count is the sum of its
-- rows. Names: 'versions' (every version), 'tier:<tier>' (versions of one tier),
-- 'listed_assets' (assets with a gold or silver version), 'unprocessed_assets' (a silver
-- version and no gold one), 'visible_silver' (silver versions of assets without gold),
-- 'assets' (media assets) and 'collection:<id>' (a collection's photo rows), the last two
-- kept by triggers on media_assets and collection_photos.
--
-- One statement-level trigger per write (transition tables) applies a whole statement's
-- rows at once: create_many, COPY, cascades and updates cost one pass per statement. It
-- appends delta rows instead of updating one row per name, so concurrent writers never
-- wait for each other on a counter; the per-asset rows are locked by ON CONFLICT DO
-- UPDATE, which reads the latest committed value, so two transactions writing versions
-- of the same asset still count exactly. Every 256th delta row compacts the deltas
-- (READ COMMITTED only, skipping rows another compaction holds), so a count sums a few
-- hundred rows at most.
--
-- Backfill: the triggers are created first and the counts filled in the same
-- transaction. CREATE TRIGGER holds a SHARE ROW EXCLUSIVE lock on each table it is
-- created on until the commit, so no write can slip between the backfill's reading and
-- the triggers: writes to file_versions, media_assets, collection_photos and collections
-- wait while the backfill runs (docs/counts.md gives its time at a million versions);
-- reads do not wait. lock_timeout makes the migration fail fast rather than queue
-- behind a long transaction.
--
-- The same trigger logs which versions each statement wrote (file_version_changes: the
-- writing transaction's id and the ids, one row per statement), so that a smart
-- collection's refresh may evaluate its rules over the versions written since its last
-- refresh only (smart_collection_refreshes keeps, per collection, the rules it was
-- refreshed with and the snapshot it saw). Any write to a collection's rows
-- (collection_photos), or to its smart flag or rules, or its deletion, drops its mark: the
-- next refresh of it is a full one. The log is pruned with the compaction of the counts.
-- depends: 0005_search_order_indexes

SET LOCAL lock_timeout = '10s';

CREATE TABLE file_version_asset_tiers (
    media_asset_id varchar PRIMARY KEY NOT NULL,
    gold bigint NOT NULL DEFAULT 0,
    silver bigint NOT NULL DEFAULT 0
);

CREATE TABLE file_version_counts (
    id bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY,
    name text NOT NULL,
    n bigint NOT NULL
);

CREATE INDEX idx_file_version_counts_name ON file_version_counts (name) INCLUDE (n);

CREATE TABLE file_version_changes (
    id bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY,
    xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
    photo_ids varchar [] NOT NULL
);

CREATE INDEX idx_file_version_changes_xid ON file_version_changes (xid);

CREATE TABLE smart_collection_refreshes (
    collection_id varchar PRIMARY KEY NOT NULL,
    rules text NOT NULL,
    seen text NOT NULL
);

CREATE FUNCTION file_version_counts_compact() RETURNS void
LANGUAGE plpgsql AS $fn$
BEGIN
    -- Only under READ COMMITTED: there, rows another transaction deleted meanwhile are
    -- skipped; a stricter isolation would raise a serialization error instead.
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RETURN;
    END IF;
    WITH gone AS (
        DELETE FROM file_version_counts
        WHERE id IN (SELECT id FROM file_version_counts FOR UPDATE SKIP LOCKED)
        RETURNING name, n
    )
    INSERT INTO file_version_counts (name, n)
    SELECT name, sum(n) FROM gone GROUP BY name HAVING sum(n) <> 0;
    -- The log entries every smart refresh has seen, and those of transactions that ended
    -- before any refresh to come can begin. A refresh holds lock 6006 from before its
    -- snapshot to its commit: while one runs, its mark is unknown, so skip.
    IF pg_try_advisory_lock(6006) THEN
        DELETE FROM file_version_changes
        WHERE xid < LEAST(
            pg_snapshot_xmin(pg_current_snapshot()),
            (SELECT min(pg_snapshot_xmin(CAST(seen AS pg_snapshot)))
             FROM smart_collection_refreshes));
        PERFORM pg_advisory_unlock(6006);
    END IF;
END
$fn$;

CREATE FUNCTION file_version_counts_track() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
    changes text;
    compact boolean;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        DELETE FROM file_version_asset_tiers;
        DELETE FROM file_version_counts
        WHERE name <> 'assets' AND name NOT LIKE 'collection:%';
        DELETE FROM file_version_changes;
        RETURN NULL;
    ELSIF TG_OP = 'INSERT' THEN
        changes := 'SELECT media_asset_id, tier, 1 AS d FROM new_rows';
    ELSIF TG_OP = 'DELETE' THEN
        changes := 'SELECT media_asset_id, tier, -1 AS d FROM old_rows';
    ELSE
        changes := 'SELECT media_asset_id, tier, 1 AS d FROM new_rows'
            || ' UNION ALL SELECT media_asset_id, tier, -1 AS d FROM old_rows';
    END IF;
    EXECUTE format($q$
        WITH changes AS (%s),
        by_asset AS (
            SELECT media_asset_id,
                   coalesce(sum(d) FILTER (WHERE tier = 'gold'), 0) AS dg,
                   coalesce(sum(d) FILTER (WHERE tier = 'silver'), 0) AS ds
            FROM changes
            WHERE tier IN ('gold', 'silver')
            GROUP BY media_asset_id
        ),
        moved AS (
            INSERT INTO file_version_asset_tiers AS t (media_asset_id, gold, silver)
            SELECT media_asset_id, dg, ds
            FROM by_asset
            WHERE dg <> 0 OR ds <> 0
            ORDER BY media_asset_id
            ON CONFLICT (media_asset_id) DO UPDATE
            SET gold = t.gold + excluded.gold, silver = t.silver + excluded.silver
            RETURNING t.media_asset_id, t.gold, t.silver
        ),
        states AS (
            SELECT m.gold AS g, m.silver AS s, m.gold - b.dg AS og, m.silver - b.ds AS os
            FROM moved AS m
            INNER JOIN by_asset AS b ON b.media_asset_id = m.media_asset_id
        ),
        deltas AS (
            SELECT 'versions' AS name, sum(d) AS n FROM changes
            UNION ALL
            SELECT 'tier:' || tier, sum(d) FROM changes GROUP BY tier
            UNION ALL
            SELECT 'listed_assets',
                   sum((g > 0 OR s > 0)::int - (og > 0 OR os > 0)::int) FROM states
            UNION ALL
            SELECT 'unprocessed_assets',
                   sum((s > 0 AND g = 0)::int - (os > 0 AND og = 0)::int) FROM states
            UNION ALL
            SELECT 'visible_silver',
                   sum(CASE WHEN g = 0 THEN s ELSE 0 END - CASE WHEN og = 0 THEN os ELSE 0 END)
            FROM states
        ),
        added AS (
            INSERT INTO file_version_counts (name, n)
            SELECT name, n FROM deltas WHERE n <> 0
            RETURNING id
        )
        SELECT coalesce(bool_or(id %% 256 = 0), false) FROM added
    $q$, changes) INTO compact;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO file_version_changes (photo_ids)
        SELECT array_agg(id) FROM new_rows HAVING count(*) > 0;
    END IF;
    IF compact THEN
        PERFORM file_version_counts_compact();
    END IF;
    RETURN NULL;
END
$fn$;

CREATE TRIGGER file_version_counts_insert AFTER INSERT ON file_versions
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION file_version_counts_track();

CREATE TRIGGER file_version_counts_update AFTER UPDATE ON file_versions
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION file_version_counts_track();

CREATE TRIGGER file_version_counts_delete AFTER DELETE ON file_versions
REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION file_version_counts_track();

CREATE TRIGGER file_version_counts_truncate AFTER TRUNCATE ON file_versions
FOR EACH STATEMENT EXECUTE FUNCTION file_version_counts_track();

CREATE FUNCTION collection_photos_track() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
    changes text;
    compact boolean;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        DELETE FROM smart_collection_refreshes;
        DELETE FROM file_version_counts WHERE name LIKE 'collection:%';
        RETURN NULL;
    ELSIF TG_OP = 'INSERT' THEN
        changes := 'SELECT collection_id, 1 AS d FROM new_rows';
    ELSIF TG_OP = 'DELETE' THEN
        changes := 'SELECT collection_id, -1 AS d FROM old_rows';
    ELSE
        changes := 'SELECT collection_id, 1 AS d FROM new_rows'
            || ' UNION ALL SELECT collection_id, -1 AS d FROM old_rows';
    END IF;
    EXECUTE format($q$
        WITH changes AS (%s),
        forgotten AS (
            DELETE FROM smart_collection_refreshes
            WHERE collection_id IN (SELECT collection_id FROM changes)
        ),
        added AS (
            INSERT INTO file_version_counts (name, n)
            SELECT 'collection:' || collection_id, sum(d)
            FROM changes
            GROUP BY collection_id
            HAVING sum(d) <> 0
            RETURNING id
        )
        SELECT coalesce(bool_or(id %% 256 = 0), false) FROM added
    $q$, changes) INTO compact;
    IF compact THEN
        PERFORM file_version_counts_compact();
    END IF;
    RETURN NULL;
END
$fn$;

CREATE FUNCTION media_assets_track() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
    compact boolean;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        DELETE FROM file_version_counts WHERE name = 'assets';
        RETURN NULL;
    ELSIF TG_OP = 'INSERT' THEN
        WITH added AS (
            INSERT INTO file_version_counts (name, n)
            SELECT 'assets', count(*) FROM new_rows HAVING count(*) > 0
            RETURNING id
        )
        SELECT coalesce(bool_or(id % 256 = 0), false) FROM added INTO compact;
    ELSE
        WITH added AS (
            INSERT INTO file_version_counts (name, n)
            SELECT 'assets', -count(*) FROM old_rows HAVING count(*) > 0
            RETURNING id
        )
        SELECT coalesce(bool_or(id % 256 = 0), false) FROM added INTO compact;
    END IF;
    IF compact THEN
        PERFORM file_version_counts_compact();
    END IF;
    RETURN NULL;
END
$fn$;

CREATE TRIGGER media_assets_counts_insert AFTER INSERT ON media_assets
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION media_assets_track();

CREATE TRIGGER media_assets_counts_delete AFTER DELETE ON media_assets
REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION media_assets_track();

CREATE TRIGGER media_assets_counts_truncate AFTER TRUNCATE ON media_assets
FOR EACH STATEMENT EXECUTE FUNCTION media_assets_track();

CREATE FUNCTION smart_collection_refreshes_forget_rules() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    DELETE FROM smart_collection_refreshes WHERE collection_id = OLD.id;
    RETURN NULL;
END
$fn$;

CREATE TRIGGER smart_collection_refreshes_rules
AFTER UPDATE OF is_smart_collection, smart_rules, id OR DELETE ON collections
FOR EACH ROW EXECUTE FUNCTION smart_collection_refreshes_forget_rules();

CREATE TRIGGER collection_photos_counts_insert AFTER INSERT ON collection_photos
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION collection_photos_track();

CREATE TRIGGER collection_photos_counts_update AFTER UPDATE ON collection_photos
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION collection_photos_track();

CREATE TRIGGER collection_photos_counts_delete AFTER DELETE ON collection_photos
REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION collection_photos_track();

CREATE TRIGGER collection_photos_counts_truncate AFTER TRUNCATE ON collection_photos
FOR EACH STATEMENT EXECUTE FUNCTION collection_photos_track();

INSERT INTO file_version_asset_tiers (media_asset_id, gold, silver)
SELECT media_asset_id, count(*) FILTER (WHERE tier = 'gold'), count(*) FILTER (WHERE tier = 'silver')
FROM file_versions
WHERE tier IN ('gold', 'silver')
GROUP BY media_asset_id;

INSERT INTO file_version_counts (name, n)
SELECT 'versions', count(*) FROM file_versions
UNION ALL
SELECT 'tier:' || tier, count(*) FROM file_versions GROUP BY tier
UNION ALL
SELECT 'listed_assets', count(*) FROM file_version_asset_tiers WHERE gold > 0 OR silver > 0
UNION ALL
SELECT 'unprocessed_assets', count(*) FROM file_version_asset_tiers WHERE silver > 0 AND gold = 0
UNION ALL
SELECT 'visible_silver', coalesce(sum(silver), 0) FROM file_version_asset_tiers WHERE gold = 0
UNION ALL
SELECT 'assets', count(*) FROM media_assets
UNION ALL
SELECT 'collection:' || collection_id, count(*) FROM collection_photos GROUP BY collection_id;
