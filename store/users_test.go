package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/amanda-platform/amanda-backend/store"
	"github.com/amanda-platform/amanda-backend/store/storetest"
)

func TestUsers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store, _ string) {
		ctx := context.Background()
		const hash = "scrypt:32768:8:1$salt$0123abcd"
		user, err := s.CreateUser(ctx, "ada@example.com", hash)
		if err != nil {
			t.Fatalf("CreateUser: %v", err)
		}
		if user.ID <= 0 || user.Email != "ada@example.com" || user.PasswordHash != hash {
			t.Errorf("CreateUser = %+v", user)
		}
		wantRecentUTC(t, "CreatedAt", user.CreatedAt)

		byEmail, err := s.UserByEmail(ctx, "ada@example.com")
		if err != nil || byEmail != user {
			t.Errorf("UserByEmail = %+v, %v; want %+v", byEmail, err, user)
		}
		byID, err := s.UserByID(ctx, user.ID)
		if err != nil || byID != user {
			t.Errorf("UserByID = %+v, %v; want %+v", byID, err, user)
		}

		_, err = s.CreateUser(ctx, "ada@example.com", "other")
		wantErr(t, "CreateUser with a taken email", err, store.ErrEmailTaken)
		_, err = s.UserByEmail(ctx, "nobody@example.com")
		wantErr(t, "UserByEmail unknown", err, store.ErrNotFound)
		_, err = s.UserByID(ctx, user.ID+1000)
		wantErr(t, "UserByID unknown", err, store.ErrNotFound)

		other := mustUser(t, s, "grace@example.com")
		if other.ID == user.ID {
			t.Errorf("two users share id %d", user.ID)
		}
	})
}

func TestUpdatePasswordHash(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store, _ string) {
		ctx := context.Background()
		user := mustUser(t, s, "ada@example.com")
		other := mustUser(t, s, "grace@example.com")
		if err := s.UpdatePasswordHash(ctx, user.ID, "pbkdf2:sha256:600000$new$hash"); err != nil {
			t.Fatalf("UpdatePasswordHash: %v", err)
		}
		if got, err := s.UserByID(ctx, user.ID); err != nil || got.PasswordHash != "pbkdf2:sha256:600000$new$hash" || got.Email != user.Email {
			t.Errorf("after UpdatePasswordHash UserByID = %+v, %v", got, err)
		}
		if got, err := s.UserByID(ctx, other.ID); err != nil || got != other {
			t.Errorf("another user after UpdatePasswordHash = %+v, %v; want %+v", got, err, other)
		}
		wantErr(t, "UpdatePasswordHash of no user", s.UpdatePasswordHash(ctx, other.ID+1000, "x"), store.ErrNotFound)
	})
}

func TestDeleteUser(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store, databaseURL string) {
		ctx := context.Background()
		leaving := mustUser(t, s, "ada@example.com")
		staying := mustUser(t, s, "grace@example.com")
		var leavingChats []store.Chat
		for range 2 {
			chat := mustChat(t, s, leaving.ID)
			mustMessage(t, s, chat.ID, store.RoleUser, "zanzibar trip")
			mustMessage(t, s, chat.ID, store.RoleAssistant, "zanzibar is lovely")
			leavingChats = append(leavingChats, chat)
		}
		mustChat(t, s, leaving.ID) // an empty one
		kept := mustChat(t, s, staying.ID)
		mustMessage(t, s, kept.ID, store.RoleUser, "still here")
		for id, userID := range map[string]int64{"ada-laptop": leaving.ID, "ada-phone": leaving.ID, "grace": staying.ID} {
			if err := s.Sessions().SaveSession(ctx, id, userID, []byte("{}"), time.Now().Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
		}

		// The traces find the user's rows while they exist.
		before := storetest.UserTraces(t, databaseURL, leaving.ID, leaving.Email, "zanzibar")
		for table, want := range map[string]int64{"users": 1, "chats": 3, "messages": 4, "sessions": 2} {
			if before[table] != want {
				t.Errorf("before DeleteUser the traces count %d rows in %s, want %d", before[table], table, want)
			}
		}
		if _, fts := before["messages_fts"]; fts && before["messages_fts"] != 4 {
			t.Errorf("before DeleteUser the search index holds %d of the user's messages, want 4", before["messages_fts"])
		}

		if err := s.DeleteUser(ctx, leaving.ID); err != nil {
			t.Fatalf("DeleteUser: %v", err)
		}
		for table, n := range storetest.UserTraces(t, databaseURL, leaving.ID, leaving.Email, "zanzibar") {
			if n != 0 {
				t.Errorf("%d rows of the deleted user left in %s", n, table)
			}
		}
		if results, err := s.Search(ctx, leaving.ID, "zanzibar", 10); err != nil || len(results) != 0 {
			t.Errorf("Search after DeleteUser = %+v, %v; want nothing", results, err)
		}
		// The other user keeps everything.
		if messages, err := s.Messages(ctx, staying.ID, kept.ID); err != nil || len(messages) != 1 {
			t.Errorf("the other user's messages = %+v, %v", messages, err)
		}
		if _, err := s.Sessions().LoadSession(ctx, "grace"); err != nil {
			t.Errorf("the other user's session: %v", err)
		}
		// A reply finishing in a chat of the deleted user stores nothing.
		_, err := s.AddAssistantMessage(ctx, leavingChats[0].ID, "zanzibar, late")
		wantErr(t, "AddAssistantMessage in a chat of a deleted user", err, store.ErrNotFound)
		if n := storetest.Scalar[int64](t, databaseURL, "SELECT COUNT(*) FROM chats WHERE id = $1", leavingChats[0].ID); n != 0 {
			t.Errorf("a late reply brought the chat back")
		}

		wantErr(t, "DeleteUser again", s.DeleteUser(ctx, leaving.ID), store.ErrNotFound)
		again, err := s.CreateUser(ctx, leaving.Email, "pbkdf2:sha256:600000$salt$hash")
		if err != nil || again.ID == leaving.ID {
			t.Errorf("CreateUser with the deleted user's email = %+v, %v; want a new user", again, err)
		}
	})
}

func TestListUsers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store, _ string) {
		ctx := context.Background()
		if users, err := s.ListUsers(ctx); err != nil || users == nil || len(users) != 0 {
			t.Fatalf("ListUsers on no users = %#v, %v; want an empty list", users, err)
		}
		ada := mustUser(t, s, "ada@example.com")
		grace := mustUser(t, s, "grace@example.com")
		mustChat(t, s, grace.ID)
		mustChat(t, s, grace.ID)
		users, err := s.ListUsers(ctx)
		if err != nil {
			t.Fatalf("ListUsers: %v", err)
		}
		want := []store.UserSummary{{User: ada, ChatCount: 0}, {User: grace, ChatCount: 2}}
		if len(users) != len(want) || users[0] != want[0] || users[1] != want[1] {
			t.Errorf("ListUsers = %+v; want %+v", users, want)
		}
	})
}
