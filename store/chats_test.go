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

func TestListChatsPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store, databaseURL string) {
		ctx := context.Background()
		user := mustUser(t, s, "ada@example.com")
		stranger := mustUser(t, s, "grace@example.com")
		mustChat(t, s, stranger.ID)
		// Every kind of sort key: chats with messages, empty ones, two at
		// the same time (ties go by id) and two of the old service's with
		// no time at all (last).
		for range 3 {
			mustMessage(t, s, mustChat(t, s, user.ID).ID, store.RoleUser, "hello")
			mustChat(t, s, user.ID)
		}
		const insertAt = `INSERT INTO chats (user_id, title, created_at) VALUES ($1, 'old', '2025-01-02 03:04:05.000000')`
		const insertTimeless = `INSERT INTO chats (user_id, title, created_at) VALUES ($1, 'older', NULL)`
		for _, insert := range []string{insertAt, insertAt, insertTimeless, insertTimeless} {
			storetest.Exec(t, databaseURL, insert, user.ID)
		}
		everyChat, err := s.ListChats(ctx, user.ID)
		if err != nil || len(everyChat) != 10 {
			t.Fatalf("ListChats = %d chats, %v; want 10", len(everyChat), err)
		}

		for _, limit := range []int{1, 3, 10, 200} {
			var walked []store.ChatSummary
			var after *store.ChatCursor
			for pages := 1; ; pages++ {
				page, err := s.ListChatsPage(ctx, user.ID, after, limit)
				if err != nil {
					t.Fatalf("ListChatsPage(limit %d): %v", limit, err)
				}
				if len(page.Chats) > limit || pages > len(everyChat) {
					t.Fatalf("limit %d: page %d has %d chats", limit, pages, len(page.Chats))
				}
				walked = append(walked, page.Chats...)
				if page.Next == nil {
					break
				}
				after = page.Next
			}
			if len(walked) != len(everyChat) {
				t.Fatalf("limit %d: the pages hold %d chats, want %d", limit, len(walked), len(everyChat))
			}
			for i := range everyChat {
				if walked[i] != everyChat[i] {
					t.Errorf("limit %d: chat %d of the pages = %+v, want %+v", limit, i, walked[i], everyChat[i])
				}
			}
		}

		// The last page says so, even when it is full.
		page, err := s.ListChatsPage(ctx, user.ID, nil, len(everyChat))
		if err != nil || len(page.Chats) != len(everyChat) || page.Next != nil {
			t.Errorf("one full page = %d chats, next %+v, %v; want every chat and no next", len(page.Chats), page.Next, err)
		}
		empty, err := s.ListChatsPage(ctx, mustUser(t, s, "new@example.com").ID, nil, 5)
		if err != nil || empty.Chats == nil || len(empty.Chats) != 0 || empty.Next != nil {
			t.Errorf("ListChatsPage with no chats = %#v, %v; want an empty, non-nil list", empty, err)
		}
	})
}

func TestListChatsPageIsStableWhileChatsArrive(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store, _ string) {
		ctx := context.Background()
		user := mustUser(t, s, "ada@example.com")
		for range 4 {
			mustChat(t, s, user.ID)
		}
		first, err := s.ListChatsPage(ctx, user.ID, nil, 2)
		if err != nil || first.Next == nil {
			t.Fatalf("first page: %+v, %v", first, err)
		}
		everyChat, err := s.ListChats(ctx, user.ID)
		if err != nil {
			t.Fatal(err)
		}
		// New activity goes to the top, before the cursor: the next page is
		// the one it would have been.
		mustChat(t, s, user.ID)
		mustMessage(t, s, mustChat(t, s, user.ID).ID, store.RoleUser, "hello")
		second, err := s.ListChatsPage(ctx, user.ID, first.Next, 2)
		if err != nil || second.Next != nil || len(second.Chats) != 2 ||
			second.Chats[0] != everyChat[2] || second.Chats[1] != everyChat[3] {
			t.Errorf("second page = %+v, %v; want %+v and no next", second, err, everyChat[2:])
		}
	})
}

func TestRenameChat(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store, _ string) {
		ctx := context.Background()
		user := mustUser(t, s, "ada@example.com")
		chat := mustChat(t, s, user.ID)
		mustMessage(t, s, chat.ID, store.RoleUser, "hello")
		reply := mustMessage(t, s, chat.ID, store.RoleAssistant, "hi")

		renamed, err := s.RenameChat(ctx, user.ID, chat.ID, "Monads, again")
		if err != nil {
			t.Fatalf("RenameChat: %v", err)
		}
		chat.Title = "Monads, again"
		want := store.ChatSummary{Chat: chat, LastMessageTime: reply.Timestamp, MessageCount: 2}
		if renamed != want {
			t.Errorf("RenameChat = %+v, want %+v", renamed, want)
		}
		if got, err := s.ChatByID(ctx, chat.ID); err != nil || got != chat {
			t.Errorf("ChatByID after renaming = %+v, %v; want %+v", got, err, chat)
		}

		empty := mustChat(t, s, user.ID)
		renamed, err = s.RenameChat(ctx, user.ID, empty.ID, "Later")
		empty.Title = "Later"
		if want := (store.ChatSummary{Chat: empty, LastMessageTime: empty.CreatedAt}); err != nil || renamed != want {
			t.Errorf("RenameChat of an empty chat = %+v, %v; want %+v", renamed, err, want)
		}

		stranger := mustUser(t, s, "grace@example.com")
		_, err = s.RenameChat(ctx, stranger.ID, chat.ID, "Mine now")
		wantErr(t, "RenameChat of another user's chat", err, store.ErrNotOwner)
		_, err = s.RenameChat(ctx, user.ID, chat.ID+1000, "Nobody's")
		wantErr(t, "RenameChat unknown", err, store.ErrNotFound)
		if got, err := s.ChatByID(ctx, chat.ID); err != nil || got.Title != "Monads, again" {
			t.Errorf("title after refused renames = %q, %v", got.Title, err)
		}
	})
}

func TestDeleteChat(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store, databaseURL string) {
		ctx := context.Background()
		user := mustUser(t, s, "ada@example.com")
		doomed := mustChat(t, s, user.ID)
		mustMessage(t, s, doomed.ID, store.RoleUser, "hello")
		mustMessage(t, s, doomed.ID, store.RoleAssistant, "hi")
		kept := mustChat(t, s, user.ID)
		mustMessage(t, s, kept.ID, store.RoleUser, "still here")

		stranger := mustUser(t, s, "grace@example.com")
		wantErr(t, "DeleteChat of another user's chat", s.DeleteChat(ctx, stranger.ID, doomed.ID), store.ErrNotOwner)
		if _, err := s.ChatByID(ctx, doomed.ID); err != nil {
			t.Fatalf("a refused delete removed the chat: %v", err)
		}

		if err := s.DeleteChat(ctx, user.ID, doomed.ID); err != nil {
			t.Fatalf("DeleteChat: %v", err)
		}
		_, err := s.ChatByID(ctx, doomed.ID)
		wantErr(t, "ChatByID of the deleted chat", err, store.ErrNotFound)
		if n := storetest.Scalar[int64](t, databaseURL, "SELECT COUNT(*) FROM messages WHERE chat_id = $1", doomed.ID); n != 0 {
			t.Errorf("%d messages of the deleted chat remain", n)
		}
		if messages, err := s.Messages(ctx, user.ID, kept.ID); err != nil || len(messages) != 1 {
			t.Errorf("the other chat's messages = %+v, %v; want them kept", messages, err)
		}
		wantErr(t, "DeleteChat twice", s.DeleteChat(ctx, user.ID, doomed.ID), store.ErrNotFound)
	})
}
