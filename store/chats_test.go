package store_test

import (
	"context"
	"testing"

	"github.com/amanda-platform/amanda-backend/store"
	"github.com/amanda-platform/amanda-backend/store/storetest"
)

func TestChats(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store, _ string) {
		ctx := context.Background()
		user := mustUser(t, s, "ada@example.com")

		chat, err := s.CreateChat(ctx, user.ID)
		if err != nil {
			t.Fatalf("CreateChat: %v", err)
		}
		if chat.ID <= 0 || chat.UserID != user.ID || chat.Title != store.DefaultChatTitle {
			t.Errorf("CreateChat = %+v", chat)
		}
		wantRecentUTC(t, "CreatedAt", chat.CreatedAt)

		got, err := s.ChatByID(ctx, chat.ID)
		if err != nil || got != chat {
			t.Errorf("ChatByID = %+v, %v; want %+v", got, err, chat)
		}
		_, err = s.ChatByID(ctx, chat.ID+1000)
		wantErr(t, "ChatByID unknown", err, store.ErrNotFound)

		stranger := mustUser(t, s, "grace@example.com")
		if got, err := s.OwnedChat(ctx, user.ID, chat.ID); err != nil || got != chat {
			t.Errorf("OwnedChat = %+v, %v; want %+v", got, err, chat)
		}
		_, err = s.OwnedChat(ctx, stranger.ID, chat.ID)
		wantErr(t, "OwnedChat of another user's chat", err, store.ErrNotOwner)
		_, err = s.OwnedChat(ctx, user.ID, chat.ID+1000)
		wantErr(t, "OwnedChat unknown", err, store.ErrNotFound)
		_, err = s.CreateChat(ctx, user.ID+1000)
		wantErr(t, "CreateChat for an unknown user", err, store.ErrNotFound)
	})
}

func TestListChats(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store, _ string) {
		ctx := context.Background()
		user := mustUser(t, s, "ada@example.com")
		stranger := mustUser(t, s, "grace@example.com")

		empty, err := s.ListChats(ctx, user.ID)
		if err != nil || empty == nil || len(empty) != 0 {
			t.Fatalf("ListChats with no chats = %#v, %v; want an empty, non-nil list", empty, err)
		}

		talkedTo := mustChat(t, s, user.ID)
		older := mustChat(t, s, user.ID)
		newer := mustChat(t, s, user.ID)
		mustChat(t, s, stranger.ID)
		mustMessage(t, s, talkedTo.ID, store.RoleUser, "hello")
		reply := mustMessage(t, s, talkedTo.ID, store.RoleAssistant, "hi")

		chats, err := s.ListChats(ctx, user.ID)
		if err != nil {
			t.Fatalf("ListChats: %v", err)
		}
		talkedTo.Title = "title: hello"
		want := []store.ChatSummary{
			{Chat: talkedTo, LastMessageTime: reply.Timestamp, MessageCount: 2},
			{Chat: newer, LastMessageTime: newer.CreatedAt},
			{Chat: older, LastMessageTime: older.CreatedAt},
		}
		if len(chats) != len(want) {
			t.Fatalf("ListChats = %+v, want %+v", chats, want)
		}
		for i := range want {
			if chats[i] != want[i] {
				t.Errorf("ListChats[%d] = %+v, want %+v", i, chats[i], want[i])
			}
		}
	})
}

func TestListChatsBreaksTiesByNewestID(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store, databaseURL string) {
		user := mustUser(t, s, "ada@example.com")
		const insert = `INSERT INTO chats (user_id, title, created_at) VALUES ($1, 'same time', '2025-01-02 03:04:05.000000') RETURNING id`
		first := storetest.Scalar[int64](t, databaseURL, insert, user.ID)
		second := storetest.Scalar[int64](t, databaseURL, insert, user.ID)

		chats, err := s.ListChats(context.Background(), user.ID)
		if err != nil {
			t.Fatalf("ListChats: %v", err)
		}
		if len(chats) != 2 || chats[0].ID != second || chats[1].ID != first {
			t.Errorf("ListChats = %+v, want chat %d then chat %d", chats, second, first)
		}
	})
}
