package main

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/amanda-platform/amanda-backend/datamove"
	"github.com/amanda-platform/amanda-backend/server/servertest"
	"github.com/amanda-platform/amanda-backend/store/storetest"
)

// The old service's SQLite file, copied into a fresh PostgreSQL database:
// the service on the copy serves every user with their old password and
// answers exactly what it answers on the old file, search finds the copied
// messages, new rows take fresh ids, and the source is left as it was.
func TestMigrateDataOldServiceSQLiteToPostgres(t *testing.T) {
	const bulk = 30
	source := oldServiceSQLite(t, bulk)
	target := postgresDatabase(t)
	before := fileSum(t, source)

	out, err := migrate(t, "--from", source, "--to", target, "--batch-size", "7")
	if err != nil {
		t.Fatal(err)
	}
	if fileSum(t, source) != before {
		t.Error("the source file changed")
	}
	for _, want := range []string{"users     2            2            match", "messages  33           33           match", "sessions are not copied"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}

	// The reference: the service on (a copy of) the old file itself.
	reference := filepath.Join(t.TempDir(), "reference.db")
	data, err := os.ReadFile(strings.TrimPrefix(source, "sqlite:///"))
	if err != nil || os.WriteFile(reference, data, 0o600) != nil {
		t.Fatal(err)
	}
	onOld := servertest.Start(t, "sqlite:///"+reference)
	onNew := servertest.Start(t, target)
	for _, email := range []string{"ada@example.com", "grace@example.com"} {
		oldClient, newClient := newAPIClient(t, onOld.URL), newAPIClient(t, onNew.URL)
		oldClient.login(email)
		newClient.login(email)
		if status, _ := newClient.call("POST", "/api/auth/login", map[string]string{"email": email, "password": "wrong-password"}); status != http.StatusUnauthorized {
			t.Errorf("%s: a wrong password answered %d", email, status)
		}
		sameAnswer(t, oldClient, newClient, "/api/user/profile")
		list, _ := sameAnswer(t, oldClient, newClient, "/api/chat/list")
		for _, chat := range list.Chats {
			sameAnswer(t, oldClient, newClient, chatMessagesPath(chat.ID))
		}
	}

	ada := newAPIClient(t, onNew.URL)
	ada.login("ada@example.com")
	messages, _ := get[messagesAnswer](ada, chatMessagesPath(1))
	if len(messages.Messages) != 2 || messages.Messages[1].Timestamp != "2025-02-01T10:00:03Z" || messages.Messages[0].Timestamp != "2025-02-01T10:00:01.000001Z" {
		t.Errorf("chat 1's messages: %+v", messages)
	}
	found, raw := get[searchAnswer](ada, "/api/chat/search?q=lonely")
	if len(found.Results) != 1 || found.Results[0].MessageID != 2 {
		t.Errorf("search for a copied message: %s", raw)
	}
	grace := newAPIClient(t, onNew.URL)
	grace.login("grace@example.com")
	if found, raw := get[searchAnswer](grace, "/api/chat/search?q=café"); len(found.Results) != 1 || found.Results[0].MessageID != 3 {
		t.Errorf("search for a copied message beyond ASCII: %s", raw)
	}

	// New rows continue after the copied ids.
	status, raw := ada.call("POST", "/api/chat/create", nil)
	if status != http.StatusCreated || !strings.Contains(string(raw), `"chat_id":4`) {
		t.Errorf("new chat: %d %s; want id 4, after the 3 copied", status, raw)
	}
	s := storetest.Open(t, target)
	message, err := s.AddUserMessage(context.Background(), 1, "a new message", "")
	if err != nil || message.ID != 5+bulk+1 {
		t.Errorf("new message: %+v, %v; want id %d", message, err, 5+bulk+1)
	}
	if user, err := s.CreateUser(context.Background(), "new@example.com", "x"); err != nil || user.ID != 3 {
		t.Errorf("new user: %+v, %v; want id 3", user, err)
	}
}

type chatListAnswer struct {
	Chats []struct {
		ID int64 `json:"id"`
	} `json:"chats"`
}

type messagesAnswer struct {
	Messages []struct {
		ID        int64  `json:"id"`
		Timestamp string `json:"timestamp"`
	} `json:"messages"`
}

type searchAnswer struct {
	Results []struct {
		MessageID int64 `json:"message_id"`
	} `json:"results"`
}

// sameAnswer GETs path from both services and fails unless the bodies are
// byte for byte the same.
func sameAnswer(t *testing.T, oldClient, newClient *apiClient, path string) (chatListAnswer, []byte) {
	t.Helper()
	_, oldRaw := get[chatListAnswer](oldClient, path)
	decoded, newRaw := get[chatListAnswer](newClient, path)
	if !bytes.Equal(oldRaw, newRaw) {
		t.Errorf("GET %s differs:\nold service's file: %s\nmigrated copy:      %s", path, oldRaw, newRaw)
	}
	return decoded, newRaw
}

// Changing one row of the target after a copy fails verification, whether
// it is text, a time by a microsecond or a NULL.
func TestMigrateDataVerifyDetectsAChangedRow(t *testing.T) {
	source := oldServiceSQLite(t, 10)
	for _, change := range []string{
		"UPDATE messages SET content = content || '.' WHERE id = 8",
		"UPDATE messages SET timestamp = timestamp + interval '1 microsecond' WHERE id = 9",
		"UPDATE chats SET title = NULL WHERE id = 1",
	} {
		t.Run(change, func(t *testing.T) {
			target := postgresDatabase(t)
			if _, err := migrate(t, "--from", source, "--to", target); err != nil {
				t.Fatal(err)
			}
			if _, err := migrate(t, "--from", source, "--to", target, "--verify-only"); err != nil {
				t.Fatalf("verification of an untouched copy: %v", err)
			}
			storetest.Exec(t, target, change)
			out, err := migrate(t, "--from", source, "--to", target, "--verify-only")
			if !errors.Is(err, datamove.ErrMismatch) || !strings.Contains(out, "DIFFERENT") {
				t.Errorf("verification after %q: %v", change, err)
			}
		})
	}
}
