package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/amanda-platform/amanda-backend/server"
	"github.com/amanda-platform/amanda-backend/server/servertest"
	"github.com/amanda-platform/amanda-backend/store/storetest"
)

// searchPath is GET /api…/chat/search with q and, when not empty, limit.
func searchPath(prefix, q, limit string) string {
	query := url.Values{"q": {q}}
	if limit != "" {
		query.Set("limit", limit)
	}
	return prefix + "/chat/search?" + query.Encode()
}

func TestSearchMessages(t *testing.T) {
	storetest.EachEmpty(t, func(t *testing.T, databaseURL string) {
		srv := servertest.Start(t, databaseURL, func(c *server.Config) { c.SessionType = "sqlalchemy" })
		ctx := context.Background()
		alice := newBrowser(t, srv)
		alice.signup("alice@example.com", "password123")
		chatID := alice.createChat()
		asked, err := srv.App.Store().AddUserMessage(ctx, chatID, "We argue about chores every week", "Chores")
		if err != nil {
			t.Fatal(err)
		}
		answered, err := srv.App.Store().AddAssistantMessage(ctx, chatID, "Arguments about chores chores chores are common")
		if err != nil {
			t.Fatal(err)
		}
		bob := newBrowser(t, srv)
		bob.signup("bob@example.com", "password123")
		if _, err := srv.App.Store().AddUserMessage(ctx, bob.createChat(), "chores at my place", "x"); err != nil {
			t.Fatal(err)
		}

		for _, prefix := range []string{"/api", "/api/v1"} {
			r := alice.do("GET", searchPath(prefix, "  CHORES ", ""), nil)
			expect(t, r, http.StatusOK, "")
			results, _ := r.Body["results"].([]any)
			if len(results) != 2 {
				t.Fatalf("%s: %s, want alice's two messages", prefix, r.Raw)
			}
			best := results[0].(map[string]any)
			if int64(best["message_id"].(float64)) != answered.ID || int64(best["chat_id"].(float64)) != chatID ||
				best["chat_title"] != "Chores" || best["role"] != "assistant" ||
				!strings.Contains(best["snippet"].(string), "«chores»") || !strings.HasSuffix(best["timestamp"].(string), "Z") {
				t.Errorf("%s: best result %v, want the assistant's message with «chores» marked", prefix, best)
			}
			if int64(results[1].(map[string]any)["message_id"].(float64)) != asked.ID {
				t.Errorf("%s: second result %v, want the user's message", prefix, results[1])
			}

			r = alice.do("GET", searchPath(prefix, "chores", "1"), nil)
			if results, _ := r.Body["results"].([]any); r.Status != http.StatusOK || len(results) != 1 {
				t.Errorf("%s limit=1: %d %s", prefix, r.Status, r.Raw)
			}
			r = alice.do("GET", searchPath(prefix, "holiday", "100"), nil)
			if results, ok := r.Body["results"].([]any); r.Status != http.StatusOK || !ok || len(results) != 0 {
				t.Errorf("%s no match: %d %s, want results []", prefix, r.Status, r.Raw)
			}
			r = alice.do("GET", searchPath(prefix, `"!?`, ""), nil)
			if results, ok := r.Body["results"].([]any); r.Status != http.StatusOK || !ok || len(results) != 0 {
				t.Errorf("%s punctuation: %d %s, want results []", prefix, r.Status, r.Raw)
			}
			r = alice.do("GET", searchPath(prefix, strings.Repeat("é", 200), ""), nil)
			expect(t, r, http.StatusOK, "")

			for _, q := range []string{"", "   ", strings.Repeat("a", 201)} {
				expect(t, alice.do("GET", searchPath(prefix, q, ""), nil), http.StatusBadRequest, "Search text must be 1 to 200 characters")
			}
			expect(t, alice.do("GET", prefix+"/chat/search", nil), http.StatusBadRequest, "Search text must be 1 to 200 characters")
			expect(t, alice.do("GET", prefix+"/chat/search?q=%FF%FE", nil), http.StatusBadRequest, "Search text must be 1 to 200 characters")
			for _, limit := range []string{"0", "-1", "101", "abc", "1.5"} {
				expect(t, alice.do("GET", searchPath(prefix, "chores", limit), nil), http.StatusBadRequest, "Invalid paging parameters")
			}
			expect(t, alice.do("GET", prefix+"/chat/search?q=chores&limit=", nil), http.StatusBadRequest, "Invalid paging parameters")

			stranger := newBrowser(t, srv)
			expect(t, stranger.do("GET", searchPath(prefix, "chores", ""), nil), http.StatusUnauthorized, "Authentication required")
		}

		// Deleting the chat removes its messages from the results.
		expect(t, alice.do("DELETE", fmt.Sprintf("/api/chat/%d", chatID), nil), http.StatusOK, "")
		r := alice.do("GET", searchPath("/api", "chores", ""), nil)
		if results, _ := r.Body["results"].([]any); r.Status != http.StatusOK || len(results) != 0 {
			t.Errorf("after deleting the chat: %d %s", r.Status, r.Raw)
		}
	})
}
