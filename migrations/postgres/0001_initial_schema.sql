-- Initial schema: the 14 tables of Pictallion, exactly as drizzle-kit generates
-- them from the TypeScript schema (drizzle migration 0000_complete_odin.sql).
--
-- The statements are drizzle's, in drizzle's order and with drizzle's constraint
-- names; only the "statement-breakpoint" markers are gone. yoyo runs each
-- statement as one step, and the whole migration in one transaction.
-- Tests compare this file with drizzle's output statement for statement, so do
-- not reformat it: later changes belong in later migrations.

CREATE TABLE "ai_prompts" (
	"id" varchar PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"category" text NOT NULL,
	"provider" text NOT NULL,
	"system_prompt" text NOT NULL,
	"user_prompt" text NOT NULL,
	"is_default" boolean DEFAULT false,
	"is_active" boolean DEFAULT true,
	"created_at" timestamp DEFAULT now() NOT NULL,
	"updated_at" timestamp DEFAULT now() NOT NULL
);

CREATE TABLE "asset_history" (
	"id" varchar PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"media_asset_id" varchar NOT NULL,
	"action" text NOT NULL,
	"details" text,
	"timestamp" timestamp DEFAULT now() NOT NULL
);

CREATE TABLE "collection_photos" (
	"id" varchar PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"collection_id" varchar NOT NULL,
	"photo_id" varchar NOT NULL,
	"added_at" timestamp DEFAULT now() NOT NULL
);

CREATE TABLE "collections" (
	"id" varchar PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"is_public" boolean DEFAULT false,
	"cover_photo" text,
	"is_smart_collection" boolean DEFAULT false,
	"smart_rules" jsonb,
	"created_at" timestamp DEFAULT now() NOT NULL,
	"updated_at" timestamp DEFAULT now() NOT NULL
);

CREATE TABLE "events" (
	"id" varchar PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"type" text NOT NULL,
	"date" timestamp NOT NULL,
	"is_recurring" boolean DEFAULT false,
	"recurring_type" text,
	"country" text,
	"region" text,
	"person_id" varchar,
	"is_enabled" boolean DEFAULT true,
	"description" text,
	"created_at" timestamp DEFAULT now() NOT NULL
);

CREATE TABLE "faces" (
	"id" varchar PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"photo_id" varchar NOT NULL,
	"person_id" varchar,
	"bounding_box" jsonb NOT NULL,
	"confidence" integer NOT NULL,
	"embedding" jsonb,
	"ignored" boolean DEFAULT false NOT NULL,
	"created_at" timestamp DEFAULT now() NOT NULL
);

CREATE TABLE "file_versions" (
	"id" varchar PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"media_asset_id" varchar NOT NULL,
	"tier" text NOT NULL,
	"file_path" text NOT NULL,
	"file_hash" text NOT NULL,
	"file_size" integer NOT NULL,
	"mime_type" text NOT NULL,
	"metadata" jsonb,
	"is_reviewed" boolean DEFAULT false,
	"rating" integer DEFAULT 0,
	"keywords" text[] DEFAULT '{}',
	"location" text,
	"event_type" text,
	"event_name" text,
	"perceptual_hash" text,
	"ai_short_description" text,
	"processing_state" text DEFAULT 'processed',
	"created_at" timestamp DEFAULT now() NOT NULL
);

CREATE TABLE "global_tag_library" (
	"id" varchar PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tag" text NOT NULL,
	"usage_count" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp DEFAULT now() NOT NULL,
	CONSTRAINT "global_tag_library_tag_unique" UNIQUE("tag")
);

CREATE TABLE "locations" (
	"id" varchar PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"latitude" text NOT NULL,
	"longitude" text NOT NULL,
	"radius" integer DEFAULT 100,
	"is_user_defined" boolean DEFAULT false,
	"photo_count" integer DEFAULT 0,
	"place_name" text,
	"place_type" text,
	"created_at" timestamp DEFAULT now() NOT NULL,
	"updated_at" timestamp DEFAULT now() NOT NULL
);

CREATE TABLE "media_assets" (
	"id" varchar PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"original_filename" text NOT NULL,
	"created_at" timestamp DEFAULT now() NOT NULL
);

CREATE TABLE "people" (
	"id" varchar PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"notes" text,
	"birthdate" timestamp,
	"face_count" integer DEFAULT 0,
	"representative_face" text,
	"selected_thumbnail_face_id" text,
	"created_at" timestamp DEFAULT now() NOT NULL
);

CREATE TABLE "relationships" (
	"id" varchar PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"person1_id" varchar NOT NULL,
	"person2_id" varchar NOT NULL,
	"relationship_type" text NOT NULL,
	"notes" text,
	"created_at" timestamp DEFAULT now() NOT NULL
);

CREATE TABLE "settings" (
	"id" varchar PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"key" text NOT NULL,
	"value" text NOT NULL,
	"category" text DEFAULT 'general' NOT NULL,
	"description" text,
	"created_at" timestamp DEFAULT now() NOT NULL,
	"updated_at" timestamp DEFAULT now() NOT NULL,
	CONSTRAINT "settings_key_unique" UNIQUE("key")
);

CREATE TABLE "users" (
	"id" varchar PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"username" text NOT NULL,
	"password" text NOT NULL,
	CONSTRAINT "users_username_unique" UNIQUE("username")
);

ALTER TABLE "asset_history" ADD CONSTRAINT "asset_history_media_asset_id_media_assets_id_fk" FOREIGN KEY ("media_asset_id") REFERENCES "public"."media_assets"("id") ON DELETE no action ON UPDATE no action;
ALTER TABLE "collection_photos" ADD CONSTRAINT "collection_photos_collection_id_collections_id_fk" FOREIGN KEY ("collection_id") REFERENCES "public"."collections"("id") ON DELETE no action ON UPDATE no action;
ALTER TABLE "collection_photos" ADD CONSTRAINT "collection_photos_photo_id_file_versions_id_fk" FOREIGN KEY ("photo_id") REFERENCES "public"."file_versions"("id") ON DELETE no action ON UPDATE no action;
ALTER TABLE "events" ADD CONSTRAINT "events_person_id_people_id_fk" FOREIGN KEY ("person_id") REFERENCES "public"."people"("id") ON DELETE no action ON UPDATE no action;
ALTER TABLE "faces" ADD CONSTRAINT "faces_photo_id_file_versions_id_fk" FOREIGN KEY ("photo_id") REFERENCES "public"."file_versions"("id") ON DELETE no action ON UPDATE no action;
ALTER TABLE "faces" ADD CONSTRAINT "faces_person_id_people_id_fk" FOREIGN KEY ("person_id") REFERENCES "public"."people"("id") ON DELETE no action ON UPDATE no action;
ALTER TABLE "file_versions" ADD CONSTRAINT "file_versions_media_asset_id_media_assets_id_fk" FOREIGN KEY ("media_asset_id") REFERENCES "public"."media_assets"("id") ON DELETE no action ON UPDATE no action;
ALTER TABLE "relationships" ADD CONSTRAINT "relationships_person1_id_people_id_fk" FOREIGN KEY ("person1_id") REFERENCES "public"."people"("id") ON DELETE no action ON UPDATE no action;
ALTER TABLE "relationships" ADD CONSTRAINT "relationships_person2_id_people_id_fk" FOREIGN KEY ("person2_id") REFERENCES "public"."people"("id") ON DELETE no action ON UPDATE no action;
