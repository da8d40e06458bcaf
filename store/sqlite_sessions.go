package store

import (
	"context"
	"fmt"
	"time"
)

const (
	// Expiry is text in one layout, so > compares times. A NULL expiry never
	// compares greater, so such a session (Flask-Session treated it as
	// invalid too) is never loaded.
	sqliteLoadSession = `
		SELECT data
		FROM sessions
		WHERE session_id = ? AND expiry > ?`

	sqliteSaveSession = `
		INSERT INTO sessions (session_id, user_id, data, expiry)
		VALUES (?, ?, ?, ?)
		ON CONFLICT (session_id) DO UPDATE
		SET user_id = excluded.user_id, data = excluded.data, expiry = excluded.expiry`

	sqliteDeleteSession = `
		DELETE FROM sessions
		WHERE session_id = ?`

	sqliteDeleteUserSessions = `
		DELETE FROM sessions
		WHERE user_id = ?`

	sqlitePurgeSessions = `
		DELETE FROM sessions
		WHERE expiry <= ? OR expiry IS NULL`
)

func (s *sqliteStore) LoadSession(ctx context.Context, id string) ([]byte, error) {
	var data []byte
	if err := s.reads.QueryRowContext(ctx, sqliteLoadSession, id, sqliteTime(now())).Scan(&data); err != nil {
		return nil, lookupError("load session", err)
	}
	return data, nil
}

func (s *sqliteStore) SaveSession(ctx context.Context, id string, userID int64, data []byte, expiry time.Time) error {
	if _, err := s.writes.ExecContext(ctx, sqliteSaveSession, id, sessionUser(userID), data, sqliteTime(expiry)); err != nil {
		return fmt.Errorf("store: unable to save session: %w", err)
	}
	return nil
}

func (s *sqliteStore) DeleteSession(ctx context.Context, id string) error {
	if _, err := s.writes.ExecContext(ctx, sqliteDeleteSession, id); err != nil {
		return fmt.Errorf("store: unable to delete session: %w", err)
	}
	return nil
}

func (s *sqliteStore) DeleteUserSessions(ctx context.Context, userID int64) error {
	if _, err := s.writes.ExecContext(ctx, sqliteDeleteUserSessions, userID); err != nil {
		return fmt.Errorf("store: unable to delete the sessions of a user: %w", err)
	}
	return nil
}

func (s *sqliteStore) PurgeSessions(ctx context.Context, asOf time.Time) (int64, error) {
	result, err := s.writes.ExecContext(ctx, sqlitePurgeSessions, sqliteTime(asOf))
	if err != nil {
		return 0, fmt.Errorf("store: unable to purge sessions: %w", err)
	}
	purged, err := result.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("store: unable to purge sessions: %w", err)
	}
	return purged, nil
}
