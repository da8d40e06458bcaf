package store

import (
	"context"
	"fmt"
	"strconv"
)

// sqliteSearch finds messages of user ?1's chats matching the FTS5
// expression ?2, at most ?3. messages_fts (migration 0006) is an external
// content FTS5 table over messages.content, kept in step by triggers (a
// chat's cascading delete fires them too). bm25 is lower for a better
// match.
var sqliteSearch = `
		SELECT m.chat_id, c.title, m.id, m.role,
		       snippet(messages_fts, 0, '` + SnippetStart + `', '` + SnippetStop + `', '…', ` + strconv.Itoa(snippetWords) + `),
		       m.timestamp
		FROM messages_fts
		JOIN messages m ON m.id = messages_fts.rowid
		JOIN chats c ON c.id = m.chat_id
		WHERE messages_fts MATCH ?2 AND c.user_id = ?1
		ORDER BY bm25(messages_fts), m.timestamp DESC, m.id DESC
		LIMIT ?3`

// Search: see Store.Search. The words are quoted for FTS5, so no text is
// a syntax error; a text of no words is not queried.
func (s *sqliteStore) Search(ctx context.Context, userID int64, query string, limit int) ([]SearchResult, error) {
	match := fts5Query(query)
	if match == "" || limit < 1 {
		return []SearchResult{}, nil
	}
	rows, err := s.reads.QueryContext(ctx, sqliteSearch, userID, match, limit)
	if err != nil {
		return nil, fmt.Errorf("store: unable to search messages: %w", err)
	}
	defer rows.Close()
	results, err := collect(rows, scanSearchResult)
	if err != nil {
		return nil, fmt.Errorf("store: unable to search messages: %w", err)
	}
	return results, nil
}
