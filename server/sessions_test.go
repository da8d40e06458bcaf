package server_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/amanda-platform/amanda-backend/server"
	"github.com/amanda-platform/amanda-backend/server/servertest"
	"github.com/amanda-platform/amanda-backend/store/storetest"
)

// sessionTypes runs fn once per SESSION_TYPE, each on its own server.
func sessionTypes(t *testing.T, fn func(t *testing.T, srv *servertest.Server)) {
	for _, kind := range []string{"filesystem", "sqlalchemy", "redis"} {
		t.Run(kind, func(t *testing.T) {
			_, url := storetest.SQLite(t)
			fn(t, servertest.Start(t, url, func(c *server.Config) {
				c.SessionType = kind
				c.SessionRedis = "redis://127.0.0.1:6379/15"
			}))
		})
	}
}

// withCookie asks path carrying exactly the given session cookie value.
func withCookie(t *testing.T, srv *servertest.Server, path, value string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", srv.URL+path, nil)
	req.AddCookie(&http.Cookie{Name: "session", Value: value})
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestSessionCookieAttributes(t *testing.T) {
	sessionTypes(t, func(t *testing.T, srv *servertest.Server) {
		r := newBrowser(t, srv).do("POST", "/api/auth/signup", map[string]string{"email": "c@example.com", "password": "password123"})
		setCookie := r.Header.Get("Set-Cookie")
		for _, attr := range []string{"session=", "HttpOnly", "SameSite=Lax", "Path=/", "Max-Age="} {
			if !strings.Contains(setCookie, attr) {
				t.Errorf("Set-Cookie %q lacks %s", setCookie, attr)
			}
		}
		if strings.Contains(setCookie, "Secure") {
			t.Errorf("development cookie is Secure: %q", setCookie)
		}
	})
}

func TestLogoutEndsSessionServerSide(t *testing.T) {
	sessionTypes(t, func(t *testing.T, srv *servertest.Server) {
		b := newBrowser(t, srv)
		b.signup("replay@example.com", "password123")
		stolen := b.sessionCookie()
		if withCookie(t, srv, "/api/user/profile", stolen) != 200 {
			t.Fatal("the session cookie does not authenticate")
		}
		expect(t, b.do("POST", "/api/auth/logout", nil), 200, "")
		if got := withCookie(t, srv, "/api/user/profile", stolen); got != 401 {
			t.Fatalf("a copied cookie still works after logout: %d", got)
		}
	})
}

func TestTamperedCookieIsRejected(t *testing.T) {
	sessionTypes(t, func(t *testing.T, srv *servertest.Server) {
		b := newBrowser(t, srv)
		b.signup("tamper@example.com", "password123")
		value := b.sessionCookie()
		flipped := []byte(value)
		i := len(flipped) / 2
		if flipped[i] == 'A' {
			flipped[i] = 'B'
		} else {
			flipped[i] = 'A'
		}
		for _, forged := range []string{string(flipped), value[:len(value)-2], "", "not-a-cookie", value + "x"} {
			if got := withCookie(t, srv, "/api/chat/list", forged); got != 401 {
				t.Errorf("forged cookie %q answered %d", forged, got)
			}
		}
	})
}

func TestLoginStartsFreshSession(t *testing.T) {
	sessionTypes(t, func(t *testing.T, srv *servertest.Server) {
		b := newBrowser(t, srv)
		b.signup("fixation@example.com", "password123")
		before := b.sessionCookie()
		r := b.do("POST", "/api/auth/login", map[string]string{"email": "fixation@example.com", "password": "password123"})
		expect(t, r, 200, "")
		after := b.sessionCookie()
		if after == "" || after == before {
			t.Fatalf("login kept the session id it was given")
		}
		if withCookie(t, srv, "/api/user/profile", before) != 401 {
			t.Fatal("the session from before login still works")
		}
		if withCookie(t, srv, "/api/user/profile", after) != 200 {
			t.Fatal("the new session does not work")
		}
	})
}

func TestCookieModes(t *testing.T) {
	t.Run("production is Secure", func(t *testing.T) {
		srv := servertest.StartSQLite(t, func(c *server.Config) { c.FlaskEnv, c.SecretKey = "production", "a-real-secret-for-tests" })
		r := newBrowser(t, srv).do("POST", "/api/auth/signup", map[string]string{"email": "p@example.com", "password": "password123"})
		if !strings.Contains(r.Header.Get("Set-Cookie"), "Secure") {
			t.Fatalf("production cookie not Secure: %q", r.Header.Get("Set-Cookie"))
		}
	})
	t.Run("SESSION_PERMANENT=false is a browser-session cookie", func(t *testing.T) {
		srv := servertest.StartSQLite(t, func(c *server.Config) { c.SessionPermanent = false })
		r := newBrowser(t, srv).do("POST", "/api/auth/signup", map[string]string{"email": "s@example.com", "password": "password123"})
		if sc := r.Header.Get("Set-Cookie"); strings.Contains(sc, "Max-Age") || strings.Contains(sc, "Expires") {
			t.Fatalf("browser-session cookie has a lifetime: %q", sc)
		}
	})
}
