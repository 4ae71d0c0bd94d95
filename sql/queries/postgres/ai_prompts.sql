-- ai_prompts: PostgreSQL bodies. Name orders use COLLATE "C" (byte order, as SQLite's BINARY),
-- so both dialects list prompts identically whatever the database collation.

-- name: ai_prompts.get_all
-- returns: rows AIPrompt
-- Every prompt: category ASC, name ASC (byte order), then id ASC. docs/storage-mapping.md #68.
SELECT id, name, description, category,
       provider, system_prompt, user_prompt, is_default,
       is_active, created_at, updated_at
FROM ai_prompts
ORDER BY category COLLATE "C", name COLLATE "C", id;

-- name: ai_prompts.get_by_category
-- returns: rows AIPrompt
-- params: category
-- Prompts of one category, inactive ones included: name ASC (byte order), then id ASC. #70.
SELECT id, name, description, category,
       provider, system_prompt, user_prompt, is_default,
       is_active, created_at, updated_at
FROM ai_prompts
WHERE category = :category
ORDER BY name COLLATE "C", id;

-- name: ai_prompts.get_by_provider
-- returns: rows AIPrompt
-- params: provider
-- Prompts for one provider or for 'both', inactive ones included:
-- category ASC, name ASC (byte order), then id ASC. #71.
SELECT id, name, description, category,
       provider, system_prompt, user_prompt, is_default,
       is_active, created_at, updated_at
FROM ai_prompts
WHERE provider = :provider OR provider = 'both'
ORDER BY category COLLATE "C", name COLLATE "C", id;

-- name: ai_prompts.get_active
-- returns: rows AIPrompt
-- Prompts with is_active = true (NULL is not active): category ASC, name ASC (byte order),
-- then id ASC. #75.
SELECT id, name, description, category,
       provider, system_prompt, user_prompt, is_default,
       is_active, created_at, updated_at
FROM ai_prompts
WHERE is_active = TRUE
ORDER BY category COLLATE "C", name COLLATE "C", id;

-- name: ai_prompts.lock_for_seeding
-- returns: none
-- Serialises reset_to_defaults and ensure_defaults; run first, inside their transaction.
-- SHARE ROW EXCLUSIVE conflicts with itself and with the ROW EXCLUSIVE lock of any INSERT,
-- UPDATE or DELETE, so a second caller waits here until the first commits; its next statement
-- (READ COMMITTED: a new snapshot) then sees the committed rows.
LOCK TABLE ai_prompts IN SHARE ROW EXCLUSIVE MODE;

-- name: ai_prompts.insert_if_empty
-- returns: rows AIPrompt
-- params: prompts
-- Inserts the prompts of a JSON array of objects (name, description, category, provider,
-- system_prompt, user_prompt, is_default, is_active) only when the table has no row, as one
-- statement. Returns the rows inserted (none when the table was not empty), in no set order.
-- Ids and timestamps come from the column defaults.
INSERT INTO ai_prompts (name, description, category, provider,
                        system_prompt, user_prompt, is_default, is_active)
SELECT p.doc ->> 'name', p.doc ->> 'description', p.doc ->> 'category',
       p.doc ->> 'provider', p.doc ->> 'system_prompt', p.doc ->> 'user_prompt',
       CAST(p.doc ->> 'is_default' AS boolean), CAST(p.doc ->> 'is_active' AS boolean)
FROM jsonb_array_elements(CAST(:prompts AS jsonb)) WITH ORDINALITY AS p(doc, position)
WHERE NOT EXISTS (SELECT 1 FROM ai_prompts)
ORDER BY p.position
RETURNING id, name, description, category,
       provider, system_prompt, user_prompt, is_default,
       is_active, created_at, updated_at;
