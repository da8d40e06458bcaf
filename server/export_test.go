package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/amanda-platform/amanda-backend/server/servertest"
	"github.com/amanda-platform/amanda-backend/store/storetest"
)

// The export's shape in the contract; decoding refuses any other field.
type exportBody struct {
	ExportedAt *time.Time  `json:"exported_at"`
	User       *exportUser `json:"user"`
	Chats      []struct {
		ID        *int64     `json:"id"`
		Title     *string    `json:"title"`
		CreatedAt *time.Time `json:"created_at"`
		Messages  []struct {
			ID        *int64     `json:"id"`
			Role      *string    `json:"role"`
			Content   *string    `json:"content"`
			Timestamp *time.Time `json:"timestamp"`
		} `json:"messages"`
	} `json:"chats"`
}

type exportUser struct {
	ID        *int64     `json:"id"`
	Email     *string    `json:"email"`
	CreatedAt *time.Time `json:"created_at"`
}

// getExport downloads path with b's cookies and decodes it strictly.
func getExport(t *testing.T, b *browser, path string) (http.Header, exportBody, []byte) {
	t.Helper()
	r := b.do("GET", path, nil)
	expect(t, r, http.StatusOK, "")
	var body exportBody
	dec := json.NewDecoder(bytes.NewReader(r.Raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		t.Fatalf("GET %s: %v in %s", path, err, r.Raw)
	}
	return r.Header, body, r.Raw
}

func TestExport(t *testing.T) {
	storetest.EachEmpty(t, func(t *testing.T, databaseURL string) {
		srv := servertest.Start(t, databaseURL)
		ctx := context.Background()
		st := srv.App.Store()
		alice := newBrowser(t, srv)
		aliceID := alice.signup("alice@example.com", "password123")
		talked := alice.createChat()
		empty := alice.createChat()
		bob := newBrowser(t, srv)
		bob.signup("bob@example.com", "password123")
		bobs := bob.createChat()
		var contents []string
		for i, text := range []string{"hello", `quotes " and <tags> & ünïcode`, "bye"} {
			var err error
			if i%2 == 0 {
				_, err = st.AddUserMessage(ctx, talked, text, text)
			} else {
				_, err = st.AddAssistantMessage(ctx, talked, text)
			}
			if err != nil {
				t.Fatal(err)
			}
			contents = append(contents, text)
		}
		if _, err := st.AddUserMessage(ctx, bobs, "bob's secret", "bob's secret"); err != nil {
			t.Fatal(err)
		}

		for _, prefix := range []string{"/api", "/api/v1"} {
			header, body, raw := getExport(t, alice, prefix+"/user/export")
			if ct := header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type = %q", ct)
			}
			if body.ExportedAt == nil || time.Since(*body.ExportedAt) > time.Minute || body.ExportedAt.Location() != time.UTC {
				t.Fatalf("exported_at = %v", body.ExportedAt)
			}
			wantDisposition := fmt.Sprintf(`attachment; filename="amanda-export-%s.json"`, body.ExportedAt.Format(time.DateOnly))
			if got := header.Get("Content-Disposition"); got != wantDisposition {
				t.Errorf("Content-Disposition = %q, want %q", got, wantDisposition)
			}
			if u := body.User; u == nil || u.ID == nil || *u.ID != aliceID || u.Email == nil || *u.Email != "alice@example.com" || u.CreatedAt == nil || u.CreatedAt.IsZero() {
				t.Errorf("user = %s", raw)
			}
			if len(body.Chats) != 2 {
				t.Fatalf("%d chats, want 2: %s", len(body.Chats), raw)
			}
			for i, want := range []struct {
				id       int64
				title    string
				contents []string
			}{{talked, "hello", contents}, {empty, "New Chat", nil}} {
				ch := body.Chats[i]
				if ch.ID == nil || *ch.ID != want.id || ch.Title == nil || *ch.Title != want.title || ch.CreatedAt == nil || ch.CreatedAt.IsZero() || ch.Messages == nil {
					t.Errorf("chat %d: %s", i, raw)
					continue
				}
				if len(ch.Messages) != len(want.contents) {
					t.Errorf("chat %d has %d messages, want %d: %s", i, len(ch.Messages), len(want.contents), raw)
					continue
				}
				var lastID int64
				for j, m := range ch.Messages {
					wantRole := "user"
					if j%2 == 1 {
						wantRole = "assistant"
					}
					if m.ID == nil || *m.ID <= lastID || m.Role == nil || *m.Role != wantRole || m.Content == nil || *m.Content != want.contents[j] ||
						m.Timestamp == nil || m.Timestamp.IsZero() {
						t.Errorf("chat %d message %d: %s", i, j, raw)
						continue
					}
					lastID = *m.ID
				}
			}
			if bytes.Contains(raw, []byte("bob")) {
				t.Errorf("alice's export holds bob's data: %s", raw)
			}
		}

		// A user with no chats gets an empty list, not null.
		carol := newBrowser(t, srv)
		carol.signup("carol@example.com", "password123")
		_, body, raw := getExport(t, carol, "/api/v1/user/export")
		if body.Chats == nil || len(body.Chats) != 0 || !bytes.Contains(raw, []byte(`"chats":[]`)) {
			t.Errorf("export with no chats: %s", raw)
		}

		for _, prefix := range []string{"/api", "/api/v1"} {
			expect(t, newBrowser(t, srv).do("GET", prefix+"/user/export", nil), http.StatusUnauthorized, "Authentication required")
		}
	})
}

// TestExportMemoryStaysFlat exports 40,000 messages of 1 KiB (about 44 MB of
// JSON) while sampling the heap: what is in use beyond the heap before
// the export must stay well below the export's size.
func TestExportMemoryStaysFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds 40 MB")
	}
	srv := servertest.StartSQLite(t)
	alice := newBrowser(t, srv)
	alice.signup("alice@example.com", "password123")
	const chats, perChat = 8, 5000
	for range chats {
		chatID := alice.createChat()
		storetest.Exec(t, srv.Config.DatabaseURL, fmt.Sprintf(`
			WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d)
			INSERT INTO messages (chat_id, role, content, timestamp)
			SELECT %d, CASE i %% 2 WHEN 1 THEN 'user' ELSE 'assistant' END,
			       substr(hex(randomblob(512)), 1, 1024), '2026-01-02 03:04:05.000000'
			FROM n`, perChat, chatID))
	}

	runtime.GC()
	var stats runtime.MemStats
	runtime.ReadMemStats(&stats)
	before := stats.HeapInuse
	var peak atomic.Uint64
	done := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var s runtime.MemStats
		for {
			runtime.ReadMemStats(&s)
			if s.HeapInuse > peak.Load() {
				peak.Store(s.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	}()

	req, err := http.NewRequest("GET", srv.URL+"/api/user/export", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := alice.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	// Read as a stream: every token checked, no whole body kept.
	counter := &countingReader{r: resp.Body}
	dec := json.NewDecoder(counter)
	messages, depth := 0, 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("after %d bytes: %v", counter.n, err)
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		case "content":
			messages++
			if _, err := dec.Token(); err != nil {
				t.Fatal(err)
			}
		}
	}
	close(done)
	<-sampled
	if resp.StatusCode != http.StatusOK || depth != 0 || messages != chats*perChat {
		t.Fatalf("status %d, %d messages, depth %d", resp.StatusCode, messages, depth)
	}
	grew := int64(peak.Load()) - int64(before)
	t.Logf("exported %d messages, %.1f MB; heap in use before %.1f MB, peak %.1f MB (+%.1f MB, %.0f bytes a message)",
		messages, float64(counter.n)/1e6, float64(before)/1e6, float64(peak.Load())/1e6, float64(grew)/1e6, float64(grew)/float64(messages))
	if grew > counter.n/4 {
		t.Errorf("the heap grew by %d bytes for an export of %d: more than a quarter", grew, counter.n)
	}
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
