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
