package store_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/amanda-platform/amanda-backend/store"
	"github.com/amanda-platform/amanda-backend/store/storetest"
)

// TestLegacyDatabaseOpensInPlace builds a database as the old Flask service
// left it, opens a store on it and checks the old data reads back, new data
// fits in, and deletes now cascade.
func TestLegacyDatabaseOpensInPlace(t *testing.T) {
	storetest.EachEmpty(t, func(t *testing.T, databaseURL string) {
		ctx := context.Background()
		storetest.CreateLegacySchema(t, databaseURL)
		insertID := func(query string, args ...any) int64 {
			t.Helper()
			return storetest.Scalar[int64](t, databaseURL, query+" RETURNING id", args...)
		}
		// Times as SQLAlchemy wrote them (naive UTC), with and without
		// microseconds, one with a 'T', and NULLs where the old columns allowed them.
		ada := insertID(`INSERT INTO users (email, password_hash, created_at) VALUES ('ada@example.com', 'pbkdf2:sha256:600000$salt$hash', '2025-11-23 10:30:00.123456')`)
		grace := insertID(`INSERT INTO users (email, password_hash, created_at) VALUES ('grace@example.com', 'pbkdf2:sha256:260000$salt$hash', '2025-11-23 10:30:00')`)
		untitled := insertID(`INSERT INTO chats (user_id, title, created_at) VALUES ($1, NULL, '2025-11-23 10:31:00')`, ada)
		undated := insertID(`INSERT INTO chats (user_id, title, created_at) VALUES ($1, 'Old title', NULL)`, ada)
		bare := insertID(`INSERT INTO chats (user_id, title, created_at) VALUES ($1, NULL, NULL)`, ada)
		first := insertID(`INSERT INTO messages (chat_id, role, content, timestamp) VALUES ($1, 'user', 'hello', '2025-11-23 10:32:00')`, untitled)
		second := insertID(`INSERT INTO messages (chat_id, role, content, timestamp) VALUES ($1, 'assistant', 'hi', '2025-11-23 10:33:00.654321')`, untitled)
		insertID(`INSERT INTO messages (chat_id, role, content, timestamp) VALUES ($1, 'user', 'later', '2025-11-23T10:34:00')`, undated)
		graceChat := insertID(`INSERT INTO chats (user_id, title, created_at) VALUES ($1, 'Grace', '2025-11-23 09:00:00')`, grace)

		s := storetest.Open(t, databaseURL)

		user, err := s.UserByEmail(ctx, "ada@example.com")
		if want := (store.User{ID: ada, Email: "ada@example.com", PasswordHash: "pbkdf2:sha256:600000$salt$hash", CreatedAt: utc(2025, 11, 23, 10, 30, 0, 123456)}); err != nil || user != want {
			t.Errorf("UserByEmail = %+v, %v; want %+v", user, err, want)
		}
		user, err = s.UserByID(ctx, grace)
		if err != nil || user.CreatedAt != utc(2025, 11, 23, 10, 30, 0, 0) {
			t.Errorf("UserByID = %+v, %v; want created at 10:30:00", user, err)
		}
		chat, err := s.ChatByID(ctx, untitled)
		if want := (store.Chat{ID: untitled, UserID: ada, Title: store.DefaultChatTitle, CreatedAt: utc(2025, 11, 23, 10, 31, 0, 0)}); err != nil || chat != want {
			t.Errorf("ChatByID(NULL title) = %+v, %v; want %+v", chat, err, want)
		}
		chat, err = s.ChatByID(ctx, undated)
		if want := (store.Chat{ID: undated, UserID: ada, Title: "Old title"}); err != nil || chat != want {
			t.Errorf("ChatByID(NULL created_at) = %+v, %v; want %+v", chat, err, want)
		}
		messages, err := s.Messages(ctx, ada, untitled)
		wantMessages := []store.Message{
			{ID: first, ChatID: untitled, Role: "user", Content: "hello", Timestamp: utc(2025, 11, 23, 10, 32, 0, 0)},
			{ID: second, ChatID: untitled, Role: "assistant", Content: "hi", Timestamp: utc(2025, 11, 23, 10, 33, 0, 654321)},
		}
		if err != nil || len(messages) != 2 || messages[0] != wantMessages[0] || messages[1] != wantMessages[1] {
			t.Errorf("Messages = %+v, %v; want %+v", messages, err, wantMessages)
		}

		summaries, err := s.ListChats(ctx, ada)
		wantSummaries := []store.ChatSummary{
			{Chat: store.Chat{ID: undated, UserID: ada, Title: "Old title"}, LastMessageTime: utc(2025, 11, 23, 10, 34, 0, 0), MessageCount: 1},
			{Chat: store.Chat{ID: untitled, UserID: ada, Title: store.DefaultChatTitle, CreatedAt: utc(2025, 11, 23, 10, 31, 0, 0)}, LastMessageTime: utc(2025, 11, 23, 10, 33, 0, 654321), MessageCount: 2},
			{Chat: store.Chat{ID: bare, UserID: ada, Title: store.DefaultChatTitle}},
		}
		if err != nil || len(summaries) != len(wantSummaries) {
			t.Fatalf("ListChats = %+v, %v; want %+v", summaries, err, wantSummaries)
		}
		for i := range wantSummaries {
			if summaries[i] != wantSummaries[i] {
				t.Errorf("ListChats[%d] = %+v, want %+v", i, summaries[i], wantSummaries[i])
			}
		}

		// New rows continue the old ids and keep the old service's time format.
		newUser := mustUser(t, s, "new@example.com")
		newChat := mustChat(t, s, ada)
		if newUser.ID <= grace || newChat.ID <= graceChat {
			t.Errorf("new ids user %d, chat %d reuse old ones", newUser.ID, newChat.ID)
		}
		_, err = s.CreateUser(ctx, "grace@example.com", "x")
		wantErr(t, "CreateUser with an old user's email", err, store.ErrEmailTaken)
		wantLegacyTimeFormat(t, databaseURL, newChat.ID)

		storetest.Exec(t, databaseURL, "DELETE FROM users WHERE id = $1", ada)
		if n := storetest.Scalar[int64](t, databaseURL, "SELECT COUNT(*) FROM chats WHERE user_id = $1", ada); n != 0 {
			t.Errorf("%d chats of the deleted old user remain", n)
		}
		if n := storetest.Scalar[int64](t, databaseURL, "SELECT COUNT(*) FROM messages"); n != 0 {
			t.Errorf("%d messages of the deleted old user remain", n)
		}
	})
}

// wantLegacyTimeFormat checks that a chat the store created stores its time
// the way the old service would, so the old service could read it back.
func wantLegacyTimeFormat(t *testing.T, databaseURL string, chatID int64) {
	t.Helper()
	if strings.HasPrefix(databaseURL, "sqlite:") {
		text := storetest.Scalar[string](t, databaseURL, "SELECT CAST(created_at AS TEXT) FROM chats WHERE id = $1", chatID)
		if !regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$`).MatchString(text) {
			t.Errorf("created_at stored as %q, want SQLAlchemy's 2006-01-02 15:04:05.000000", text)
		}
		return
	}
	columnType := storetest.Scalar[string](t, databaseURL,
		"SELECT data_type FROM information_schema.columns WHERE table_name = 'chats' AND column_name = 'created_at'")
	if columnType != "timestamp without time zone" {
		t.Errorf("chats.created_at is %s, want timestamp without time zone", columnType)
	}
	stored := storetest.Scalar[time.Time](t, databaseURL, "SELECT created_at FROM chats WHERE id = $1", chatID)
	if age := time.Since(stored); age < -time.Second || age > time.Minute {
		t.Errorf("created_at stored as %v, want the UTC wall clock of about now", stored)
	}
}

func TestLegacyPostgresForeignKeysAreReplaced(t *testing.T) {
	databaseURL := storetest.EmptyPostgres(t)
	storetest.CreateLegacySchema(t, databaseURL)
	storetest.Open(t, databaseURL)
	for _, name := range []string{"chats_user_id_fkey", "messages_chat_id_fkey"} {
		// 'c' is ON DELETE CASCADE.
		onDelete := storetest.Scalar[string](t, databaseURL, "SELECT string_agg(confdeltype::text, ',') FROM pg_constraint WHERE conname = $1", name)
		if onDelete != "c" {
			t.Errorf("%s: ON DELETE actions %q, want one constraint that cascades", name, onDelete)
		}
	}
}

// SQLite never enforced the old foreign keys, so an old file may hold
// messages of a deleted chat; they must not surface in a chat that later
// takes that id.
func TestLegacySQLiteOrphansAreDropped(t *testing.T) {
	databaseURL := storetest.EmptySQLite(t)
	storetest.CreateLegacySchema(t, databaseURL)
	storetest.Exec(t, databaseURL, `
		PRAGMA foreign_keys = OFF;
		INSERT INTO users (id, email, password_hash, created_at) VALUES (1, 'ada@example.com', 'x', '2025-11-23 10:30:00.000000');
		INSERT INTO chats (id, user_id, title, created_at) VALUES (1, 1, 'kept', '2025-11-23 10:30:00.000000');
		INSERT INTO chats (id, user_id, title, created_at) VALUES (2, 99, 'orphan', '2025-11-23 10:30:00.000000');
		INSERT INTO messages (id, chat_id, role, content, timestamp) VALUES (1, 1, 'user', 'kept', '2025-11-23 10:30:00.000000');
		INSERT INTO messages (id, chat_id, role, content, timestamp) VALUES (2, 2, 'user', 'orphan of an orphan', '2025-11-23 10:30:00.000000');
		INSERT INTO messages (id, chat_id, role, content, timestamp) VALUES (3, 7, 'user', 'orphan', '2025-11-23 10:30:00.000000');`)

	s := storetest.Open(t, databaseURL)

	if n := storetest.Scalar[int64](t, databaseURL, "SELECT COUNT(*) FROM chats"); n != 1 {
		t.Errorf("%d chats after migration, want the 1 with a user", n)
	}
	if n := storetest.Scalar[int64](t, databaseURL, "SELECT COUNT(*) FROM messages"); n != 1 {
		t.Errorf("%d messages after migration, want the 1 with a chat", n)
	}
	// New chats take the orphans' chat ids (2 and 7) without their messages.
	for range 7 {
		chat := mustChat(t, s, 1)
		if messages, err := s.Messages(context.Background(), chat.UserID, chat.ID); err != nil || len(messages) != 0 {
			t.Fatalf("new chat %d has messages %+v, %v", chat.ID, messages, err)
		}
	}
}

func TestLegacyFlaskSessionTableIsReused(t *testing.T) {
	storetest.EachEmpty(t, func(t *testing.T, databaseURL string) {
		ddl := `CREATE TABLE sessions (id SERIAL NOT NULL, session_id VARCHAR(255), data BYTEA, expiry TIMESTAMP WITHOUT TIME ZONE, PRIMARY KEY (id), UNIQUE (session_id))`
		if strings.HasPrefix(databaseURL, "sqlite:") {
			ddl = `CREATE TABLE sessions (id INTEGER NOT NULL, session_id VARCHAR(255), data BLOB, expiry DATETIME, PRIMARY KEY (id), UNIQUE (session_id))`
		}
		storetest.Exec(t, databaseURL, ddl)
		storetest.Exec(t, databaseURL, `INSERT INTO sessions (session_id, data, expiry) VALUES ('session:old', $1, '2999-01-01 00:00:00.000000')`, []byte("old data"))

		sessions := storetest.Open(t, databaseURL).Sessions()
		data, err := sessions.LoadSession(context.Background(), "session:old")
		if err != nil || string(data) != "old data" {
			t.Errorf("LoadSession = %q, %v; want the old session", data, err)
		}
	})
}
