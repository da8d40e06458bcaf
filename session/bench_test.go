package session

import (
	"context"
	"testing"
	"time"
)

// BenchmarkFileBackendLoad is the session lookup every REST request and
// every Socket.IO event makes with SESSION_TYPE=filesystem.
func BenchmarkFileBackendLoad(b *testing.B) {
	backend, err := NewFileBackend(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if err := backend.SaveSession(ctx, "bench-session", 42, []byte(`{"user_id":42}`), time.Now().Add(time.Hour)); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := backend.LoadSession(ctx, "bench-session"); err != nil {
			b.Fatal(err)
		}
	}
}
