-- Deleting a user removes their chats, and deleting a chat its messages, in
-- the database itself: the old service left that to its ORM. Whatever the
-- existing foreign keys are called, replace them with cascading ones under
-- the names PostgreSQL gives by default.

DO $$
DECLARE
    fk record;
BEGIN
    FOR fk IN
        SELECT conrelid::regclass AS table_name, conname
        FROM pg_constraint
        WHERE contype = 'f'
          AND ((conrelid = 'chats'::regclass AND confrelid = 'users'::regclass)
            OR (conrelid = 'messages'::regclass AND confrelid = 'chats'::regclass))
    LOOP
        EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', fk.table_name, fk.conname);
    END LOOP;
END
$$;

ALTER TABLE chats
    ADD CONSTRAINT chats_user_id_fkey
    FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE;

ALTER TABLE messages
    ADD CONSTRAINT messages_chat_id_fkey
    FOREIGN KEY (chat_id) REFERENCES chats (id) ON DELETE CASCADE;

-- The old service set the default in Python; the database now knows it too.
ALTER TABLE chats ALTER COLUMN title SET DEFAULT 'New Chat';
