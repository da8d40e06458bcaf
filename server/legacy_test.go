package server_test

import (
	"fmt"
	"testing"

	"github.com/amanda-platform/amanda-backend/server/servertest"
	"github.com/amanda-platform/amanda-backend/store/storetest"
)

const (
	legacyPassword = storetest.LegacyPassword
	legacyPBKDF2   = storetest.LegacyPBKDF2
	legacyScrypt   = storetest.LegacyScrypt
)

// TestOldServiceDatabaseOpensInPlace builds a database exactly as the old
// service left it, then serves its users through the API.
func TestOldServiceDatabaseOpensInPlace(t *testing.T) {
	storetest.EachEmpty(t, func(t *testing.T, databaseURL string) {
		storetest.CreateLegacySchema(t, databaseURL)
		insert := func(query string, args ...any) int64 {
			return storetest.Scalar[int64](t, databaseURL, query+" RETURNING id", args...)
		}
		pbkdf2User := insert(`INSERT INTO users (email, password_hash, created_at) VALUES ($1, $2, '2025-01-02 03:04:05.123456')`,
			"old-pbkdf2@example.com", legacyPBKDF2)
		insert(`INSERT INTO users (email, password_hash, created_at) VALUES ($1, $2, '2025-01-03 00:00:00')`,
			"old-scrypt@example.com", legacyScrypt)
		chat := insert(`INSERT INTO chats (user_id, title, created_at) VALUES ($1, 'Feeling distant', '2025-02-01 10:00:00')`, pbkdf2User)
		untitled := insert(`INSERT INTO chats (user_id, title, created_at) VALUES ($1, NULL, '2025-01-15 09:00:00.5')`, pbkdf2User)
		insert(`INSERT INTO messages (chat_id, role, content, timestamp) VALUES ($1, 'user', 'We barely talk lately', '2025-02-01 10:00:01.000001')`, chat)
		insert(`INSERT INTO messages (chat_id, role, content, timestamp) VALUES ($1, 'assistant', 'That sounds lonely.', '2025-02-01 10:00:03')`, chat)

		srv := servertest.Start(t, databaseURL)
		for _, email := range []string{"old-pbkdf2@example.com", "old-scrypt@example.com"} {
			b := newBrowser(t, srv)
			r := b.do("POST", "/api/auth/login", map[string]string{"email": email, "password": legacyPassword})
			expect(t, r, 200, "")
			expect(t, b.do("POST", "/api/auth/login", map[string]string{"email": email, "password": "wrong-password"}), 401, "Invalid email or password")
		}

		b := newBrowser(t, srv)
		expect(t, b.do("POST", "/api/auth/login", map[string]string{"email": "old-pbkdf2@example.com", "password": legacyPassword}), 200, "")
		r := b.do("GET", "/api/user/profile", nil)
		if r.Body["created_at"] != "2025-01-02T03:04:05.123456Z" {
			t.Fatalf("naive UTC time read wrongly: %s", r.Raw)
		}
		r = b.do("GET", "/api/chat/list", nil)
		chats := r.Body["chats"].([]any)
		if len(chats) != 2 {
			t.Fatalf("chats: %s", r.Raw)
		}
		first, second := chats[0].(map[string]any), chats[1].(map[string]any)
		if first["title"] != "Feeling distant" || first["message_count"] != 2.0 || first["last_message_time"] != "2025-02-01T10:00:03Z" {
			t.Fatalf("legacy chat: %v", first)
		}
		if second["title"] != "New Chat" || second["last_message_time"] != "2025-01-15T09:00:00.5Z" {
			t.Fatalf("legacy chat without title: %v", second)
		}
		r = b.do("GET", fmt.Sprintf("/api/chat/%d/messages", chat), nil)
		messages := r.Body["messages"].([]any)
		if len(messages) != 2 || messages[0].(map[string]any)["content"] != "We barely talk lately" ||
			messages[0].(map[string]any)["timestamp"] != "2025-02-01T10:00:01.000001Z" {
			t.Fatalf("legacy messages: %s", r.Raw)
		}
		expect(t, b.do("GET", fmt.Sprintf("/api/chat/%d/messages", untitled), nil), 200, "")

		// New rows are written so the old service could read them back.
		newUser := newBrowser(t, srv).signup("new@example.com", "password123")
		hash := storetest.Scalar[string](t, databaseURL, "SELECT password_hash FROM users WHERE id = $1", newUser)
		if len(hash) < 22 || hash[:21] != "pbkdf2:sha256:600000$" {
			t.Fatalf("new hash %q is not Werkzeug's default form", hash)
		}
	})
}
