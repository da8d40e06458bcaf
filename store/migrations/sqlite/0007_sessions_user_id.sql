-- Each session names its user, so that a password change or an account
-- deletion can end all of that user's sessions (Store.Sessions().
-- DeleteUserSessions). Rows written before, by this service or by
-- Flask-Session, keep NULL. No foreign key: the table is Flask-Session's,
-- and an account deletion removes its rows itself (Store.DeleteUser).
ALTER TABLE sessions ADD COLUMN user_id INTEGER;

CREATE INDEX IF NOT EXISTS ix_sessions_user_id ON sessions (user_id);
