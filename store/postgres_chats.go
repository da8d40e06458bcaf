package store

import (
	"context"
	"fmt"
)

const (
	postgresInsertChat = `
		INSERT INTO chats (user_id, title, created_at)
		VALUES ($1, $2, $3)
		RETURNING id, user_id, title, created_at`

	postgresChatByID = `
		SELECT id, user_id, title, created_at
		FROM chats
		WHERE id = $1`

	// An empty chat's activity is its creation. Old chats with no time at all
	// go last (PostgreSQL would put NULLs first when descending).
	postgresListChats = `
		SELECT c.id, c.user_id, c.title, c.created_at,
		       COALESCE(MAX(m.timestamp), c.created_at) AS last_message_time,
		       COUNT(m.id) AS message_count
		FROM chats c
		LEFT JOIN messages m ON m.chat_id = c.id
		WHERE c.user_id = $1
		GROUP BY c.id
		ORDER BY last_message_time DESC NULLS LAST, c.id DESC`
)

// CreateChat returns ErrNotFound when the user does not exist.
func (s *postgresStore) CreateChat(ctx context.Context, userID int64) (Chat, error) {
	chat, err := scanChat(s.pool.QueryRow(ctx, postgresInsertChat, userID, DefaultChatTitle, now()))
	if isPostgresError(err, postgresForeignKeyViolation) {
		return Chat{}, ErrNotFound
	}
	if err != nil {
		return Chat{}, fmt.Errorf("store: unable to create chat: %w", err)
	}
	return chat, nil
}

func (s *postgresStore) ChatByID(ctx context.Context, id int64) (Chat, error) {
	chat, err := scanChat(s.pool.QueryRow(ctx, postgresChatByID, id))
	if err != nil {
		return Chat{}, lookupError("load chat", err)
	}
	return chat, nil
}

// OwnedChat: see Store.OwnedChat (ErrNotFound, ErrNotOwner).
func (s *postgresStore) OwnedChat(ctx context.Context, userID, chatID int64) (Chat, error) {
	return ownedBy(userID)(s.ChatByID(ctx, chatID))
}

func (s *postgresStore) ListChats(ctx context.Context, userID int64) ([]ChatSummary, error) {
	rows, err := s.pool.Query(ctx, postgresListChats, userID)
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
