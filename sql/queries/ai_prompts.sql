-- ai_prompts: the generic calls every repository has (get, get_multi, count, exists, remove).
-- Inserts and partial updates are built per column set at run time (pictallion_sql/_dynamic.py).

-- name: ai_prompts.get
-- returns: one AIPrompt
-- params: id
SELECT id, name, description, category,
       provider, system_prompt, user_prompt, is_default,
       is_active, created_at, updated_at
FROM ai_prompts
WHERE id = :id;

-- name: ai_prompts.get_multi
-- returns: rows AIPrompt
-- params: skip, limit
-- A page of rows, oldest first (created_at, then id).
SELECT id, name, description, category,
       provider, system_prompt, user_prompt, is_default,
       is_active, created_at, updated_at
FROM ai_prompts
ORDER BY created_at, id
LIMIT :limit OFFSET :skip;

-- name: ai_prompts.get_multi_after
-- returns: rows AIPrompt
-- params: after_created_at, after_id, limit
-- The page of get_multi after the row keyed (created_at, id) (keyset).
SELECT id, name, description, category,
       provider, system_prompt, user_prompt, is_default,
       is_active, created_at, updated_at
FROM ai_prompts
WHERE (created_at, id) > (:after_created_at, :after_id)
ORDER BY created_at, id
LIMIT :limit;

-- name: ai_prompts.stream_all
-- returns: rows AIPrompt
-- Every row, in get_multi's order: what Repository.stream_all fetches in batches.
SELECT id, name, description, category,
       provider, system_prompt, user_prompt, is_default,
       is_active, created_at, updated_at
FROM ai_prompts
ORDER BY created_at, id;

-- name: ai_prompts.count
-- returns: scalar int
SELECT count(*) FROM ai_prompts;

-- name: ai_prompts.exists
-- returns: scalar bool
-- params: id
SELECT EXISTS (SELECT 1 FROM ai_prompts WHERE id = :id);

-- name: ai_prompts.remove
-- returns: one AIPrompt
-- params: id
DELETE FROM ai_prompts
WHERE id = :id
RETURNING id, name, description, category,
       provider, system_prompt, user_prompt, is_default,
       is_active, created_at, updated_at;

-- Orders below sort names by bytes (UTF-8 code points): SQLite's BINARY collation here,
-- COLLATE "C" in the PostgreSQL bodies (sql/queries/postgres/ai_prompts.sql).

-- name: ai_prompts.get_all
-- returns: rows AIPrompt
-- Every prompt: category ASC, name ASC (byte order), then id ASC. docs/storage-mapping.md #68.
SELECT id, name, description, category,
       provider, system_prompt, user_prompt, is_default,
       is_active, created_at, updated_at
FROM ai_prompts
ORDER BY category, name, id;

-- name: ai_prompts.get_by_category
-- returns: rows AIPrompt
-- params: category
-- Prompts of one category, inactive ones included: name ASC (byte order), then id ASC. #70.
SELECT id, name, description, category,
       provider, system_prompt, user_prompt, is_default,
       is_active, created_at, updated_at
FROM ai_prompts
WHERE category = :category
ORDER BY name, id;

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
ORDER BY category, name, id;

-- name: ai_prompts.get_active
-- returns: rows AIPrompt
-- Prompts with is_active = true (NULL is not active): category ASC, name ASC (byte order),
-- then id ASC. #75.
SELECT id, name, description, category,
       provider, system_prompt, user_prompt, is_default,
       is_active, created_at, updated_at
FROM ai_prompts
WHERE is_active = TRUE
ORDER BY category, name, id;

-- name: ai_prompts.remove_all
-- returns: none
-- Deletes every prompt; the number of rows deleted. First half of #84 (reset to defaults).
DELETE FROM ai_prompts;
