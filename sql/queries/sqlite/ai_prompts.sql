-- ai_prompts: the SQLite bodies of the seeding statements (PostgreSQL: ../postgres/ai_prompts.sql).

-- name: ai_prompts.lock_for_seeding
-- returns: none
-- Serialises reset_to_defaults and ensure_defaults; run first, inside their transaction.
-- A write statement that changes nothing: from here on the transaction holds the database's
-- write lock (already the case after BEGIN IMMEDIATE; this also covers a savepoint inside a
-- deferred outer transaction), so a second caller waits (busy_timeout) until the first commits.
DELETE FROM ai_prompts WHERE 1 = 0;

-- name: ai_prompts.insert_if_empty
-- returns: rows AIPrompt
-- params: prompts
-- Inserts the prompts of a JSON array of objects (name, description, category, provider,
-- system_prompt, user_prompt, is_default, is_active), in array order, only when the table has
-- no row, as one statement (SQLite evaluates the SELECT before inserting, since it reads the
-- target table). Returns the rows inserted (none when the table was not empty), in no set
-- order. Ids and timestamps come from the column defaults.
INSERT INTO ai_prompts (name, description, category, provider,
                        system_prompt, user_prompt, is_default, is_active)
SELECT p.value ->> '$.name', p.value ->> '$.description', p.value ->> '$.category',
       p.value ->> '$.provider', p.value ->> '$.system_prompt', p.value ->> '$.user_prompt',
       p.value ->> '$.is_default', p.value ->> '$.is_active'
FROM json_each(:prompts) AS p
WHERE NOT EXISTS (SELECT 1 FROM ai_prompts)
ORDER BY p.key
RETURNING id, name, description, category,
       provider, system_prompt, user_prompt, is_default,
       is_active, created_at, updated_at;
