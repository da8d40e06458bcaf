package store_test

import (
	"context"
	"testing"

	"github.com/amanda-platform/amanda-backend/store"
	"github.com/amanda-platform/amanda-backend/store/storetest"
)

// Deletes happen with plain SQL, as an operator would run them: the cascade
// must hold in the database, not only in the store's code.

func TestDeletingAUserDeletesTheirChatsAndMessages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store, databaseURL string) {
		leaving := mustUser(t, s, "ada@example.com")
		staying := mustUser(t, s, "grace@example.com")
		for range 2 {
			chat := mustChat(t, s, leaving.ID)
			mustMessage(t, s, chat.ID, store.RoleUser, "hello")
			mustMessage(t, s, chat.ID, store.RoleAssistant, "hi")
		}
		kept := mustChat(t, s, staying.ID)
		mustMessage(t, s, kept.ID, store.RoleUser, "still here")

		storetest.Exec(t, databaseURL, "DELETE FROM users WHERE id = $1", leaving.ID)

		if n := storetest.Scalar[int64](t, databaseURL, "SELECT COUNT(*) FROM chats WHERE user_id = $1", leaving.ID); n != 0 {
			t.Errorf("%d chats of the deleted user remain", n)
		}
		if n := storetest.Scalar[int64](t, databaseURL, "SELECT COUNT(*) FROM messages WHERE chat_id <> $1", kept.ID); n != 0 {
			t.Errorf("%d messages of the deleted user remain", n)
		}
		messages, err := s.Messages(context.Background(), kept.UserID, kept.ID)
		if err != nil || len(messages) != 1 {
			t.Errorf("another user's messages = %+v, %v; want them kept", messages, err)
		}
	})
}

func TestDeletingAChatDeletesItsMessages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store, databaseURL string) {
		user := mustUser(t, s, "ada@example.com")
		doomed := mustChat(t, s, user.ID)
		mustMessage(t, s, doomed.ID, store.RoleUser, "hello")
		kept := mustChat(t, s, user.ID)
		mustMessage(t, s, kept.ID, store.RoleUser, "hello")

		storetest.Exec(t, databaseURL, "DELETE FROM chats WHERE id = $1", doomed.ID)

		if n := storetest.Scalar[int64](t, databaseURL, "SELECT COUNT(*) FROM messages WHERE chat_id = $1", doomed.ID); n != 0 {
			t.Errorf("%d messages of the deleted chat remain", n)
		}
		_, err := s.Messages(context.Background(), doomed.UserID, doomed.ID)
		wantErr(t, "Messages of the deleted chat", err, store.ErrNotFound)
		if n := storetest.Scalar[int64](t, databaseURL, "SELECT COUNT(*) FROM messages WHERE chat_id = $1", kept.ID); n != 1 {
			t.Errorf("the other chat has %d messages, want 1", n)
		}
	})
}
