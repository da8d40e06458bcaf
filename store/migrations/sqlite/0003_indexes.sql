-- users.email needs no index of its own: its UNIQUE constraint is one.

CREATE INDEX IF NOT EXISTS ix_chats_user_id ON chats (user_id);

-- Serves both a chat's messages in order and the newest message per chat.
CREATE INDEX IF NOT EXISTS ix_messages_chat_id_timestamp ON messages (chat_id, timestamp);
