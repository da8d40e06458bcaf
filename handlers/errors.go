package handlers

import (
	"errors"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"time"

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
			if appErr.RetryAfter > 0 {
				c.Response().Header().Set("Retry-After", retryAfterSeconds(appErr.RetryAfter))
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

// retryAfterSeconds rounds up, so a client that waits that long succeeds.
func retryAfterSeconds(d time.Duration) string {
	return strconv.Itoa(int(math.Ceil(d.Seconds())))
}
