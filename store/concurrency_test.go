package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/amanda-platform/amanda-backend/store"
	"github.com/amanda-platform/amanda-backend/store/storetest"
)

const concurrentWriters = 20

// addConcurrently adds an assistant message from concurrentWriters
// goroutines at once, spread over stores, and reports the first error.
func addConcurrently(t *testing.T, stores []store.Store, chatID int64) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, 2*concurrentWriters)
	for i := range concurrentWriters {
		s := stores[i%len(stores)]
		wg.Go(func() {
			_, err := s.AddAssistantMessage(context.Background(), chatID, fmt.Sprintf("reply %d", i))
			errs <- err
		})
		// Readers alongside the writers must neither block them nor fail.
		wg.Go(func() {
			_, err := s.ListChats(context.Background(), 1)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent use: %v", err)
		}
	}
}

func TestConcurrentAssistantMessages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store, _ string) {
		chat := mustChat(t, s, mustUser(t, s, "ada@example.com").ID)
		addConcurrently(t, []store.Store{s}, chat.ID)
		messages, err := s.Messages(context.Background(), chat.UserID, chat.ID)
		if err != nil || len(messages) != concurrentWriters {
			t.Errorf("Messages = %d messages, %v; want %d", len(messages), err, concurrentWriters)
		}
	})
}

// Two stores on one SQLite file stand for two instances of the service:
// their writes contend in SQLite itself, where busy_timeout and BEGIN
// IMMEDIATE must keep SQLITE_BUSY away.
func TestConcurrentWritesFromTwoSQLiteStores(t *testing.T) {
	first, databaseURL := storetest.SQLite(t)
	second := storetest.Open(t, databaseURL)
	chat := mustChat(t, first, mustUser(t, first, "ada@example.com").ID)
	addConcurrently(t, []store.Store{first, second}, chat.ID)
	messages, err := second.Messages(context.Background(), chat.UserID, chat.ID)
	if err != nil || len(messages) != concurrentWriters {
		t.Errorf("Messages = %d messages, %v; want %d", len(messages), err, concurrentWriters)
	}
}
