package handlers

import (
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// Error is an error the client may see: its status and the contract's
// message. Err is the cause, for the log only.
type Error struct {
	Status  int
	Message string
	Err     error
	// RetryAfter, when set, becomes the Retry-After header of a 429.
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// fail builds a client-facing error.
func fail(status int, message string) *Error { return &Error{Status: status, Message: message} }

// internal wraps an unexpected cause; the client sees only the generic text.
func internal(err error) *Error {
	return &Error{Status: http.StatusInternalServerError, Message: msgInternal, Err: err}
}

// Messages the contract fixes (CONTRACT.md, REST).
const (
	msgAuthRequired     = "Authentication required"
	msgCredentials      = "Email and password are required"
	msgInvalidEmail     = "Invalid email format"
	msgPasswordShort    = "Password must be at least 8 characters long"
	msgPasswordLong     = "Password must be at most 1024 bytes long"
	msgEmailTaken       = "Email already registered"
	msgInvalidLogin     = "Invalid email or password"
	msgUserNotFound     = "User not found"
	msgChatNotFound     = "Chat not found"
	msgAccessDenied     = "Access denied"
	msgInternal         = "Internal server error"
	msgNotFound         = "Not found"
	msgMethodNotAllowed = "Method not allowed"
	msgBodyTooLarge     = "Request body too large"
	msgBadRequest       = "Bad request"
	msgSignedUp         = "Account created successfully"
	msgLoggedIn         = "Login successful"
	msgLoggedOut        = "Logged out successfully"
	msgBrandingReloaded = "Branding configuration reloaded successfully"
)

// errorBody is the contract's error shape.
type errorBody struct {
	Success bool   `json:"success"`
	Message string `json:"message"`
}

// ErrorHandler answers every error as the contract's JSON: one place maps
// errors to statuses. Causes of 5xx are logged, never sent.
func ErrorHandler(logger *slog.Logger) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		status, message := http.StatusInternalServerError, msgInternal
		var appErr *Error
		var httpErr *echo.HTTPError
		switch {
		case errors.As(err, &appErr):
			status, message = appErr.Status, appErr.Message
			if appErr.RetryAfter > 0 {
				c.Response().Header().Set("Retry-After", retryAfterSeconds(appErr.RetryAfter))
			}
		case errors.As(err, &httpErr):
			status = httpErr.Code
			message = httpMessage(status)
		}
		if status >= http.StatusInternalServerError {
			logger.ErrorContext(c.Request().Context(), "request failed",
				"method", c.Request().Method, "path", c.Path(), "status", status, "error", err)
		}
		if c.Request().Method == http.MethodHead {
			err = c.NoContent(status)
		} else {
			err = c.JSON(status, errorBody{Success: false, Message: message})
		}
		if err != nil {
			logger.Error("unable to write error response", "error", err)
		}
	}
}

// httpMessage names the routing and transport errors Echo raises itself.
func httpMessage(status int) string {
	switch status {
	case http.StatusNotFound:
		return msgNotFound
	case http.StatusMethodNotAllowed:
		return msgMethodNotAllowed
	case http.StatusRequestEntityTooLarge:
		return msgBodyTooLarge
	case http.StatusUnauthorized:
		return msgAuthRequired
	}
	if status >= http.StatusInternalServerError {
		return msgInternal
	}
	return msgBadRequest
}
