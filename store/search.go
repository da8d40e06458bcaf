package store

import (
	"database/sql"
	"strings"
	"unicode"
)

// snippetWords is about how many words a search snippet holds.
const snippetWords = 20

// scanSearchResult reads the columns chat_id, title, message id, role,
// snippet, timestamp.
func scanSearchResult(row rowScanner) (SearchResult, error) {
	var result SearchResult
	var title sql.NullString
	var timestamp dbTime
	if err := row.Scan(&result.ChatID, &title, &result.MessageID, &result.Role, &result.Snippet, &timestamp); err != nil {
		return SearchResult{}, err
	}
	result.ChatTitle = titleOrDefault(title)
	result.Timestamp = timestamp.Time
	return result, nil
}

// searchWords splits a search text into words as SQLite's unicode61
// tokenizer does (letters, digits and private-use characters; anything
// else separates), so no character of the user's reaches a query syntax.
func searchWords(query string) []string {
	return strings.FieldsFunc(query, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsNumber(r) && !unicode.Is(unicode.Co, r)
	})
}

// fts5Query is an FTS5 MATCH expression finding every word of query: each
// word a quoted string (FTS5 quotes a double quote by doubling it, and
// searchWords leaves none), implicitly ANDed. Empty when query has no word.
func fts5Query(query string) string {
	words := searchWords(query)
	for i, w := range words {
		words[i] = `"` + strings.ReplaceAll(w, `"`, `""`) + `"`
	}
	return strings.Join(words, " ")
}
