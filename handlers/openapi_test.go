package handlers

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/amanda-platform/amanda-backend/metrics"
)

// registeredRoutes is every route the REST handler serves, as "METHOD
// /path/{param}", /api/ paths under their /api/v1/ name (the one route
// table registers both).
func registeredRoutes(t *testing.T) map[string]bool {
	t.Helper()
	api := &API{Metrics: metrics.New(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	e := newRouter(api, nil)
	routes := map[string]bool{}
	versioned := map[string]bool{}
	for _, r := range e.Routes() {
		path := routeParam.ReplaceAllString(r.Path, "{$1}")
		if rest, ok := strings.CutPrefix(path, "/api/v1/"); ok {
			versioned[r.Method+" /api/"+rest] = true
		}
		routes[r.Method+" "+path] = true
	}
	// Each /api/ route has its /api/v1/ twin, and only those are kept.
	for route := range maps.Clone(routes) {
		_, path, _ := strings.Cut(route, " ")
		if strings.HasPrefix(path, "/api/") && !strings.HasPrefix(path, "/api/v1/") {
			if !versioned[route] {
				t.Errorf("%s is not also under /api/v1/", route)
			}
			delete(routes, route)
		}
	}
	return routes
}

var routeParam = regexp.MustCompile(`:([a-z_]+)`)

// documentedRoutes is every operation of the OpenAPI document.
func documentedRoutes(t *testing.T) map[string]bool {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(OpenAPIDocument)
	if err != nil {
		t.Fatalf("openapi.yaml: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.yaml is not a valid OpenAPI document: %v", err)
	}
	routes := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			routes[method+" "+path] = true
		}
	}
	return routes
}

// drift names the routes one side has and the other lacks.
func drift(registered, documented map[string]bool) (undocumented, unregistered []string) {
	for route := range registered {
		if !documented[route] {
			undocumented = append(undocumented, route)
		}
	}
	for route := range documented {
		if !registered[route] {
			unregistered = append(unregistered, route)
		}
	}
	slices.Sort(undocumented)
	slices.Sort(unregistered)
	return undocumented, unregistered
}

func TestOpenAPIDocumentsEveryRouteAndNoOther(t *testing.T) {
	undocumented, unregistered := drift(registeredRoutes(t), documentedRoutes(t))
	if len(undocumented) > 0 {
		t.Errorf("routes missing from handlers/openapi.yaml: %v", undocumented)
	}
	if len(unregistered) > 0 {
		t.Errorf("routes in handlers/openapi.yaml that the server does not register: %v", unregistered)
	}
}

// The drift check catches a route added without its documentation.
func TestOpenAPIDriftCatchesANewRoute(t *testing.T) {
	registered := registeredRoutes(t)
	registered["GET /api/v1/chat/{id}/summary"] = true
	undocumented, _ := drift(registered, documentedRoutes(t))
	if !slices.Equal(undocumented, []string{"GET /api/v1/chat/{id}/summary"}) {
		t.Fatalf("a new undocumented route: drift found %v", undocumented)
	}
}

func TestDocumentsAreServedAsJSON(t *testing.T) {
	api := &API{Metrics: metrics.New(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	h := NewHTTPHandler(api, nil)
	for _, path := range []string{"/api/openapi.json", "/api/v1/openapi.json"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
			t.Fatalf("GET %s: %d %s", path, rec.Code, rec.Header().Get("Content-Type"))
		}
		doc, err := openapi3.NewLoader().LoadFromData(rec.Body.Bytes())
		if err != nil || doc.OpenAPI != "3.0.3" || doc.Paths.Find("/api/v1/chat/list") == nil {
			t.Fatalf("GET %s is not the document: %v", path, err)
		}
	}
	for _, path := range []string{"/api/asyncapi.json", "/api/v1/asyncapi.json"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		var doc struct {
			AsyncAPI   string                    `json:"asyncapi"`
			Operations map[string]map[string]any `json:"operations"`
		}
		if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &doc) != nil || doc.AsyncAPI != "3.0.0" || doc.Operations["watchChat"] == nil {
			t.Fatalf("GET %s: %d %.200s", path, rec.Code, rec.Body.String())
		}
	}
}
