package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/amanda-platform/amanda-backend/store"
	"github.com/amanda-platform/amanda-backend/store/storetest"
)

// exportedChat is what ExportUser visited of one chat.
type exportedChat struct {
	chat     store.Chat
	messages []store.Message
}

// export collects ExportUser's visits, checking their order as it goes.
func export(t *testing.T, s store.Store, userID int64) []exportedChat {
	t.Helper()
	var got []exportedChat
	err := s.ExportUser(context.Background(), userID, func(chat store.Chat, message *store.Message) error {
		if message == nil {
			got = append(got, exportedChat{chat: chat, messages: []store.Message{}})
			return nil
		}
		if len(got) == 0 || got[len(got)-1].chat != chat {
			t.Errorf("message %d visited with chat %+v before that chat began", message.ID, chat)
			return nil
		}
		got[len(got)-1].messages = append(got[len(got)-1].messages, *message)
		return nil
	})
	if err != nil {
		t.Fatalf("ExportUser(%d): %v", userID, err)
	}
	return got
}

func TestExportUser(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store, _ string) {
		ctx := context.Background()
		user := mustUser(t, s, "ada@example.com")
		stranger := mustUser(t, s, "grace@example.com")
		lonely := mustUser(t, s, "alan@example.com")

		first := mustChat(t, s, user.ID)
		strangers := mustChat(t, s, stranger.ID)
		empty := mustChat(t, s, user.ID)
		last := mustChat(t, s, user.ID)
		var want []store.Message
		want = append(want, mustMessage(t, s, first.ID, store.RoleUser, "hello"))
		mustMessage(t, s, strangers.ID, store.RoleUser, "not yours")
		lastMessages := []store.Message{mustMessage(t, s, last.ID, store.RoleUser, "later")}
		want = append(want, mustMessage(t, s, first.ID, store.RoleAssistant, "hi, Ada"))
		lastMessages = append(lastMessages, mustMessage(t, s, last.ID, store.RoleAssistant, "much later"))

		got := export(t, s, user.ID)
		// Titles changed with the first messages: compare the chats as stored now.
		var wantChats []store.Chat
		for _, id := range []int64{first.ID, empty.ID, last.ID} {
			chat, err := s.ChatByID(ctx, id)
			if err != nil {
				t.Fatalf("ChatByID(%d): %v", id, err)
			}
			wantChats = append(wantChats, chat)
		}
		if len(got) != len(wantChats) {
			t.Fatalf("exported %d chats, want %d: %+v", len(got), len(wantChats), got)
		}
		wantMessages := [][]store.Message{want, {}, lastMessages}
		for i, ch := range got {
			if ch.chat != wantChats[i] {
				t.Errorf("chat %d = %+v, want %+v", i, ch.chat, wantChats[i])
			}
			if !slices.Equal(ch.messages, wantMessages[i]) {
				t.Errorf("messages of chat %d = %+v, want %+v", ch.chat.ID, ch.messages, wantMessages[i])
			}
		}
		if got[0].chat.Title != "title: hello" || got[1].chat.Title != store.DefaultChatTitle {
			t.Errorf("titles = %q, %q", got[0].chat.Title, got[1].chat.Title)
		}

		if got := export(t, s, lonely.ID); len(got) != 0 {
			t.Errorf("export of a user with no chats = %+v, want nothing", got)
		}
		if got := export(t, s, user.ID+stranger.ID+lonely.ID+1000); len(got) != 0 {
			t.Errorf("export of an unknown user = %+v, want nothing", got)
		}

		// An error of visit stops the walk and comes back as it is.
		stop := errors.New("stop")
		calls := 0
		err := s.ExportUser(ctx, user.ID, func(store.Chat, *store.Message) error {
			calls++
			return stop
		})
		if !errors.Is(err, stop) || calls != 1 {
			t.Errorf("ExportUser with a failing visit = %v after %d calls, want %v after 1", err, calls, stop)
		}
	})
}

// TestExportUserDoesNotHoldOffWriters writes while an export is stopped
// mid-way, its cursor open.
func TestExportUserDoesNotHoldOffWriters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store, _ string) {
		ctx := context.Background()
		user := mustUser(t, s, "ada@example.com")
		chat := mustChat(t, s, user.ID)
		for i := range 3 {
			mustMessage(t, s, chat.ID, store.RoleUser, string(rune('a'+i)))
		}
		seen := 0
		err := s.ExportUser(ctx, user.ID, func(_ store.Chat, message *store.Message) error {
			if message == nil {
				return nil
			}
			seen++
			if seen == 1 {
				// Writes during the walk go through and are not seen by it.
				mustMessage(t, s, chat.ID, store.RoleAssistant, "written during the export")
				mustChat(t, s, user.ID)
			}
			return nil
		})
		if err != nil || seen != 3 {
			t.Errorf("ExportUser = %v with %d messages, want 3 (its snapshot)", err, seen)
		}
	})
}
