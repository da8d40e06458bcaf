package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/amanda-platform/amanda-backend/store"
)

// mustUser creates a user or fails the test.
func mustUser(t *testing.T, s store.Store, email string) store.User {
	t.Helper()
	user, err := s.CreateUser(context.Background(), email, "pbkdf2:sha256:600000$salt$hash")
	if err != nil {
		t.Fatalf("CreateUser(%q): %v", email, err)
	}
	return user
}

// mustChat creates a chat or fails the test.
func mustChat(t *testing.T, s store.Store, userID int64) store.Chat {
	t.Helper()
	chat, err := s.CreateChat(context.Background(), userID)
	if err != nil {
		t.Fatalf("CreateChat(%d): %v", userID, err)
	}
	return chat
}

// mustMessage adds a message of role to a chat or fails the test.
func mustMessage(t *testing.T, s store.Store, chatID int64, role, content string) store.Message {
	t.Helper()
	ctx := context.Background()
	var message store.Message
	var err error
	if role == store.RoleUser {
		message, err = s.AddUserMessage(ctx, chatID, content, "title: "+content)
	} else {
		message, err = s.AddAssistantMessage(ctx, chatID, content)
	}
	if err != nil {
		t.Fatalf("add %s message to chat %d: %v", role, chatID, err)
	}
	return message
}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: error = %v, want %v", what, err, want)
	}
}

// wantRecentUTC checks a time the store just stamped.
func wantRecentUTC(t *testing.T, what string, got time.Time) {
	t.Helper()
	if got.Location() != time.UTC {
		t.Errorf("%s = %v, want a UTC time", what, got)
	}
	if age := time.Since(got); age < -time.Second || age > time.Minute {
		t.Errorf("%s = %v, want about now", what, got)
	}
}

func utc(year int, month time.Month, day, hour, minute, second, microsecond int) time.Time {
	return time.Date(year, month, day, hour, minute, second, microsecond*1000, time.UTC)
}
