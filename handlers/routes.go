package handlers

import (
	"log/slog"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// maxBodyBytes bounds every REST request body; larger ones get 413.
const maxBodyBytes = 1 << 20

// NewHTTPHandler builds the REST API; an oversized body is read and
// discarded, within a bound, so that its client gets the 413.
func NewHTTPHandler(a *API, corsOrigins []string) http.Handler {
	return discardUnreadBody(newRouter(a, corsOrigins))
}

// newRouter is the REST API's router: every route is listed here.
func newRouter(a *API, corsOrigins []string) *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = ErrorHandler(a.Logger)

	e.Use(a.Metrics.EchoMiddleware()) // first, so recovered panics are counted
	e.Use(requestID())
	e.Use(requestLogger(a.Logger))
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			a.Logger.ErrorContext(c.Request().Context(), "handler panic", "error", err, "stack", string(stack))
			return err
		},
	}))
	e.Use(middleware.SecureWithConfig(middleware.SecureConfig{
		ContentTypeNosniff: "nosniff",
		XFrameOptions:      "DENY",
		ReferrerPolicy:     "no-referrer",
	}))
	e.Use(middleware.CORSWithConfig(middleware.CORSConfig{
		AllowOrigins:     corsOrigins,
		AllowCredentials: true,
		AllowHeaders:     []string{echo.HeaderContentType},
		AllowMethods:     []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions},
	}))
	e.Use(middleware.BodyLimit(strconv.Itoa(maxBodyBytes)))

	e.GET("/", a.handleRoot())
	e.GET("/health", a.handleHealth())
	e.GET("/ready", a.handleReady())

	// Every /api/ route also answers under /api/v1/ (CONTRACT.md), from
	// this one table.
	api := func(method, path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) {
		e.Add(method, "/api"+path, h, m...)
		e.Add(method, "/api/v1"+path, h, m...)
	}
	api(http.MethodPost, "/auth/signup", a.handleSignup())
	api(http.MethodPost, "/auth/login", a.handleLogin())
	api(http.MethodPost, "/auth/logout", a.handleLogout())
	api(http.MethodGet, "/auth/check", a.handleCheck())
	api(http.MethodGet, "/user/profile", a.handleProfile())
	api(http.MethodGet, "/user/export", a.handleExport(), a.requireLogin)
	api(http.MethodPost, "/user/password", a.handleChangePassword(), a.requireLogin)
	api(http.MethodDelete, "/user", a.handleDeleteAccount(), a.requireLogin)

	api(http.MethodGet, "/chat/list", a.handleListChats(), a.requireLogin)
	api(http.MethodPost, "/chat/create", a.handleCreateChat(), a.requireLogin)
	api(http.MethodPatch, "/chat/:id", a.handleRenameChat(), a.requireLogin)
	api(http.MethodDelete, "/chat/:id", a.handleDeleteChat(), a.requireLogin)
	api(http.MethodGet, "/chat/:id/messages", a.handleChatMessages(), a.requireLogin)
	api(http.MethodGet, "/chat/search", a.handleSearch(), a.requireLogin)

	api(http.MethodGet, "/branding", a.handleBranding())
	api(http.MethodPost, "/branding/reload", a.handleBrandingReload())
	api(http.MethodGet, "/openapi.json", a.handleDocument("openapi.yaml", OpenAPIDocument))
	api(http.MethodGet, "/asyncapi.json", a.handleDocument("asyncapi.yaml", AsyncAPIDocument))
	return e
}

// requestLogger writes one line per request with its id and its latency in
// milliseconds; never bodies or cookies.
func requestLogger(logger *slog.Logger) echo.MiddlewareFunc {
	return middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		LogStatus: true, LogURIPath: true, LogMethod: true, LogLatency: true, LogError: true,
		HandleError: true,
		LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
			logger.LogAttrs(c.Request().Context(), slog.LevelInfo, "http request",
				slog.String("method", v.Method), slog.String("path", v.URIPath), slog.Int("status", v.Status),
				slog.Float64("latency_ms", float64(v.Latency.Microseconds())/1000))
			return nil
		},
	})
}
