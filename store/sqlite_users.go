package store

import (
	"context"
	"database/sql"
	"fmt"

	sqlite3 "modernc.org/sqlite/lib"
)

const (
	sqliteInsertUser = `
		INSERT INTO users (email, password_hash, created_at)
		VALUES (?, ?, ?)
		RETURNING id, email, password_hash, created_at`

	sqliteUserByEmail = `
		SELECT id, email, password_hash, created_at
		FROM users
		WHERE email = ?`

	sqliteUserByID = `
		SELECT id, email, password_hash, created_at
		FROM users
		WHERE id = ?`

	// sqliteListUsers counts each user's chats by the index on chats.user_id.
	sqliteListUsers = `
		SELECT u.id, u.email, u.password_hash, u.created_at,
		       (SELECT COUNT(*) FROM chats c WHERE c.user_id = u.id)
		FROM users u
		ORDER BY u.id`

	sqliteUpdatePasswordHash = `
		UPDATE users SET password_hash = ?2 WHERE id = ?1`

	// sqliteDeleteUserData are what DeleteUser deletes before the user row,
	// each taking the user's id. The foreign keys would cascade from the
	// user row (migration 0002) but for the sessions; saying it all keeps
	// the order plain. Deleting messages fires the search index's trigger
	// (migration 0006).
	sqliteDeleteUserMessages = `
		DELETE FROM messages
		WHERE chat_id IN (SELECT id FROM chats WHERE user_id = ?)`

	sqliteDeleteUserChats = `
		DELETE FROM chats WHERE user_id = ?`

	sqliteDeleteUser = `
		DELETE FROM users WHERE id = ?`
)

var sqliteDeleteUserData = []string{sqliteDeleteUserMessages, sqliteDeleteUserChats, sqliteDeleteUserSessions}

func (s *sqliteStore) CreateUser(ctx context.Context, email, passwordHash string) (User, error) {
	user, err := scanUser(s.writes.QueryRowContext(ctx, sqliteInsertUser, email, passwordHash, sqliteTime(now())))
	if isSQLiteError(err, sqlite3.SQLITE_CONSTRAINT_UNIQUE) {
		return User{}, ErrEmailTaken
	}
	if err != nil {
		return User{}, fmt.Errorf("store: unable to create user: %w", err)
	}
	return user, nil
}

func (s *sqliteStore) UserByEmail(ctx context.Context, email string) (User, error) {
	user, err := scanUser(s.reads.QueryRowContext(ctx, sqliteUserByEmail, email))
	if err != nil {
		return User{}, lookupError("load user by email", err)
	}
	return user, nil
}

func (s *sqliteStore) UserByID(ctx context.Context, id int64) (User, error) {
	user, err := scanUser(s.reads.QueryRowContext(ctx, sqliteUserByID, id))
	if err != nil {
		return User{}, lookupError("load user", err)
	}
	return user, nil
}

func (s *sqliteStore) UpdatePasswordHash(ctx context.Context, userID int64, passwordHash string) error {
	result, err := s.writes.ExecContext(ctx, sqliteUpdatePasswordHash, userID, passwordHash)
	if err == nil {
		err = oneRowAffected(result)
	}
	if err != nil {
		return lookupError("update password hash", err)
	}
	return nil
}

func (s *sqliteStore) ListUsers(ctx context.Context) ([]UserSummary, error) {
	rows, err := s.reads.QueryContext(ctx, sqliteListUsers)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list users: %w", err)
	}
	defer rows.Close()
	users, err := collect(rows, scanUserSummary)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list users: %w", err)
	}
	return users, nil
}

// DeleteUser: see Store.DeleteUser (ErrNotFound).
func (s *sqliteStore) DeleteUser(ctx context.Context, userID int64) error {
	err := s.inWriteTx(ctx, func(tx *sql.Tx) error {
		for _, query := range sqliteDeleteUserData {
			if _, err := tx.ExecContext(ctx, query, userID); err != nil {
				return err
			}
		}
		result, err := tx.ExecContext(ctx, sqliteDeleteUser, userID)
		if err != nil {
			return err
		}
		return oneRowAffected(result)
	})
	if err != nil {
		return lookupError("delete user", err)
	}
	return nil
}

// oneRowAffected is sql.ErrNoRows when the statement changed no row.
func oneRowAffected(result sql.Result) error {
	n, err := result.RowsAffected()
	if err == nil && n == 0 {
		err = sql.ErrNoRows
	}
	return err
}
