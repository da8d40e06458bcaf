package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/cookiejar"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/amanda-platform/amanda-backend/server"
	"github.com/amanda-platform/amanda-backend/server/servertest"
	"github.com/amanda-platform/amanda-backend/store/storetest"
)

// usersHarness is a running service and the configuration the `users`
// command is given to work on the same database and sessions.
type usersHarness struct {
	t           *testing.T
	srv         *servertest.Server
	databaseURL string
	vars        map[string]string
}

// eachUsersBackend runs fn on SQLite with file sessions and on PostgreSQL
// with sessions in its table (the PostgreSQL half when TEST_DATABASE_URL
// is set).
func eachUsersBackend(t *testing.T, fn func(t *testing.T, h *usersHarness)) {
	t.Chdir(t.TempDir()) // no .env but the test's
	for _, backend := range []struct{ name, sessionType string }{{"sqlite", "filesystem"}, {"postgres", "sqlalchemy"}} {
		t.Run(backend.name, func(t *testing.T) {
			var databaseURL string
			if backend.name == "sqlite" {
				databaseURL = storetest.EmptySQLite(t)
			} else {
				databaseURL = storetest.EmptyPostgres(t)
			}
			sessionDir := filepath.Join(t.TempDir(), "sessions")
			srv := servertest.Start(t, databaseURL, func(c *server.Config) {
				c.SessionType, c.SessionFileDir = backend.sessionType, sessionDir
			})
			fn(t, &usersHarness{t: t, srv: srv, databaseURL: databaseURL, vars: map[string]string{
				"DATABASE_URL": databaseURL, "SESSION_TYPE": backend.sessionType, "SESSION_FILE_DIR": sessionDir,
			}})
		})
	}
}

// users runs `amanda-backend users args…` through run with stdin.
func (h *usersHarness) users(stdin string, args ...string) (stdout string, err error) {
	h.t.Helper()
	var out, errOut bytes.Buffer
	err = run(context.Background(), append([]string{"users"}, args...), env(h.vars), strings.NewReader(stdin), &out, &errOut)
	if err != nil && strings.Contains(err.Error(), "\n") {
		h.t.Errorf("users %v: error of several lines: %q", args, err)
	}
	return out.String(), err
}

// mustUsers is users, failing the test on an error.
func (h *usersHarness) mustUsers(stdin string, args ...string) string {
	h.t.Helper()
	out, err := h.users(stdin, args...)
	if err != nil {
		h.t.Fatalf("users %v: %v", args, err)
	}
	return out
}

// wantUsersError runs users and wants an error containing want.
func (h *usersHarness) wantUsersError(want, stdin string, args ...string) {
	h.t.Helper()
	if _, err := h.users(stdin, args...); err == nil || !strings.Contains(err.Error(), want) {
		h.t.Errorf("users %v: error %v; want one containing %q", args, err, want)
	}
}

// userBrowser is a cookie-keeping client of the running service.
type userBrowser struct {
	t      *testing.T
	base   string
	client *http.Client
}

func (h *usersHarness) browser() *userBrowser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		h.t.Fatal(err)
	}
	return &userBrowser{t: h.t, base: h.srv.URL, client: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
}

// do sends a JSON body (nil: none) and returns the status and JSON answer.
func (b *userBrowser) do(method, path string, body any) (int, map[string]any) {
	b.t.Helper()
	raw, err := json.Marshal(body)
	if err != nil {
		b.t.Fatal(err)
	}
	req, err := http.NewRequest(method, b.base+path, bytes.NewReader(raw))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	var answer map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil {
		b.t.Fatalf("%s %s: answer is not JSON: %v", method, path, err)
	}
	return resp.StatusCode, answer
}

// login is POST /api/auth/login's status.
func (b *userBrowser) login(email, password string) int {
	b.t.Helper()
	status, _ := b.do("POST", "/api/auth/login", map[string]string{"email": email, "password": password})
	return status
}

// mustLogin logs in or fails the test.
func (b *userBrowser) mustLogin(email, password string) {
	b.t.Helper()
	if status := b.login(email, password); status != http.StatusOK {
		b.t.Fatalf("login %s: status %d; want 200", email, status)
	}
}

// profile is GET /api/user/profile's status.
func (b *userBrowser) profile() int {
	b.t.Helper()
	status, _ := b.do("GET", "/api/user/profile", nil)
	return status
}

// userID is the id of the user with email, from the database.
func (h *usersHarness) userID(email string) int64 {
	h.t.Helper()
	user, err := h.srv.App.Store().UserByEmail(context.Background(), email)
	if err != nil {
		h.t.Fatalf("UserByEmail(%s): %v", email, err)
	}
	return user.ID
}

func TestUsersCreateThenLogIn(t *testing.T) {
	eachUsersBackend(t, func(t *testing.T, h *usersHarness) {
		out := h.mustUsers("correct horse battery\n", "create", "  Ada@Example.COM ")
		if !strings.Contains(out, "created user") || !strings.Contains(out, "ada@example.com") {
			t.Errorf("create printed %q", out)
		}
		b := h.browser()
		if status := b.login("ada@example.com", "correct horse"); status != http.StatusUnauthorized {
			t.Errorf("login with another password: %d; want 401", status)
		}
		b.mustLogin("ada@example.com", "correct horse battery")
		if status := b.profile(); status != http.StatusOK {
			t.Errorf("profile after login: %d", status)
		}
		// Windows line endings and no final newline both end the line.
		h.mustUsers("second password\r\n", "create", "grace@example.com")
		h.browser().mustLogin("grace@example.com", "second password")
		h.mustUsers("third password", "create", "alan@example.com")
		h.browser().mustLogin("alan@example.com", "third password")
	})
}

func TestUsersResetPasswordEndsSessions(t *testing.T) {
	eachUsersBackend(t, func(t *testing.T, h *usersHarness) {
		h.mustUsers("old password\n", "create", "ada@example.com")
		before := h.browser()
		before.mustLogin("ada@example.com", "old password")
		if status := before.profile(); status != http.StatusOK {
			t.Fatalf("profile before the reset: %d", status)
		}
		out := h.mustUsers("new password\n", "reset-password", "ADA@example.com")
		if !strings.Contains(out, "ada@example.com") {
			t.Errorf("reset-password printed %q", out)
		}
		if status := before.profile(); status != http.StatusUnauthorized {
			t.Errorf("profile of a session from before the reset: %d; want 401", status)
		}
		after := h.browser()
		if status := after.login("ada@example.com", "old password"); status != http.StatusUnauthorized {
			t.Errorf("login with the old password: %d; want 401", status)
		}
		after.mustLogin("ada@example.com", "new password")
		if status := after.profile(); status != http.StatusOK {
			t.Errorf("profile after logging in with the new password: %d", status)
		}
	})
}

func TestUsersDeleteLeavesNothing(t *testing.T) {
	eachUsersBackend(t, func(t *testing.T, h *usersHarness) {
		ctx := context.Background()
		h.mustUsers("ada password\n", "create", "ada@example.com")
		h.mustUsers("grace password\n", "create", "grace@example.com")
		ada, grace := h.userID("ada@example.com"), h.userID("grace@example.com")
		b := h.browser()
		b.mustLogin("ada@example.com", "ada password")
		if status, _ := b.do("POST", "/api/chat/create", nil); status != http.StatusCreated {
			t.Fatalf("create chat: %d", status)
		}
		db := h.srv.App.Store()
		chats, err := db.ListChats(ctx, ada)
		if err != nil || len(chats) != 1 {
			t.Fatalf("ListChats = %v, %v", chats, err)
		}
		if _, err := db.AddUserMessage(ctx, chats[0].ID, "adamarker hello", "hello"); err != nil {
			t.Fatal(err)
		}
		graceBrowser := h.browser()
		graceBrowser.mustLogin("grace@example.com", "grace password")

		// Off a terminal there is no one to ask: --yes is required.
		h.wantUsersError("pass --yes", "", "delete", "ada@example.com")
		if status := b.profile(); status != http.StatusOK {
			t.Fatalf("profile after a refused delete: %d", status)
		}

		out := h.mustUsers("", "delete", "ada@example.com", "--yes")
		if !strings.Contains(out, "deleted ada@example.com") {
			t.Errorf("delete printed %q", out)
		}
		for table, n := range storetest.UserTraces(t, h.databaseURL, ada, "ada@example.com", "adamarker") {
			if n != 0 {
				t.Errorf("after delete, %s holds %d rows of the user", table, n)
			}
		}
		if status := b.profile(); status != http.StatusUnauthorized {
			t.Errorf("profile of the deleted user's session: %d; want 401", status)
		}
		if status := b.login("ada@example.com", "ada password"); status != http.StatusUnauthorized {
			t.Errorf("login of the deleted user: %d; want 401", status)
		}
		if _, err := db.UserByID(ctx, grace); err != nil {
			t.Errorf("the other user after delete: %v", err)
		}
		if status := graceBrowser.profile(); status != http.StatusOK {
			t.Errorf("the other user's session after delete: %d; want 200", status)
		}
		h.wantUsersError("no user with email ada@example.com", "", "delete", "--yes", "ada@example.com")
	})
}

func TestUsersRevokeSessions(t *testing.T) {
	eachUsersBackend(t, func(t *testing.T, h *usersHarness) {
		h.mustUsers("ada password\n", "create", "ada@example.com")
		h.mustUsers("grace password\n", "create", "grace@example.com")
		first, second, other := h.browser(), h.browser(), h.browser()
		first.mustLogin("ada@example.com", "ada password")
		second.mustLogin("ada@example.com", "ada password")
		other.mustLogin("grace@example.com", "grace password")
		h.mustUsers("", "revoke-sessions", "ada@example.com")
		for i, b := range []*userBrowser{first, second} {
			if status := b.profile(); status != http.StatusUnauthorized {
				t.Errorf("session %d of the user after revoke-sessions: %d; want 401", i+1, status)
			}
		}
		if status := other.profile(); status != http.StatusOK {
			t.Errorf("another user's session after revoke-sessions: %d; want 200", status)
		}
		// The password is unchanged.
		first.mustLogin("ada@example.com", "ada password")
	})
}

func TestUsersList(t *testing.T) {
	eachUsersBackend(t, func(t *testing.T, h *usersHarness) {
		if out := h.mustUsers("", "list", "--json"); strings.TrimSpace(out) != "[]" {
			t.Errorf("list --json with no users: %q; want []", out)
		}
		h.mustUsers("ada password\n", "create", "ada@example.com")
		h.mustUsers("grace password\n", "create", "grace@example.com")
		b := h.browser()
		b.mustLogin("grace@example.com", "grace password")
		for range 2 {
			if status, _ := b.do("POST", "/api/chat/create", nil); status != http.StatusCreated {
				t.Fatalf("create chat: %d", status)
			}
		}
		ada, grace := h.userID("ada@example.com"), h.userID("grace@example.com")

		var listed []struct {
			ID        int64      `json:"id"`
			Email     string     `json:"email"`
			CreatedAt *time.Time `json:"created_at"`
			ChatCount int        `json:"chat_count"`
		}
		if err := json.Unmarshal([]byte(h.mustUsers("", "list", "--json")), &listed); err != nil {
			t.Fatalf("list --json is not a JSON array: %v", err)
		}
		if len(listed) != 2 || listed[0].ID != ada || listed[0].Email != "ada@example.com" || listed[0].ChatCount != 0 ||
			listed[1].ID != grace || listed[1].Email != "grace@example.com" || listed[1].ChatCount != 2 {
			t.Errorf("list --json = %+v", listed)
		}
		for _, u := range listed {
			if u.CreatedAt == nil || time.Since(*u.CreatedAt) > time.Hour {
				t.Errorf("created_at of %s = %v; want a recent time", u.Email, u.CreatedAt)
			}
		}

		lines := strings.Split(strings.TrimSpace(h.mustUsers("", "list")), "\n")
		if len(lines) != 3 || strings.Join(strings.Fields(lines[0]), " ") != "ID EMAIL CREATED_AT CHATS" {
			t.Fatalf("list = %q; want a header and two rows", lines)
		}
		for i, want := range []struct {
			id    int64
			email string
			chats string
		}{{ada, "ada@example.com", "0"}, {grace, "grace@example.com", "2"}} {
			fields := strings.Fields(lines[i+1])
			if len(fields) != 4 || fields[0] != strconv.FormatInt(want.id, 10) || fields[1] != want.email || fields[3] != want.chats {
				t.Errorf("row %d = %q; want id %d, %s, %s chats", i+1, lines[i+1], want.id, want.email, want.chats)
			}
			if _, err := time.Parse(time.RFC3339, fields[2]); err != nil {
				t.Errorf("row %d: created_at %q: %v", i+1, fields[2], err)
			}
		}
	})
}

func TestUsersErrors(t *testing.T) {
	eachUsersBackend(t, func(t *testing.T, h *usersHarness) {
		h.mustUsers("ada password\n", "create", "ada@example.com")
		for _, args := range [][]string{{"reset-password"}, {"delete", "--yes"}, {"revoke-sessions"}} {
			h.wantUsersError("no user with email nobody@example.com", "new password\n", append(args, "Nobody@example.com")...)
		}
		h.wantUsersError("Password must be at least 8 characters long", "short\n", "create", "grace@example.com")
		h.wantUsersError("Password must be at most 1024 bytes long", strings.Repeat("p", 1025)+"\n", "create", "grace@example.com")
		h.wantUsersError("no password given", "", "create", "grace@example.com")
		h.wantUsersError("no password given", "\n", "create", "grace@example.com")
		h.wantUsersError(`Invalid email format: "grace@example"`, "grace password\n", "create", "grace@example")
		h.wantUsersError("Email already registered: ada@example.com", "other password\n", "create", "ADA@example.com")
		h.wantUsersError("Password must be at least 8 characters long", "short\n", "reset-password", "ada@example.com")
		h.wantUsersError("no password given", "", "reset-password", "ada@example.com")
		h.wantUsersError(`unknown subcommand "rename"`, "", "rename", "ada@example.com")
		h.wantUsersError("want 1 argument(s), got 0", "", "create")
		h.wantUsersError("want 0 argument(s), got 1", "", "list", "ada@example.com")
		h.wantUsersError("missing subcommand", "")
		h.wantUsersError("flag provided but not defined: -json", "", "create", "--json", "x@example.com")

		// None of them changed anything: one user, the first password.
		if out := h.mustUsers("", "list", "--json"); strings.Count(out, `"email"`) != 1 {
			t.Errorf("users after the failures: %s", out)
		}
		h.browser().mustLogin("ada@example.com", "ada password")
	})
}

// A database that does not answer is an error within seconds, not the
// server's endless retry: refused at once, or silent until the timeout.
func TestUsersDatabaseUnreachable(t *testing.T) {
	t.Chdir(t.TempDir())
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close() // accepts (the kernel's backlog) and never answers
	for name, databaseURL := range map[string]string{
		"refused": "postgres://postgres@127.0.0.1:" + strconv.Itoa(freePort(t)) + "/amanda?sslmode=disable",
		"silent":  "postgres://postgres@" + silent.Addr().String() + "/amanda?sslmode=disable",
	} {
		t.Run(name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			start := time.Now()
			err := run(context.Background(), []string{"users", "list"}, env(map[string]string{"DATABASE_URL": databaseURL}), strings.NewReader(""), &stdout, &stderr)
			if err == nil || !strings.Contains(err.Error(), "database unreachable") || strings.Contains(err.Error(), "\n") {
				t.Fatalf("users list on an unreachable database: %v; want one line saying it is unreachable", err)
			}
			if took := time.Since(start); took > 10*time.Second {
				t.Errorf("users list took %s to give up; want about 5 s at most", took)
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout %q; want nothing", stdout.String())
			}
		})
	}
}
