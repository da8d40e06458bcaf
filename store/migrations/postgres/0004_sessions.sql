-- Server-side sessions in the shape Flask-Session's SQLAlchemy backend used,
-- so a table it created is reused as is.

CREATE TABLE IF NOT EXISTS sessions (
    id SERIAL NOT NULL,
    session_id VARCHAR(255),
    data BYTEA,
    expiry TIMESTAMP WITHOUT TIME ZONE,
    PRIMARY KEY (id),
    UNIQUE (session_id)
);

CREATE INDEX IF NOT EXISTS ix_sessions_expiry ON sessions (expiry);
