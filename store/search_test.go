package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/amanda-platform/amanda-backend/store"
	"github.com/amanda-platform/amanda-backend/store/storetest"
)

// search runs Store.Search or fails the test.
func search(t *testing.T, s store.Store, userID int64, query string, limit int) []store.SearchResult {
	t.Helper()
	results, err := s.Search(context.Background(), userID, query, limit)
	if err != nil {
		t.Fatalf("Search(%d, %q, %d): %v", userID, query, limit, err)
	}
	if results == nil {
		t.Fatalf("Search(%d, %q, %d) = nil, want a non-nil slice", userID, query, limit)
	}
	return results
}

// resultIDs is the message ids of results, in order.
func resultIDs(results []store.SearchResult) []int64 {
	ids := make([]int64, len(results))
	for i, r := range results {
		ids[i] = r.MessageID
	}
	return ids
}

func wantIDs(t *testing.T, what string, results []store.SearchResult, want ...int64) {
	t.Helper()
	got := resultIDs(results)
	if len(got) != len(want) {
		t.Errorf("%s: message ids %v, want %v", what, got, want)
		return
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("%s: message ids %v, want %v", what, got, want)
			return
		}
	}
}

func TestSQLiteHasFTS5(t *testing.T) {
	_, databaseURL := storetest.SQLite(t)
	if !storetest.Scalar[bool](t, databaseURL, "SELECT sqlite_compileoption_used('ENABLE_FTS5')") {
		t.Fatal("modernc.org/sqlite is built without FTS5")
	}
}

func TestSearchFindsWordsOfBothRoles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store, _ string) {
		user := mustUser(t, s, "ada@example.com")
		chat := mustChat(t, s, user.ID)
		asked := mustMessage(t, s, chat.ID, store.RoleUser, "How do I talk to my partner about money?")
		answered := mustMessage(t, s, chat.ID, store.RoleAssistant, "Pick a calm moment and talk about shared goals first.")

		results := search(t, s, user.ID, "MONEY", 20)
		wantIDs(t, "money", results, asked.ID)
		if len(results) == 1 {
			r := results[0]
			if r.ChatID != chat.ID || r.ChatTitle != "title: "+asked.Content || r.Role != store.RoleUser || !r.Timestamp.Equal(asked.Timestamp) {
				t.Errorf("result = %+v, want chat %d titled from the first message, role user, time %v", r, chat.ID, asked.Timestamp)
			}
			if !strings.Contains(r.Snippet, store.SnippetStart+"money"+store.SnippetStop) {
				t.Errorf("snippet %q does not mark %q", r.Snippet, "money")
			}
		}
		results = search(t, s, user.ID, "goals calm", 20)
		wantIDs(t, "goals calm (any order)", results, answered.ID)
		if len(results) == 1 && results[0].Role != store.RoleAssistant {
			t.Errorf("role = %q, want assistant", results[0].Role)
		}
		wantIDs(t, "every word must match", search(t, s, user.ID, "money goals", 20))
		wantIDs(t, "whole words", search(t, s, user.ID, "mon", 20))
		wantIDs(t, "no match", search(t, s, user.ID, "holiday", 20))
	})
}

func TestSearchRanksBetterMatchFirst(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store, _ string) {
		user := mustUser(t, s, "ada@example.com")
		chat := mustChat(t, s, user.ID)
		better := mustMessage(t, s, chat.ID, store.RoleUser, "trust trust trust")
		worse := mustMessage(t, s, chat.ID, store.RoleAssistant, "Building trust takes time, patience and many small kept promises between two people.")
		wantIDs(t, "better match first, though older", search(t, s, user.ID, "trust", 20), better.ID, worse.ID)

		// Equal matches: the newest first.
		first := mustMessage(t, s, chat.ID, store.RoleUser, "same words here")
		second := mustMessage(t, s, chat.ID, store.RoleUser, "same words here")
		wantIDs(t, "ties newest first", search(t, s, user.ID, "same words", 20), second.ID, first.ID)
		wantIDs(t, "limit", search(t, s, user.ID, "same words", 1), second.ID)
	})
}

func TestSearchOnlyTheCallersChats(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store, _ string) {
		ada := mustUser(t, s, "ada@example.com")
		grace := mustUser(t, s, "grace@example.com")
		adas := mustMessage(t, s, mustChat(t, s, ada.ID).ID, store.RoleUser, "secret plans")
		graces := mustMessage(t, s, mustChat(t, s, grace.ID).ID, store.RoleUser, "secret plans")
		wantIDs(t, "ada", search(t, s, ada.ID, "secret", 20), adas.ID)
		wantIDs(t, "grace", search(t, s, grace.ID, "secret", 20), graces.ID)
		wantIDs(t, "nobody", search(t, s, grace.ID+1000, "secret", 20))
	})
}

func TestSearchFollowsChanges(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store, databaseURL string) {
		ctx := context.Background()
		user := mustUser(t, s, "ada@example.com")
		kept := mustChat(t, s, user.ID)
		doomed := mustChat(t, s, user.ID)
		wantIDs(t, "before any message", search(t, s, user.ID, "jealousy", 20))
		keptMessage := mustMessage(t, s, kept.ID, store.RoleUser, "jealousy again")
		doomedMessage := mustMessage(t, s, doomed.ID, store.RoleAssistant, "about jealousy")
		wantIDs(t, "after inserts (equal matches, newest first)", search(t, s, user.ID, "jealousy", 20), doomedMessage.ID, keptMessage.ID)

		if err := s.DeleteChat(ctx, user.ID, doomed.ID); err != nil {
			t.Fatalf("DeleteChat: %v", err)
		}
		wantIDs(t, "after deleting a chat", search(t, s, user.ID, "jealousy", 20), keptMessage.ID)

		storetest.Exec(t, databaseURL, "UPDATE messages SET content = 'envy instead' WHERE id = $1", keptMessage.ID)
		wantIDs(t, "old text after an update", search(t, s, user.ID, "jealousy", 20))
		wantIDs(t, "new text after an update", search(t, s, user.ID, "envy", 20), keptMessage.ID)

		storetest.Exec(t, databaseURL, "DELETE FROM users WHERE id = $1", user.ID)
		if n := searchIndexRows(t, databaseURL); n != 0 {
			t.Errorf("%d messages remain indexed after their user was deleted", n)
		}
	})
}

// searchIndexRows counts the messages the search index holds.
func searchIndexRows(t *testing.T, databaseURL string) int64 {
	t.Helper()
	if strings.HasPrefix(databaseURL, "sqlite:") {
		// An external content table reads its rows from messages; its own
		// index is what the triggers keep: count a term's documents.
		return storetest.Scalar[int64](t, databaseURL, `SELECT COUNT(*) FROM messages_fts WHERE messages_fts MATCH '"envy"'`)
	}
	return storetest.Scalar[int64](t, databaseURL, "SELECT COUNT(*) FROM messages WHERE content_tsv @@ to_tsquery('simple', 'envy')")
}

func TestSearchSyntaxNeverFails(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store, _ string) {
		user := mustUser(t, s, "ada@example.com")
		chat := mustChat(t, s, user.ID)
		quoted := mustMessage(t, s, chat.ID, store.RoleUser, `She said "never again" and left`)
		for _, query := range []string{"!!!", "...", `"`, `""`, "'", "*", "-", "(", ")", ":", "^", "+", "&|!<->", "NEAR(", "AND", "OR", "NOT", `"never`, `again"`, `never" OR "`, `x" OR content:"y`} {
			search(t, s, user.ID, query, 20)
		}
		wantIDs(t, "only punctuation", search(t, s, user.ID, `!?"'.,;*()-`, 20))
		wantIDs(t, "quoted words", search(t, s, user.ID, `"never again"`, 20), quoted.ID)
		wantIDs(t, "a stray quote", search(t, s, user.ID, `said" "left`, 20), quoted.ID)
	})
}

// TestSearchIndexesExistingRows opens a store on an old service's database
// that already holds messages: the migration indexes them.
func TestSearchIndexesExistingRows(t *testing.T) {
	storetest.EachEmpty(t, func(t *testing.T, databaseURL string) {
		storetest.CreateLegacySchema(t, databaseURL)
		user := storetest.Scalar[int64](t, databaseURL, `INSERT INTO users (email, password_hash, created_at) VALUES ('ada@example.com', 'x', '2025-11-23 10:30:00') RETURNING id`)
		chat := storetest.Scalar[int64](t, databaseURL, `INSERT INTO chats (user_id, title, created_at) VALUES ($1, NULL, '2025-11-23 10:31:00') RETURNING id`, user)
		old := storetest.Scalar[int64](t, databaseURL, `INSERT INTO messages (chat_id, role, content, timestamp) VALUES ($1, 'assistant', 'an old conversation about forgiveness', '2025-11-23 10:32:00') RETURNING id`, chat)

		s := storetest.Open(t, databaseURL)
		results := search(t, s, user, "forgiveness", 20)
		wantIDs(t, "an old row", results, old)
		if len(results) == 1 && (results[0].ChatTitle != store.DefaultChatTitle || !results[0].Timestamp.Equal(utc(2025, 11, 23, 10, 32, 0, 0))) {
			t.Errorf("result = %+v, want the default title and the old time", results[0])
		}
		added := mustMessage(t, s, chat, store.RoleUser, "more forgiveness")
		wantIDs(t, "old and new rows", search(t, s, user, "forgiveness", 20), added.ID, old)
	})
}
