package store

import (
	"context"
	"fmt"
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
)

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
