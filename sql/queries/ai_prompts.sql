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
