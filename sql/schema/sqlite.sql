-- Pictallion database schema for SQLite (3.38 or newer: JSON functions built in).
--
-- The whole current schema in one file, for reading and for building a database in one
-- go. The migrations in migrations/sqlite/ build exactly the same schema; a test
-- compares the two table by table, column by column, constraint by constraint.
--
-- It is the PostgreSQL schema (sql/schema/postgres.sql) in SQLite terms: the same
-- tables, columns, column order, nullability, constraint names and indexes, with the
-- differences below. Tables are listed parents before children.
--
-- Declared types. SQLite stores values by "affinity", derived from the declared type
-- name: a name containing INT gives INTEGER affinity, CHAR/CLOB/TEXT gives TEXT
-- affinity, anything else without REAL/FLOA/DOUB/BLOB gives NUMERIC affinity (numeric-
-- looking text is converted to a number). Each PostgreSQL type gets its own declared
-- name, so the PostgreSQL type can be read back from the schema, chosen so that the
-- affinity keeps exactly what the library writes:
--
--   PostgreSQL   SQLite declared   affinity   stored as
--   varchar      VARCHAR           TEXT       the UUID string
--   text         TEXT              TEXT       text
--   integer      INTEGER           INTEGER    integer (64-bit here, int4 in PostgreSQL)
--   boolean      BOOLEAN           NUMERIC    0 or 1 (NUMERIC stores integers exactly as
--                                             INTEGER affinity does); CHECK (x IN (0, 1))
--   timestamp    TIMESTAMP_TEXT    TEXT       ISO-8601 UTC text, 'YYYY-MM-DDTHH:MM:SS.ffffff'
--   jsonb        JSONB_TEXT        TEXT       JSON text; CHECK json_valid()
--   text[]       TEXT_ARRAY        TEXT       a JSON array of strings, default '[]'
--
-- Why not plain TIMESTAMP or JSONB: both would have NUMERIC affinity, which turns JSON
-- text such as '1' or '2.50' into numbers (so it no longer reads back as the same
-- JSON). A column declared TIMESTAMP also triggers Python's built-in sqlite3 timestamp
-- converter under detect_types, which cannot parse the 'T' separator.
--
-- Defaults. SQLite has neither gen_random_uuid() nor now(), so:
-- * ids default to a random version-4 UUID in the usual lowercase 8-4-4-4-12 form,
--   built from randomblob(): "4" as the version digit, one of 8/9/a/b as the variant
--   digit (random() & 3 is never negative, unlike abs(random()), which can overflow).
--   Raw INSERTs without an id therefore work, as in PostgreSQL.
-- * timestamps default to strftime('%Y-%m-%dT%H:%M:%f', 'now') || '000': UTC with six
--   fractional digits (SQLite's clock has milliseconds), the format the library writes,
--   so text order is time order and datetime.fromisoformat() reads it.
-- * boolean defaults are 0 and 1; keywords defaults to '[]' (PostgreSQL: '{}').
--
-- CHECK constraints (SQLite only) stand in for the type checks PostgreSQL does itself:
-- booleans must be 0 or 1, jsonb columns must hold valid JSON, keywords a JSON array.
-- NULL passes every one of them where the column is nullable. Enumerated values are
-- not checked, as in PostgreSQL.
--
-- Foreign keys are declared inline with drizzle's constraint names and no actions
-- (deleting a referenced row fails). SQLite only enforces them on connections that run
-- PRAGMA foreign_keys = ON, which the library always does.

CREATE TABLE users (
    id VARCHAR PRIMARY KEY NOT NULL DEFAULT (
        lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' ||
        substr(lower(hex(randomblob(2))), 2) || '-' ||
        substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' ||
        lower(hex(randomblob(6)))
    ),
    username TEXT NOT NULL,
    password TEXT NOT NULL,
    CONSTRAINT users_username_unique UNIQUE (username)
);

CREATE TABLE media_assets (
    id VARCHAR PRIMARY KEY NOT NULL DEFAULT (
        lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' ||
        substr(lower(hex(randomblob(2))), 2) || '-' ||
        substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' ||
        lower(hex(randomblob(6)))
    ),
    original_filename TEXT NOT NULL,
    created_at TIMESTAMP_TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f', 'now') || '000')
);

CREATE TABLE file_versions (
    id VARCHAR PRIMARY KEY NOT NULL DEFAULT (
        lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' ||
        substr(lower(hex(randomblob(2))), 2) || '-' ||
        substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' ||
        lower(hex(randomblob(6)))
    ),
    media_asset_id VARCHAR NOT NULL
        CONSTRAINT file_versions_media_asset_id_media_assets_id_fk REFERENCES media_assets (id),
    tier TEXT NOT NULL,                     -- bronze | silver | gold
    file_path TEXT NOT NULL,
    file_hash TEXT NOT NULL,                -- not unique: silver and gold copies share it
    file_size INTEGER NOT NULL,
    mime_type TEXT NOT NULL,
    metadata JSONB_TEXT CHECK (metadata IS NULL OR json_valid(metadata)),
    is_reviewed BOOLEAN DEFAULT 0 CHECK (is_reviewed IN (0, 1)),
    rating INTEGER DEFAULT 0,
    -- a JSON array of strings; CASE so that malformed JSON fails the check cleanly
    -- instead of making json_type() raise
    keywords TEXT_ARRAY DEFAULT '[]' CHECK (
        CASE WHEN json_valid(keywords) THEN json_type(keywords) = 'array' ELSE keywords IS NULL END
    ),
    location TEXT,
    event_type TEXT,
    event_name TEXT,
    perceptual_hash TEXT,
    ai_short_description TEXT,
    processing_state TEXT DEFAULT 'processed',  -- processed | promoted | rejected
    created_at TIMESTAMP_TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f', 'now') || '000')
);

CREATE TABLE asset_history (
    id VARCHAR PRIMARY KEY NOT NULL DEFAULT (
        lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' ||
        substr(lower(hex(randomblob(2))), 2) || '-' ||
        substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' ||
        lower(hex(randomblob(6)))
    ),
    media_asset_id VARCHAR NOT NULL
        CONSTRAINT asset_history_media_asset_id_media_assets_id_fk REFERENCES media_assets (id),
    action TEXT NOT NULL,                   -- INGESTED, PROMOTED, AI_PROCESSED, ...
    details TEXT,
    timestamp TIMESTAMP_TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f', 'now') || '000')
);

CREATE TABLE collections (
    id VARCHAR PRIMARY KEY NOT NULL DEFAULT (
        lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' ||
        substr(lower(hex(randomblob(2))), 2) || '-' ||
        substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' ||
        lower(hex(randomblob(6)))
    ),
    name TEXT NOT NULL,
    description TEXT,
    is_public BOOLEAN DEFAULT 0 CHECK (is_public IN (0, 1)),
    cover_photo TEXT,                       -- a file path or photo id; deliberately no FK
    is_smart_collection BOOLEAN DEFAULT 0 CHECK (is_smart_collection IN (0, 1)),
    smart_rules JSONB_TEXT CHECK (smart_rules IS NULL OR json_valid(smart_rules)),
    created_at TIMESTAMP_TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f', 'now') || '000'),
    updated_at TIMESTAMP_TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f', 'now') || '000')
);

CREATE TABLE collection_photos (
    id VARCHAR PRIMARY KEY NOT NULL DEFAULT (
        lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' ||
        substr(lower(hex(randomblob(2))), 2) || '-' ||
        substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' ||
        lower(hex(randomblob(6)))
    ),
    collection_id VARCHAR NOT NULL
        CONSTRAINT collection_photos_collection_id_collections_id_fk REFERENCES collections (id),
    photo_id VARCHAR NOT NULL
        CONSTRAINT collection_photos_photo_id_file_versions_id_fk REFERENCES file_versions (id),
    added_at TIMESTAMP_TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f', 'now') || '000')
);

CREATE TABLE people (
    id VARCHAR PRIMARY KEY NOT NULL DEFAULT (
        lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' ||
        substr(lower(hex(randomblob(2))), 2) || '-' ||
        substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' ||
        lower(hex(randomblob(6)))
    ),
    name TEXT NOT NULL,
    notes TEXT,
    birthdate TIMESTAMP_TEXT,
    face_count INTEGER DEFAULT 0,
    representative_face TEXT,               -- a file path
    selected_thumbnail_face_id TEXT,        -- a faces id; deliberately no FK
    created_at TIMESTAMP_TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f', 'now') || '000')
);

CREATE TABLE faces (
    id VARCHAR PRIMARY KEY NOT NULL DEFAULT (
        lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' ||
        substr(lower(hex(randomblob(2))), 2) || '-' ||
        substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' ||
        lower(hex(randomblob(6)))
    ),
    photo_id VARCHAR NOT NULL
        CONSTRAINT faces_photo_id_file_versions_id_fk REFERENCES file_versions (id),
    person_id VARCHAR                       -- NULL: not assigned to anyone yet
        CONSTRAINT faces_person_id_people_id_fk REFERENCES people (id),
    bounding_box JSONB_TEXT NOT NULL CHECK (json_valid(bounding_box)),  -- [x, y, width, height]
    confidence INTEGER NOT NULL,            -- 0..100
    embedding JSONB_TEXT CHECK (embedding IS NULL OR json_valid(embedding)),
    ignored BOOLEAN NOT NULL DEFAULT 0 CHECK (ignored IN (0, 1)),
    created_at TIMESTAMP_TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f', 'now') || '000')
);

CREATE TABLE events (
    id VARCHAR PRIMARY KEY NOT NULL DEFAULT (
        lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' ||
        substr(lower(hex(randomblob(2))), 2) || '-' ||
        substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' ||
        lower(hex(randomblob(6)))
    ),
    name TEXT NOT NULL,
    type TEXT NOT NULL,                     -- holiday | birthday | custom
    date TIMESTAMP_TEXT NOT NULL,
    is_recurring BOOLEAN DEFAULT 0 CHECK (is_recurring IN (0, 1)),
    recurring_type TEXT,                    -- yearly | monthly | weekly
    country TEXT,
    region TEXT,
    person_id VARCHAR
        CONSTRAINT events_person_id_people_id_fk REFERENCES people (id),
    is_enabled BOOLEAN DEFAULT 1 CHECK (is_enabled IN (0, 1)),
    description TEXT,
    created_at TIMESTAMP_TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f', 'now') || '000')
);

CREATE TABLE relationships (
    id VARCHAR PRIMARY KEY NOT NULL DEFAULT (
        lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' ||
        substr(lower(hex(randomblob(2))), 2) || '-' ||
        substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' ||
        lower(hex(randomblob(6)))
    ),
    person1_id VARCHAR NOT NULL
        CONSTRAINT relationships_person1_id_people_id_fk REFERENCES people (id),
    person2_id VARCHAR NOT NULL
        CONSTRAINT relationships_person2_id_people_id_fk REFERENCES people (id),
    relationship_type TEXT NOT NULL,        -- spouse | partner | sibling | parent | child | friend | relative
    notes TEXT,
    created_at TIMESTAMP_TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f', 'now') || '000')
);

CREATE TABLE settings (
    id VARCHAR PRIMARY KEY NOT NULL DEFAULT (
        lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' ||
        substr(lower(hex(randomblob(2))), 2) || '-' ||
        substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' ||
        lower(hex(randomblob(6)))
    ),
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    category TEXT NOT NULL DEFAULT 'general',
    description TEXT,
    created_at TIMESTAMP_TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f', 'now') || '000'),
    updated_at TIMESTAMP_TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f', 'now') || '000'),
    CONSTRAINT settings_key_unique UNIQUE (key)
);

CREATE TABLE ai_prompts (
    id VARCHAR PRIMARY KEY NOT NULL DEFAULT (
        lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' ||
        substr(lower(hex(randomblob(2))), 2) || '-' ||
        substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' ||
        lower(hex(randomblob(6)))
    ),
    name TEXT NOT NULL,
    description TEXT,
    category TEXT NOT NULL,                 -- analysis | naming | description
    provider TEXT NOT NULL,                 -- openai | ollama | both
    system_prompt TEXT NOT NULL,
    user_prompt TEXT NOT NULL,
    is_default BOOLEAN DEFAULT 0 CHECK (is_default IN (0, 1)),
    is_active BOOLEAN DEFAULT 1 CHECK (is_active IN (0, 1)),
    created_at TIMESTAMP_TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f', 'now') || '000'),
    updated_at TIMESTAMP_TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f', 'now') || '000')
);

CREATE TABLE global_tag_library (
    id VARCHAR PRIMARY KEY NOT NULL DEFAULT (
        lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' ||
        substr(lower(hex(randomblob(2))), 2) || '-' ||
        substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' ||
        lower(hex(randomblob(6)))
    ),
    tag TEXT NOT NULL,
    usage_count INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP_TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f', 'now') || '000'),
    -- the ON CONFLICT (tag) target of the tag-library upsert
    CONSTRAINT global_tag_library_tag_unique UNIQUE (tag)
);

CREATE TABLE locations (
    id VARCHAR PRIMARY KEY NOT NULL DEFAULT (
        lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' ||
        substr(lower(hex(randomblob(2))), 2) || '-' ||
        substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' ||
        lower(hex(randomblob(6)))
    ),
    name TEXT NOT NULL,
    description TEXT,
    latitude TEXT NOT NULL,                 -- decimal degrees, kept as text
    longitude TEXT NOT NULL,
    radius INTEGER DEFAULT 100,             -- metres
    is_user_defined BOOLEAN DEFAULT 0 CHECK (is_user_defined IN (0, 1)),
    photo_count INTEGER DEFAULT 0,
    place_name TEXT,
    place_type TEXT,
    created_at TIMESTAMP_TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f', 'now') || '000'),
    updated_at TIMESTAMP_TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f', 'now') || '000')
);

-- Tag library indexes (from the app's hand-written SQL file, not from drizzle):
-- most-used tags first for the tag picker, and a plain index on tag (redundant with
-- the unique constraint's index, kept because PostgreSQL databases have it).

CREATE INDEX idx_global_tag_library_usage ON global_tag_library (usage_count DESC);
CREATE INDEX idx_global_tag_library_tag ON global_tag_library (tag);

-- Catalogue indexes (migration 0003): the foreign-key columns and the keys the listings
-- filter and sort on; docs/indexes.md names the queries each one serves.

CREATE INDEX idx_file_versions_media_asset_id ON file_versions (media_asset_id);
CREATE INDEX idx_file_versions_gold_asset ON file_versions (media_asset_id) WHERE tier = 'gold';
CREATE INDEX idx_file_versions_tier_created_at ON file_versions (tier, created_at DESC, id DESC);
CREATE INDEX idx_file_versions_created_at ON file_versions (created_at DESC, id DESC);
CREATE INDEX idx_file_versions_file_hash ON file_versions (file_hash);
CREATE INDEX idx_media_assets_created_at ON media_assets (created_at DESC, id DESC);
CREATE INDEX idx_faces_photo_id ON faces (photo_id);
CREATE INDEX idx_faces_person_id ON faces (person_id, created_at, id);
CREATE INDEX idx_faces_unassigned ON faces (created_at, id) WHERE person_id IS NULL;
CREATE INDEX idx_asset_history_media_asset_id ON asset_history
    (media_asset_id, "timestamp" DESC, id DESC);
CREATE INDEX idx_asset_history_timestamp ON asset_history ("timestamp" DESC, id DESC);
CREATE INDEX idx_collection_photos_collection_id ON collection_photos
    (collection_id, added_at DESC, id DESC);
CREATE INDEX idx_collection_photos_photo_id ON collection_photos (photo_id);
CREATE INDEX idx_events_person_id ON events (person_id);
CREATE INDEX idx_relationships_person1_id ON relationships (person1_id);
CREATE INDEX idx_relationships_person2_id ON relationships (person2_id);

-- Listing indexes (migration 0004): the assets the photo listing counts.

CREATE INDEX idx_file_versions_listed_asset ON file_versions (media_asset_id, tier)
    WHERE tier IN ('gold', 'silver');

-- Search order indexes (migration 0005): a search page read in sort order, ties by id.

CREATE INDEX idx_file_versions_rating_order ON file_versions (COALESCE(rating, 0), id);
CREATE INDEX idx_file_versions_size_order ON file_versions (file_size, id);
CREATE INDEX idx_file_versions_event_order ON file_versions (COALESCE(event_name, ''), id);
-- Kept counts (migration 0006): the totals of the photo listings, written by row triggers
-- on file_versions (the triggers are in the migration; the schema snapshot compares
-- tables, columns and indexes).

CREATE TABLE file_version_counts (
    name TEXT PRIMARY KEY NOT NULL,
    n INTEGER NOT NULL
) WITHOUT ROWID;

-- Smart refreshes by difference (migration 0006): the versions written, in commit order,
-- and per smart collection the rules and last log entry of its last refresh.

CREATE TABLE file_version_changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    photo_id TEXT NOT NULL
);

CREATE TABLE smart_collection_refreshes (
    collection_id TEXT PRIMARY KEY NOT NULL,
    rules TEXT NOT NULL,
    seen TEXT NOT NULL
);
