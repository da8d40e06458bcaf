package store

import (
	"database/sql"
	"errors"
	"fmt"
	"slices"
)

// rowScanner is a single result row. pgx.Row, pgx.Rows, *sql.Row and
// *sql.Rows all satisfy it, so both implementations share the mapping from
// columns to structs below; each query selects the columns in the order the
// scan function names.
type rowScanner interface {
	Scan(dest ...any) error
}

// rowIterator is a result set, as pgx.Rows and *sql.Rows both provide it.
type rowIterator interface {
	rowScanner
	Next() bool
	Err() error
}

// collect scans every row. It returns an empty, non-nil slice for no rows,
// which encodes as [] rather than null in JSON.
func collect[T any](rows rowIterator, scan func(rowScanner) (T, error)) ([]T, error) {
	items := []T{}
	for rows.Next() {
		item, err := scan(rows)
		if err != nil {
			return nil, err
		}
		items = append(items, item)
	}
	return items, rows.Err()
}

// lookupError is the error of a single-row lookup: ErrNotFound when there is
// no such row (pgx.ErrNoRows matches sql.ErrNoRows too), otherwise err
// wrapped with what the store was doing.
func lookupError(action string, err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	return fmt.Errorf("store: unable to %s: %w", action, err)
}

// scanUser reads the columns id, email, password_hash, created_at.
func scanUser(row rowScanner) (User, error) {
	var user User
	var createdAt dbTime
	if err := row.Scan(&user.ID, &user.Email, &user.PasswordHash, &createdAt); err != nil {
		return User{}, err
	}
	user.CreatedAt = createdAt.Time
	return user, nil
}

// scanUserSummary reads scanUser's columns, then chat_count.
func scanUserSummary(row rowScanner) (UserSummary, error) {
	var u UserSummary
	var createdAt dbTime
	if err := row.Scan(&u.ID, &u.Email, &u.PasswordHash, &createdAt, &u.ChatCount); err != nil {
		return UserSummary{}, err
	}
	u.CreatedAt = createdAt.Time
	return u, nil
}

// scanChat reads the columns id, user_id, title, created_at.
func scanChat(row rowScanner) (Chat, error) {
	var chat Chat
	var title sql.NullString
	var createdAt dbTime
	if err := row.Scan(&chat.ID, &chat.UserID, &title, &createdAt); err != nil {
		return Chat{}, err
	}
	chat.Title = titleOrDefault(title)
	chat.CreatedAt = createdAt.Time
	return chat, nil
}

// scanChatSummary reads the columns id, user_id, title, created_at,
// last_message_time, message_count.
func scanChatSummary(row rowScanner) (ChatSummary, error) {
	var summary ChatSummary
	var title sql.NullString
	var createdAt, lastMessageTime dbTime
	err := row.Scan(&summary.ID, &summary.UserID, &title, &createdAt, &lastMessageTime, &summary.MessageCount)
	if err != nil {
		return ChatSummary{}, err
	}
	summary.Title = titleOrDefault(title)
	summary.CreatedAt = createdAt.Time
	summary.LastMessageTime = lastMessageTime.Time
	return summary, nil
}

// scanMessage reads the columns id, chat_id, role, content, timestamp.
func scanMessage(row rowScanner) (Message, error) {
	var message Message
	var timestamp dbTime
	if err := row.Scan(&message.ID, &message.ChatID, &message.Role, &message.Content, &timestamp); err != nil {
		return Message{}, err
	}
	message.Timestamp = timestamp.Time
	return message, nil
}

// titleOrDefault reads a title the old service may have left NULL.
func titleOrDefault(title sql.NullString) string {
	if !title.Valid {
		return DefaultChatTitle
	}
	return title.String
}

// chatMessages finishes Messages for both stores. No messages means an
// empty chat of the user's, another user's chat or no chat at all: the chat
// row, asked only then, tells which.
func chatMessages(messages []Message, err error, userID int64, chat func() (Chat, error)) ([]Message, error) {
	if err == nil && len(messages) == 0 {
		_, err = ownedBy(userID)(chat())
		if errors.Is(err, ErrNotFound) || errors.Is(err, ErrNotOwner) {
			return nil, err
		}
	}
	if err != nil {
		return nil, fmt.Errorf("store: unable to list messages: %w", err)
	}
	return messages, nil
}

// chatPage finishes ListChatsPage for both stores: chats are the rows of a
// query for limit+1, the last one there only when another page follows.
func chatPage(chats []ChatSummary, limit int) ChatPage {
	if len(chats) <= limit {
		return ChatPage{Chats: chats}
	}
	last := chats[limit-1]
	return ChatPage{
		Chats: chats[:limit],
		Next:  &ChatCursor{LastMessageTime: last.LastMessageTime, ID: last.ID},
	}
}

// messagePage finishes MessagesPage for both stores, as chatMessages does
// Messages: newestFirst are the rows of a query for limit+1, the last
// (oldest) one there only when older messages exist.
func messagePage(newestFirst []Message, err error, limit int, userID int64, chat func() (Chat, error)) (MessagePage, error) {
	messages, err := chatMessages(newestFirst, err, userID, chat)
	if err != nil {
		return MessagePage{}, err
	}
	page := MessagePage{Messages: messages, HasMore: len(messages) > limit}
	if page.HasMore {
		page.Messages = messages[:limit]
	}
	slices.Reverse(page.Messages)
	return page, nil
}

// ownedBy finishes a chat lookup for both stores, where ownership is
// decided: ErrNotOwner when the chat is not userID's.
func ownedBy(userID int64) func(Chat, error) (Chat, error) {
	return func(chat Chat, err error) (Chat, error) {
		if err == nil && chat.UserID != userID {
			return Chat{}, ErrNotOwner
		}
		return chat, err
	}
}
