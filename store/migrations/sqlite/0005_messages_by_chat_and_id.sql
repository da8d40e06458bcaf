-- Serves a page of a chat's messages: the newest ones below an id.
CREATE INDEX IF NOT EXISTS ix_messages_chat_id_id ON messages (chat_id, id);
