package handlers

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/amanda-platform/amanda-backend/apperr"
)

// errorBody is the contract's error shape.
type errorBody struct {
	Success bool   `json:"success"`
	Message string `json:"message"`
}

// ErrorHandler answers every error as the contract's JSON, with the status
// and text of its apperr kind; errors Echo raises itself (routing, the body
// limit) keep their status and get its kind's text. Causes of 5xx are logged, never sent.
func ErrorHandler(logger *slog.Logger) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		status, message := apperr.HTTP(err)
		var appErr *apperr.Error
		var httpErr *echo.HTTPError
		switch {
		case errors.As(err, &appErr):
			if retry := apperr.RetryAfterSeconds(err); retry != "" {
				c.Response().Header().Set("Retry-After", retry)
			}
		case errors.As(err, &httpErr):
			// Echo's own status stands (415, 503...); its text is the kind's.
			status, message = httpErr.Code, apperr.KindOfStatus(httpErr.Code).String()
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
