-- Full-text search of messages (Store.Search): a generated tsvector of the
-- content ('simple': no stemming or stop words, as the texts are in any
-- language) with a GIN index. Adding a stored generated column computes it
-- for the rows an existing database already holds (rewriting the table
-- once, under a lock, inside the migration's transaction).
ALTER TABLE messages
    ADD COLUMN IF NOT EXISTS content_tsv tsvector
    GENERATED ALWAYS AS (to_tsvector('simple', content)) STORED;

CREATE INDEX IF NOT EXISTS ix_messages_content_tsv ON messages USING GIN (content_tsv);
