-- Exact counts of the photo listings, kept by the database itself: rows written through
-- the library, by the old application or by hand are all counted the same way.
--
-- file_version_asset_tiers holds, per media asset, how many gold and silver versions it
-- has. file_version_counts holds signed deltas per count name; a count is the sum of its
-- rows. Names: 'versions' (every version), 'tier:<tier>' (versions of one tier),
-- 'listed_assets' (assets with a gold or silver version), 'unprocessed_assets' (a silver
-- version and no gold one), 'visible_silver' (silver versions of assets without gold).
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
-- transaction. CREATE TRIGGER holds a SHARE ROW EXCLUSIVE lock on file_versions until
-- the commit, so no write can slip between the backfill's reading and the triggers:
-- writes to file_versions wait while the backfill runs (about 2 s per million versions),
-- reads do not wait. lock_timeout makes the migration fail fast rather than queue
-- behind a long transaction.
-- depends: 0004_listing_indexes

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

CREATE FUNCTION file_version_counts_track() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
    changes text;
    compact boolean;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        DELETE FROM file_version_asset_tiers;
        DELETE FROM file_version_counts;
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
    IF compact AND current_setting('transaction_isolation') = 'read committed' THEN
        WITH gone AS (
            DELETE FROM file_version_counts
            WHERE id IN (SELECT id FROM file_version_counts FOR UPDATE SKIP LOCKED)
            RETURNING name, n
        )
        INSERT INTO file_version_counts (name, n)
        SELECT name, sum(n) FROM gone GROUP BY name HAVING sum(n) <> 0;
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
SELECT 'visible_silver', coalesce(sum(silver), 0) FROM file_version_asset_tiers WHERE gold = 0;
