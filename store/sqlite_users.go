package store

import (
	"context"
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
)

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
