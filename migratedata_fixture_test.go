package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"strings"
	"testing"

	"github.com/amanda-platform/amanda-backend/store/storetest"
)

// oldServiceSQLite builds an SQLite file exactly as the old Flask service
// left it: its DDL, a pbkdf2 and a scrypt user, times in the forms
// SQLAlchemy wrote (with and without microseconds, one with a 'T'), NULLs
// where its columns allowed them, text beyond ASCII, a chat and a message
// whose parents are gone (SQLite never enforced its foreign keys), and
// bulk more messages in ada's second chat.
func oldServiceSQLite(t *testing.T, bulk int) string {
	t.Helper()
	databaseURL := storetest.EmptySQLite(t)
	storetest.CreateLegacySchema(t, databaseURL)
	storetest.Exec(t, databaseURL, `
		PRAGMA foreign_keys = OFF;
		INSERT INTO users (id, email, password_hash, created_at) VALUES
			(1, 'ada@example.com', '`+storetest.LegacyPBKDF2+`', '2025-01-02 03:04:05.123456'),
			(2, 'grace@example.com', '`+storetest.LegacyScrypt+`', '2025-01-03 00:00:00');
		INSERT INTO chats (id, user_id, title, created_at) VALUES
			(1, 1, 'Feeling distant', '2025-02-01 10:00:00'),
			(2, 1, NULL, '2025-01-15 09:00:00.5'),
			(3, 2, 'Ünïcode ☕ title', NULL),
			(4, 99, 'orphan', '2025-01-01 00:00:00');
		INSERT INTO messages (id, chat_id, role, content, timestamp) VALUES
			(1, 1, 'user', 'We barely talk lately', '2025-02-01 10:00:01.000001'),
			(2, 1, 'assistant', 'That sounds lonely.', '2025-02-01T10:00:03'),
			(3, 3, 'user', 'café ☕ morning, "quoted" and new
line', NULL),
			(4, 4, 'user', 'orphan of an orphan', '2025-01-01 00:00:00'),
			(5, 77, 'user', 'orphan', '2025-01-01 00:00:00');`)
	storetest.Exec(t, databaseURL, `
		WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1)
		INSERT INTO messages (id, chat_id, role, content, timestamp)
		SELECT 5 + i, 2, CASE i % 2 WHEN 1 THEN 'user' ELSE 'assistant' END,
			'bulk message number ' || i, strftime('%Y-%m-%d %H:%M:%f', '2025-01-16', '+' || i || ' seconds')
		FROM n`, bulk)
	return databaseURL
}

// The fixture's rows that have their parents.
const (
	fixtureUsers    = 2
	fixtureChats    = 3
	fixtureMessages = 3 // plus bulk
)

// postgresDatabase is a fresh PostgreSQL database. Under CI=true a missing
// TEST_DATABASE_URL fails the test rather than skipping it.
func postgresDatabase(t *testing.T) string {
	t.Helper()
	if os.Getenv("TEST_DATABASE_URL") == "" && os.Getenv("CI") == "true" {
		t.Fatal("CI=true but TEST_DATABASE_URL is not set: the migrate-data tests need PostgreSQL")
	}
	return storetest.EmptyPostgres(t)
}

// migrate runs `amanda-backend migrate-data args...` through run.
func migrate(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), append([]string{"migrate-data"}, args...), env(nil), nil, &stdout, &stderr)
	t.Logf("migrate-data %s: %v\n%s%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	return stdout.String(), err
}

// fileSum is the SHA-256 of the SQLite file of databaseURL.
func fileSum(t *testing.T, databaseURL string) [32]byte {
	t.Helper()
	data, err := os.ReadFile(strings.TrimPrefix(databaseURL, "sqlite:///"))
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(data)
}

// apiClient is a browser's cookie session against a running service.
type apiClient struct {
	t    *testing.T
	base string
	http *http.Client
}

func newAPIClient(t *testing.T, base string) *apiClient {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &apiClient{t: t, base: base, http: &http.Client{Jar: jar}}
}

// call sends a JSON request and returns the status and the raw body.
func (c *apiClient) call(method, path string, body any) (int, []byte) {
	c.t.Helper()
	var reader io.Reader
	if body != nil {
		encoded, err := json.Marshal(body)
		if err != nil {
			c.t.Fatal(err)
		}
		reader = bytes.NewReader(encoded)
	}
	req, err := http.NewRequest(method, c.base+path, reader)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return resp.StatusCode, raw
}

// login signs in with the old service's password, failing the test otherwise.
func (c *apiClient) login(email string) {
	c.t.Helper()
	status, raw := c.call("POST", "/api/auth/login", map[string]string{"email": email, "password": storetest.LegacyPassword})
	if status != http.StatusOK {
		c.t.Fatalf("login %s: %d %s", email, status, raw)
	}
}

// get returns the body of a GET that must answer 200, decoded into T.
func get[T any](c *apiClient, path string) (T, []byte) {
	c.t.Helper()
	status, raw := c.call("GET", path, nil)
	var decoded T
	if status != http.StatusOK {
		c.t.Fatalf("GET %s: %d %s", path, status, raw)
	}
	if err := json.Unmarshal(raw, &decoded); err != nil {
		c.t.Fatalf("GET %s: %v: %s", path, err, raw)
	}
	return decoded, raw
}

func chatMessagesPath(chatID int64) string {
	return fmt.Sprintf("/api/chat/%d/messages", chatID)
}
