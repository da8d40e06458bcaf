package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

const (
	postgresMessages = `
		SELECT m.id, m.chat_id, m.role, m.content, m.timestamp
		FROM messages m
		JOIN chats c ON c.id = m.chat_id
		WHERE m.chat_id = $1 AND c.user_id = $2
		ORDER BY m.timestamp, m.id`

	// The newest $4 messages of chat $1 of user $2 with ids below $3 (NULL:
	// no bound), newest first.
	postgresMessagesPage = `
		SELECT m.id, m.chat_id, m.role, m.content, m.timestamp
		FROM messages m
		JOIN chats c ON c.id = m.chat_id
		WHERE m.chat_id = $1 AND c.user_id = $2
		  AND ($3::bigint IS NULL OR m.id < $3::bigint)
		ORDER BY m.id DESC
		LIMIT $4`

	// Locking the chat row serialises the messages of one chat, so two first
	// messages sent at once cannot both see an empty chat and both set the title.
	postgresLockChat = `
		SELECT id FROM chats WHERE id = $1 FOR UPDATE`

	// A renamed chat keeps its title: only a chat still titled $3
	// (DefaultChatTitle, or NULL from the old service) takes the first
	// message's.
	postgresSetTitleIfNoMessages = `
		UPDATE chats
		SET title = $2
		WHERE id = $1
		  AND (title IS NULL OR title = $3)
		  AND NOT EXISTS (SELECT 1 FROM messages WHERE chat_id = $1)`

	postgresInsertMessage = `
		INSERT INTO messages (chat_id, role, content, timestamp)
		VALUES ($1, $2, $3, $4)
		RETURNING id, chat_id, role, content, timestamp`
)

// Messages: see Store.Messages (ErrNotFound, ErrNotOwner).
func (s *postgresStore) Messages(ctx context.Context, userID, chatID int64) ([]Message, error) {
	rows, err := s.pool.Query(ctx, postgresMessages, chatID, userID)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list messages: %w", err)
	}
	defer rows.Close()
	messages, err := collect(rows, scanMessage)
	return chatMessages(messages, err, userID, func() (Chat, error) { return s.ChatByID(ctx, chatID) })
}

// MessagesPage: see Store.MessagesPage (ErrNotFound, ErrNotOwner).
func (s *postgresStore) MessagesPage(ctx context.Context, userID, chatID, before int64, limit int) (MessagePage, error) {
	var bound any // NULL: no bound
	if before > 0 {
		bound = before
	}
	rows, err := s.pool.Query(ctx, postgresMessagesPage, chatID, userID, bound, limit+1)
	if err != nil {
		return MessagePage{}, fmt.Errorf("store: unable to list messages: %w", err)
	}
	defer rows.Close()
	messages, err := collect(rows, scanMessage)
	return messagePage(messages, err, limit, userID, func() (Chat, error) { return s.ChatByID(ctx, chatID) })
}

func (s *postgresStore) AddUserMessage(ctx context.Context, chatID int64, content, title string) (Message, error) {
	return s.addMessage(ctx, chatID, RoleUser, content, &title)
}

func (s *postgresStore) AddAssistantMessage(ctx context.Context, chatID int64, content string) (Message, error) {
	return s.addMessage(ctx, chatID, RoleAssistant, content, nil)
}

// addMessage stores a message; when firstMessageTitle is set, the chat has
// no messages yet and was not renamed, it becomes the chat's title in the
// same transaction.
func (s *postgresStore) addMessage(ctx context.Context, chatID int64, role, content string, firstMessageTitle *string) (Message, error) {
	var message Message
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var foundID int64
		if err := tx.QueryRow(ctx, postgresLockChat, chatID).Scan(&foundID); err != nil {
			return err
		}
		if firstMessageTitle != nil {
			if _, err := tx.Exec(ctx, postgresSetTitleIfNoMessages, chatID, *firstMessageTitle, DefaultChatTitle); err != nil {
				return err
			}
		}
		var err error
		message, err = scanMessage(tx.QueryRow(ctx, postgresInsertMessage, chatID, role, content, now()))
		return err
	})
	if err != nil {
		return Message{}, lookupError("add message", err)
	}
	return message, nil
}
