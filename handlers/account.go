package handlers

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/amanda-platform/amanda-backend/account"
	"github.com/amanda-platform/amanda-backend/apperr"
	"github.com/amanda-platform/amanda-backend/ratelimit"
	"github.com/amanda-platform/amanda-backend/store"
)

// handleChangePassword is POST /api/user/password {current_password,
// new_password}: the new hash is stored, every session of the user ends,
// and the caller goes on under a fresh session (a new cookie) whose sockets
// are the only ones of the user left open.
func (a *API) handleChangePassword() echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := a.allowPasswordAttempt(c); err != nil {
			return err
		}
		fields, err := passwordFields(c, apperr.KindPasswordsRequired, "current_password", "new_password")
		if err != nil {
			return err
		}
		current, replacement := fields[0], fields[1]
		if err := account.CheckNewPassword(replacement); err != nil {
			return err
		}
		user, err := a.signedInUser(c)
		if err != nil {
			return err
		}
		if err := a.verifyPassword(c, user, current); err != nil {
			return err
		}
		ctx := c.Request().Context()
		hash, err := a.Hasher.Hash(ctx, replacement)
		if err != nil {
			return apperr.Internal(err)
		}
		if err := a.Store.UpdatePasswordHash(ctx, user.ID, hash); err != nil {
			return userStoreError(err)
		}
		// The caller's session, loaded once per request, is known after
		// the sessions end: its sockets are the ones to keep.
		old, _, err := a.Sessions.Current(c.Request())
		if err != nil {
			return apperr.Internal(err)
		}
		if err := a.Sessions.EndUserSessions(ctx, user.ID); err != nil {
			return apperr.Internal(err)
		}
		fresh, err := a.Sessions.Login(c.Response(), c.Request(), user.ID)
		if err != nil {
			return apperr.Internal(err)
		}
		if a.OnPasswordChange != nil {
			a.OnPasswordChange(user.ID, old.ID, fresh.ID)
		}
		return c.JSON(http.StatusOK, map[string]any{"success": true, "message": apperr.TextPasswordChanged})
	}
}

// handleDeleteAccount is DELETE /api/user {password}: the user's running
// replies are stopped, then the user goes with their chats, messages and
// sessions, their sockets are disconnected and the cookie is cleared.
func (a *API) handleDeleteAccount() echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := a.allowPasswordAttempt(c); err != nil {
			return err
		}
		fields, err := passwordFields(c, apperr.KindPasswordRequired, "password")
		if err != nil {
			return err
		}
		user, err := a.signedInUser(c)
		if err != nil {
			return err
		}
		if err := a.verifyPassword(c, user, fields[0]); err != nil {
			return err
		}
		ctx := c.Request().Context()
		if a.StopTurn != nil {
			chats, err := a.Store.ListChats(ctx, user.ID)
			if err != nil {
				return apperr.Internal(err)
			}
			// A stopped reply stores what streamed unless its chat is gone
			// by then; either way DeleteUser leaves nothing of it.
			for _, ch := range chats {
				a.StopTurn(ch.ID)
			}
		}
		if err := a.Store.DeleteUser(ctx, user.ID); err != nil {
			return userStoreError(err)
		}
		if err := a.Sessions.EndUserSessions(ctx, user.ID); err != nil {
			return apperr.Internal(err)
		}
		if a.OnAccountDeleted != nil {
			a.OnAccountDeleted(user.ID)
		}
		if _, _, err := a.Sessions.Logout(c.Response(), c.Request()); err != nil {
			return apperr.Internal(err)
		}
		return c.JSON(http.StatusOK, map[string]any{"success": true, "message": apperr.TextAccountDeleted})
	}
}

// allowPasswordAttempt spends a login attempt of the client's address:
// asking for the password again is a login as far as guessing goes.
func (a *API) allowPasswordAttempt(c echo.Context) error {
	return a.Limits.Allow(ratelimit.ScopeLogin, a.Limits.LoginByIP, a.Limits.ClientIPOf(c.Request()))
}

// verifyPassword checks the signed-in user's password after spending a
// login attempt of their email, as a login does before it verifies.
func (a *API) verifyPassword(c echo.Context, user store.User, password string) error {
	if err := a.Limits.Allow(ratelimit.ScopeLogin, a.Limits.LoginByEmail, user.Email); err != nil {
		return err
	}
	ctx := c.Request().Context()
	ok, err := a.Hasher.Verify(ctx, user.PasswordHash, password)
	if err != nil {
		a.Logger.WarnContext(ctx, "stored password hash unusable", "user_id", user.ID, "error", err)
	}
	if !ok {
		return apperr.New(apperr.KindInvalidPassword)
	}
	return nil
}

// passwordFields reads a JSON object's string fields names, in order. Any
// other body (malformed JSON, not an object, a field missing, empty or not
// a string) is missing's error; a field over account.CheckPasswordSize's
// bound is too long, as at signup.
func passwordFields(c echo.Context, missing apperr.Kind, names ...string) ([]string, error) {
	raw, err := io.ReadAll(c.Request().Body)
	if err != nil {
		// The body limit surfaces here as an HTTPError (413).
		return nil, err
	}
	var body map[string]any
	if json.Unmarshal(raw, &body) != nil {
		return nil, apperr.New(missing)
	}
	fields := make([]string, len(names))
	for i, name := range names {
		value, ok := body[name].(string)
		if !ok || value == "" {
			return nil, apperr.New(missing)
		}
		fields[i] = value
	}
	for _, value := range fields {
		if err := account.CheckPasswordSize(value); err != nil {
			return nil, err
		}
	}
	return fields, nil
}

// userStoreError maps a store error about the signed-in user: gone
// meanwhile (deleted from another session) is 404, as for the profile.
func userStoreError(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return apperr.Wrap(apperr.KindUserNotFound, err)
	}
	return apperr.Internal(err)
}
