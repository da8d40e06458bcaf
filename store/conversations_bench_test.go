package store_test

// Benchmarks of issue 13 (BENCHMARKS.md, "Conversations (issue 13)"):
// Store.Search over 1,000,000 messages on both stores. The export's
// benchmark is in handlers (it measures the HTTP handler's streaming too).
// Nothing here runs without -bench: the datasets are built inside the
// Benchmark functions.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/amanda-platform/amanda-backend/store"
	"github.com/amanda-platform/amanda-backend/store/storetest"
)

// The search dataset: searchUsers users, searchChats chats (chat c belongs
// to user c % searchUsers + 1), searchPerChat messages in each, roles
// alternating. Bump searchDatasetVersion whenever the dataset or the schema
// it needs changes: the cached databases are keyed by it.
const (
	searchDatasetVersion = "v1"
	searchUsers          = 10
	searchChats          = 1000
	searchPerChat        = 1000
	searchMessages       = searchChats * searchPerChat
	searchVocabulary     = 4000
	searchSeed           = 13
)

// syllables make the vocabulary's words: word i is three syllables chosen by
// i's digits in base 20, so the 4,000 words are distinct, pronounceable and
// single tokens for both stores' tokenizers.
var syllables = [20]string{"ka", "lo", "mi", "nu", "pe", "ra", "si", "to", "vu", "ze", "ba", "de", "fi", "go", "hu", "ja", "ke", "li", "mo", "ny"}

// vocabWord is the word of frequency rank i (0 is the most common).
func vocabWord(i int) string {
	return syllables[i%20] + syllables[(i/20)%20] + syllables[(i/400)%20]
}

// searchText is the content of message n (0-based over the whole dataset):
// 6 to 20 words drawn with a Zipf law (s = 1.1) from the vocabulary, so the
// first words are in most messages and the last in a few hundred of the
// million. It depends only on n, so a query can be built from a message.
func searchText(n int) string {
	r := rand.New(rand.NewPCG(searchSeed, uint64(n)))
	z := rand.NewZipf(r, 1.1, 1, searchVocabulary-1)
	words := 6 + r.IntN(15)
	var sb strings.Builder
	for i := range words {
		if i > 0 {
			sb.WriteByte(' ')
		}
		sb.WriteString(vocabWord(int(z.Uint64())))
	}
	return sb.String()
}

// searchMessage is message n's chat id (1-based) and role.
func searchMessage(n int) (chatID int64, role string) {
	role = store.RoleUser
	if n%2 == 1 {
		role = store.RoleAssistant
	}
	return int64(n/searchPerChat + 1), role
}

// searchTime is message n's timestamp: a minute apart, in order.
func searchTime(n int) time.Time {
	return time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(n) * time.Minute)
}

// searchQueries are the benchmark's queries by kind, perKind of each, all
// made of the dataset's words: a rare word (ranks 3,000 and above: a few
// hundred messages of the million, a few dozen of the user's), a common
// word (ranks 0-49: from most messages down to a few percent), two words (a
// common and a middling one, both required), and a phrase of two words
// adjacent in one of the user's messages (PostgreSQL matches the phrase;
// SQLite's Store.Search requires both words, anywhere).
func searchQueries(perKind int) map[string][]string {
	q := map[string][]string{}
	for k := range perKind {
		q["rare"] = append(q["rare"], vocabWord(3000+(k*37)%1000))
		q["common"] = append(q["common"], vocabWord(k%50))
		q["two_words"] = append(q["two_words"], vocabWord(k%50)+" "+vocabWord(200+(k*7)%800))
		// A message of chat 1 + 10j, which user 1 owns.
		chat := (k * searchUsers) % searchChats
		words := strings.Fields(searchText(chat*searchPerChat + (k*97)%searchPerChat))
		i := k % (len(words) - 1)
		q["phrase"] = append(q["phrase"], `"`+words[i]+" "+words[i+1]+`"`)
	}
	return q
}

// BenchmarkSearch1M is Store.Search (limit 20, the endpoint's default) as
// user 1, who owns 100,000 of the 1,000,000 messages, one sub-benchmark per
// kind of query, each iteration one query (cycling through 50 of the kind).
// It reports p50 and p99 latency and the mean number of results. The
// databases are built once and kept (see searchSQLite, searchPostgres).
//
//	TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test?sslmode=disable \
//	  go test -run XXX -bench Search1M -benchtime 100x ./store
func BenchmarkSearch1M(b *testing.B) {
	run := func(b *testing.B, s store.Store) {
		queries := searchQueries(50)
		for _, kind := range []string{"rare", "common", "two_words", "phrase"} {
			b.Run(kind, func(b *testing.B) {
				texts := queries[kind]
				ctx := context.Background()
				took := make([]time.Duration, 0, b.N)
				results := 0
				b.ResetTimer()
				for i := range b.N {
					t := time.Now()
					found, err := s.Search(ctx, 1, texts[i%len(texts)], 20)
					took = append(took, time.Since(t))
					if err != nil {
						b.Fatal(err)
					}
					results += len(found)
				}
				b.StopTimer()
				slices.Sort(took)
				b.ReportMetric(ms(nearestRank(took, 0.50)), "p50-ms")
				b.ReportMetric(ms(nearestRank(took, 0.99)), "p99-ms")
				b.ReportMetric(float64(results)/float64(b.N), "results/op")
			})
		}
	}
	b.Run("sqlite", func(b *testing.B) { run(b, searchSQLite(b)) })
	b.Run("postgres", func(b *testing.B) { run(b, searchPostgres(b)) })
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// nearestRank is the p-quantile of sorted by the nearest-rank method.
func nearestRank(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*p+0.999999) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// searchSQLite opens the cached SQLite dataset,
// $TMPDIR/amanda_bench_search_<version>.db, building it first when it is
// missing (about a minute or two: one transaction, one prepared
// statement, the FTS5 trigger indexing every row).
func searchSQLite(b *testing.B) store.Store {
	path := filepath.Join(os.TempDir(), "amanda_bench_search_"+searchDatasetVersion+".db")
	if _, err := os.Stat(path); err != nil {
		t := time.Now()
		building := path + ".building"
		for _, suffix := range []string{"", "-wal", "-shm"} {
			_ = os.Remove(building + suffix)
		}
		s, err := store.Open(context.Background(), "sqlite:///"+building, slog.New(slog.DiscardHandler)) // migrates
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
		if err := buildSearchSQLite(building); err != nil {
			b.Fatal(err)
		}
		if err := os.Rename(building, path); err != nil {
			b.Fatal(err)
		}
		b.Logf("built %s in %s", path, time.Since(t).Round(time.Second))
	}
	return storetest.Open(b, "sqlite:///"+path)
}

func buildSearchSQLite(path string) error {
	db, err := sql.Open("sqlite", path+"?_pragma=foreign_keys(1)&_pragma=synchronous(OFF)")
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	ctx := context.Background()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	created := searchTime(0).Format("2006-01-02 15:04:05.000000")
	for u := 1; u <= searchUsers; u++ {
		if _, err := tx.ExecContext(ctx, "INSERT INTO users (id, email, password_hash, created_at) VALUES (?, ?, 'x', ?)",
			u, fmt.Sprintf("search%d@example.com", u), created); err != nil {
			return err
		}
	}
	for c := 1; c <= searchChats; c++ {
		if _, err := tx.ExecContext(ctx, "INSERT INTO chats (id, user_id, title, created_at) VALUES (?, ?, ?, ?)",
			c, c%searchUsers+1, fmt.Sprint("Chat ", c), created); err != nil {
			return err
		}
	}
	insert, err := tx.PrepareContext(ctx, "INSERT INTO messages (chat_id, role, content, timestamp) VALUES (?, ?, ?, ?)")
	if err != nil {
		return err
	}
	for n := range searchMessages {
		chatID, role := searchMessage(n)
		if _, err := insert.ExecContext(ctx, chatID, role, searchText(n), searchTime(n).Format("2006-01-02 15:04:05.000000")); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	_, err = db.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)")
	return err
}

// searchPostgres opens the cached PostgreSQL dataset, the database
// amanda_bench_search_<version> on TEST_DATABASE_URL's server, building it
// when it is missing or was left half-built (the table bench_dataset is
// written last): COPY of every row with the GIN index dropped, then the
// index built once. It skips without TEST_DATABASE_URL.
func searchPostgres(b *testing.B) store.Store {
	adminURL := os.Getenv("TEST_DATABASE_URL")
	if adminURL == "" {
		b.Skip("TEST_DATABASE_URL not set: skipping PostgreSQL")
	}
	name := "amanda_bench_search_" + searchDatasetVersion
	parsed, err := url.Parse(adminURL)
	if err != nil {
		b.Fatal(err)
	}
	parsed.Path = "/" + name
	databaseURL := parsed.String()
	ctx := context.Background()
	if conn, err := pgx.Connect(ctx, databaseURL); err == nil {
		var rows int
		err := conn.QueryRow(ctx, "SELECT messages FROM bench_dataset").Scan(&rows)
		conn.Close(ctx)
		if err == nil && rows == searchMessages {
			return storetest.Open(b, databaseURL)
		}
	}
	t := time.Now()
	admin, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		b.Fatal(err)
	}
	for _, stmt := range []string{"DROP DATABASE IF EXISTS " + name + " WITH (FORCE)", "CREATE DATABASE " + name} {
		if _, err := admin.Exec(ctx, stmt); err != nil {
			b.Fatal(err)
		}
	}
	admin.Close(ctx)
	s := storetest.Open(b, databaseURL) // migrates
	if err := buildSearchPostgres(ctx, databaseURL); err != nil {
		b.Fatal(err)
	}
	b.Logf("built database %s in %s", name, time.Since(t).Round(time.Second))
	return s
}

func buildSearchPostgres(ctx context.Context, databaseURL string) error {
	conn, err := pgx.Connect(ctx, databaseURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	created := searchTime(0)
	users := make([][]any, searchUsers)
	for u := range users {
		users[u] = []any{u + 1, fmt.Sprintf("search%d@example.com", u+1), "x", created}
	}
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{"users"}, []string{"id", "email", "password_hash", "created_at"}, pgx.CopyFromRows(users)); err != nil {
		return err
	}
	chats := make([][]any, searchChats)
	for c := range chats {
		chats[c] = []any{c + 1, (c+1)%searchUsers + 1, fmt.Sprint("Chat ", c+1), created}
	}
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{"chats"}, []string{"id", "user_id", "title", "created_at"}, pgx.CopyFromRows(chats)); err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, "DROP INDEX ix_messages_content_tsv"); err != nil {
		return err
	}
	n := 0
	copied, err := conn.CopyFrom(ctx, pgx.Identifier{"messages"}, []string{"chat_id", "role", "content", "timestamp"},
		pgx.CopyFromFunc(func() ([]any, error) {
			if n == searchMessages {
				return nil, nil
			}
			chatID, role := searchMessage(n)
			row := []any{chatID, role, searchText(n), searchTime(n)}
			n++
			return row, nil
		}))
	if err != nil {
		return err
	}
	if copied != searchMessages {
		return errors.New("short COPY")
	}
	for _, stmt := range []string{
		"SELECT setval(pg_get_serial_sequence('users', 'id'), (SELECT max(id) FROM users))",
		"SELECT setval(pg_get_serial_sequence('chats', 'id'), (SELECT max(id) FROM chats))",
		"SET maintenance_work_mem = '256MB'",
		"CREATE INDEX ix_messages_content_tsv ON messages USING GIN (content_tsv)",
		"ANALYZE",
		fmt.Sprintf("CREATE TABLE bench_dataset AS SELECT %d AS messages", searchMessages),
	} {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("%s: %w", stmt, err)
		}
	}
	return nil
}
