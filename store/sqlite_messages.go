package store

import (
	"context"
	"database/sql"
	"fmt"
)

const (
	sqliteMessages = `
		SELECT m.id, m.chat_id, m.role, m.content, m.timestamp
		FROM messages m
		JOIN chats c ON c.id = m.chat_id
		WHERE m.chat_id = ? AND c.user_id = ?
		ORDER BY m.timestamp, m.id`

	// The newest ?4 messages of chat ?1 of user ?2 with ids below ?3 (NULL:
	// no bound), newest first.
	sqliteMessagesPage = `
		SELECT m.id, m.chat_id, m.role, m.content, m.timestamp
		FROM messages m
		JOIN chats c ON c.id = m.chat_id
		WHERE m.chat_id = ?1 AND c.user_id = ?2
		  AND (?3 IS NULL OR m.id < ?3)
		ORDER BY m.id DESC
		LIMIT ?4`

	// No row lock is needed, unlike PostgreSQL: the transaction already holds
	// SQLite's write lock from its start, so concurrent first messages cannot
	// both see an empty chat.
	sqliteFindChat = `
		SELECT id FROM chats WHERE id = ?`

	// A renamed chat keeps its title: only a chat still titled ?3
	// (DefaultChatTitle, or NULL from the old service) takes the first
	// message's.
	sqliteSetTitleIfNoMessages = `
		UPDATE chats
		SET title = ?2
		WHERE id = ?1
		  AND (title IS NULL OR title = ?3)
		  AND NOT EXISTS (SELECT 1 FROM messages WHERE chat_id = ?1)`

	sqliteInsertMessage = `
		INSERT INTO messages (chat_id, role, content, timestamp)
		VALUES (?, ?, ?, ?)
		RETURNING id, chat_id, role, content, timestamp`
)

// Messages: see Store.Messages (ErrNotFound, ErrNotOwner).
func (s *sqliteStore) Messages(ctx context.Context, userID, chatID int64) ([]Message, error) {
	rows, err := s.reads.QueryContext(ctx, sqliteMessages, chatID, userID)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list messages: %w", err)
	}
	defer rows.Close()
	messages, err := collect(rows, scanMessage)
	return chatMessages(messages, err, userID, func() (Chat, error) { return s.ChatByID(ctx, chatID) })
}

// MessagesPage: see Store.MessagesPage (ErrNotFound, ErrNotOwner).
func (s *sqliteStore) MessagesPage(ctx context.Context, userID, chatID, before int64, limit int) (MessagePage, error) {
	var bound any // NULL: no bound
	if before > 0 {
		bound = before
	}
	rows, err := s.reads.QueryContext(ctx, sqliteMessagesPage, chatID, userID, bound, limit+1)
	if err != nil {
		return MessagePage{}, fmt.Errorf("store: unable to list messages: %w", err)
	}
	defer rows.Close()
	messages, err := collect(rows, scanMessage)
	return messagePage(messages, err, limit, userID, func() (Chat, error) { return s.ChatByID(ctx, chatID) })
}

func (s *sqliteStore) AddUserMessage(ctx context.Context, chatID int64, content, title string) (Message, error) {
	return s.addMessage(ctx, chatID, RoleUser, content, &title)
}

func (s *sqliteStore) AddAssistantMessage(ctx context.Context, chatID int64, content string) (Message, error) {
	return s.addMessage(ctx, chatID, RoleAssistant, content, nil)
}

// addMessage stores a message; when firstMessageTitle is set, the chat has
// no messages yet and was not renamed, it becomes the chat's title in the
// same transaction.
func (s *sqliteStore) addMessage(ctx context.Context, chatID int64, role, content string, firstMessageTitle *string) (Message, error) {
	var message Message
	err := s.inWriteTx(ctx, func(tx *sql.Tx) error {
		find, err := s.writes.inTx(ctx, tx, sqliteFindChat)
		if err != nil {
			return err
		}
		var foundID int64
		if err := find.QueryRowContext(ctx, chatID).Scan(&foundID); err != nil {
			return err
		}
		if firstMessageTitle != nil {
			setTitle, err := s.writes.inTx(ctx, tx, sqliteSetTitleIfNoMessages)
			if err != nil {
				return err
			}
			if _, err := setTitle.ExecContext(ctx, chatID, *firstMessageTitle, DefaultChatTitle); err != nil {
				return err
			}
		}
		insert, err := s.writes.inTx(ctx, tx, sqliteInsertMessage)
		if err != nil {
			return err
		}
		message, err = scanMessage(insert.QueryRowContext(ctx, chatID, role, content, sqliteTime(now())))
		return err
	})
	if err != nil {
		return Message{}, lookupError("add message", err)
	}
	return message, nil
}
