-- Pictallion database schema for PostgreSQL (13 or newer: gen_random_uuid() is built in).
--
-- The whole current schema in one file, for reading and for building a database in one
-- go. The migrations in migrations/postgres/ build exactly the same schema; a test
-- compares the two table by table, column by column, constraint by constraint.
--
-- The tables are those of the TypeScript app (shared/schema.ts), as drizzle-kit emits
-- them: same types, defaults, nullability and constraint names, in drizzle's
-- (alphabetical) table order. Things worth knowing:
--
-- * Ids are varchar UUID strings. gen_random_uuid() returns uuid; the default casts it
--   to varchar, so ids are 36-character lowercase strings.
-- * Timestamps are "timestamp" (without time zone) and hold UTC. now() is evaluated in
--   the session time zone, so sessions must run in UTC for defaults to be UTC.
-- * Columns with a default but no NOT NULL (is_reviewed, rating, keywords, ...) are
--   nullable on purpose: that is what the app's schema says.
-- * Enumerated values (tier, processing_state, category, ...) are not checked by the
--   database; the app validates them.
-- * Foreign keys have no ON DELETE/ON UPDATE action: deleting a referenced row fails.
--   They are added after all tables exist, as drizzle does.

CREATE TABLE ai_prompts (
    id varchar PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
    name text NOT NULL,
    description text,
    category text NOT NULL,                 -- analysis | naming | description
    provider text NOT NULL,                 -- openai | ollama | both
    system_prompt text NOT NULL,
    user_prompt text NOT NULL,
    is_default boolean DEFAULT FALSE,
    is_active boolean DEFAULT TRUE,
    created_at timestamp DEFAULT now() NOT NULL,
    updated_at timestamp DEFAULT now() NOT NULL
);

CREATE TABLE asset_history (
    id varchar PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
    media_asset_id varchar NOT NULL,
    action text NOT NULL,                   -- INGESTED, PROMOTED, AI_PROCESSED, ...
    details text,
    "timestamp" timestamp DEFAULT now() NOT NULL
);

CREATE TABLE collection_photos (
    id varchar PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
    collection_id varchar NOT NULL,
    photo_id varchar NOT NULL,              -- a file_versions id; no uniqueness per collection
    added_at timestamp DEFAULT now() NOT NULL
);

CREATE TABLE collections (
    id varchar PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
    name text NOT NULL,
    description text,
    is_public boolean DEFAULT FALSE,
    cover_photo text,                       -- a file path or photo id; deliberately no FK
    is_smart_collection boolean DEFAULT FALSE,
    smart_rules jsonb,
    created_at timestamp DEFAULT now() NOT NULL,
    updated_at timestamp DEFAULT now() NOT NULL
);

CREATE TABLE events (
    id varchar PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
    name text NOT NULL,
    type text NOT NULL,                     -- holiday | birthday | custom
    date timestamp NOT NULL,
    is_recurring boolean DEFAULT FALSE,
    recurring_type text,                    -- yearly | monthly | weekly
    country text,
    region text,
    person_id varchar,
    is_enabled boolean DEFAULT TRUE,
    description text,
    created_at timestamp DEFAULT now() NOT NULL
);

CREATE TABLE faces (
    id varchar PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
    photo_id varchar NOT NULL,
    person_id varchar,                      -- NULL: not assigned to anyone yet
    bounding_box jsonb NOT NULL,            -- [x, y, width, height] in pixels
    confidence integer NOT NULL,            -- 0..100
    embedding jsonb,                        -- face descriptor, an array of numbers
    ignored boolean DEFAULT FALSE NOT NULL,
    created_at timestamp DEFAULT now() NOT NULL
);

CREATE TABLE file_versions (
    id varchar PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
    media_asset_id varchar NOT NULL,
    tier text NOT NULL,                     -- bronze | silver | gold
    file_path text NOT NULL,
    file_hash text NOT NULL,                -- not unique: silver and gold copies share it
    file_size integer NOT NULL,
    mime_type text NOT NULL,
    metadata jsonb,                         -- {exif, ai, faceDetection}, camelCase keys
    is_reviewed boolean DEFAULT FALSE,
    rating integer DEFAULT 0,
    keywords text[] DEFAULT '{}',
    location text,
    event_type text,
    event_name text,
    perceptual_hash text,
    ai_short_description text,
    processing_state text DEFAULT 'processed',  -- processed | promoted | rejected
    created_at timestamp DEFAULT now() NOT NULL
);

CREATE TABLE global_tag_library (
    id varchar PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
    tag text NOT NULL,
    usage_count integer DEFAULT 1 NOT NULL,
    created_at timestamp DEFAULT now() NOT NULL,
    -- the ON CONFLICT (tag) target of the tag-library upsert
    CONSTRAINT global_tag_library_tag_unique UNIQUE (tag)
);

CREATE TABLE locations (
    id varchar PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
    name text NOT NULL,
    description text,
    latitude text NOT NULL,                 -- decimal degrees, kept as text
    longitude text NOT NULL,
    radius integer DEFAULT 100,             -- metres
    is_user_defined boolean DEFAULT FALSE,
    photo_count integer DEFAULT 0,
    place_name text,
    place_type text,
    created_at timestamp DEFAULT now() NOT NULL,
    updated_at timestamp DEFAULT now() NOT NULL
);

CREATE TABLE media_assets (
    id varchar PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
    original_filename text NOT NULL,
    created_at timestamp DEFAULT now() NOT NULL
);

CREATE TABLE people (
    id varchar PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
    name text NOT NULL,
    notes text,
    birthdate timestamp,
    face_count integer DEFAULT 0,
    representative_face text,               -- a file path
    selected_thumbnail_face_id text,        -- a faces id; deliberately no FK
    created_at timestamp DEFAULT now() NOT NULL
);

CREATE TABLE relationships (
    id varchar PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
    person1_id varchar NOT NULL,
    person2_id varchar NOT NULL,
    relationship_type text NOT NULL,        -- spouse | partner | sibling | parent | child | friend | relative
    notes text,
    created_at timestamp DEFAULT now() NOT NULL
);

CREATE TABLE settings (
    id varchar PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
    key text NOT NULL,
    value text NOT NULL,
    category text DEFAULT 'general' NOT NULL,
    description text,
    created_at timestamp DEFAULT now() NOT NULL,
    updated_at timestamp DEFAULT now() NOT NULL,
    CONSTRAINT settings_key_unique UNIQUE (key)
);

CREATE TABLE users (
    id varchar PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
    username text NOT NULL,
    password text NOT NULL,
    CONSTRAINT users_username_unique UNIQUE (username)
);

-- Foreign keys, named <table>_<column>_<reftable>_<refcolumn>_fk as drizzle-kit names them.

ALTER TABLE asset_history ADD CONSTRAINT asset_history_media_asset_id_media_assets_id_fk
    FOREIGN KEY (media_asset_id) REFERENCES media_assets (id)
    ON DELETE NO ACTION ON UPDATE NO ACTION;
ALTER TABLE collection_photos ADD CONSTRAINT collection_photos_collection_id_collections_id_fk
    FOREIGN KEY (collection_id) REFERENCES collections (id) ON DELETE NO ACTION ON UPDATE NO ACTION;
ALTER TABLE collection_photos ADD CONSTRAINT collection_photos_photo_id_file_versions_id_fk
    FOREIGN KEY (photo_id) REFERENCES file_versions (id) ON DELETE NO ACTION ON UPDATE NO ACTION;
ALTER TABLE events ADD CONSTRAINT events_person_id_people_id_fk
    FOREIGN KEY (person_id) REFERENCES people (id) ON DELETE NO ACTION ON UPDATE NO ACTION;
ALTER TABLE faces ADD CONSTRAINT faces_photo_id_file_versions_id_fk
    FOREIGN KEY (photo_id) REFERENCES file_versions (id) ON DELETE NO ACTION ON UPDATE NO ACTION;
ALTER TABLE faces ADD CONSTRAINT faces_person_id_people_id_fk
    FOREIGN KEY (person_id) REFERENCES people (id) ON DELETE NO ACTION ON UPDATE NO ACTION;
ALTER TABLE file_versions ADD CONSTRAINT file_versions_media_asset_id_media_assets_id_fk
    FOREIGN KEY (media_asset_id) REFERENCES media_assets (id)
    ON DELETE NO ACTION ON UPDATE NO ACTION;
ALTER TABLE relationships ADD CONSTRAINT relationships_person1_id_people_id_fk
    FOREIGN KEY (person1_id) REFERENCES people (id) ON DELETE NO ACTION ON UPDATE NO ACTION;
ALTER TABLE relationships ADD CONSTRAINT relationships_person2_id_people_id_fk
    FOREIGN KEY (person2_id) REFERENCES people (id) ON DELETE NO ACTION ON UPDATE NO ACTION;

-- Tag library indexes (from the app's hand-written SQL file, not from drizzle):
-- most-used tags first for the tag picker, and a plain index on tag (redundant with
-- the unique constraint's index, kept because existing databases have it).

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

-- Search order indexes (migration 0005): a search page read in sort order, ties by id,
-- both compared by their bytes.

CREATE INDEX idx_file_versions_rating_order ON file_versions
    ((COALESCE(rating, 0)), (id COLLATE "C"));
CREATE INDEX idx_file_versions_size_order ON file_versions (file_size, (id COLLATE "C"));
CREATE INDEX idx_file_versions_event_order ON file_versions
    ((COALESCE(event_name, '') COLLATE "C"), (id COLLATE "C"));
-- Kept counts (migration 0006): the totals of the photo listings, written by statement
-- triggers on file_versions (the function and triggers are in the migration; the schema
-- snapshot compares tables, columns and indexes).

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

-- Smart refreshes by difference (migration 0006): the versions each statement wrote, and
-- per smart collection the rules and snapshot of its last refresh.

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
