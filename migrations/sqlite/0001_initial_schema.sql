-- Initial schema: the 14 tables of Pictallion in SQLite terms, the counterpart of
-- migrations/postgres/0001_initial_schema.sql (drizzle's schema). Types, defaults and
-- CHECK constraints are explained at the top of sql/schema/sqlite.sql; this file must
-- stay in step with it (a test compares the databases the two build).
--
-- Foreign keys are inline (SQLite has no ALTER TABLE ... ADD CONSTRAINT), so parent
-- tables come first. yoyo runs each statement as one step, and the whole migration in
-- one transaction.

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
