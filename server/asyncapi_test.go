package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"

	"github.com/amanda-platform/amanda-backend/handlers"
)

// Every Socket.IO event a server test receives is checked against its
// payload schema in the AsyncAPI document (handlers/asyncapi.yaml): an
// event that drifts from it, or that it does not name, fails the test.

// driverEvents are the Node driver's reports of the socket's own life,
// not events the server emits.
var driverEvents = map[string]bool{"connect": true, "connect_error": true, "disconnect": true}

// asyncAPIPayloads compiles the payload schema of every message.
var asyncAPIPayloads = sync.OnceValues(func() (map[string]*jsonschema.Schema, error) {
	var tree map[string]any
	if err := yaml.Unmarshal(handlers.AsyncAPIDocument, &tree); err != nil {
		return nil, err
	}
	raw, err := json.Marshal(tree)
	if err != nil {
		return nil, err
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	const url = "https://amanda.invalid/asyncapi.json"
	compiler := jsonschema.NewCompiler()
	compiler.DefaultDraft(jsonschema.Draft7) // AsyncAPI's schemas are JSON Schema draft 7
	compiler.AssertFormat()
	if err := compiler.AddResource(url, doc); err != nil {
		return nil, err
	}
	messages, _ := tree["components"].(map[string]any)["messages"].(map[string]any)
	payloads := map[string]*jsonschema.Schema{}
	for name := range messages {
		schema, err := compiler.Compile(url + "#/components/messages/" + name + "/payload")
		if err != nil {
			return nil, fmt.Errorf("the payload of %s: %w", name, err)
		}
		payloads[name] = schema
	}
	return payloads, nil
})

// checkAgainstAsyncAPI validates one event the server sent.
func checkAgainstAsyncAPI(t testing.TB, e sioEvent) {
	t.Helper()
	if driverEvents[e.Event] {
		return
	}
	payloads, err := asyncAPIPayloads()
	if err != nil {
		t.Fatalf("the AsyncAPI document: %v", err)
	}
	schema, ok := payloads[e.Event]
	if !ok {
		t.Errorf("the server emitted %s, which handlers/asyncapi.yaml does not describe", e.Event)
		return
	}
	payload, err := jsonschema.UnmarshalJSON(strings.NewReader(string(e.Data)))
	if err != nil {
		t.Errorf("%s payload %s: %v", e.Event, e.Data, err)
		return
	}
	if err := schema.Validate(payload); err != nil {
		t.Errorf("%s %.300s is not as handlers/asyncapi.yaml describes: %v", e.Event, e.Data, err)
	}
}

// The check catches drift: an undocumented field value fails it.
func TestAsyncAPICheckCatchesDrift(t *testing.T) {
	payloads, err := asyncAPIPayloads()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		event, data string
		valid       bool
	}{
		{"message_token", `{"text":"Hi","chat_id":3,"seq":1}`, true},
		{"message_token", `{"text":"Hi","chat_id":3}`, false},
		{"message_complete", `{"message_id":null,"full_text":"","chat_id":3,"stopped":true}`, true},
		{"message_complete", `{"message_id":"7","full_text":"","chat_id":3}`, false},
		{"error", `{"message":"No reply in progress","chat_id":3}`, true},
		{"error", `{"message":"Something undocumented"}`, false},
		{"user_message", `{"chat_id":3,"message_id":9,"content":"x","timestamp":"not a time"}`, false},
	} {
		payload, _ := jsonschema.UnmarshalJSON(strings.NewReader(tc.data))
		if err := payloads[tc.event].Validate(payload); (err == nil) != tc.valid {
			t.Errorf("%s %s: valid %v, want %v (%v)", tc.event, tc.data, err == nil, tc.valid, err)
		}
	}
}
