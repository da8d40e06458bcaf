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

// credentials reads {email, password}. Any body that is not an object with
// two strings (malformed JSON, wrong types, no body) gets the contract's
// "required" message, as the old service answered for missing fields.
func credentials(c echo.Context) (email, password string, err error) {
	var body struct {
		Email    *string `json:"email"`
		Password *string `json:"password"`
	}
	raw, err := io.ReadAll(c.Request().Body)
	if err != nil {
		// The body limit surfaces here as an HTTPError (413).
		return "", "", err
	}
	if json.Unmarshal(raw, &body) != nil || body.Email == nil || body.Password == nil {
		return "", "", apperr.New(apperr.KindCredentialsRequired)
	}
	email = account.NormalizeEmail(*body.Email)
	password = *body.Password
	if email == "" || password == "" {
		return "", "", apperr.New(apperr.KindCredentialsRequired)
	}
	if err := account.CheckPasswordSize(password); err != nil {
		return "", "", err
	}
	return email, password, nil
}

func (a *API) handleSignup() echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := a.Limits.Allow(ratelimit.ScopeSignup, a.Limits.SignupByIP, a.Limits.ClientIPOf(c.Request())); err != nil {
			return err
		}
		email, password, err := credentials(c)
		if err != nil {
			return err
		}
		if err := account.CheckEmail(email); err != nil {
			return err
		}
		if err := account.CheckNewPassword(password); err != nil {
			return err
		}
		ctx := c.Request().Context()
		// Checked before hashing so a duplicate costs no hash work; the
		// unique index still decides a race.
		if _, err := a.Store.UserByEmail(ctx, email); err == nil {
			return apperr.New(apperr.KindEmailTaken)
		} else if !errors.Is(err, store.ErrNotFound) {
			return apperr.Internal(err)
		}
		hash, err := a.Hasher.Hash(ctx, password)
		if err != nil {
			return apperr.Internal(err)
		}
		user, err := a.Store.CreateUser(ctx, email, hash)
		if errors.Is(err, store.ErrEmailTaken) {
			return apperr.New(apperr.KindEmailTaken)
		}
		if err != nil {
			return apperr.Internal(err)
		}
		if _, err := a.Sessions.Login(c.Response(), c.Request(), user.ID); err != nil {
			return apperr.Internal(err)
		}
		return c.JSON(http.StatusCreated, map[string]any{
			"success": true, "message": apperr.TextSignedUp, "user_id": user.ID, "user": newUserJSON(user),
		})
	}
}

func (a *API) handleLogin() echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := a.Limits.Allow(ratelimit.ScopeLogin, a.Limits.LoginByIP, a.Limits.ClientIPOf(c.Request())); err != nil {
			return err
		}
		email, password, err := credentials(c)
		if err != nil {
			return err
		}
		if err := a.Limits.Allow(ratelimit.ScopeLogin, a.Limits.LoginByEmail, email); err != nil {
			return err
		}
		ctx := c.Request().Context()
		user, err := a.Store.UserByEmail(ctx, email)
		if errors.Is(err, store.ErrNotFound) {
			// Same hash work as a wrong password: no timing oracle for emails.
			a.Hasher.VerifyDummy(ctx, password)
			return apperr.New(apperr.KindInvalidLogin)
		}
		if err != nil {
			return apperr.Internal(err)
		}
		ok, err := a.Hasher.Verify(ctx, user.PasswordHash, password)
		if err != nil {
			a.Logger.WarnContext(ctx, "stored password hash unusable", "user_id", user.ID, "error", err)
		}
		if !ok {
			return apperr.New(apperr.KindInvalidLogin)
		}
		if _, err := a.Sessions.Login(c.Response(), c.Request(), user.ID); err != nil {
			return apperr.Internal(err)
		}
		return c.JSON(http.StatusOK, map[string]any{
			"success": true, "message": apperr.TextLoggedIn, "user": newUserJSON(user),
		})
	}
}

func (a *API) handleLogout() echo.HandlerFunc {
	return func(c echo.Context) error {
		ended, ok, err := a.Sessions.Logout(c.Response(), c.Request())
		if err != nil {
			return apperr.Internal(err)
		}
		if ok && a.OnLogout != nil {
			a.OnLogout(ended.ID)
		}
		return c.JSON(http.StatusOK, map[string]any{"success": true, "message": apperr.TextLoggedOut})
	}
}

func (a *API) handleCheck() echo.HandlerFunc {
	return func(c echo.Context) error {
		user, err := a.currentUser(c)
		if apperr.Is(err, apperr.KindAuthRequired) || apperr.Is(err, apperr.KindUserNotFound) {
			return c.JSON(http.StatusOK, map[string]any{"authenticated": false})
		}
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, map[string]any{
			"authenticated": true, "user": map[string]any{"id": user.ID, "email": user.Email},
		})
	}
}

func (a *API) handleProfile() echo.HandlerFunc {
	return func(c echo.Context) error {
		user, err := a.currentUser(c)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, newUserJSON(user))
	}
}
