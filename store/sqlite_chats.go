package store

import (
	"context"
	"fmt"

	sqlite3 "modernc.org/sqlite/lib"
)

const (
	sqliteInsertChat = `
		INSERT INTO chats (user_id, title, created_at)
		VALUES (?, ?, ?)
		RETURNING id, user_id, title, created_at`

	sqliteChatByID = `
		SELECT id, user_id, title, created_at
		FROM chats
		WHERE id = ?`

	// An empty chat's activity is its creation. The times are text in one
	// layout, so MAX and ORDER BY compare them in time order.
	sqliteListChats = `
		SELECT c.id, c.user_id, c.title, c.created_at,
		       COALESCE(MAX(m.timestamp), c.created_at) AS last_message_time,
		       COUNT(m.id) AS message_count
		FROM chats c
		LEFT JOIN messages m ON m.chat_id = c.id
		WHERE c.user_id = ?
		GROUP BY c.id
		ORDER BY last_message_time DESC NULLS LAST, c.id DESC`
)

// CreateChat returns ErrNotFound when the user does not exist.
func (s *sqliteStore) CreateChat(ctx context.Context, userID int64) (Chat, error) {
	chat, err := scanChat(s.writes.QueryRowContext(ctx, sqliteInsertChat, userID, DefaultChatTitle, sqliteTime(now())))
	if isSQLiteError(err, sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY) {
		return Chat{}, ErrNotFound
	}
	if err != nil {
		return Chat{}, fmt.Errorf("store: unable to create chat: %w", err)
	}
	return chat, nil
}

func (s *sqliteStore) ChatByID(ctx context.Context, id int64) (Chat, error) {
	chat, err := scanChat(s.reads.QueryRowContext(ctx, sqliteChatByID, id))
	if err != nil {
		return Chat{}, lookupError("load chat", err)
	}
	return chat, nil
}

// OwnedChat: see Store.OwnedChat (ErrNotFound, ErrNotOwner).
func (s *sqliteStore) OwnedChat(ctx context.Context, userID, chatID int64) (Chat, error) {
	return ownedBy(userID)(s.ChatByID(ctx, chatID))
}

func (s *sqliteStore) ListChats(ctx context.Context, userID int64) ([]ChatSummary, error) {
	rows, err := s.reads.QueryContext(ctx, sqliteListChats, userID)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list chats: %w", err)
	}
	defer rows.Close()
	chats, err := collect(rows, scanChatSummary)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list chats: %w", err)
	}
	return chats, nil
}
