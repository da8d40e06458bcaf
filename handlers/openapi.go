package handlers

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"
	"gopkg.in/yaml.v3"
)

// OpenAPIDocument is the REST API's description (OpenAPI 3.0), written as
// YAML to be read by people and served as JSON to be read by tools.
//
//go:embed openapi.yaml
var OpenAPIDocument []byte

// openAPIJSON is OpenAPIDocument as JSON, converted once.
func openAPIJSON() ([]byte, error) {
	var doc map[string]any
	if err := yaml.Unmarshal(OpenAPIDocument, &doc); err != nil {
		return nil, fmt.Errorf("handlers: unable to read openapi.yaml: %w", err)
	}
	return json.Marshal(doc)
}

func (a *API) handleOpenAPI() echo.HandlerFunc {
	doc, err := openAPIJSON()
	if err != nil {
		// The document is embedded: only a broken build gets here, and a
		// test reads it first.
		panic(err)
	}
	return func(c echo.Context) error {
		return c.JSONBlob(http.StatusOK, doc)
	}
}
