-- The columns of each table, in the order of its record: what {{<table>_columns}} stands for
-- in a query (and the generic queries of templates/generic.sql).

-- fragment: ai_prompts_columns
id, name, description, category,
provider, system_prompt, user_prompt, is_default,
is_active, created_at, updated_at

-- fragment: asset_history_columns
id, media_asset_id, action, details,
"timestamp"

-- fragment: collection_photos_columns
id, collection_id, photo_id, added_at

-- fragment: collections_columns
id, name, description, is_public,
cover_photo, is_smart_collection, smart_rules, created_at,
updated_at

-- fragment: events_columns
id, name, "type", "date",
is_recurring, recurring_type, country, region,
person_id, is_enabled, description, created_at

-- fragment: faces_columns
id, photo_id, person_id, bounding_box,
confidence, embedding, ignored, created_at

-- fragment: file_versions_columns
id, media_asset_id, tier, file_path,
file_hash, file_size, mime_type, metadata,
is_reviewed, rating, keywords, location,
event_type, event_name, perceptual_hash, ai_short_description,
processing_state, created_at

-- fragment: global_tag_library_columns
id, tag, usage_count, created_at

-- fragment: locations_columns
id, name, description, latitude,
longitude, radius, is_user_defined, photo_count,
place_name, place_type, created_at, updated_at

-- fragment: media_assets_columns
id, original_filename, created_at

-- fragment: people_columns
id, name, notes, birthdate,
face_count, representative_face, selected_thumbnail_face_id, created_at

-- fragment: relationships_columns
id, person1_id, person2_id, relationship_type,
notes, created_at

-- fragment: settings_columns
id, "key", "value", category,
description, created_at, updated_at

-- fragment: users_columns
id, username, password
