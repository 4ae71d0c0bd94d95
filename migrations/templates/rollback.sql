-- Undo $id ($title).
--
-- The $dialect statements that return the schema to what it was before $id,
-- in reverse order of the migration's statements.

-- ALTER TABLE ... ;
