package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/amanda-platform/amanda-backend/apperr"
)

// brandingError is the branding endpoints' own error shape (CONTRACT.md).
type brandingError struct {
	Success bool   `json:"success"`
	Error   string `json:"error"`
}

func (a *API) handleBranding() echo.HandlerFunc {
	return func(c echo.Context) error {
		data, err := a.Branding.Get()
		if err != nil {
			a.Logger.ErrorContext(c.Request().Context(), "branding unavailable", "error", err)
			return c.JSON(http.StatusInternalServerError, brandingError{Error: apperr.KindBrandingUnavailable.String()})
		}
		return c.JSON(http.StatusOK, map[string]any{"success": true, "data": data})
	}
}

func (a *API) handleBrandingReload() echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := a.Branding.Reload(); err != nil {
			a.Logger.ErrorContext(c.Request().Context(), "branding reload failed", "error", err)
			return c.JSON(http.StatusInternalServerError, brandingError{Error: apperr.KindBrandingReloadFailed.String()})
		}
		return c.JSON(http.StatusOK, map[string]any{"success": true, "message": apperr.TextBrandingReloaded})
	}
}
