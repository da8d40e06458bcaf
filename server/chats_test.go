package server_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/amanda-platform/amanda-backend/server"
	"github.com/amanda-platform/amanda-backend/server/servertest"
	"github.com/amanda-platform/amanda-backend/store/storetest"
)

func TestRenameAndDeleteChats(t *testing.T) {
	storetest.EachEmpty(t, func(t *testing.T, databaseURL string) {
		srv := servertest.Start(t, databaseURL, func(c *server.Config) { c.SessionType = "sqlalchemy" })
		ctx := context.Background()
		alice := newBrowser(t, srv)
		aliceID := alice.signup("alice@example.com", "password123")
		renamed := alice.createChat()

		r := alice.do("PATCH", fmt.Sprintf("/api/chat/%d", renamed), map[string]string{"title": "  Trip to Rome \n"})
		expect(t, r, http.StatusOK, "")
		chat, _ := r.Body["chat"].(map[string]any)
		if r.Body["success"] != true || chat["title"] != "Trip to Rome" || int64(chat["id"].(float64)) != renamed ||
			int64(chat["user_id"].(float64)) != aliceID || chat["message_count"] != 0.0 ||
			chat["created_at"] == nil || chat["last_message_time"] != chat["created_at"] {
			t.Fatalf("rename: %s", r.Raw)
		}
		// The first message does not undo the rename.
		if _, err := srv.App.Store().AddUserMessage(ctx, renamed, "hello", "hello"); err != nil {
			t.Fatal(err)
		}
		r = alice.do("GET", "/api/chat/list", nil)
		if listed := r.Body["chats"].([]any)[0].(map[string]any); listed["title"] != "Trip to Rome" || listed["message_count"] != 1.0 {
			t.Fatalf("list after the first message: %s", r.Raw)
		}
		// A hundred characters are allowed, however many bytes they take.
		r = alice.do("PATCH", fmt.Sprintf("/api/v1/chat/%d", renamed), map[string]string{"title": strings.Repeat("é", 100)})
		if r.Status != http.StatusOK || r.Body["chat"].(map[string]any)["title"] != strings.Repeat("é", 100) ||
			r.Body["chat"].(map[string]any)["message_count"] != 1.0 {
			t.Fatalf("rename to 100 two-byte characters: %d %s", r.Status, r.Raw)
		}

		doomed := alice.createChat()
		for _, text := range []string{"one", "two"} {
			if _, err := srv.App.Store().AddUserMessage(ctx, doomed, text, text); err != nil {
				t.Fatal(err)
			}
		}
		for _, deleted := range []struct {
			prefix string
			id     int64
		}{{"/api", doomed}, {"/api/v1", alice.createChat()}} {
			path := fmt.Sprintf("%s/chat/%d", deleted.prefix, deleted.id)
			r = alice.do("DELETE", path, nil)
			if r.Status != http.StatusOK || r.Body["success"] != true || r.Body["message"] != "Chat deleted" {
				t.Fatalf("DELETE %s: %d %s", path, r.Status, r.Raw)
			}
			expect(t, alice.do("GET", path+"/messages", nil), http.StatusNotFound, "Chat not found")
			expect(t, alice.do("DELETE", path, nil), http.StatusNotFound, "Chat not found")
			expect(t, alice.do("PATCH", path, map[string]string{"title": "x"}), http.StatusNotFound, "Chat not found")
		}
		if n := storetest.Scalar[int64](t, databaseURL, "SELECT COUNT(*) FROM messages WHERE chat_id = $1", doomed); n != 0 {
			t.Errorf("%d messages of the deleted chat remain", n)
		}
		r = alice.do("GET", "/api/chat/list", nil)
		if chats := r.Body["chats"].([]any); len(chats) != 1 || int64(chats[0].(map[string]any)["id"].(float64)) != renamed {
			t.Fatalf("list after deleting: %s", r.Raw)
		}
	})
}

func TestRenameAndDeleteRefuseOthers(t *testing.T) {
	srv := servertest.StartSQLite(t)
	alice := newBrowser(t, srv)
	alice.signup("alice@example.com", "password123")
	own := alice.createChat()
	bob := newBrowser(t, srv)
	bob.signup("bob@example.com", "password123")
	bobs := bob.createChat()

	stranger := newBrowser(t, srv)
	for _, route := range []struct{ method, path string }{
		{"PATCH", fmt.Sprintf("/api/chat/%d", own)}, {"DELETE", fmt.Sprintf("/api/v1/chat/%d", own)},
		{"GET", fmt.Sprintf("/api/chat/%d/messages?limit=1", own)}, {"GET", "/api/chat/list?limit=1"},
	} {
		expect(t, stranger.do(route.method, route.path, map[string]string{"title": "x"}), 401, "Authentication required")
	}

	expect(t, alice.do("PATCH", fmt.Sprintf("/api/chat/%d", bobs), map[string]string{"title": "mine"}), 403, "Access denied")
	expect(t, alice.do("DELETE", fmt.Sprintf("/api/chat/%d", bobs), nil), 403, "Access denied")
	expect(t, alice.do("GET", fmt.Sprintf("/api/chat/%d/messages?limit=5&before=10", bobs), nil), 403, "Access denied")
	r := bob.do("GET", "/api/chat/list", nil)
	if chats := r.Body["chats"].([]any); len(chats) != 1 || chats[0].(map[string]any)["title"] != "New Chat" {
		t.Fatalf("bob's chat after alice's attempts: %s", r.Raw)
	}
	for _, path := range []string{"/api/chat/999999", "/api/chat/abc", "/api/chat/-1"} {
		expect(t, alice.do("PATCH", path, map[string]string{"title": "x"}), 404, "Chat not found")
		expect(t, alice.do("DELETE", path, nil), 404, "Chat not found")
	}
	expect(t, alice.do("GET", "/api/chat/999999/messages?limit=5", nil), 404, "Chat not found")

	const invalidTitle = "Title must be 1 to 100 characters"
	for name, body := range map[string]any{
		"no body":           nil,
		"malformed JSON":    `{"title": "a`,
		"no title":          `{}`,
		"null title":        `{"title": null}`,
		"a number":          `{"title": 5}`,
		"a list":            `{"title": ["a"]}`,
		"an array body":     `["a"]`,
		"empty":             map[string]string{"title": ""},
		"blank":             map[string]string{"title": " \t\n "},
		"101 characters":    map[string]string{"title": strings.Repeat("a", 101)},
		"100000 bytes":      map[string]string{"title": strings.Repeat("a", 100000)},
		"101 two-byte ones": map[string]string{"title": strings.Repeat("é", 101)},
	} {
		t.Run(name, func(t *testing.T) {
			expect(t, alice.do("PATCH", fmt.Sprintf("/api/chat/%d", own), body), 400, invalidTitle)
		})
	}
	expect(t, alice.do("PATCH", fmt.Sprintf("/api/chat/%d", own), `{"title": "`+strings.Repeat("a", 2<<20)+`"}`), 413, "Request body too large")
	r = alice.do("GET", "/api/chat/list", nil)
	if title := r.Body["chats"].([]any)[0].(map[string]any)["title"]; title != "New Chat" {
		t.Fatalf("title after refused renames: %v", title)
	}
}

func TestPagedMessages(t *testing.T) {
	storetest.EachEmpty(t, func(t *testing.T, databaseURL string) {
		srv := servertest.Start(t, databaseURL, func(c *server.Config) { c.SessionType = "sqlalchemy" })
		alice := newBrowser(t, srv)
		alice.signup("alice@example.com", "password123")
		chatID := alice.createChat()
		var ids []int64
		for i := range 5 {
			m, err := srv.App.Store().AddUserMessage(context.Background(), chatID, fmt.Sprint("message ", i), "title")
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, m.ID)
		}
		page := func(query string) (ids []int64, hasMore any) {
			t.Helper()
			r := alice.do("GET", fmt.Sprintf("/api/v1/chat/%d/messages%s", chatID, query), nil)
			expect(t, r, http.StatusOK, "")
			for _, m := range r.Body["messages"].([]any) {
				ids = append(ids, int64(m.(map[string]any)["id"].(float64)))
			}
			return ids, r.Body["has_more"]
		}
		for _, tc := range []struct {
			query   string
			want    []int64
			hasMore bool
		}{
			{"", ids, false},
			{"?limit=2", ids[3:], true},
			{fmt.Sprintf("?limit=2&before=%d", ids[3]), ids[1:3], true},
			{fmt.Sprintf("?limit=2&before=%d", ids[1]), ids[:1], false},
			{fmt.Sprintf("?before=%d", ids[4]), ids[:4], false}, // 50 by default
			{"?limit=5", ids, false},
			{fmt.Sprintf("?limit=200&before=%d", ids[0]), nil, false},
		} {
			got, hasMore := page(tc.query)
			if fmt.Sprint(got) != fmt.Sprint(tc.want) || hasMore != tc.hasMore {
				t.Errorf("messages%s = %v, has_more %v; want %v, %v", tc.query, got, hasMore, tc.want, tc.hasMore)
			}
		}
		for _, query := range []string{
			"?limit=0", "?limit=201", "?limit=-1", "?limit=abc", "?limit=", "?limit=1.5",
			"?before=0", "?before=-3", "?before=x", "?before=", "?limit=5&before=1e3",
		} {
			expect(t, alice.do("GET", fmt.Sprintf("/api/chat/%d/messages%s", chatID, query), nil), 400, "Invalid paging parameters")
		}
	})
}

func TestPagedChatList(t *testing.T) {
	storetest.EachEmpty(t, func(t *testing.T, databaseURL string) {
		srv := servertest.Start(t, databaseURL, func(c *server.Config) { c.SessionType = "sqlalchemy" })
		alice := newBrowser(t, srv)
		alice.signup("alice@example.com", "password123")
		for range 5 {
			alice.createChat()
		}
		chatIDs := func(r response) (ids []int64) {
			for _, ch := range r.Body["chats"].([]any) {
				ids = append(ids, int64(ch.(map[string]any)["id"].(float64)))
			}
			return ids
		}
		r := alice.do("GET", "/api/chat/list", nil)
		if cursor, ok := r.Body["next_cursor"]; r.Status != 200 || !ok || cursor != nil {
			t.Fatalf("list without limit: %d %s", r.Status, r.Raw)
		}
		every := chatIDs(r)

		var walked []int64
		path := "/api/chat/list?limit=2"
		for pages := 1; ; pages++ {
			r = alice.do("GET", path, nil)
			expect(t, r, http.StatusOK, "")
			walked = append(walked, chatIDs(r)...)
			if len(chatIDs(r)) > 2 || pages > len(every) {
				t.Fatalf("page %d: %s", pages, r.Raw)
			}
			cursor, ok := r.Body["next_cursor"]
			if !ok {
				t.Fatalf("page without next_cursor: %s", r.Raw)
			}
			if cursor == nil {
				break
			}
			if pages == 1 {
				// A chat made meanwhile goes to the top, not into the next page.
				alice.createChat()
			}
			path = "/api/v1/chat/list?limit=2&cursor=" + cursor.(string)
		}
		if fmt.Sprint(walked) != fmt.Sprint(every) {
			t.Fatalf("pages = %v, want %v", walked, every)
		}

		for _, query := range []string{
			"?limit=0", "?limit=201", "?limit=x", "?limit=",
			"?limit=2&cursor=", "?limit=2&cursor=%21%21%21",
			"?limit=2&cursor=" + base64.RawURLEncoding.EncodeToString([]byte("x.y")),
			"?limit=2&cursor=" + base64.RawURLEncoding.EncodeToString([]byte("1700000000000000")),
			"?limit=2&cursor=" + base64.RawURLEncoding.EncodeToString([]byte("1700000000000000.0")),
			"?cursor=" + base64.RawURLEncoding.EncodeToString([]byte("1700000000000000.5")),
		} {
			expect(t, alice.do("GET", "/api/chat/list"+query, nil), 400, "Invalid paging parameters")
		}
	})
}
