package handlers

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// serviceName is what GET / reports.
const serviceName = "Amanda Backend"

func (a *API) handleRoot() echo.HandlerFunc {
	return func(c echo.Context) error {
		return c.JSON(http.StatusOK, map[string]string{
			"service": serviceName, "status": "running", "version": a.Version,
		})
	}
}

func (a *API) handleHealth() echo.HandlerFunc {
	return func(c echo.Context) error {
		return c.JSON(http.StatusOK, map[string]string{"status": "healthy"})
	}
}

// readyTimeout bounds the checks of /ready, so a load balancer's probe
// never hangs on a dead dependency.
const readyTimeout = 2 * time.Second

// handleReady tells load balancers whether this instance can serve: 503,
// naming what is wrong, while a dependency is unreachable or a shutdown is
// under way.
func (a *API) handleReady() echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx, cancel := context.WithTimeout(c.Request().Context(), readyTimeout)
		defer cancel()
		if problems := a.Ready(ctx); len(problems) > 0 {
			a.Logger.WarnContext(ctx, "not ready", "problems", problems)
			body := map[string]string{"status": "unavailable"}
			for part, state := range problems {
				body[part] = state
			}
			return c.JSON(http.StatusServiceUnavailable, body)
		}
		return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
	}
}
