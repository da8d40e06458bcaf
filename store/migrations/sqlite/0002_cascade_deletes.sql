-- Deleting a user removes their chats, and deleting a chat its messages, in
-- the database itself: the old service left that to its ORM. SQLite cannot
-- alter a foreign key, so the three tables are rebuilt as
-- https://www.sqlite.org/lang_altertable.html#otheralter prescribes; the
-- migration runner turns foreign_keys off around migrations and runs
-- foreign_key_check before committing.
--
-- Ids are kept. AUTOINCREMENT stops ids from being reused after a delete,
-- as PostgreSQL's SERIAL does, so a stale session or link can never point at
-- someone else's new row. Chats and messages whose parent is already gone
-- (SQLite never enforced the old service's foreign keys) are not copied:
-- nobody could reach them, and they would attach to whichever row next took
-- their parent's id.

CREATE TABLE users_new (
    id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    email VARCHAR(120) NOT NULL UNIQUE,
    password_hash VARCHAR(255) NOT NULL,
    created_at DATETIME
);
INSERT INTO users_new (id, email, password_hash, created_at)
SELECT id, email, password_hash, created_at
FROM users;

CREATE TABLE chats_new (
    id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title VARCHAR(200) DEFAULT 'New Chat',
    created_at DATETIME
);
INSERT INTO chats_new (id, user_id, title, created_at)
SELECT id, user_id, title, created_at
FROM chats
WHERE user_id IN (SELECT id FROM users);

CREATE TABLE messages_new (
    id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    chat_id INTEGER NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    role VARCHAR(20) NOT NULL,
    content TEXT NOT NULL,
    timestamp DATETIME
);
INSERT INTO messages_new (id, chat_id, role, content, timestamp)
SELECT id, chat_id, role, content, timestamp
FROM messages
WHERE chat_id IN (SELECT id FROM chats_new);

DROP TABLE messages;
DROP TABLE chats;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;
ALTER TABLE chats_new RENAME TO chats;
ALTER TABLE messages_new RENAME TO messages;
