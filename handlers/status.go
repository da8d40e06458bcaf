package handlers

import (
	"net/http"

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
