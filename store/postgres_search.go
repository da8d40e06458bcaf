package store

import (
	"context"
	"fmt"
	"strconv"
)

// postgresSearch finds messages of user $1's chats matching the web-search
// text $2 (words ANDed; "quoted phrases", or, -word), at most $3, on the
// generated content_tsv column and its GIN index (migration 0006). The
// snippet is computed only for the rows kept.
var postgresSearch = `
		SELECT f.chat_id, f.title, f.id, f.role,
		       ts_headline('simple', f.content, f.q,
		           'MaxFragments=1, MaxWords=` + strconv.Itoa(snippetWords) + `, MinWords=5, StartSel="` + SnippetStart + `", StopSel="` + SnippetStop + `"'),
		       f.timestamp
		FROM (
		    SELECT m.chat_id, c.title, m.id, m.role, m.content, m.timestamp, q.q,
		           ts_rank(m.content_tsv, q.q) AS rank
		    FROM messages m
		    JOIN chats c ON c.id = m.chat_id
		    CROSS JOIN websearch_to_tsquery('simple', $2) AS q(q)
		    WHERE c.user_id = $1 AND m.content_tsv @@ q.q
		    ORDER BY rank DESC, m.timestamp DESC NULLS LAST, m.id DESC
		    LIMIT $3
		) f
		ORDER BY f.rank DESC, f.timestamp DESC NULLS LAST, f.id DESC`

// Search: see Store.Search. websearch_to_tsquery never fails on its input;
// a text of no words gives an empty query, which matches nothing.
func (s *postgresStore) Search(ctx context.Context, userID int64, query string, limit int) ([]SearchResult, error) {
	if limit < 1 {
		return []SearchResult{}, nil
	}
	rows, err := s.pool.Query(ctx, postgresSearch, userID, query, limit)
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
