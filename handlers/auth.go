package handlers

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/amanda-platform/amanda-backend/auth"
	"github.com/amanda-platform/amanda-backend/store"
)

// emailPattern is the old service's rule, applied after trimming and lower-casing.
var emailPattern = regexp.MustCompile(`^[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\.[a-zA-Z]{2,}$`)

// maxEmailLength is the width of users.email in the old schema.
const maxEmailLength = 120

const minPasswordLength = 8

// userJSON is a user as the client sees it.
type userJSON struct {
	ID        int64  `json:"id"`
	Email     string `json:"email"`
	CreatedAt Time   `json:"created_at"`
}

func newUserJSON(u store.User) userJSON {
	return userJSON{ID: u.ID, Email: u.Email, CreatedAt: Time(u.CreatedAt)}
}

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
		return "", "", fail(http.StatusBadRequest, msgCredentials)
	}
	email = strings.ToLower(strings.TrimSpace(*body.Email))
	password = *body.Password
	if email == "" || password == "" {
		return "", "", fail(http.StatusBadRequest, msgCredentials)
	}
	if len(password) > auth.MaxPasswordBytes {
		return "", "", fail(http.StatusBadRequest, msgPasswordLong)
	}
	return email, password, nil
}

func (a *API) handleSignup() echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := a.allow(scopeSignup, a.Limits.SignupByIP, a.clientIP(c)); err != nil {
			return err
		}
		email, password, err := credentials(c)
		if err != nil {
			return err
		}
		if len(email) > maxEmailLength || !emailPattern.MatchString(email) {
			return fail(http.StatusBadRequest, msgInvalidEmail)
		}
		if utf8.RuneCountInString(password) < minPasswordLength {
			return fail(http.StatusBadRequest, msgPasswordShort)
		}
		ctx := c.Request().Context()
		// Checked before hashing so a duplicate costs no hash work; the
		// unique index still decides a race.
		if _, err := a.Store.UserByEmail(ctx, email); err == nil {
			return fail(http.StatusConflict, msgEmailTaken)
		} else if !errors.Is(err, store.ErrNotFound) {
			return internal(err)
		}
		hash, err := a.Hasher.Hash(ctx, password)
		if err != nil {
			return internal(err)
		}
		user, err := a.Store.CreateUser(ctx, email, hash)
		if errors.Is(err, store.ErrEmailTaken) {
			return fail(http.StatusConflict, msgEmailTaken)
		}
		if err != nil {
			return internal(err)
		}
		if err := a.Sessions.Login(c.Response(), c.Request(), user.ID); err != nil {
			return internal(err)
		}
		return c.JSON(http.StatusCreated, map[string]any{
			"success": true, "message": msgSignedUp, "user_id": user.ID, "user": newUserJSON(user),
		})
	}
}

func (a *API) handleLogin() echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := a.allow(scopeLogin, a.Limits.LoginByIP, a.clientIP(c)); err != nil {
			return err
		}
		email, password, err := credentials(c)
		if err != nil {
			return err
		}
		if err := a.allow(scopeLogin, a.Limits.LoginByEmail, email); err != nil {
			return err
		}
		ctx := c.Request().Context()
		user, err := a.Store.UserByEmail(ctx, email)
		if errors.Is(err, store.ErrNotFound) {
			// Same hash work as a wrong password: no timing oracle for emails.
			a.Hasher.VerifyDummy(ctx, password)
			return fail(http.StatusUnauthorized, msgInvalidLogin)
		}
		if err != nil {
			return internal(err)
		}
		ok, err := a.Hasher.Verify(ctx, user.PasswordHash, password)
		if err != nil {
			a.Logger.WarnContext(ctx, "stored password hash unusable", "user_id", user.ID, "error", err)
		}
		if !ok {
			return fail(http.StatusUnauthorized, msgInvalidLogin)
		}
		if err := a.Sessions.Login(c.Response(), c.Request(), user.ID); err != nil {
			return internal(err)
		}
		return c.JSON(http.StatusOK, map[string]any{
			"success": true, "message": msgLoggedIn, "user": newUserJSON(user),
		})
	}
}

func (a *API) handleLogout() echo.HandlerFunc {
	return func(c echo.Context) error {
		ended, ok, err := a.Sessions.Logout(c.Response(), c.Request())
		if err != nil {
			return internal(err)
		}
		if ok && a.OnLogout != nil {
			a.OnLogout(ended.ID)
		}
		return c.JSON(http.StatusOK, map[string]any{"success": true, "message": msgLoggedOut})
	}
}

func (a *API) handleCheck() echo.HandlerFunc {
	return func(c echo.Context) error {
		user, err := a.currentUser(c)
		if err != nil {
			var appErr *Error
			if errors.As(err, &appErr) && appErr.Status != http.StatusInternalServerError {
				return c.JSON(http.StatusOK, map[string]any{"authenticated": false})
			}
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
