// Package storetest gives tests a fresh database per test, for both kinds
// the store supports, and plain-SQL access to it for building fixtures (such
// as an old service's database) and checking what was written.
//
// PostgreSQL tests run when TEST_DATABASE_URL names a server whose user may
// create databases, e.g.
//
//	TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test?sslmode=disable go test ./...
//
// and are skipped, visibly, when it is unset.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/amanda-platform/amanda-backend/store"
)

// Each runs fn as the subtests "sqlite" and "postgres", each with a fresh,
// migrated store and its DATABASE_URL.
func Each(t *testing.T, fn func(t *testing.T, s store.Store, databaseURL string)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		s, databaseURL := SQLite(t)
		fn(t, s, databaseURL)
	})
	t.Run("postgres", func(t *testing.T) {
		s, databaseURL := Postgres(t)
		fn(t, s, databaseURL)
	})
}

// EachEmpty runs fn as the subtests "sqlite" and "postgres", each with the
// DATABASE_URL of a fresh database that has no tables yet, for tests that
// build the database before opening a store on it.
func EachEmpty(t *testing.T, fn func(t *testing.T, databaseURL string)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, EmptySQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, EmptyPostgres(t)) })
}

// SQLite opens a store on a new SQLite file in t.TempDir(), closed at cleanup.
func SQLite(t testing.TB) (store.Store, string) {
	t.Helper()
	databaseURL := EmptySQLite(t)
	return Open(t, databaseURL), databaseURL
}

// Postgres opens a store on a new PostgreSQL database, closed and dropped at
// cleanup. It skips the test when TEST_DATABASE_URL is unset.
func Postgres(t testing.TB) (store.Store, string) {
	t.Helper()
	databaseURL := EmptyPostgres(t)
	return Open(t, databaseURL), databaseURL
}

// EmptySQLite returns the DATABASE_URL of an SQLite file in t.TempDir() that
// does not exist yet.
func EmptySQLite(t testing.TB) string {
	t.Helper()
	// TempDir is absolute, so this is the sqlite://// form.
	return "sqlite:///" + filepath.Join(t.TempDir(), "amanda.db")
}

// EmptyPostgres creates a uniquely named database on the server of
// TEST_DATABASE_URL, drops it at cleanup and returns its URL. It skips the
// test when TEST_DATABASE_URL is unset and fails it when the server cannot
// be used, so a configured but broken PostgreSQL is never mistaken for a pass.
func EmptyPostgres(t testing.TB) string {
	t.Helper()
	adminURL := os.Getenv("TEST_DATABASE_URL")
	if adminURL == "" {
		t.Skip("TEST_DATABASE_URL not set: skipping PostgreSQL")
	}
	parsed, err := url.Parse(adminURL)
	if err != nil || (parsed.Scheme != "postgres" && parsed.Scheme != "postgresql") {
		t.Fatalf("storetest: TEST_DATABASE_URL must be a postgres:// URL")
	}

	// rand.Text is base32; lower case keeps the name free of quoting surprises.
	name := "amanda_test_" + strings.ToLower(rand.Text())
	adminExec(t, adminURL, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	t.Cleanup(func() {
		// FORCE ends connections a failed test may have left open.
		adminExec(t, adminURL, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	})

	parsed.Path = "/" + name
	return parsed.String()
}

// Open opens a store on databaseURL, failing the test on error, and closes it
// at cleanup.
func Open(t testing.TB, databaseURL string) store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), databaseURL, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("storetest: open store: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("storetest: close store: %v", err)
		}
	})
	return s
}

// Legacy DDL exactly as the old Flask-SQLAlchemy service emitted it.
const (
	legacySQLiteSchema = `
CREATE TABLE users (id INTEGER NOT NULL, email VARCHAR(120) NOT NULL, password_hash VARCHAR(255) NOT NULL, created_at DATETIME, PRIMARY KEY (id), UNIQUE (email));
CREATE TABLE chats (id INTEGER NOT NULL, user_id INTEGER NOT NULL, title VARCHAR(200), created_at DATETIME, PRIMARY KEY (id), FOREIGN KEY(user_id) REFERENCES users (id));
CREATE TABLE messages (id INTEGER NOT NULL, chat_id INTEGER NOT NULL, role VARCHAR(20) NOT NULL, content TEXT NOT NULL, timestamp DATETIME, PRIMARY KEY (id), FOREIGN KEY(chat_id) REFERENCES chats (id));`

	// PostgreSQL names the foreign keys chats_user_id_fkey and
	// messages_chat_id_fkey, as it did for the old service.
	legacyPostgresSchema = `
CREATE TABLE users (id SERIAL NOT NULL, email VARCHAR(120) NOT NULL, password_hash VARCHAR(255) NOT NULL, created_at TIMESTAMP WITHOUT TIME ZONE, PRIMARY KEY (id), UNIQUE (email));
CREATE TABLE chats (id SERIAL NOT NULL, user_id INTEGER NOT NULL, title VARCHAR(200), created_at TIMESTAMP WITHOUT TIME ZONE, PRIMARY KEY (id), FOREIGN KEY(user_id) REFERENCES users (id));
CREATE TABLE messages (id SERIAL NOT NULL, chat_id INTEGER NOT NULL, role VARCHAR(20) NOT NULL, content TEXT NOT NULL, timestamp TIMESTAMP WITHOUT TIME ZONE, PRIMARY KEY (id), FOREIGN KEY(chat_id) REFERENCES chats (id));`
)

// Password hashes as the old service stored them, made with Werkzeug's
// algorithm (hashlib.pbkdf2_hmac / hashlib.scrypt over the salt string)
// for the password LegacyPassword.
const (
	LegacyPassword = "legacy-password-1"
	LegacyPBKDF2   = "pbkdf2:sha256:600000$AbCdEfGh12345678$78d01e02d1a7ca44ccade9fe2776a954eced2245fcea8b2f75c38c4dea4af427"
	LegacyScrypt   = "scrypt:32768:8:1$ZyXwVuTs98765432$16c8f6854bd07d922151375f9f036539ac19507c11a713561cc410e96e25f11b11ef130816dd029e86efcb3ab138c6121f5e07bd753a005a1ee887f24fb283d3"
)

// CreateLegacySchema creates the users, chats and messages tables exactly as
// the old Flask service did, in the empty database at databaseURL, so a test
// can fill them as that service would have and then open a store on them.
func CreateLegacySchema(t testing.TB, databaseURL string) {
	t.Helper()
	if isSQLite(databaseURL) {
		Exec(t, databaseURL, legacySQLiteSchema)
	} else {
		Exec(t, databaseURL, legacyPostgresSchema)
	}
}

// Exec runs SQL on databaseURL over its own connection, outside any store.
// Placeholders are $1, $2, … for both databases (modernc binds $N by
// position). Without arguments a string may hold several statements. SQLite
// connections have foreign keys on, as the store's do.
func Exec(t testing.TB, databaseURL, query string, args ...any) {
	t.Helper()
	ctx := context.Background()
	var err error
	if isSQLite(databaseURL) {
		db := openSQLite(t, databaseURL)
		defer db.Close()
		_, err = db.ExecContext(ctx, query, args...)
	} else {
		conn := connectPostgres(t, databaseURL)
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, query, args...)
	}
	if err != nil {
		t.Fatalf("storetest: exec %q: %v", query, err)
	}
}

// Scalar runs a query returning one row of one column on databaseURL, outside
// any store, and returns that value, e.g.
// storetest.Scalar[int64](t, url, "SELECT COUNT(*) FROM chats WHERE user_id = $1", id)
// or an INSERT … RETURNING id. Read an SQLite DATETIME as written with
// CAST(column AS TEXT); modernc would otherwise turn it into a time.Time.
func Scalar[T any](t testing.TB, databaseURL, query string, args ...any) T {
	t.Helper()
	ctx := context.Background()
	var value T
	var err error
	if isSQLite(databaseURL) {
		db := openSQLite(t, databaseURL)
		defer db.Close()
		err = db.QueryRowContext(ctx, query, args...).Scan(&value)
	} else {
		conn := connectPostgres(t, databaseURL)
		defer conn.Close(ctx)
		err = conn.QueryRow(ctx, query, args...).Scan(&value)
	}
	if err != nil {
		t.Fatalf("storetest: query %q: %v", query, err)
	}
	return value
}

func isSQLite(databaseURL string) bool {
	return strings.HasPrefix(databaseURL, "sqlite://")
}

// openSQLite opens a one-connection pool on the file of a sqlite:/// URL.
func openSQLite(t testing.TB, databaseURL string) *sql.DB {
	t.Helper()
	path := strings.TrimPrefix(databaseURL, "sqlite:///")
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatalf("storetest: open %s: %v", path, err)
	}
	// One connection, so several statements in one Exec share it.
	db.SetMaxOpenConns(1)
	return db
}

func connectPostgres(t testing.TB, databaseURL string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), databaseURL)
	if err != nil {
		t.Fatalf("storetest: connect to PostgreSQL: %v", err)
	}
	return conn
}

// adminExec runs one statement over a connection to TEST_DATABASE_URL's
// database, which CREATE and DROP DATABASE need: a database cannot be
// created or dropped from a connection to itself.
func adminExec(t testing.TB, adminURL, statement string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		t.Fatalf("storetest: TEST_DATABASE_URL is set but PostgreSQL is unreachable: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, statement); err != nil {
		t.Fatalf("storetest: %s: %v", statement, err)
	}
}
