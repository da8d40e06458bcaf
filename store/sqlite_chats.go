package store

import (
	"context"
	"database/sql"
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

	sqliteRenameChat = `
		UPDATE chats SET title = ?2 WHERE id = ?1`

	// The chat's messages go with it: ON DELETE CASCADE (migration 0002,
	// which rebuilt the old service's tables; foreign_keys is on for every
	// connection).
	sqliteDeleteChat = `
		DELETE FROM chats WHERE id = ?`

	// sqliteChatSummaries is the chats of user ?1 as the list shows them,
	// the columns of scanChatSummary, for a WHERE and an ORDER BY to follow.
	// An empty chat's activity is its creation. The times are text in one
	// layout, so MAX, ORDER BY and comparisons take them in time order.
	sqliteChatSummaries = `
		SELECT id, user_id, title, created_at, last_message_time, message_count
		FROM (
		    SELECT c.id, c.user_id, c.title, c.created_at,
		           COALESCE(MAX(m.timestamp), c.created_at) AS last_message_time,
		           COUNT(m.id) AS message_count
		    FROM chats c
		    LEFT JOIN messages m ON m.chat_id = c.id
		    WHERE c.user_id = ?1
		    GROUP BY c.id
		) summaries`

	sqliteChatOrder = `
		ORDER BY last_message_time DESC NULLS LAST, id DESC`

	sqliteListChats = sqliteChatSummaries + sqliteChatOrder

	// The page after the chat with sort key (?3 last_message_time, ?2 id),
	// in sqliteChatOrder; ?2 NULL: the first page.
	sqliteListChatsPage = sqliteChatSummaries + `
		WHERE ?2 IS NULL
		   OR (?3 IS NULL AND last_message_time IS NULL AND id < ?2)
		   OR (?3 IS NOT NULL AND (last_message_time IS NULL
		       OR last_message_time < ?3
		       OR (last_message_time = ?3 AND id < ?2)))` +
		sqliteChatOrder + `
		LIMIT ?4`

	sqliteChatSummary = sqliteChatSummaries + `
		WHERE id = ?2`
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

func (s *sqliteStore) ListChatsPage(ctx context.Context, userID int64, after *ChatCursor, limit int) (ChatPage, error) {
	var afterID, afterTime any // NULL: from the top, or a chat with no time
	if after != nil {
		afterID = after.ID
		if !after.LastMessageTime.IsZero() {
			afterTime = sqliteTime(after.LastMessageTime)
		}
	}
	rows, err := s.reads.QueryContext(ctx, sqliteListChatsPage, userID, afterID, afterTime, limit+1)
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
func (s *sqliteStore) RenameChat(ctx context.Context, userID, chatID int64, title string) (ChatSummary, error) {
	var summary ChatSummary
	err := s.inOwnedChat(ctx, userID, chatID, func(tx *sql.Tx) error {
		rename, err := s.writes.inTx(ctx, tx, sqliteRenameChat)
		if err != nil {
			return err
		}
		if _, err := rename.ExecContext(ctx, chatID, title); err != nil {
			return err
		}
		load, err := s.writes.inTx(ctx, tx, sqliteChatSummary)
		if err != nil {
			return err
		}
		summary, err = scanChatSummary(load.QueryRowContext(ctx, userID, chatID))
		return err
	})
	if err != nil {
		return ChatSummary{}, lookupError("rename chat", err)
	}
	return summary, nil
}

// DeleteChat: see Store.DeleteChat (ErrNotFound, ErrNotOwner).
func (s *sqliteStore) DeleteChat(ctx context.Context, userID, chatID int64) error {
	err := s.inOwnedChat(ctx, userID, chatID, func(tx *sql.Tx) error {
		remove, err := s.writes.inTx(ctx, tx, sqliteDeleteChat)
		if err != nil {
			return err
		}
		_, err = remove.ExecContext(ctx, chatID)
		return err
	})
	if err != nil {
		return lookupError("delete chat", err)
	}
	return nil
}

// inOwnedChat runs fn in a write transaction once it has found a chat of
// userID's: sql.ErrNoRows when the chat does not exist, ErrNotOwner when it
// is another user's. SQLite's write lock, held from the start, keeps other
// writes out meanwhile.
func (s *sqliteStore) inOwnedChat(ctx context.Context, userID, chatID int64, fn func(*sql.Tx) error) error {
	return s.inWriteTx(ctx, func(tx *sql.Tx) error {
		find, err := s.writes.inTx(ctx, tx, sqliteChatByID)
		if err != nil {
			return err
		}
		if _, err := ownedBy(userID)(scanChat(find.QueryRowContext(ctx, chatID))); err != nil {
			return err
		}
		return fn(tx)
	})
}
