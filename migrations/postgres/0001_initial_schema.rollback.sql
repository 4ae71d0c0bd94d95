-- Undo 0001_initial_schema: drop the 14 tables, children before parents, so
-- that no foreign key is left pointing at a dropped table.

DROP TABLE "collection_photos";
DROP TABLE "faces";
DROP TABLE "asset_history";
DROP TABLE "file_versions";
DROP TABLE "events";
DROP TABLE "relationships";
DROP TABLE "media_assets";
DROP TABLE "collections";
DROP TABLE "people";
DROP TABLE "ai_prompts";
DROP TABLE "global_tag_library";
DROP TABLE "locations";
DROP TABLE "settings";
DROP TABLE "users";
