package store

import (
	"context"
	"database/sql"
	"fmt"
)

// The export's one query: every chat of the user by id, each joined with its
// messages by id; an empty chat is one row whose message columns are NULL.
// ix_chats_user_id finds the chats, ix_messages_chat_id_id their messages
// in order.
const (
	sqliteExportUser = `
		SELECT c.id, c.user_id, c.title, c.created_at,
		       m.id, m.role, m.content, m.timestamp
		FROM chats c
		LEFT JOIN messages m ON m.chat_id = c.id
		WHERE c.user_id = ?
		ORDER BY c.id, m.id`

	postgresExportUser = `
		SELECT c.id, c.user_id, c.title, c.created_at,
		       m.id, m.role, m.content, m.timestamp
		FROM chats c
		LEFT JOIN messages m ON m.chat_id = c.id
		WHERE c.user_id = $1
		ORDER BY c.id, m.id`
)

// ExportUser: see Store.ExportUser. It reads from the reader pool: under
// WAL the statement sees one snapshot and never holds the write lock, so
// writers go on while it runs (though the WAL cannot be checkpointed past
// that snapshot until it ends).
func (s *sqliteStore) ExportUser(ctx context.Context, userID int64, visit func(Chat, *Message) error) error {
	rows, err := s.reads.QueryContext(ctx, sqliteExportUser, userID)
	if err != nil {
		return fmt.Errorf("store: unable to export user: %w", err)
	}
	defer rows.Close()
	return exportRows(rows, visit)
}

// ExportUser: see Store.ExportUser. One statement sees one snapshot; pgx
// reads its rows from the connection as they are asked for.
func (s *postgresStore) ExportUser(ctx context.Context, userID int64, visit func(Chat, *Message) error) error {
	rows, err := s.pool.Query(ctx, postgresExportUser, userID)
	if err != nil {
		return fmt.Errorf("store: unable to export user: %w", err)
	}
	defer rows.Close()
	return exportRows(rows, visit)
}

// exportRows finishes ExportUser for both stores: it scans the rows of the
// export query one at a time, keeping only the current chat, and calls
// visit as Store.ExportUser says. An error of visit is returned as it is.
func exportRows(rows rowIterator, visit func(Chat, *Message) error) error {
	var current Chat
	started := false
	for rows.Next() {
		var chat Chat
		var title, role, content sql.NullString
		var messageID sql.NullInt64
		var createdAt, timestamp dbTime
		err := rows.Scan(&chat.ID, &chat.UserID, &title, &createdAt, &messageID, &role, &content, &timestamp)
		if err != nil {
			return fmt.Errorf("store: unable to export user: %w", err)
		}
		chat.Title = titleOrDefault(title)
		chat.CreatedAt = createdAt.Time
		if !started || chat.ID != current.ID {
			current, started = chat, true
			if err := visit(current, nil); err != nil {
				return err
			}
		}
		if !messageID.Valid {
			continue // an empty chat
		}
		message := Message{
			ID: messageID.Int64, ChatID: chat.ID, Role: role.String,
			Content: content.String, Timestamp: timestamp.Time,
		}
		if err := visit(current, &message); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: unable to export user: %w", err)
	}
	return nil
}
