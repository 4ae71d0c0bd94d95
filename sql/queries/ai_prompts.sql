-- ai_prompts: the calls every repository has (get, get_multi, stream_all, count, exists,
-- remove) are the template's (templates/generic.sql) for its columns (fragments/columns.sql);
-- inserts and partial updates are built per column set at run time (pictallion_sql/query/dynamic.py).
-- generic: ai_prompts AIPrompt

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
