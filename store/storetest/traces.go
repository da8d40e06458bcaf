package storetest

import (
	"context"
	"slices"
	"testing"
)

// trace counts the rows of one table that hold anything of one user. Its
// query takes, as $1, $2, …, the user's values named by args: "id", "email"
// or "marker" (a word found only in that user's messages).
type trace struct {
	query string
	args  []string
}

// traces know both databases' tables; the search index of PostgreSQL is a
// column of messages (migration 0006), SQLite's an FTS5 table with shadow
// tables of its own.
var traces = map[string]trace{
	"users":    {`SELECT COUNT(*) FROM users WHERE id = $1 OR email = $2`, []string{"id", "email"}},
	"chats":    {`SELECT COUNT(*) FROM chats WHERE user_id = $1`, []string{"id"}},
	"messages": {`SELECT COUNT(*) FROM messages WHERE chat_id IN (SELECT id FROM chats WHERE user_id = $1) OR content LIKE '%' || $2 || '%'`, []string{"id", "marker"}},
	"sessions": {`SELECT COUNT(*) FROM sessions WHERE user_id = $1`, []string{"id"}},
	// The index answers from its own entries, so an entry the trigger
	// failed to remove would be found.
	"messages_fts": {`SELECT COUNT(*) FROM messages_fts WHERE messages_fts MATCH '"' || $1 || '"'`, []string{"marker"}},
	// One row per indexed message: none may outlive its message.
	"messages_fts_docsize": {`SELECT COUNT(*) FROM messages_fts_docsize WHERE id NOT IN (SELECT id FROM messages)`, nil},
}

// untraced are tables that hold nothing of any user: the migrations'
// record, SQLite's id counters, and the FTS5 index's internals, which
// messages_fts and messages_fts_docsize answer for.
var untraced = []string{"schema_migrations", "sqlite_sequence", "messages_fts_data", "messages_fts_idx", "messages_fts_config"}

// UserTraces counts, table by table, what the database at databaseURL
// still holds of the user with userID and email whose messages, and only
// theirs, contain the word marker. Every table of the database is looked
// at: one that neither traces nor untraced knows fails the test, so
// a table a later migration adds must be taught here.
func UserTraces(t testing.TB, databaseURL string, userID int64, email, marker string) map[string]int64 {
	t.Helper()
	values := map[string]any{"id": userID, "email": email, "marker": marker}
	counts := map[string]int64{}
	for _, table := range tables(t, databaseURL) {
		tr, ok := traces[table]
		if !ok {
			if !slices.Contains(untraced, table) {
				t.Fatalf("storetest: table %s is unknown to UserTraces: teach it how to find a user's rows there", table)
			}
			continue
		}
		args := make([]any, len(tr.args))
		for i, name := range tr.args {
			args[i] = values[name]
		}
		counts[table] = Scalar[int64](t, databaseURL, tr.query, args...)
	}
	return counts
}

// tables names every table of the database at databaseURL.
func tables(t testing.TB, databaseURL string) []string {
	t.Helper()
	const (
		sqliteTables   = `SELECT name FROM sqlite_master WHERE type = 'table'`
		postgresTables = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()`
	)
	ctx := context.Background()
	var names []string
	var err error
	if isSQLite(databaseURL) {
		db := openSQLite(t, databaseURL)
		defer db.Close()
		rows, qerr := db.QueryContext(ctx, sqliteTables)
		if err = qerr; err == nil {
			defer rows.Close()
			names, err = scanNames(rows)
		}
	} else {
		conn := connectPostgres(t, databaseURL)
		defer conn.Close(ctx)
		rows, qerr := conn.Query(ctx, postgresTables)
		if err = qerr; err == nil {
			defer rows.Close()
			names, err = scanNames(rows)
		}
	}
	if err != nil {
		t.Fatalf("storetest: list tables: %v", err)
	}
	return names
}

// scanNames reads a result of one text column; *sql.Rows and pgx.Rows
// both are one.
func scanNames(rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}) ([]string, error) {
	var names []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, err
		}
		names = append(names, name)
	}
	return names, rows.Err()
}
