package handlers

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"
	"gopkg.in/yaml.v3"
)

// The API's descriptions, written as YAML to be read by people and served
// as JSON to be read by tools: the REST routes (OpenAPI 3.0) and the
// Socket.IO events (AsyncAPI 3).
var (
	//go:embed openapi.yaml
	OpenAPIDocument []byte
	//go:embed asyncapi.yaml
	AsyncAPIDocument []byte
)

// documentJSON is a YAML document as JSON.
func documentJSON(name string, doc []byte) ([]byte, error) {
	var tree map[string]any
	if err := yaml.Unmarshal(doc, &tree); err != nil {
		return nil, fmt.Errorf("handlers: unable to read %s: %w", name, err)
	}
	return json.Marshal(tree)
}

// handleDocument serves a document, converted once.
func (a *API) handleDocument(name string, doc []byte) echo.HandlerFunc {
	body, err := documentJSON(name, doc)
	if err != nil {
		// The documents are embedded: only a broken build gets here, and
		// the tests read them first.
		panic(err)
	}
	return func(c echo.Context) error {
		return c.JSONBlob(http.StatusOK, body)
	}
}
