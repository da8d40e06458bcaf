package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/amanda-platform/amanda-backend/store"
	"github.com/amanda-platform/amanda-backend/store/storetest"
)

func TestMessages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store, _ string) {
		ctx := context.Background()
		user := mustUser(t, s, "ada@example.com")
		chat := mustChat(t, s, user.ID)

		empty, err := s.Messages(ctx, chat.UserID, chat.ID)
		if err != nil || empty == nil || len(empty) != 0 {
			t.Fatalf("Messages of an empty chat = %#v, %v; want an empty, non-nil list", empty, err)
		}

		question, err := s.AddUserMessage(ctx, chat.ID, "What is a monad?", "What is a monad?")
		if err != nil {
			t.Fatalf("AddUserMessage: %v", err)
		}
		if question.ID <= 0 || question.ChatID != chat.ID || question.Role != store.RoleUser || question.Content != "What is a monad?" {
			t.Errorf("AddUserMessage = %+v", question)
		}
		wantRecentUTC(t, "Timestamp", question.Timestamp)
		answer, err := s.AddAssistantMessage(ctx, chat.ID, "A monoid in the category of endofunctors.")
		if err != nil {
			t.Fatalf("AddAssistantMessage: %v", err)
		}
		if answer.Role != store.RoleAssistant || answer.ChatID != chat.ID {
			t.Errorf("AddAssistantMessage = %+v", answer)
		}
		followUp, err := s.AddUserMessage(ctx, chat.ID, "Thanks", "Thanks")
		if err != nil {
			t.Fatalf("AddUserMessage: %v", err)
		}

		messages, err := s.Messages(ctx, chat.UserID, chat.ID)
		if err != nil {
			t.Fatalf("Messages: %v", err)
		}
		want := []store.Message{question, answer, followUp}
		if len(messages) != len(want) {
			t.Fatalf("Messages = %+v, want %+v", messages, want)
		}
		for i := range want {
			if messages[i] != want[i] {
				t.Errorf("Messages[%d] = %+v, want %+v", i, messages[i], want[i])
			}
		}

		// Only the first message names the chat.
		got, err := s.ChatByID(ctx, chat.ID)
		if err != nil || got.Title != "What is a monad?" {
			t.Errorf("title after three messages = %q, %v; want the first message's", got.Title, err)
		}
	})
}

func TestTitleIsNotSetWhenTheAssistantSpokeFirst(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store, _ string) {
		ctx := context.Background()
		chat := mustChat(t, s, mustUser(t, s, "ada@example.com").ID)
		mustMessage(t, s, chat.ID, store.RoleAssistant, "Welcome!")
		if _, err := s.AddUserMessage(ctx, chat.ID, "hello", "hello"); err != nil {
			t.Fatalf("AddUserMessage: %v", err)
		}
		got, err := s.ChatByID(ctx, chat.ID)
		if err != nil || got.Title != store.DefaultChatTitle {
			t.Errorf("title = %q, %v; want %q", got.Title, err, store.DefaultChatTitle)
		}
	})
}

func TestConcurrentFirstMessagesSetTheTitleOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store, _ string) {
		ctx := context.Background()
		chat := mustChat(t, s, mustUser(t, s, "ada@example.com").ID)

		const senders = 10
		var wg sync.WaitGroup
		errs := make(chan error, senders)
		for i := range senders {
			wg.Go(func() {
				text := fmt.Sprintf("message %d", i)
				_, err := s.AddUserMessage(ctx, chat.ID, text, text)
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("AddUserMessage: %v", err)
			}
		}

		messages, err := s.Messages(ctx, chat.UserID, chat.ID)
		if err != nil || len(messages) != senders {
			t.Fatalf("Messages = %d messages, %v; want %d", len(messages), err, senders)
		}
		got, err := s.ChatByID(ctx, chat.ID)
		if err != nil || got.Title != messages[0].Content {
			t.Errorf("title = %q, %v; want the first stored message %q", got.Title, err, messages[0].Content)
		}
	})
}

func TestMessagesOfAnotherUsersChat(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store, _ string) {
		ctx := context.Background()
		owner := mustUser(t, s, "ada@example.com")
		other := mustUser(t, s, "grace@example.com")
		empty := mustChat(t, s, owner.ID)
		full := mustChat(t, s, owner.ID)
		if _, err := s.AddUserMessage(ctx, full.ID, "private", "private"); err != nil {
			t.Fatal(err)
		}
		for _, chat := range []store.Chat{empty, full} {
			messages, err := s.Messages(ctx, other.ID, chat.ID)
			wantErr(t, "Messages of another user's chat", err, store.ErrNotOwner)
			if len(messages) != 0 {
				t.Errorf("another user got %d messages", len(messages))
			}
		}
		if messages, err := s.Messages(ctx, owner.ID, full.ID); err != nil || len(messages) != 1 {
			t.Errorf("owner's Messages = %d messages, %v; want 1", len(messages), err)
		}
	})
}

func TestMessagesOfAnUnknownChat(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store, databaseURL string) {
		ctx := context.Background()
		const unknownChat = 4242
		_, err := s.Messages(ctx, 1, unknownChat)
		wantErr(t, "Messages", err, store.ErrNotFound)
		_, err = s.AddUserMessage(ctx, unknownChat, "hello", "hello")
		wantErr(t, "AddUserMessage", err, store.ErrNotFound)
		_, err = s.AddAssistantMessage(ctx, unknownChat, "hello")
		wantErr(t, "AddAssistantMessage", err, store.ErrNotFound)
		if n := storetest.Scalar[int64](t, databaseURL, "SELECT COUNT(*) FROM messages"); n != 0 {
			t.Errorf("%d messages stored for an unknown chat", n)
		}
	})
}

func TestRenamedChatKeepsItsTitle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store, _ string) {
		ctx := context.Background()
		user := mustUser(t, s, "ada@example.com")

		renamedFirst := mustChat(t, s, user.ID)
		if _, err := s.RenameChat(ctx, user.ID, renamedFirst.ID, "My title"); err != nil {
			t.Fatalf("RenameChat: %v", err)
		}
		mustMessage(t, s, renamedFirst.ID, store.RoleUser, "hello")
		if got, err := s.ChatByID(ctx, renamedFirst.ID); err != nil || got.Title != "My title" {
			t.Errorf("renamed, then a first message: title = %q, %v; want the rename", got.Title, err)
		}

		talkedFirst := mustChat(t, s, user.ID)
		mustMessage(t, s, talkedFirst.ID, store.RoleUser, "hello")
		if _, err := s.RenameChat(ctx, user.ID, talkedFirst.ID, "My title"); err != nil {
			t.Fatalf("RenameChat: %v", err)
		}
		mustMessage(t, s, talkedFirst.ID, store.RoleUser, "again")
		if got, err := s.ChatByID(ctx, talkedFirst.ID); err != nil || got.Title != "My title" {
			t.Errorf("a first message, then renamed: title = %q, %v; want the rename", got.Title, err)
		}
	})
}

func TestOldUntitledChatTakesTheFirstMessagesTitle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store, databaseURL string) {
		user := mustUser(t, s, "ada@example.com")
		chatID := storetest.Scalar[int64](t, databaseURL,
			`INSERT INTO chats (user_id, title, created_at) VALUES ($1, NULL, '2025-01-02 03:04:05.000000') RETURNING id`, user.ID)
		mustMessage(t, s, chatID, store.RoleUser, "hello")
		if got, err := s.ChatByID(context.Background(), chatID); err != nil || got.Title != "title: hello" {
			t.Errorf("title = %q, %v; want the first message's", got.Title, err)
		}
	})
}

func TestMessagesPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store, _ string) {
		ctx := context.Background()
		user := mustUser(t, s, "ada@example.com")
		chat := mustChat(t, s, user.ID)
		other := mustChat(t, s, user.ID)
		var stored []store.Message
		for i := range 5 {
			stored = append(stored, mustMessage(t, s, chat.ID, store.RoleUser, fmt.Sprint("message ", i)))
			mustMessage(t, s, other.ID, store.RoleUser, "elsewhere")
		}

		cases := []struct {
			name          string
			before        int64
			limit         int
			want          []store.Message
			wantOlderOnes bool
		}{
			{"newest", 0, 2, stored[3:], true},
			{"before the newest two", stored[3].ID, 2, stored[1:3], true},
			{"the oldest", stored[1].ID, 2, stored[:1], false},
			{"exactly all", 0, 5, stored, false},
			{"more than all", 0, 200, stored, false},
			{"before the first", stored[0].ID, 2, []store.Message{}, false},
			{"before an id past the end", stored[4].ID + 1000, 1, stored[4:], true},
		}
		for _, tc := range cases {
			page, err := s.MessagesPage(ctx, user.ID, chat.ID, tc.before, tc.limit)
			if err != nil {
				t.Fatalf("%s: MessagesPage: %v", tc.name, err)
			}
			if page.HasMore != tc.wantOlderOnes || page.Messages == nil || len(page.Messages) != len(tc.want) {
				t.Errorf("%s: MessagesPage = %+v, want %+v (has more: %v)", tc.name, page, tc.want, tc.wantOlderOnes)
				continue
			}
			for i := range tc.want {
				if page.Messages[i] != tc.want[i] {
					t.Errorf("%s: message %d = %+v, want %+v", tc.name, i, page.Messages[i], tc.want[i])
				}
			}
		}

		empty, err := s.MessagesPage(ctx, user.ID, mustChat(t, s, user.ID).ID, 0, 50)
		if err != nil || empty.Messages == nil || len(empty.Messages) != 0 || empty.HasMore {
			t.Errorf("MessagesPage of an empty chat = %#v, %v; want an empty, non-nil list", empty, err)
		}
		stranger := mustUser(t, s, "grace@example.com")
		_, err = s.MessagesPage(ctx, stranger.ID, chat.ID, 0, 50)
		wantErr(t, "MessagesPage of another user's chat", err, store.ErrNotOwner)
		_, err = s.MessagesPage(ctx, stranger.ID, chat.ID, stored[0].ID, 50)
		wantErr(t, "an empty page of another user's chat", err, store.ErrNotOwner)
		_, err = s.MessagesPage(ctx, user.ID, chat.ID+1000, 0, 50)
		wantErr(t, "MessagesPage unknown", err, store.ErrNotFound)
	})
}
