package server_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/amanda-platform/amanda-backend/handlers"
)

// Every REST answer a server test gets is checked against the OpenAPI
// document (handlers/openapi.yaml): a response that drifts from it fails the
// test that received it.

var openAPIRouter = sync.OnceValues(func() (routers.Router, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(handlers.OpenAPIDocument)
	if err != nil {
		return nil, err
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, err
	}
	doc.Servers = nil // any host: the tests' servers listen on free ports
	return gorillamux.NewRouter(doc)
})

// checkAgainstOpenAPI validates one answer against its documented
// response, when the document has the route (not the unknown paths some
// tests ask for on purpose) and the status.
func checkAgainstOpenAPI(t testing.TB, req *http.Request, resp *http.Response, body []byte) {
	t.Helper()
	router, err := openAPIRouter()
	if err != nil {
		t.Fatalf("the OpenAPI document: %v", err)
	}
	// The document lists the /api/v1/ paths; /api/ answers the same.
	documented := req.Clone(context.Background())
	documented.URL = &url.URL{Path: req.URL.Path, RawQuery: req.URL.RawQuery}
	if rest, ok := strings.CutPrefix(req.URL.Path, "/api/"); ok && !strings.HasPrefix(rest, "v1/") {
		documented.URL.Path = "/api/v1/" + rest
	}
	route, params, err := router.FindRoute(documented)
	if err != nil {
		return
	}
	input := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request: documented, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
		},
		Status: resp.StatusCode,
		Header: resp.Header,
		Body:   io.NopCloser(bytes.NewReader(body)),
	}
	if err := openapi3filter.ValidateResponse(context.Background(), input); err != nil {
		t.Errorf("%s %s answered %d, not as documented in handlers/openapi.yaml: %v\nbody: %.500s",
			req.Method, req.URL.Path, resp.StatusCode, err, body)
	}
}
