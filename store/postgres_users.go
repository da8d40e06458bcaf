package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

const (
	postgresInsertUser = `
		INSERT INTO users (email, password_hash, created_at)
		VALUES ($1, $2, $3)
		RETURNING id, email, password_hash, created_at`

	postgresUserByEmail = `
		SELECT id, email, password_hash, created_at
		FROM users
		WHERE email = $1`

	postgresUserByID = `
		SELECT id, email, password_hash, created_at
		FROM users
		WHERE id = $1`

	// postgresListUsers counts each user's chats by the index on chats.user_id.
	postgresListUsers = `
		SELECT u.id, u.email, u.password_hash, u.created_at,
		       (SELECT COUNT(*) FROM chats c WHERE c.user_id = u.id)
		FROM users u
		ORDER BY u.id`

	postgresUpdatePasswordHash = `
		UPDATE users SET password_hash = $2 WHERE id = $1`

	// postgresDeleteUserData are what DeleteUser deletes before the user
	// row, each taking the user's id. The foreign keys would cascade from
	// the user row (migration 0002) but for the sessions; saying it all
	// keeps the order plain.
	postgresDeleteUserMessages = `
		DELETE FROM messages
		WHERE chat_id IN (SELECT id FROM chats WHERE user_id = $1)`

	postgresDeleteUserChats = `
		DELETE FROM chats WHERE user_id = $1`

	postgresDeleteUser = `
		DELETE FROM users WHERE id = $1`
)

var postgresDeleteUserData = []string{postgresDeleteUserMessages, postgresDeleteUserChats, postgresDeleteUserSessions}

func (s *postgresStore) CreateUser(ctx context.Context, email, passwordHash string) (User, error) {
	user, err := scanUser(s.pool.QueryRow(ctx, postgresInsertUser, email, passwordHash, now()))
	if isPostgresError(err, postgresUniqueViolation) {
		return User{}, ErrEmailTaken
	}
	if err != nil {
		return User{}, fmt.Errorf("store: unable to create user: %w", err)
	}
	return user, nil
}

func (s *postgresStore) UserByEmail(ctx context.Context, email string) (User, error) {
	user, err := scanUser(s.pool.QueryRow(ctx, postgresUserByEmail, email))
	if err != nil {
		return User{}, lookupError("load user by email", err)
	}
	return user, nil
}

func (s *postgresStore) UserByID(ctx context.Context, id int64) (User, error) {
	user, err := scanUser(s.pool.QueryRow(ctx, postgresUserByID, id))
	if err != nil {
		return User{}, lookupError("load user", err)
	}
	return user, nil
}

func (s *postgresStore) UpdatePasswordHash(ctx context.Context, userID int64, passwordHash string) error {
	tag, err := s.pool.Exec(ctx, postgresUpdatePasswordHash, userID, passwordHash)
	if err == nil && tag.RowsAffected() == 0 {
		err = pgx.ErrNoRows
	}
	if err != nil {
		return lookupError("update password hash", err)
	}
	return nil
}

func (s *postgresStore) ListUsers(ctx context.Context) ([]UserSummary, error) {
	rows, err := s.pool.Query(ctx, postgresListUsers)
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
func (s *postgresStore) DeleteUser(ctx context.Context, userID int64) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		for _, query := range postgresDeleteUserData {
			if _, err := tx.Exec(ctx, query, userID); err != nil {
				return err
			}
		}
		tag, err := tx.Exec(ctx, postgresDeleteUser, userID)
		if err == nil && tag.RowsAffected() == 0 {
			err = pgx.ErrNoRows
		}
		return err
	})
	if err != nil {
		return lookupError("delete user", err)
	}
	return nil
}
