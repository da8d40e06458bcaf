package handlers

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/amanda-platform/amanda-backend/store"
)

// userIDKey holds the signed-in user's id in the echo context.
const userIDKey = "user_id"

// requireLogin answers 401 unless the request carries a live session.
func (a *API) requireLogin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		sess, ok, err := a.Sessions.Current(c.Request())
		if err != nil {
			return internal(err)
		}
		if !ok {
			return fail(http.StatusUnauthorized, msgAuthRequired)
		}
		c.Set(userIDKey, sess.UserID)
		return next(c)
	}
}

// userID is the id requireLogin stored.
func userID(c echo.Context) int64 { return c.Get(userIDKey).(int64) }

// currentUser loads the signed-in user: 401 without a session, 404 when the
// account behind the session is gone.
func (a *API) currentUser(c echo.Context) (store.User, error) {
	sess, ok, err := a.Sessions.Current(c.Request())
	if err != nil {
		return store.User{}, internal(err)
	}
	if !ok {
		return store.User{}, fail(http.StatusUnauthorized, msgAuthRequired)
	}
	user, err := a.Store.UserByID(c.Request().Context(), sess.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return store.User{}, fail(http.StatusNotFound, msgUserNotFound)
	}
	if err != nil {
		return store.User{}, internal(err)
	}
	return user, nil
}
