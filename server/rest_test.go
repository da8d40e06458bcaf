package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/amanda-platform/amanda-backend/server"
	"github.com/amanda-platform/amanda-backend/server/servertest"
	"github.com/amanda-platform/amanda-backend/store/storetest"
)

func mustParseURL(t testing.TB, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestStatusEndpoints(t *testing.T) {
	srv := servertest.StartSQLite(t)
	b := newBrowser(t, srv)

	r := b.do("GET", "/", nil)
	if r.Status != 200 || r.Body["status"] != "running" || r.Body["version"] != "test" || r.Body["service"] == nil {
		t.Fatalf("GET /: %d %s", r.Status, r.Raw)
	}
	r = b.do("GET", "/health", nil)
	if r.Status != 200 || r.Body["status"] != "healthy" {
		t.Fatalf("GET /health: %d %s", r.Status, r.Raw)
	}
	for name, want := range map[string]string{
		"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer",
	} {
		if got := r.Header.Get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
}

func TestSignupLoginLogout(t *testing.T) {
	srv := servertest.StartSQLite(t)
	b := newBrowser(t, srv)

	r := b.do("POST", "/api/auth/signup", map[string]string{"email": "  Ada@Example.COM ", "password": "correct horse"})
	expect(t, r, http.StatusCreated, "")
	user, _ := r.Body["user"].(map[string]any)
	if r.Body["success"] != true || r.Body["message"] != "Account created successfully" ||
		r.Body["user_id"] == nil || user["id"] != r.Body["user_id"] || user["email"] != "ada@example.com" {
		t.Fatalf("signup body: %s", r.Raw)
	}
	if created, _ := user["created_at"].(string); !strings.HasSuffix(created, "Z") {
		t.Fatalf("created_at %q has no UTC offset", created)
	}
	if _, err := time.Parse(time.RFC3339Nano, user["created_at"].(string)); err != nil {
		t.Fatalf("created_at is not ISO 8601: %v", err)
	}

	// Signed up means logged in.
	r = b.do("GET", "/api/auth/check", nil)
	if r.Body["authenticated"] != true || r.Body["user"].(map[string]any)["email"] != "ada@example.com" {
		t.Fatalf("check after signup: %s", r.Raw)
	}
	r = b.do("GET", "/api/user/profile", nil)
	if r.Status != 200 || r.Body["email"] != "ada@example.com" || r.Body["id"] != user["id"] || r.Body["created_at"] == nil {
		t.Fatalf("profile: %d %s", r.Status, r.Raw)
	}

	r = b.do("POST", "/api/auth/logout", nil)
	if r.Status != 200 || r.Body["success"] != true || r.Body["message"] != "Logged out successfully" {
		t.Fatalf("logout: %d %s", r.Status, r.Raw)
	}
	r = b.do("GET", "/api/auth/check", nil)
	if r.Status != 200 || r.Body["authenticated"] != false || len(r.Body) != 1 {
		t.Fatalf("check after logout: %s", r.Raw)
	}
	// Logging out twice is harmless.
	expect(t, b.do("POST", "/api/auth/logout", nil), http.StatusOK, "")

	r = b.do("POST", "/api/auth/login", map[string]string{"email": "ADA@example.com", "password": "correct horse"})
	if r.Status != 200 || r.Body["success"] != true || r.Body["message"] != "Login successful" ||
		r.Body["user"].(map[string]any)["email"] != "ada@example.com" {
		t.Fatalf("login: %d %s", r.Status, r.Raw)
	}
	expect(t, b.do("GET", "/api/user/profile", nil), http.StatusOK, "")
}

func TestSignupRejectsBadInput(t *testing.T) {
	srv := servertest.StartSQLite(t)
	b := newBrowser(t, srv)
	b.signup("taken@example.com", "password123")

	cases := []struct {
		name   string
		body   any
		status int
		msg    string
	}{
		{"no body", nil, 400, "Email and password are required"},
		{"malformed JSON", `{"email": "a@b.co",`, 400, "Email and password are required"},
		{"array body", `[1, 2]`, 400, "Email and password are required"},
		{"string body", `"hello"`, 400, "Email and password are required"},
		{"null body", `null`, 400, "Email and password are required"},
		{"email is a number", `{"email": 5, "password": "password123"}`, 400, "Email and password are required"},
		{"password is a list", `{"email": "x@example.com", "password": ["a"]}`, 400, "Email and password are required"},
		{"missing password", map[string]string{"email": "x@example.com"}, 400, "Email and password are required"},
		{"blank email", map[string]string{"email": "   ", "password": "password123"}, 400, "Email and password are required"},
		{"empty password", map[string]string{"email": "x@example.com", "password": ""}, 400, "Email and password are required"},
		{"invalid email", map[string]string{"email": "not-an-email", "password": "password123"}, 400, "Invalid email format"},
		{"email without tld", map[string]string{"email": "a@b", "password": "password123"}, 400, "Invalid email format"},
		{"email too long", map[string]string{"email": strings.Repeat("a", 120) + "@example.com", "password": "password123"}, 400, "Invalid email format"},
		{"short password", map[string]string{"email": "x@example.com", "password": "1234567"}, 400, "Password must be at least 8 characters long"},
		// Seven characters, fourteen bytes: counted in characters, as Python did.
		{"short multibyte password", map[string]string{"email": "x@example.com", "password": "ééééééé"}, 400, "Password must be at least 8 characters long"},
		{"password over 1024 bytes", map[string]string{"email": "x@example.com", "password": strings.Repeat("p", 1025)}, 400, "Password must be at most 1024 bytes long"},
		{"duplicate email", map[string]string{"email": " TAKEN@example.com", "password": "password123"}, 409, "Email already registered"},
		{"body over 1 MiB", `{"email": "x@example.com", "password": "` + strings.Repeat("p", 2<<20) + `"}`, 413, "Request body too large"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			expect(t, newBrowser(t, srv).do("POST", "/api/auth/signup", tc.body), tc.status, tc.msg)
		})
	}
	// Nothing of the rejected attempts was stored.
	expect(t, newBrowser(t, srv).do("POST", "/api/auth/login",
		map[string]string{"email": "x@example.com", "password": "password123"}), 401, "Invalid email or password")
}

func TestLoginRejectsBadCredentials(t *testing.T) {
	srv := servertest.StartSQLite(t)
	newBrowser(t, srv).signup("grace@example.com", "password123")

	cases := []struct {
		name   string
		body   any
		status int
		msg    string
	}{
		{"unknown email", map[string]string{"email": "nobody@example.com", "password": "password123"}, 401, "Invalid email or password"},
		{"wrong password", map[string]string{"email": "grace@example.com", "password": "password124"}, 401, "Invalid email or password"},
		{"missing fields", `{}`, 400, "Email and password are required"},
		{"malformed JSON", `{`, 400, "Email and password are required"},
		{"wrong types", `{"email": true, "password": 12345678}`, 400, "Email and password are required"},
		{"password over 1024 bytes", map[string]string{"email": "grace@example.com", "password": strings.Repeat("p", 1025)}, 400, "Password must be at most 1024 bytes long"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := newBrowser(t, srv)
			expect(t, b.do("POST", "/api/auth/login", tc.body), tc.status, tc.msg)
			if b.sessionCookie() != "" {
				t.Fatal("a failed login set a session cookie")
			}
		})
	}
}

func TestProtectedRoutesNeedSession(t *testing.T) {
	srv := servertest.StartSQLite(t)
	b := newBrowser(t, srv)
	for _, route := range []struct{ method, path string }{
		{"GET", "/api/user/profile"}, {"GET", "/api/chat/list"}, {"POST", "/api/chat/create"}, {"GET", "/api/chat/1/messages"},
	} {
		expect(t, b.do(route.method, route.path, nil), 401, "Authentication required")
	}
}

func TestChats(t *testing.T) {
	storetest.EachEmpty(t, func(t *testing.T, databaseURL string) {
		testChats(t, servertest.Start(t, databaseURL, func(c *server.Config) { c.SessionType = "sqlalchemy" }))
	})
}

func testChats(t *testing.T, srv *servertest.Server) {
	ctx := context.Background()
	alice := newBrowser(t, srv)
	alice.signup("alice@example.com", "password123")
	bob := newBrowser(t, srv)
	bobID := bob.signup("bob@example.com", "password123")

	r := alice.do("POST", "/api/chat/create", nil)
	expect(t, r, 201, "")
	if r.Body["title"] != "New Chat" || r.Body["chat_id"] != r.Body["id"] || r.Body["created_at"] == nil {
		t.Fatalf("create: %s", r.Raw)
	}
	first := int64(r.Body["chat_id"].(float64))
	second := alice.createChat()
	bobChat := bob.createChat()

	// Activity in the first chat moves it to the top.
	if _, err := srv.App.Store().AddUserMessage(ctx, first, "hello there", "hello there"); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.App.Store().AddAssistantMessage(ctx, first, "hi, how can I help?"); err != nil {
		t.Fatal(err)
	}

	r = alice.do("GET", "/api/chat/list", nil)
	expect(t, r, 200, "")
	chats := r.Body["chats"].([]any)
	if len(chats) != 2 {
		t.Fatalf("alice sees %d chats, want 2: %s", len(chats), r.Raw)
	}
	top, other := chats[0].(map[string]any), chats[1].(map[string]any)
	if int64(top["id"].(float64)) != first || top["message_count"] != 2.0 || top["title"] != "hello there" {
		t.Fatalf("top chat: %v", top)
	}
	if int64(other["id"].(float64)) != second || other["message_count"] != 0.0 || other["last_message_time"] != other["created_at"] {
		t.Fatalf("empty chat: %v", other)
	}
	for _, field := range []string{"id", "user_id", "title", "created_at", "last_message_time", "message_count"} {
		if _, ok := top[field]; !ok {
			t.Errorf("chat list entry lacks %s", field)
		}
	}

	r = alice.do("GET", fmt.Sprintf("/api/chat/%d/messages", first), nil)
	expect(t, r, 200, "")
	messages := r.Body["messages"].([]any)
	if len(messages) != 2 {
		t.Fatalf("messages: %s", r.Raw)
	}
	m0, m1 := messages[0].(map[string]any), messages[1].(map[string]any)
	if m0["role"] != "user" || m0["content"] != "hello there" || m1["role"] != "assistant" ||
		int64(m0["chat_id"].(float64)) != first || m0["id"] == nil || !strings.HasSuffix(m0["timestamp"].(string), "Z") {
		t.Fatalf("messages out of order or incomplete: %s", r.Raw)
	}
	r = alice.do("GET", fmt.Sprintf("/api/chat/%d/messages", second), nil)
	if r.Status != 200 || len(r.Body["messages"].([]any)) != 0 {
		t.Fatalf("empty chat messages: %s", r.Raw)
	}

	expect(t, alice.do("GET", fmt.Sprintf("/api/chat/%d/messages", bobChat), nil), 403, "Access denied")
	expect(t, alice.do("GET", "/api/chat/999999/messages", nil), 404, "Chat not found")
	expect(t, alice.do("GET", "/api/chat/abc/messages", nil), 404, "Chat not found")
	expect(t, alice.do("GET", "/api/chat/99999999999999999999999/messages", nil), 404, "Chat not found")

	r = bob.do("GET", "/api/chat/list", nil)
	if chats := r.Body["chats"].([]any); len(chats) != 1 || int64(chats[0].(map[string]any)["user_id"].(float64)) != bobID {
		t.Fatalf("bob's list: %s", r.Raw)
	}
}

func TestCORS(t *testing.T) {
	srv := servertest.StartSQLite(t)
	preflight := func(origin string) *http.Response {
		req, _ := http.NewRequest("OPTIONS", srv.URL+"/api/auth/login", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "content-type")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	resp := preflight(testOrigin)
	if resp.StatusCode != http.StatusNoContent ||
		resp.Header.Get("Access-Control-Allow-Origin") != testOrigin ||
		resp.Header.Get("Access-Control-Allow-Credentials") != "true" ||
		!strings.Contains(resp.Header.Get("Access-Control-Allow-Methods"), "DELETE") ||
		!strings.Contains(resp.Header.Get("Access-Control-Allow-Methods"), "PATCH") ||
		!strings.Contains(strings.ToLower(resp.Header.Get("Access-Control-Allow-Headers")), "content-type") {
		t.Fatalf("preflight from allowed origin: %d %v", resp.StatusCode, resp.Header)
	}
	if got := preflight("http://evil.example").Header.Get("Access-Control-Allow-Origin"); got != "" {
		t.Fatalf("foreign origin allowed: %q", got)
	}
	r := newBrowser(t, srv).do("GET", "/health", nil)
	if r.Header.Get("Access-Control-Allow-Origin") != testOrigin || r.Header.Get("Access-Control-Allow-Credentials") != "true" {
		t.Fatalf("simple request lacks CORS headers: %v", r.Header)
	}
}

func TestUnknownRoutesAnswerJSON(t *testing.T) {
	srv := servertest.StartSQLite(t)
	b := newBrowser(t, srv)
	expect(t, b.do("GET", "/api/nope", nil), 404, "Not found")
	expect(t, b.do("DELETE", "/api/auth/login", nil), 405, "Method not allowed")
	expect(t, b.do("GET", "/api/auth/signup", nil), 405, "Method not allowed")
}

func TestBranding(t *testing.T) {
	srv := servertest.StartSQLite(t)
	b := newBrowser(t, srv)

	r := b.do("GET", "/api/branding", nil)
	data, _ := r.Body["data"].(map[string]any)
	if r.Status != 200 || r.Body["success"] != true || data["assistant"].(map[string]any)["name"] != "Assistant" ||
		data["assistant"].(map[string]any)["tagline"] != "Your AI Companion" {
		t.Fatalf("default branding: %d %s", r.Status, r.Raw)
	}
	if data["features"].(map[string]any)["voiceChatEnabled"] != true {
		t.Fatalf("features do not default to true: %s", r.Raw)
	}

	yaml := `assistant:
  name: Amanda
  role: relationship coach
  tagline: Here for you
ui:
  page_title: "{assistant_name}, your {role}"
features:
  admin_dashboard_enabled: false
`
	if err := os.WriteFile(srv.Config.BrandingFile, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	r = b.do("POST", "/api/branding/reload", nil)
	if r.Status != 200 || r.Body["success"] != true || r.Body["message"] != "Branding configuration reloaded successfully" {
		t.Fatalf("reload: %d %s", r.Status, r.Raw)
	}
	r = b.do("GET", "/api/branding", nil)
	data = r.Body["data"].(map[string]any)
	if data["assistant"].(map[string]any)["name"] != "Amanda" ||
		data["ui"].(map[string]any)["pageTitle"] != "Amanda, your relationship coach" ||
		data["features"].(map[string]any)["adminDashboardEnabled"] != false {
		t.Fatalf("branding after reload: %s", r.Raw)
	}

	// A broken file is reported and the last good branding keeps serving.
	if err := os.WriteFile(srv.Config.BrandingFile, []byte("assistant: [unclosed"), 0o600); err != nil {
		t.Fatal(err)
	}
	r = b.do("POST", "/api/branding/reload", nil)
	if r.Status != 500 || r.Body["success"] != false || r.Body["error"] == nil {
		t.Fatalf("reload of a broken file: %d %s", r.Status, r.Raw)
	}
	r = b.do("GET", "/api/branding", nil)
	if r.Body["data"].(map[string]any)["assistant"].(map[string]any)["name"] != "Amanda" {
		t.Fatalf("branding lost after a failed reload: %s", r.Raw)
	}
}

// TestEveryAPIRouteAnswersUnderV1: /api/v1/... is /api/..., and the
// unversioned paths stay.
func TestEveryAPIRouteAnswersUnderV1(t *testing.T) {
	srv := servertest.StartSQLite(t)
	b := newBrowser(t, srv)
	r := b.do("POST", "/api/v1/auth/signup", map[string]string{"email": "v1@example.com", "password": "password123"})
	expect(t, r, http.StatusCreated, "")
	chat := b.do("POST", "/api/v1/chat/create", nil)
	expect(t, chat, http.StatusCreated, "")
	for _, prefix := range []string{"/api", "/api/v1"} {
		if r := b.do("GET", prefix+"/chat/list", nil); r.Status != http.StatusOK || len(r.Body["chats"].([]any)) != 1 {
			t.Fatalf("%s/chat/list: %d %s", prefix, r.Status, r.Raw)
		}
		expect(t, b.do("GET", fmt.Sprintf("%s/chat/%d/messages", prefix, int64(chat.Body["chat_id"].(float64))), nil), http.StatusOK, "")
		expect(t, b.do("GET", prefix+"/user/profile", nil), http.StatusOK, "")
	}
	expect(t, b.do("GET", "/api/v1/nothing-here", nil), http.StatusNotFound, "Not found")
	expect(t, newBrowser(t, srv).do("GET", "/api/v1/chat/list", nil), http.StatusUnauthorized, "Authentication required")
	// Not versioned.
	expect(t, b.do("GET", "/api/v1/health", nil), http.StatusNotFound, "")
}
