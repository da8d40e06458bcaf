package main

import (
	"net/http"
	"path/filepath"
	"testing"

	"github.com/amanda-platform/amanda-backend/server/servertest"
	"github.com/amanda-platform/amanda-backend/store/storetest"
)

// SQLite → PostgreSQL → SQLite (a rollback): the last file holds what the
// first did, the service serves it (login, search), and its AUTOINCREMENT
// sequences continue after the copied ids.
func TestMigrateDataPostgresToSQLiteRoundTrip(t *testing.T) {
	source := oldServiceSQLite(t, 25)
	middle := postgresDatabase(t)
	back := "sqlite:///" + filepath.Join(t.TempDir(), "rollback.db")
	if _, err := migrate(t, "--from", source, "--to", middle); err != nil {
		t.Fatal(err)
	}
	// A message and a chat deleted in PostgreSQL after the copy: their ids
	// must not be handed out again in the rolled back file.
	storetest.Exec(t, middle, "DELETE FROM messages WHERE id = (SELECT MAX(id) FROM messages)")
	if _, err := migrate(t, "--from", middle, "--to", back, "--batch-size", "4"); err != nil {
		t.Fatal(err)
	}
	if _, err := migrate(t, "--from", back, "--to", middle, "--verify-only"); err != nil {
		t.Errorf("the rolled back file differs from PostgreSQL: %v", err)
	}
	if seq := storetest.Scalar[int64](t, back, "SELECT seq FROM sqlite_sequence WHERE name = 'messages'"); seq != 5+25 {
		t.Errorf("messages' sequence at %d in the rolled back file, want %d (the deleted message's id)", seq, 5+25)
	}

	srv := servertest.Start(t, back)
	ada := newAPIClient(t, srv.URL)
	ada.login("ada@example.com")
	if found, raw := get[searchAnswer](ada, "/api/chat/search?q=lonely"); len(found.Results) != 1 || found.Results[0].MessageID != 2 {
		t.Errorf("search in the rolled back file: %s", raw)
	}
	grace := newAPIClient(t, srv.URL)
	grace.login("grace@example.com")
	if status, raw := grace.call("POST", "/api/chat/create", nil); status != http.StatusCreated {
		t.Errorf("new chat in the rolled back file: %d %s", status, raw)
	}
	if n := storetest.Scalar[int64](t, back, "SELECT MAX(id) FROM chats"); n != 4 {
		t.Errorf("the new chat took id %d, want 4", n)
	}
}
