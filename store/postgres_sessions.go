package store

import (
	"context"
	"fmt"
	"time"
)

const (
	// A NULL expiry never compares greater, so such a session (Flask-Session
	// treated it as invalid too) is never loaded.
	postgresLoadSession = `
		SELECT data
		FROM sessions
		WHERE session_id = $1 AND expiry > $2`

	postgresSaveSession = `
		INSERT INTO sessions (session_id, user_id, data, expiry)
		VALUES ($1, $2, $3, $4)
		ON CONFLICT (session_id) DO UPDATE
		SET user_id = excluded.user_id, data = excluded.data, expiry = excluded.expiry`

	postgresDeleteSession = `
		DELETE FROM sessions
		WHERE session_id = $1`

	postgresDeleteUserSessions = `
		DELETE FROM sessions
		WHERE user_id = $1`

	postgresPurgeSessions = `
		DELETE FROM sessions
		WHERE expiry <= $1 OR expiry IS NULL`
)

func (s *postgresStore) LoadSession(ctx context.Context, id string) ([]byte, error) {
	var data []byte
	if err := s.pool.QueryRow(ctx, postgresLoadSession, id, now()).Scan(&data); err != nil {
		return nil, lookupError("load session", err)
	}
	return data, nil
}

// The timestamp columns hold naive UTC and pgx writes a time's wall clock,
// hence the UTC() on times that come from callers.
func (s *postgresStore) SaveSession(ctx context.Context, id string, userID int64, data []byte, expiry time.Time) error {
	if _, err := s.pool.Exec(ctx, postgresSaveSession, id, sessionUser(userID), data, expiry.UTC()); err != nil {
		return fmt.Errorf("store: unable to save session: %w", err)
	}
	return nil
}

func (s *postgresStore) DeleteSession(ctx context.Context, id string) error {
	if _, err := s.pool.Exec(ctx, postgresDeleteSession, id); err != nil {
		return fmt.Errorf("store: unable to delete session: %w", err)
	}
	return nil
}

func (s *postgresStore) DeleteUserSessions(ctx context.Context, userID int64) error {
	if _, err := s.pool.Exec(ctx, postgresDeleteUserSessions, userID); err != nil {
		return fmt.Errorf("store: unable to delete the sessions of a user: %w", err)
	}
	return nil
}

func (s *postgresStore) PurgeSessions(ctx context.Context, asOf time.Time) (int64, error) {
	tag, err := s.pool.Exec(ctx, postgresPurgeSessions, asOf.UTC())
	if err != nil {
		return 0, fmt.Errorf("store: unable to purge sessions: %w", err)
	}
	return tag.RowsAffected(), nil
}
