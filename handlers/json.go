package handlers

import (
	"time"

	"github.com/amanda-platform/amanda-backend/store"
)

// Time is a UTC timestamp in ISO 8601 with an explicit offset; the old
// service printed naive times that browsers misread as local time.
type Time time.Time

// MarshalJSON writes e.g. "2025-11-23T10:30:00.123456Z".
func (t Time) MarshalJSON() ([]byte, error) {
	return time.Time(t).UTC().AppendFormat([]byte{'"'}, `2006-01-02T15:04:05.999999Z"`), nil
}

// userJSON is a user as the client sees it.
type userJSON struct {
	ID        int64  `json:"id"`
	Email     string `json:"email"`
	CreatedAt Time   `json:"created_at"`
}

func newUserJSON(u store.User) userJSON {
	return userJSON{ID: u.ID, Email: u.Email, CreatedAt: Time(u.CreatedAt)}
}

type chatJSON struct {
	ID              int64  `json:"id"`
	UserID          int64  `json:"user_id"`
	Title           string `json:"title"`
	CreatedAt       Time   `json:"created_at"`
	LastMessageTime Time   `json:"last_message_time"`
	MessageCount    int    `json:"message_count"`
}

func newChatJSON(ch store.ChatSummary) chatJSON {
	return chatJSON{
		ID: ch.ID, UserID: ch.UserID, Title: ch.Title, CreatedAt: Time(ch.CreatedAt),
		LastMessageTime: Time(ch.LastMessageTime), MessageCount: ch.MessageCount,
	}
}

// eachJSON is every item as the client sees it: never null, [] for none.
func eachJSON[T, J any](items []T, toJSON func(T) J) []J {
	out := make([]J, len(items))
	for i, item := range items {
		out[i] = toJSON(item)
	}
	return out
}

type messageJSON struct {
	ID        int64  `json:"id"`
	ChatID    int64  `json:"chat_id"`
	Role      string `json:"role"`
	Content   string `json:"content"`
	Timestamp Time   `json:"timestamp"`
}

func newMessageJSON(m store.Message) messageJSON {
	return messageJSON{ID: m.ID, ChatID: m.ChatID, Role: m.Role, Content: m.Content, Timestamp: Time(m.Timestamp)}
}
