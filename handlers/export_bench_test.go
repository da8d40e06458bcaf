package handlers

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/amanda-platform/amanda-backend/store"
	"github.com/amanda-platform/amanda-backend/store/storetest"
)

// exportPerChat is how many messages each chat of the export benchmark holds.
const exportPerChat = 1000

// exportContent is the benchmark's message text after its number: about
// 400 bytes, a paragraph of a reply.
var exportContent = strings.Repeat("a reply of a few sentences about talking things through ", 7)

// BenchmarkExport is GET /api/user/export (the handler on a real store,
// over HTTP, the body read and counted by the client) of a user with
// 10,000 and of one with 100,000 messages (1,000 per chat, about 400 bytes
// each), on SQLite and PostgreSQL. Beside time it reports the heap the
// process held above its level before the export (HeapInuse sampled every
// millisecond: peak-heap-MiB, the largest over the iterations) and what
// was allocated per message: flat memory means the peak does not grow
// with the messages. The rows are inserted with one INSERT … SELECT each
// (the search index's triggers run on it).
//
//	TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test?sslmode=disable \
//	  go test -run XXX -bench Export -benchtime 5x ./handlers
func BenchmarkExport(b *testing.B) {
	sizes := []int{10_000, 100_000}
	run := func(b *testing.B, s store.Store, databaseURL string) {
		users := make([]int64, len(sizes))
		for i, n := range sizes {
			users[i] = exportFixture(b, s, databaseURL, fmt.Sprintf("export%d@example.com", n), n)
		}
		for i, n := range sizes {
			b.Run(fmt.Sprintf("messages=%d", n), func(b *testing.B) {
				srv := exportBenchServer(b, s, users[i])
				var peak uint64
				var allocated uint64
				var body int64
				b.ResetTimer()
				for range b.N {
					p, a, size := exportOnce(b, srv.URL, n)
					peak, allocated, body = max(peak, p), allocated+a, size
				}
				b.StopTimer()
				b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
				b.ReportMetric(float64(allocated)/float64(b.N)/float64(n), "alloc-B/msg")
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/msg")
				b.ReportMetric(float64(body)/(1<<20), "body-MiB")
			})
		}
	}
	b.Run("sqlite", func(b *testing.B) {
		s, databaseURL := storetest.SQLite(b)
		run(b, s, databaseURL)
	})
	b.Run("postgres", func(b *testing.B) {
		s, databaseURL := storetest.Postgres(b)
		run(b, s, databaseURL)
	})
}

// exportFixture creates a user with messages messages in chats of
// exportPerChat and returns its id.
func exportFixture(b *testing.B, s store.Store, databaseURL, email string, messages int) int64 {
	ctx := b.Context()
	user, err := s.CreateUser(ctx, email, "x")
	if err != nil {
		b.Fatal(err)
	}
	var first int64
	for c := range messages / exportPerChat {
		chat, err := s.CreateChat(ctx, user.ID)
		if err != nil {
			b.Fatal(err)
		}
		if c == 0 {
			first = chat.ID
		} else if chat.ID != first+int64(c) {
			b.Fatalf("chat ids not consecutive: %d after %d", chat.ID, first)
		}
	}
	// Chat ids are consecutive from first: message i goes to chat first + i / exportPerChat.
	role := "CASE i % 2 WHEN 0 THEN 'user' ELSE 'assistant' END"
	content := "'Message ' || i || ': " + exportContent + "'"
	var query string
	if strings.HasPrefix(databaseURL, "sqlite:") {
		query = fmt.Sprintf(`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < %d)
			INSERT INTO messages (chat_id, role, content, timestamp)
			SELECT %d + i / %d, %s, %s, '2024-01-01 00:00:00.000000' FROM n`, messages, first, exportPerChat, role, content)
	} else {
		query = fmt.Sprintf(`INSERT INTO messages (chat_id, role, content, timestamp)
			SELECT %d + i / %d, %s, %s, TIMESTAMP '2024-01-01 00:00:00' FROM generate_series(0, %d) AS n(i)`,
			first, exportPerChat, role, content, messages-1)
	}
	t := time.Now()
	storetest.Exec(b, databaseURL, query)
	b.Logf("inserted %d messages in %s", messages, time.Since(t).Round(time.Millisecond))
	return user.ID
}

// exportBenchServer serves handleExport as userID, without sessions.
func exportBenchServer(b *testing.B, s store.Store, userID int64) *httptest.Server {
	logger := slog.New(slog.DiscardHandler)
	e := echo.New()
	e.HTTPErrorHandler = ErrorHandler(logger)
	a := &API{Store: s, Logger: logger}
	e.GET("/export", a.handleExport(), func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error { c.Set(userIDKey, userID); return next(c) }
	})
	srv := httptest.NewServer(e)
	b.Cleanup(srv.Close)
	return srv
}

// exportOnce downloads one export, checking it holds messages messages
// and ends the JSON, and returns the peak of HeapInuse above its level
// before, the bytes allocated meanwhile and the body's size.
func exportOnce(b *testing.B, url string, messages int) (peak, allocated uint64, size int64) {
	b.StopTimer()
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var highest uint64
	wg.Add(1)
	go func() {
		defer wg.Done()
		tk := time.NewTicker(time.Millisecond)
		defer tk.Stop()
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			highest = max(highest, m.HeapInuse)
			select {
			case <-stop:
				return
			case <-tk.C:
			}
		}
	}()
	b.StartTimer()

	resp, err := http.Get(url + "/export")
	if err != nil {
		b.Fatal(err)
	}
	counter := &roleCounter{}
	size, err = io.Copy(counter, resp.Body)
	resp.Body.Close()

	b.StopTimer()
	close(stop)
	wg.Wait()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if err != nil || resp.StatusCode != http.StatusOK {
		b.Fatalf("export: status %d, %v", resp.StatusCode, err)
	}
	if counter.count != messages || !bytes.HasSuffix(counter.tail, []byte("]}]}")) {
		b.Fatalf("export: %d messages (want %d), ends %q", counter.count, messages, counter.tail)
	}
	if highest > before.HeapInuse {
		peak = highest - before.HeapInuse
	}
	b.StartTimer()
	return peak, after.TotalAlloc - before.TotalAlloc, size
}

// roleCounter counts the messages of an export as it streams by (each has
// one "role" member), keeping only the last few bytes.
type roleCounter struct {
	count int
	tail  []byte
}

var rolePattern = []byte(`"role":"`)

func (c *roleCounter) Write(p []byte) (int, error) {
	// The pattern may straddle two writes: look at the previous tail too.
	joined := append(c.tail, p[:min(len(p), len(rolePattern)-1)]...)
	c.count += bytes.Count(joined, rolePattern) + bytes.Count(p, rolePattern)
	keep := p[max(0, len(p)-len(rolePattern)+1):]
	if len(p) < len(rolePattern)-1 {
		keep = append(c.tail, p...)
		keep = keep[max(0, len(keep)-len(rolePattern)+1):]
	}
	c.tail = append(c.tail[:0:0], keep...)
	return len(p), nil
}
