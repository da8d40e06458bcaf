package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
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

	// Locking the chat row keeps a rename or a delete from crossing a
	// message being added (addMessage locks it too).
	postgresLockChatRow = postgresChatByID + `
		FOR UPDATE`

	postgresRenameChat = `
		UPDATE chats SET title = $2 WHERE id = $1`

	// The chat's messages go with it: ON DELETE CASCADE (migration 0002,
	// which also converts the old service's foreign keys).
	postgresDeleteChat = `
		DELETE FROM chats WHERE id = $1`

	// postgresChatSummaries is the chats of user $1 as the list shows them,
	// the columns of scanChatSummary, for a WHERE and an ORDER BY to follow.
	// An empty chat's activity is its creation.
	postgresChatSummaries = `
		SELECT id, user_id, title, created_at, last_message_time, message_count
		FROM (
		    SELECT c.id, c.user_id, c.title, c.created_at,
		           COALESCE(MAX(m.timestamp), c.created_at) AS last_message_time,
		           COUNT(m.id) AS message_count
		    FROM chats c
		    LEFT JOIN messages m ON m.chat_id = c.id
		    WHERE c.user_id = $1
		    GROUP BY c.id
		) summaries`

	// Old chats with no time at all go last (PostgreSQL would put NULLs
	// first when descending).
	postgresChatOrder = `
		ORDER BY last_message_time DESC NULLS LAST, id DESC`

	postgresListChats = postgresChatSummaries + postgresChatOrder

	// The page after the chat with sort key ($3 last_message_time, $2 id),
	// in postgresChatOrder; $2 NULL: the first page.
	postgresListChatsPage = postgresChatSummaries + `
		WHERE $2::bigint IS NULL
		   OR ($3::timestamp IS NULL AND last_message_time IS NULL AND id < $2::bigint)
		   OR ($3::timestamp IS NOT NULL AND (last_message_time IS NULL
		       OR last_message_time < $3::timestamp
		       OR (last_message_time = $3::timestamp AND id < $2::bigint)))` +
		postgresChatOrder + `
		LIMIT $4`

	postgresChatSummary = postgresChatSummaries + `
		WHERE id = $2`
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

func (s *postgresStore) ListChatsPage(ctx context.Context, userID int64, after *ChatCursor, limit int) (ChatPage, error) {
	var afterID, afterTime any // NULL: from the top, or a chat with no time
	if after != nil {
		afterID = after.ID
		if !after.LastMessageTime.IsZero() {
			afterTime = after.LastMessageTime
		}
	}
	rows, err := s.pool.Query(ctx, postgresListChatsPage, userID, afterID, afterTime, limit+1)
	if err != nil {
		return ChatPage{}, fmt.Errorf("store: unable to list chats: %w", err)
	}
	defer rows.Close()
	chats, err := collect(rows, scanChatSummary)
	if err != nil {
		return ChatPage{}, fmt.Errorf("store: unable to list chats: %w", err)
	}
	return chatPage(chats, limit), nil
}

// RenameChat: see Store.RenameChat (ErrNotFound, ErrNotOwner).
func (s *postgresStore) RenameChat(ctx context.Context, userID, chatID int64, title string) (ChatSummary, error) {
	var summary ChatSummary
	err := s.inOwnedChat(ctx, userID, chatID, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, postgresRenameChat, chatID, title); err != nil {
			return err
		}
		var err error
		summary, err = scanChatSummary(tx.QueryRow(ctx, postgresChatSummary, userID, chatID))
		return err
	})
	if err != nil {
		return ChatSummary{}, lookupError("rename chat", err)
	}
	return summary, nil
}

// DeleteChat: see Store.DeleteChat (ErrNotFound, ErrNotOwner).
func (s *postgresStore) DeleteChat(ctx context.Context, userID, chatID int64) error {
	err := s.inOwnedChat(ctx, userID, chatID, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, postgresDeleteChat, chatID)
		return err
	})
	if err != nil {
		return lookupError("delete chat", err)
	}
	return nil
}

// inOwnedChat runs fn in a transaction that holds the lock of a chat of
// userID's: sql.ErrNoRows when the chat does not exist, ErrNotOwner when it
// is another user's.
func (s *postgresStore) inOwnedChat(ctx context.Context, userID, chatID int64, fn func(pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := ownedBy(userID)(scanChat(tx.QueryRow(ctx, postgresLockChatRow, chatID))); err != nil {
			return err
		}
		return fn(tx)
	})
}
