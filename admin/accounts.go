package admin

import (
	"context"
	"errors"
	"fmt"

	"github.com/amanda-platform/amanda-backend/account"
	"github.com/amanda-platform/amanda-backend/apperr"
	"github.com/amanda-platform/amanda-backend/store"
)

// create is `users create EMAIL`: signup's rules, the password from stdin.
func (c *command) create(ctx context.Context, rawEmail string) error {
	email := account.NormalizeEmail(rawEmail)
	if err := account.CheckEmail(email); err != nil {
		return fmt.Errorf("users create: %w: %q", err, rawEmail)
	}
	// Asked before the password, so no one types one for nothing.
	lookupCtx, cancel := step(ctx)
	_, err := c.storage.Store.UserByEmail(lookupCtx, email)
	cancel()
	if err == nil {
		return fmt.Errorf("users create: %w: %s", apperr.New(apperr.KindEmailTaken), email)
	}
	if !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("users create: %w", err)
	}
	hash, err := c.newPasswordHash(ctx, email)
	if err != nil {
		return fmt.Errorf("users create: %w", err)
	}
	createCtx, cancel := step(ctx)
	defer cancel()
	user, err := c.storage.Store.CreateUser(createCtx, email, hash)
	if errors.Is(err, store.ErrEmailTaken) {
		// Signed up meanwhile.
		return fmt.Errorf("users create: %w: %s", apperr.New(apperr.KindEmailTaken), email)
	}
	if err != nil {
		return fmt.Errorf("users create: %w", err)
	}
	fmt.Fprintf(c.stdout, "created user %d %s\n", user.ID, user.Email)
	return nil
}

// resetPassword is `users reset-password EMAIL`: the new hash is stored,
// then every session of the user ends.
func (c *command) resetPassword(ctx context.Context, rawEmail string) error {
	user, err := c.user(ctx, rawEmail)
	if err != nil {
		return fmt.Errorf("users reset-password: %w", err)
	}
	hash, err := c.newPasswordHash(ctx, user.Email)
	if err != nil {
		return fmt.Errorf("users reset-password: %w", err)
	}
	updateCtx, cancel := step(ctx)
	defer cancel()
	if err := c.storage.Store.UpdatePasswordHash(updateCtx, user.ID, hash); err != nil {
		return fmt.Errorf("users reset-password: %w", err)
	}
	if err := c.storage.Sessions.EndUserSessions(updateCtx, user.ID); err != nil {
		return fmt.Errorf("users reset-password: password changed, but %w", err)
	}
	fmt.Fprintf(c.stdout, "password of %s reset; their sessions ended\n", user.Email)
	return nil
}

// delete is `users delete EMAIL`: the user with their chats, messages and
// session rows (one transaction, store.DeleteUser), then their sessions on
// the configured backend.
func (c *command) delete(ctx context.Context, rawEmail string, yes bool) error {
	user, err := c.user(ctx, rawEmail)
	if err != nil {
		return fmt.Errorf("users delete: %w", err)
	}
	if !yes {
		if err := c.confirm(fmt.Sprintf("Delete %s with all their chats and messages? Type yes: ", user.Email)); err != nil {
			return fmt.Errorf("users delete: %w", err)
		}
	}
	deleteCtx, cancel := step(ctx)
	defer cancel()
	if err := c.storage.Store.DeleteUser(deleteCtx, user.ID); err != nil {
		return fmt.Errorf("users delete: %w", gone(err, user.Email))
	}
	if err := c.storage.Sessions.EndUserSessions(deleteCtx, user.ID); err != nil {
		return fmt.Errorf("users delete: user deleted, but %w", err)
	}
	fmt.Fprintf(c.stdout, "deleted %s; their sessions ended\n", user.Email)
	return nil
}

// revokeSessions is `users revoke-sessions EMAIL`.
func (c *command) revokeSessions(ctx context.Context, rawEmail string) error {
	user, err := c.user(ctx, rawEmail)
	if err != nil {
		return fmt.Errorf("users revoke-sessions: %w", err)
	}
	endCtx, cancel := step(ctx)
	defer cancel()
	if err := c.storage.Sessions.EndUserSessions(endCtx, user.ID); err != nil {
		return fmt.Errorf("users revoke-sessions: %w", err)
	}
	fmt.Fprintf(c.stdout, "ended every session of %s\n", user.Email)
	return nil
}

// user looks a user up by email, as a login does (normalized).
func (c *command) user(ctx context.Context, rawEmail string) (store.User, error) {
	email := account.NormalizeEmail(rawEmail)
	lookupCtx, cancel := step(ctx)
	defer cancel()
	user, err := c.storage.Store.UserByEmail(lookupCtx, email)
	return user, gone(err, email)
}

// gone names the email in store.ErrNotFound, the operator's likeliest typo.
func gone(err error, email string) error {
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no user with email %s", email)
	}
	return err
}

// newPasswordHash reads a new password for email from stdin, checks it
// against the service's rules and hashes it.
func (c *command) newPasswordHash(ctx context.Context, email string) (string, error) {
	password, err := c.readNewPassword(email)
	if err != nil {
		return "", err
	}
	if err := account.CheckNewPassword(password); err != nil {
		return "", err
	}
	return c.hasher.Hash(ctx, password)
}
