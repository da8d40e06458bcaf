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

// readyTimeout bounds the database check of /ready, so a load balancer's
// probe never hangs on a dead database.
const readyTimeout = 2 * time.Second

// handleReady tells load balancers whether this instance can serve: 503
// while the database is unreachable.
func (a *API) handleReady() echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx, cancel := context.WithTimeout(c.Request().Context(), readyTimeout)
		defer cancel()
		if err := a.Store.Ping(ctx); err != nil {
			a.Logger.WarnContext(ctx, "not ready: database unreachable", "error", err)
			return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "database": "unreachable"})
		}
		return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
	}
}
