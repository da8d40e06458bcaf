package handlers

import (
	"github.com/labstack/echo/v4"

	"github.com/amanda-platform/amanda-backend/apperr"
	"github.com/amanda-platform/amanda-backend/store"
)

// userIDKey holds the signed-in user's id in the echo context.
const userIDKey = "user_id"

// requireLogin answers 401 unless the request carries a live session.
func (a *API) requireLogin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		sess, ok, err := a.Sessions.Current(c.Request())
		if err != nil {
			return apperr.Internal(err)
		}
		if !ok {
			return apperr.New(apperr.KindAuthRequired)
		}
		c.Set(userIDKey, sess.UserID)
		return next(c)
	}
}

// userID is the id requireLogin stored.
func userID(c echo.Context) int64 { return c.Get(userIDKey).(int64) }

// signedInUser loads the user requireLogin let in: 404 when the account
// is gone.
func (a *API) signedInUser(c echo.Context) (store.User, error) {
	user, err := a.Store.UserByID(c.Request().Context(), userID(c))
	if err != nil {
		return store.User{}, userStoreError(err)
	}
	return user, nil
}

// currentUser loads the signed-in user: 401 without a session, 404 when the
// account behind the session is gone.
func (a *API) currentUser(c echo.Context) (store.User, error) {
	sess, ok, err := a.Sessions.Current(c.Request())
	if err != nil {
		return store.User{}, apperr.Internal(err)
	}
	if !ok {
		return store.User{}, apperr.New(apperr.KindAuthRequired)
	}
	user, err := a.Store.UserByID(c.Request().Context(), sess.UserID)
	if err != nil {
		return store.User{}, userStoreError(err)
	}
	return user, nil
}
