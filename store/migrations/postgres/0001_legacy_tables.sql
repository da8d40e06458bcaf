-- The tables exactly as the old Flask-SQLAlchemy service created them, so a
-- new database has the same shape as an old one and later migrations treat
-- both alike. On an old database this changes nothing.

CREATE TABLE IF NOT EXISTS users (
    id SERIAL NOT NULL,
    email VARCHAR(120) NOT NULL,
    password_hash VARCHAR(255) NOT NULL,
    created_at TIMESTAMP WITHOUT TIME ZONE,
    PRIMARY KEY (id),
    UNIQUE (email)
);

CREATE TABLE IF NOT EXISTS chats (
    id SERIAL NOT NULL,
    user_id INTEGER NOT NULL,
    title VARCHAR(200),
    created_at TIMESTAMP WITHOUT TIME ZONE,
    PRIMARY KEY (id),
    FOREIGN KEY (user_id) REFERENCES users (id)
);

CREATE TABLE IF NOT EXISTS messages (
    id SERIAL NOT NULL,
    chat_id INTEGER NOT NULL,
    role VARCHAR(20) NOT NULL,
    content TEXT NOT NULL,
    timestamp TIMESTAMP WITHOUT TIME ZONE,
    PRIMARY KEY (id),
    FOREIGN KEY (chat_id) REFERENCES chats (id)
);
