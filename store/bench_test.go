package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/amanda-platform/amanda-backend/store"
	"github.com/amanda-platform/amanda-backend/store/storetest"
)

// eachStore runs a benchmark on SQLite and on PostgreSQL.
func eachStore(b *testing.B, fn func(b *testing.B, s store.Store)) {
	b.Run("sqlite", func(b *testing.B) {
		s, _ := storetest.SQLite(b)
		fn(b, s)
	})
	b.Run("postgres", func(b *testing.B) {
		s, _ := storetest.Postgres(b)
		fn(b, s)
	})
}

// BenchmarkListChats is GET /api/chat/list of a user with 50 chats of 20
// messages each.
func BenchmarkListChats(b *testing.B) {
	eachStore(b, func(b *testing.B, s store.Store) {
		ctx := context.Background()
		user, err := s.CreateUser(ctx, "bench@example.com", "x")
		if err != nil {
			b.Fatal(err)
		}
		for range 50 {
			chat, err := s.CreateChat(ctx, user.ID)
			if err != nil {
				b.Fatal(err)
			}
			for i := range 20 {
				if _, err := s.AddAssistantMessage(ctx, chat.ID, fmt.Sprint("message ", i)); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				chats, err := s.ListChats(ctx, user.ID)
				if err != nil || len(chats) != 50 {
					b.Errorf("list: %d chats, %v", len(chats), err)
					return
				}
			}
		})
	})
}

// BenchmarkAddMessageParallel is many replies being stored at once, as at
// the end of a burst of streams.
func BenchmarkAddMessageParallel(b *testing.B) {
	eachStore(b, func(b *testing.B, s store.Store) {
		ctx := context.Background()
		user, err := s.CreateUser(ctx, "writer@example.com", "x")
		if err != nil {
			b.Fatal(err)
		}
		chat, err := s.CreateChat(ctx, user.ID)
		if err != nil {
			b.Fatal(err)
		}
		b.SetParallelism(16) // 16 goroutines per CPU: replies finishing together
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := s.AddAssistantMessage(ctx, chat.ID, "a reply of a few words"); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}
